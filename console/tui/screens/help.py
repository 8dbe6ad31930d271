"""``?``: the keys, and what each trigger state means.

Side by side where the terminal is wide enough, one under the other on a narrow one (80
columns), inside a box that never outgrows the terminal and scrolls."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.tui.context import mrp_app
from console.tui.format import MEANING, STATES, state_text

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        (
            ("?", "this help (esc, ? or q closes it)"),
            ("ctrl+p", "command palette: every action, and the theme"),
            ("s", "sync the sources and re-evaluate now"),
            ("h", "history: rollbacks, deployments, events, audit records"),
            ("q", "quit"),
        ),
    ),
    (
        "Fleet",
        (
            ("↑ ↓  j k", "move between models"),
            ("enter", "open the model"),
            ("/", "filter by name, team, tier or state (firing, pending, no data)"),
            ("esc", "clear the filter"),
        ),
    ),
    (
        "Model",
        (
            ("1 2 3 4", "chart range: 1h, 6h, 24h, 7d"),
            ("r", "start the rollback runbook for this model"),
            ("t v a", "the Triggers, Versions and Records tabs"),
            ("esc", "back to the fleet"),
        ),
    ),
    (
        "History",
        (
            ("/", "filter by model, action or any text"),
            ("e", "export the records shown to CSV"),
            ("esc", "back"),
        ),
    ),
)
WIZARD: tuple[tuple[str, str], ...] = (
    (
        "? s h q",
        "do nothing there (ctrl+q quits; the runbook stays open; h opens History from the last step)",
    ),
    ("enter", "do what the step's last line says"),
    (
        "esc",
        "asks: esc again leaves the runbook open (r resumes it), ctrl+r goes back "
        "to the step, a reason and enter aborts it",
    ),
    ("tab", "open step: dry run on/off"),
    ("ctrl+b", "approvals: break-glass, where the policy allows it"),
    ("pgup pgdn", "scroll the step on a short terminal"),
)
"""The wizard's own keys: ``?`` cannot be pressed there, so they are said here, beforehand."""
NARROW_BELOW = 100
"""Columns under which the trigger states go under the keys instead of beside them."""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._content(narrow=self.app.size.width < NARROW_BELOW), id="help-text")

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#help-text", Static).update(
            self._content(narrow=event.size.width < NARROW_BELOW)
        )

    def _content(self, narrow: bool) -> Table:
        variables = mrp_app(self).theme_variables
        keys = section_grid()
        for section, rows in KEYS:
            add_section(keys, section, rows)
        more = section_grid()
        more.add_row(Text("Trigger states", style="bold underline"), "")
        for state in STATES:
            more.add_row(state_text(state, variables), MEANING[state])
        more.add_row("", "")
        add_section(more, "Rollback wizard", WIZARD)
        app = mrp_app(self)
        beside = (
            (("Beside it", f"mrp status -w {app.workspace.root} (at the replayed time)"),)
            if app.clock.is_replay
            else ()
        )
        add_section(
            more,
            "Drill",
            (
                ("DRILL", "mrp demo replays recorded history; nothing touches a real system"),
                *beside,
                ("Staleness", "DATA AGE turns muted when the newest sample is over 5 minutes old"),
            ),
        )
        outer = Table.grid(padding=(0, 2))
        if narrow:
            outer.add_column()
            outer.add_row(keys)
            outer.add_row(more)
        else:
            outer.add_column(ratio=1)
            outer.add_column(ratio=1)
            outer.add_row(keys, more)
        return outer


def section_grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def add_section(grid: Table, title: str, rows: tuple[tuple[str, str], ...]) -> None:
    grid.add_row(Text(title, style="bold underline"), "")
    for key, what in rows:
        grid.add_row(key, what)
    grid.add_row("", "")
