"""Arguments mrp cannot parse end as its other errors do: one sentence after ``mrp: `` that
names the command and points at its --help, exit 2 (click's usage-error code), no usage
line, no boxed panel, no traceback. --help and a group given nothing still show the help."""

from __future__ import annotations

import subprocess
import sys
from enum import StrEnum
from typing import Annotated

import pytest
import typer

from console.commands.usage_errors import UsageError, describe_usage_error
from tests.unit.cli_helpers import Result, run_mrp


def _sentence(result: Result) -> str:
    assert result.exit_code == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("status", "--jsn"),
            "mrp: no such option --jsn for 'mrp status' (did you mean --json?); "
            "see 'mrp status --help'.",
        ),
        (
            ("statu",),
            "mrp: no such command 'statu' for 'mrp' (did you mean 'status'?); see 'mrp --help'.",
        ),
        (
            ("keys", "shw"),
            "mrp: no such command 'shw' for 'mrp keys' (did you mean 'show'?); "
            "see 'mrp keys --help'.",
        ),
        (
            ("rollback",),
            "mrp: missing argument 'model' for 'mrp rollback'; see 'mrp rollback --help'.",
        ),
        (
            ("keys", "init", "--role", "approver"),
            "mrp: missing option '--name' for 'mrp keys init'; see 'mrp keys init --help'.",
        ),
        (
            ("keys", "init", "--name"),
            "mrp: option '--name' requires an argument for 'mrp keys init'; "
            "see 'mrp keys init --help'.",
        ),
        (
            ("status", "extra"),
            "mrp: unexpected argument 'extra' for 'mrp status'; see 'mrp status --help'.",
        ),
    ],
)
def test_a_usage_error_is_one_sentence_naming_the_command(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str
) -> None:
    assert _sentence(run_mrp(capsys, *args)) == expected


def test_a_value_of_the_wrong_type_names_the_option_and_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sentence = _sentence(run_mrp(capsys, "demo", "--speed", "fast"))
    assert sentence.startswith("mrp: invalid value for '--speed' of 'mrp demo': ")
    assert sentence.endswith("; see 'mrp demo --help'.")
    assert "number" in sentence


class _Colour(StrEnum):
    red = "red"
    blue = "blue"


def test_a_bad_choice_lists_the_choices() -> None:
    """mrp has no option with choices yet; a command that had one would say this."""
    app = typer.Typer()

    @app.command()
    def paint(colour: Annotated[_Colour, typer.Option("--colour")] = _Colour.red) -> None:
        """Paint."""

    @app.command()
    def wash() -> None:
        """Wash."""

    command = typer.main.get_command(app)
    args = ["paint", "--colour", "green"]
    with pytest.raises(UsageError) as raised:
        command.main(args, prog_name="mrp", standalone_mode=False)
    sentence = describe_usage_error(raised.value, command, args)
    assert sentence.startswith("invalid value for '--colour' of 'mrp paint': 'green' ")
    assert "'red'" in sentence and "'blue'" in sentence
    assert sentence.endswith("; see 'mrp paint --help'.")
    assert "\n" not in sentence


def test_the_installed_command_prints_no_box_and_no_usage_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "console", "evaluate", "--jsno"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "mrp: no such option --jsno for 'mrp evaluate' (did you mean --json?); "
        "see 'mrp evaluate --help'.\n"
    )


def test_help_and_a_group_without_a_command_still_show_the_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    helped = run_mrp(capsys, "keys", "--help")
    assert helped.exit_code == 0
    assert "Usage: mrp keys" in helped.stdout
    bare = run_mrp(capsys, "keys")
    assert bare.exit_code == 2
    assert "Usage: mrp keys" in bare.stdout + bare.stderr
    assert "mrp: " not in bare.stderr
