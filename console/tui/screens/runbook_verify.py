"""Steps 6 and 7: verify, then close. The verification runs as soon as this screen is up;
its outcome, what still fires and the next step appear here; enter closes the runbook
with the notes written below."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.widget import Widget
from textual.widgets import Input, Static

from console.clock import format_duration
from console.runbook.model import Runbook
from console.runbook.present import verdict_words
from console.runbook.verify import Watching
from console.tui.format import local_time, times_in
from console.tui.screens.runbook_results import Proceed
from console.tui.screens.runbook_step import Frame, StepScreen


class VerifyStep(StepScreen):
    heading = "6/7 · Verify, then close"
    step = "verify"
    hint = "verifying… · esc: abort or leave it open (resumable)"

    def __init__(self, frame: Frame, runbook: Runbook, error: str | None = None) -> None:
        super().__init__(frame, error)
        self.runbook = runbook
        self.finished = False

    def body(self) -> Iterable[Widget]:
        rb = self.runbook
        mode = "rehearsal over the target's own history" if rb.dry_run else "watch"
        window = format_duration(rb.rollback.verify.window)
        yield Static(f"verify window {window} ({mode})", id="verify-plan")
        yield Static("", id="verify-progress")
        yield Static("", id="verify-outcome")
        yield Input(placeholder="closing notes (optional)", id="notes")

    def mounted(self) -> None:
        notes = self.query_one("#notes", Input)
        notes.display = False
        notes.disabled = True  # hidden, it must not take what is typed while the step watches

    def show_watching(self, watching: Watching) -> None:
        """How the watched triggers stand as evidence about the target, as `mrp` says it:
        waiting for its first samples until there are some, never "all ok" on none."""
        self.query_one("#verify-progress", Static).update(
            f"{local_time(watching.at)}: {times_in(watching.says())}"
        )

    def show_result(self, runbook: Runbook) -> None:
        self.runbook = runbook
        v = runbook.verification
        if v is None or not v.complete:
            ends = f" until {local_time(v.window_end)}" if v is not None else ""
            self.query_one("#verify-outcome", Static).update(f"still watching{ends}")
            return
        self.finished = True
        verdict = verdict_words(v).upper()
        if runbook.dry_run:
            verdict = f"REHEARSAL · {verdict}"
        lines = [f"{verdict}: {times_in(v.summary or '')}"]
        if v.next_step:
            lines.append(f"next: {v.next_step}")
        self.query_one("#verify-outcome", Static).update("\n".join(lines))
        notes = self.query_one("#notes", Input)
        notes.disabled = False
        notes.display = True
        self.reveal(notes)
        what = (
            "as a completed dry run (nothing changed)" if runbook.dry_run else "with this outcome"
        )
        self.query_one("#step-hint", Static).update(
            f"enter: close the runbook {what} · esc: abort or leave it open"
        )

    @on(Input.Submitted, "#notes")
    def _close(self, event: Input.Submitted) -> None:
        if self.finished:
            self.dismiss(Proceed(notes=event.value.strip() or None))
