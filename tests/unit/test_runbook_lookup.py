"""Naming a runbook as an engineer does: `mrp runbook show MODEL` finds the model's most recent
runbook once none is open (and says which), a unique part of an id names it as a short hash
names a git commit, an ambiguous one lists the candidates; `mrp runbook list` is newest
first under a pinned clock too; a closed runbook offers no next step."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.settings import Workspace
from tests.unit.test_runbook_standing import ROLLBACK, mrp
from tests.unit.test_runbook_support import build_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path / "ws")


def open_one(capsys: pytest.CaptureFixture[str], ws: Workspace) -> str:
    opened = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice", "--json")
    assert opened.exit_code == 0, opened.stderr
    return str(opened.json()["id"])


def closed_dry_run(capsys: pytest.CaptureFixture[str], ws: Workspace) -> str:
    rb = open_one(capsys, ws)
    closed = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert closed.exit_code == 0, closed.stderr
    return rb


def test_show_model_finds_the_runbook_that_just_closed(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    rb = closed_dry_run(capsys, ws)
    shown = mrp(capsys, ws, "runbook", "show", "fraud")
    assert shown.exit_code == 0, shown.stderr
    assert shown.stderr == f"no runbook is open for fraud; its most recent is {rb}.\n"
    lines = shown.stdout.splitlines()
    assert lines[0] == f"runbook {rb}: fraud 4 → 2 (dry run)"
    assert "  closed     dry run complete (nothing changed; rehearsal: would recover)" in lines
    assert not any(line.startswith("  next") for line in lines), shown.stdout

    approving = mrp(capsys, ws, "runbook", "approve", "fraud", "--as", "carol")
    assert approving.exit_code == 2
    assert approving.stderr == (
        f"mrp: no runbook is open for fraud; its most recent, {rb}, is closed "
        f"(`mrp runbook show {rb}`).\n"
    )


def test_a_unique_part_of_an_id_names_the_runbook(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    first = closed_dry_run(capsys, ws)
    tail = first.rsplit("-", 1)[1]
    assert mrp(capsys, ws, "runbook", "show", tail, "--json").json()["id"] == first
    second = open_one(capsys, ws)
    assert first.split("-")[:3] == second.split("-")[:3]  # the pinned clock: the same minute
    shared = "-".join(first.split("-")[1:3])
    ambiguous = mrp(capsys, ws, "runbook", "show", shared)
    assert ambiguous.exit_code == 2
    assert ambiguous.stderr == (
        f"mrp: '{shared}' matches 2 runbooks ({second}, {first}); give more of the id.\n"
    )
    by_id = mrp(capsys, ws, "runbook", "show", f"{shared}-{second.rsplit('-', 1)[1]}", "--json")
    assert by_id.json()["id"] == second


def test_list_is_newest_first_under_a_pinned_clock(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    """Every runbook here opens at the same pinned instant, so neither the time nor the id
    (whose tail is random) says which came first; the audit log does."""
    opened = []
    for _ in range(4):
        opened.append(open_one(capsys, ws))
        aborted = mrp(capsys, ws, "runbook", "abort", "fraud", "--as", "alice")
        assert aborted.exit_code == 0, aborted.stderr
    newest_first = opened[::-1]
    listed = mrp(capsys, ws, "runbook", "list", "--json").json()["runbooks"]
    assert [r["id"] for r in listed] == newest_first
    rows = mrp(capsys, ws, "runbook", "list").stdout.splitlines()[1:]
    assert [row.split()[0] for row in rows] == newest_first
    shown = mrp(capsys, ws, "runbook", "show", "fraud", "--json")
    assert shown.json()["id"] == opened[-1]
