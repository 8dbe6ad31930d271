"""How the console writes states, times, ages and sparklines. Pure functions, no widgets.

A state is always a symbol and a word, never colour alone; the colour comes from the
theme's role variable (``$trigger-firing``...) and only reinforces it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from rich.cells import cell_len, chop_cells
from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError

from console.clock import format_duration, parse_time
from console.errors import MrpError

STATES = ("firing", "pending", "no_data", "ok")
SYMBOL = {"firing": "✖", "pending": "◐", "no_data": "∅", "ok": "✔"}
WORD = {"firing": "FIRING", "pending": "pending", "no_data": "no data", "ok": "ok"}
MEANING = {
    "firing": "the condition has held for at least the trigger's `for`: act (rollback, page)",
    "pending": "the condition holds, but not yet for the whole `for` duration",
    "no_data": "no sample inside the staleness window: the feed is silent or late",
    "ok": "the condition does not hold",
}
ROLE = {
    "firing": "trigger-firing",
    "pending": "trigger-pending",
    "no_data": "trigger-no-data",
    "ok": "trigger-ok",
}
_BARS = "▁▂▃▄▅▆▇█"
MIN_RELATIVE_RANGE = 0.1
"""A sparkline spans at least 10% of the metric's level, so noise does not look like news."""


def state_label(state: str | None) -> str:
    if state is None:
        return "· none"
    return f"{SYMBOL.get(state, '?')} {WORD.get(state, state)}"


def role_style(variables: Mapping[str, str], role: str, bold: bool = False) -> Style:
    """A Rich style in the colour of a theme role variable (plain if it cannot be parsed)."""
    return _role_style(variables.get(role), bold)


@lru_cache(maxsize=256)
def _role_style(value: str | None, bold: bool) -> Style:
    if value is None:
        return Style(bold=bold)
    try:
        return Style(color=Color.parse(value).rich_color, bold=bold)
    except ColorParseError:
        return Style(bold=bold)


def state_role(state: str | None) -> str:
    return ROLE.get(state or "", "trigger-no-data")


def state_text(state: str | None, variables: Mapping[str, str]) -> Text:
    if state is None:
        return Text(state_label(None), style=role_style(variables, "trigger-no-data"))
    return Text(
        state_label(state),
        style=role_style(variables, ROLE.get(state, "trigger-no-data"), bold=state == "firing"),
    )


TIME_FORMAT = "%Y-%m-%d %H:%M %Z"
"""The console's one way of writing an instant: ``2026-11-14 19:10 UTC`` (local time, zone
named). Tables, headers, the wizard and text from the core all go through ``local_time``."""
_RFC3339 = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)")


def local_time(moment: datetime | None) -> str:
    """A time as a person reads it: local, with the zone's abbreviation."""
    return "-" if moment is None else moment.astimezone().strftime(TIME_FORMAT)


def local_date(moment: datetime | None) -> str:
    """The local day of a time, where the hour does not matter (``2026-11-13``)."""
    return "-" if moment is None else moment.astimezone().strftime("%Y-%m-%d")


def times_in(text: str) -> str:
    """``text`` with every RFC 3339 time in it (the core's and the CLI's form) written the
    console's way, so a sentence from the runbook reads like the screen around it."""
    return _RFC3339.sub(lambda m: local_time(parse_time(m.group(0))), text)


def age(span: timedelta | None) -> str:
    if span is None:
        return "no data"
    if span < timedelta(seconds=60):
        return "<1m" if span >= timedelta(0) else "future"
    return format_duration(timedelta(minutes=int(span.total_seconds() // 60)))


def describe(error: BaseException | None) -> str:
    """A worker's failure in one line: an MrpError's own sentence, else its type and text."""
    if isinstance(error, MrpError):
        return error.message
    return f"{type(error).__name__}: {error}" if error else "unknown error"


def number(value: float | None) -> str:
    if value is None:
        return "-"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 0.001 or magnitude >= 100_000):
        return f"{value:.3g}"
    if magnitude >= 100:
        return f"{value:,.1f}"
    return f"{value:.4g}" if magnitude < 1 else f"{value:.3f}".rstrip("0").rstrip(".")


def sparkline(values: Sequence[float], width: int = 16) -> str:
    """Block characters scaled to the series' own range; a flat series is a flat line."""
    if not values:
        return "·" * min(width, 3)
    shown = list(values)[-width:]
    low, high = min(shown), max(shown)
    middle = (low + high) / 2
    floor = abs(middle) * MIN_RELATIVE_RANGE
    if high - low < floor:  # noise on a steady metric stays a flat line
        low, high = middle - floor / 2, middle + floor / 2
    if high - low < 1e-12:
        return _BARS[3] * len(shown)
    top = len(_BARS) - 1
    return "".join(_BARS[round((v - low) / (high - low) * top)] for v in shown)


def progress(held: timedelta | None, needed: timedelta | None) -> str:
    """How far a pending trigger is into its ``for``: ``4m/10m``."""
    if needed is None or needed <= timedelta(0):
        return "-"
    done = held or timedelta(0)
    return f"{format_duration(done)}/{format_duration(needed)}"


def wrap_cells(text: str, width: int, max_lines: int) -> list[str]:
    """``text`` in lines at most ``width`` cells wide, broken at its own line breaks and
    between words (a word wider than a line is cut), at most ``max_lines`` of them: the last
    ends in "…" when some was left out."""
    width = max(width, 1)
    lines = [line for paragraph in text.split("\n") for line in _wrap_words(paragraph, width)]
    if len(lines) <= max_lines:
        return lines
    last = " ".join(lines[max_lines - 1 : max_lines + 1])
    return [*lines[: max_lines - 1], chop_cells(last, max(width - 1, 1))[0].rstrip() + "…"]


def _wrap_words(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        *whole, line = chop_cells(word, width)
        lines.extend(whole)
    lines.append(line)
    return lines


def names_that_fit(names: Sequence[str], width: int) -> str:
    """``a, b, c`` if it fits in ``width``, else as many names as fit and ``+N`` for the
    rest (the first name at least, however long)."""
    for shown in range(len(names), 0, -1):
        rest = len(names) - shown
        text = ", ".join(names[:shown]) + (f" +{rest}" if rest else "")
        if len(text) <= width:
            return text
    return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")
