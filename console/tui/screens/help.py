"""``?``: the keys, and what each trigger state means."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
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
            ("?", "this help"),
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


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._content(), id="help-text")

    def _content(self) -> Table:
        variables = mrp_app(self).theme_variables
        outer = Table.grid(padding=(0, 2))
        outer.add_column()
        outer.add_column()
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for section, rows in KEYS:
            keys.add_row(Text(section, style="bold underline"), "")
            for key, what in rows:
                keys.add_row(key, what)
            keys.add_row("", "")
        states = Table.grid(padding=(0, 2))
        states.add_column(no_wrap=True)
        states.add_column()
        states.add_row(Text("Trigger states", style="bold underline"), "")
        for state in STATES:
            states.add_row(state_text(state, variables), MEANING[state])
        states.add_row("", "")
        states.add_row(Text("Drill", style="bold underline"), "")
        states.add_row("DRILL", "mrp demo replays recorded history; nothing touches a real system")
        states.add_row(
            "Staleness", "DATA AGE turns muted when the newest sample is over 5 minutes old"
        )
        outer.add_row(keys, states)
        return outer
