"""The frame every runbook step screen shares: which runbook, the rail of steps, the
evidence, then the step's own panel with the last refusal and the next action spelled out.

A step is a whole screen (it keeps the evidence and the steps in view, under the DRILL
banner in a replay, with a dry run said in its title); it collects a decision and writes
nothing. The step's title and refusal stay at the top of its panel and its hint at the
bottom; on a short terminal what lies between scrolls there, never the screen. Esc asks,
over the step, whether to leave the runbook open, go back, or abort it,
and answers ``Escape`` with the choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static

from console.runbook.model import Evidence, Runbook
from console.tui.context import mrp_app
from console.tui.screens.runbook_abort import AbortStep
from console.tui.screens.runbook_results import AbortChoice, Escape, StepAnswer
from console.tui.widgets.drill_banner import DrillBanner
from console.tui.widgets.runbook_evidence import RunbookEvidence
from console.tui.widgets.runbook_steps import RunbookSteps

SHORT_BELOW = 30
"""Rows under which a step makes room: its table gives up its own height to take what the
step has left (and scrolls there), and an empty refusal line goes. From 30 rows a step with
one trigger in its evidence fits as it is; a taller one scrolls its body."""


class StepBody(VerticalScroll, can_focus=False):
    """A step's own content, between its title and its hint: on a short terminal it scrolls
    here (the mouse, page up/down), while the screen, the rail and the hint stay put."""

    def on_resize(self) -> None:
        """Less room (a refusal shown above, a scrollbar that rewraps the text) leaves the
        body scrolled where it was: the field being typed in keeps its place in view."""
        focused = self.app.focused
        if focused is not None and self in focused.ancestors:
            self.call_after_refresh(focused.scroll_visible, animate=False)


@dataclass(frozen=True)
class Frame:
    """What every step screen shows above its panel."""

    model: str
    runbook: Runbook | None
    evidence: Evidence | None

    @property
    def title(self) -> str:
        rb = self.runbook
        dry = " · DRY RUN" if rb is not None and rb.dry_run else ""
        return self.heading + dry

    @property
    def heading(self) -> str:
        """The title without the dry-run mark."""
        rb = self.runbook
        if rb is None:
            return f"Rollback {self.model}"
        return f"Rollback {rb.model} · {rb.from_version} → {rb.to_version or '?'} · runbook {rb.id}"


def title_text(heading: str, dry_run: bool) -> Text:
    """A step's title; a dry run says so in reverse video, on every step."""
    text = Text(heading)
    if dry_run:
        text.append(" · ")
        text.append(" DRY RUN ", style="bold reverse")
    return text


class StepScreen(Screen[StepAnswer]):
    """Subclasses set ``heading``, ``step`` and ``hint`` and yield their widgets from
    ``body``."""

    DEFAULT_CSS = """
    StepScreen { layout: vertical; }
    StepScreen .runbook-title { text-style: bold; color: $primary; padding: 0 1; height: 1; }
    StepScreen RunbookSteps { padding: 0 1; height: 1; }
    StepScreen RunbookEvidence {
        border: round $primary 50%; padding: 0 1; height: auto; max-height: 9;
        border-title-color: $text-muted;
    }
    StepScreen > .step-area { height: 1fr; }
    StepScreen .step-panel {
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    StepScreen .step-head { dock: top; height: auto; }
    StepScreen .step-title { text-style: bold; color: $primary; }
    StepScreen .step-error { color: $error; text-style: bold; height: auto; }
    StepScreen .step-body { height: auto; max-height: 100%; }
    StepScreen .step-hint { dock: bottom; color: $text-muted; margin-top: 1; }
    StepScreen DataTable { height: auto; max-height: 10; }
    StepScreen.-short DataTable { height: 1fr; max-height: 100%; }
    StepScreen.-short #step-error.-empty { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "escape", "Abort or leave"),
        Binding("pageup", "page_body('up')", "Scroll up", show=False),
        Binding("pagedown", "page_body('down')", "Scroll down", show=False),
    ]

    heading: str = ""
    step: str = "open"
    hint: str = "enter: continue · esc: abort or leave the runbook"

    def __init__(self, frame: Frame, error: str | None = None) -> None:
        super().__init__(classes="runbook-step")
        self.frame = frame
        self.error = error

    def compose(self) -> ComposeResult:
        yield DrillBanner()
        yield Static(self._title(), classes="runbook-title", id="runbook-title")
        yield RunbookSteps()
        yield RunbookEvidence()
        with Vertical(classes="step-area"), Vertical(classes="step-panel"):
            with Vertical(classes="step-head"):
                yield Static(self.heading, classes="step-title")
                yield Static(
                    self.error or "",
                    classes="step-error" if self.error else "step-error -empty",
                    id="step-error",
                )
            with StepBody(classes="step-body"):
                yield from self.body()
            yield Static(self.hint, classes="step-hint", id="step-hint")
        yield Footer()

    def on_mount(self) -> None:
        if self.app.is_headless:  # tests and snapshots: a steady cursor draws the same each time
            for field in self.query(Input):
                field.cursor_blink = False
        self.query_one(RunbookSteps).show_runbook(self.frame.runbook, self.step)
        self.query_one(RunbookEvidence).show_evidence(
            self.frame.evidence,
            self.frame.model,
            mrp_app(self).theme_variables,
            recorded=self.frame.runbook is not None,
        )
        self.mounted()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT_BELOW, "-short")
        self.call_after_refresh(self._keep_focus_in_view)

    def _keep_focus_in_view(self) -> None:
        """A terminal made smaller (a tmux split) leaves the body scrolled where it was: the
        field being typed in (the approval's phrase) would go on taking keys below the
        panel's edge, unseen."""
        focused = self.app.focused
        if focused is not None and self.query_one(StepBody) in focused.ancestors:
            focused.scroll_visible(animate=False)

    def mounted(self) -> None:
        """Focus and fill the step's widgets (subclasses)."""

    def shows_dry_run(self) -> bool:
        rb = self.frame.runbook
        return rb is not None and rb.dry_run

    def _title(self) -> Text:
        return title_text(self.frame.heading, self.shows_dry_run())

    def show_title(self) -> None:
        self.query_one("#runbook-title", Static).update(self._title())

    def body(self) -> Iterable[Widget]:
        return ()

    def show_error(self, message: str) -> None:
        self.error = message
        line = self.query_one("#step-error", Static)
        line.update(message)
        line.set_class(not message, "-empty")

    def reveal(self, field: Widget) -> None:
        """Focus ``field`` and scroll the step's body to it once it is laid out (a field
        just shown has no place yet when it takes the focus)."""
        field.focus()
        self.call_after_refresh(field.scroll_visible, animate=False)

    def action_page_body(self, direction: str) -> None:
        body = self.query_one(StepBody)
        if direction == "up":
            body.scroll_page_up(animate=False)
        else:
            body.scroll_page_down(animate=False)

    def action_escape(self) -> None:
        runbook = self.frame.runbook
        if runbook is None:
            self.dismiss(Escape())
            return
        self.app.push_screen(AbortStep(runbook.id), callback=self._escaped)

    def _escaped(self, choice: AbortChoice | None) -> None:
        if choice is not None and choice.action != "back":
            self.dismiss(Escape(choice))
