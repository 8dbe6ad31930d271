"""The first verify lines after a move: the evaluation step under way began before the
alias moved, so it rightly shows the version moved away from; that is not "the state
database still shows version 4 serving" (it does show the move), which is kept for a move
no sync has seen."""

from __future__ import annotations

from datetime import timedelta

from console.runbook.evidence import Reading
from console.runbook.verify import Watching
from console.runbook.verify_judging import Evidence, judge
from tests.unit.test_runbook_flow import _minimal_runbook
from tests.unit.test_runbook_support import NOW

MOVE = NOW + timedelta(seconds=30)


def _line(step_offset: timedelta) -> str:
    runbook = _minimal_runbook()
    reading = Reading(
        "risk", "accuracy-floor", "firing", version="4", step=NOW + step_offset, kind="threshold"
    )
    judgement = judge(runbook, [reading], Evidence("2", MOVE))
    left, window = timedelta(minutes=14), timedelta(minutes=15)
    return Watching(MOVE, "2", judgement, left, window).says()


def test_a_step_that_began_before_the_move_is_not_taken_for_a_move_unseen() -> None:
    line = _line(timedelta(0))
    assert "waiting for the first samples of version 2" in line
    assert "still shows" not in line


def test_a_step_after_the_move_that_still_shows_the_old_version_says_so() -> None:
    line = _line(timedelta(minutes=1))
    assert "the state database still shows version 4 serving" in line
