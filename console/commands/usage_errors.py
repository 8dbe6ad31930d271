"""Arguments the command line cannot parse, told in mrp's words: one sentence after ``mrp: ``
that names the command and points at its ``--help`` (as any other mrp error), in place of
the usage line and boxed panel typer prints.

The sentence is built from click's own exception (its message, the option it could not
find and the close ones it offers). Typer vendors click in typer._click, a private module
(older releases import click itself), so the exceptions are told apart by their class
names, as typer itself does, and their class is found from typer's public BadParameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import typer

UsageError: type[Exception] = next(
    base for base in typer.BadParameter.__mro__ if base.__name__ == "UsageError"
)
"""click's UsageError (exit code 2): a bad option, argument or command name."""

_NO_SUCH_COMMAND = re.compile(r"No such command '(?P<name>.*)'\.(?: Did you mean (?P<close>.+)\?)?")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<given>.*)\)")
_INVALID_VALUE = re.compile(r"Invalid value for (?P<hint>.+?): (?P<detail>.*)", re.DOTALL)


def show_usage_error(error: Exception, root: object, args: Sequence[str]) -> None:
    """Print ``error`` on stderr: the sentence, or nothing more than the help a command
    given no arguments has already printed (``no_args_is_help``). ``root`` is the click
    command ``args`` were given to."""
    if type(error).__name__ == "NoArgsIsHelpError":
        help_text = str(getattr(error, "format_message", lambda: "")()).strip()
        if help_text:  # typer without rich returns the help rather than printing it
            typer.echo(help_text, err=True)
        return
    typer.echo(f"mrp: {describe_usage_error(error, root, args)}", err=True)


def describe_usage_error(error: Exception, root: object, args: Sequence[str]) -> str:
    """One sentence (no ``mrp: ``) for a click usage error, naming the command."""
    command = _command_path(error, root, args)
    return f"{_problem(error, command)}; see '{command} --help'."


def _command_path(error: Exception, root: object, args: Sequence[str]) -> str:
    """The command the error is about: its context's, else (click's parser raises some
    errors, such as an option without its value, without one) the commands named in
    ``args``."""
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        return str(ctx.command_path)
    names, command = ["mrp"], root
    for arg in args:
        subcommand = getattr(command, "commands", {}).get(arg)
        if subcommand is not None:
            names.append(arg)
            command = subcommand
    return " ".join(names)


def _problem(error: Exception, command: str) -> str:
    if type(error).__name__ == "NoSuchOption":
        possibilities: Sequence[str] = getattr(error, "possibilities", None) or ()
        return (
            f"no such option {getattr(error, 'option_name', '')} for '{command}'"
            f"{_did_you_mean(sorted(possibilities))}"
        )
    message = " ".join(str(getattr(error, "message", error)).split())
    no_such_command = _NO_SUCH_COMMAND.fullmatch(message)
    if no_such_command:
        close = no_such_command["close"]
        return f"no such command '{no_such_command['name']}' for '{command}'" + (
            f" (did you mean {close}?)" if close else ""
        )
    extra = _EXTRA_ARGUMENTS.fullmatch(message)
    if extra:
        given = extra["given"]
        return f"unexpected argument{'s' if ' ' in given else ''} '{given}' for '{command}'"
    formatted = " ".join(str(getattr(error, "format_message", lambda: message)()).split())
    invalid = _INVALID_VALUE.fullmatch(formatted)
    if invalid:
        detail = _clause(invalid["detail"].removeprefix("Value error, "))  # pydantic's prefix
        return f"invalid value for {invalid['hint']} of '{command}': {detail}"
    return f"{_clause(formatted)} for '{command}'"


def _did_you_mean(names: Sequence[str]) -> str:
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"


def _clause(text: str) -> str:
    """``text`` as part of a sentence: no final period, and a first word that is only
    capitalised because it starts click's sentence is lower-cased ("Missing option")."""
    text = text.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:] == first[1:].lower():
        return text[:1].lower() + text[1:]
    return text
