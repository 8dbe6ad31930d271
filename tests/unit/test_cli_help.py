"""`mrp ... --help` reads as prose: a docstring's paragraphs are reflowed to the terminal,
and text in square brackets is shown as written, not taken for markup."""

from __future__ import annotations

import pytest

from tests.unit.cli_helpers import run_mrp


def test_a_long_paragraph_is_reflowed_not_broken_where_the_docstring_breaks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = run_mrp(capsys, "audit", "verify", "--help")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.stdout.splitlines()]
    # the docstring breaks after "(runbooks," and "no such evidence: no"
    assert not any(line.endswith("(runbooks,") for line in lines), result.stdout
    assert "no records yet, exit 0" in " ".join(lines)
    prose = [line for line in lines if line and not line.startswith(("│", "╭", "╰", "Usage"))]
    assert all(len(line) > 40 for line in prose[1:-1]), prose


def test_a_config_section_in_square_brackets_is_shown(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    result = run_mrp(capsys, "console", "--help")
    assert result.exit_code == 0
    assert "workspace's [console] theme" in result.stdout
