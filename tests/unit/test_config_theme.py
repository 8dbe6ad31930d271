"""A theme mrp.toml names must exist: a misspelt one stops every command that reads
mrp.toml, in one sentence naming file and line with the closest theme, rather than go
unnoticed until the console falls back. Every mrp.toml error names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli_helpers import run_mrp


def _config(console: str) -> str:
    """tiny_workspace's mrp.toml with ``console`` written after its first line."""
    return f'operator = "alice"\n{console}[sources.offline]\nkind = "files"\n'


def _sentence(capsys: pytest.CaptureFixture[str], root: Path, *command: str) -> str:
    result = run_mrp(capsys, *command, "-w", root)
    assert result.exit_code == 2, result
    (line,) = result.stderr.splitlines()
    assert "Traceback" not in line
    return line


@pytest.mark.parametrize(
    ("console", "expected"),
    [
        (
            '\n[console]\nrefresh = "1m"\ntheme = "mrp-drak"\n',
            "mrp.toml:5: 'console.theme': there is no theme 'mrp-drak' (did you mean 'mrp-dark'?).",
        ),
        (
            'console.theme = "high-contrast"\n',
            "mrp.toml:2: 'console.theme': there is no theme 'high-contrast' "
            "(did you mean 'mrp-high-contrast'?).",
        ),
        (
            'console = { refresh = "1m", theme = "Nord" }\n',
            "mrp.toml:2: 'console.theme': there is no theme 'Nord' (did you mean 'nord'?).",
        ),
        (
            '[console]\ntheme = "purple"\n',
            "mrp.toml:3: 'console.theme': there is no theme 'purple': mrp's are 'mrp-dark', "
            "'mrp-high-contrast' and 'mrp-light' (Textual's, such as 'nord', work too).",
        ),
    ],
)
@pytest.mark.parametrize("command", [("status",), ("sync",), ("evaluate",)])
def test_an_unknown_theme_stops_headless_commands(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    console: str,
    expected: str,
    command: tuple[str, ...],
) -> None:
    (tiny_workspace / "mrp.toml").write_text(_config(console))
    sentence = _sentence(capsys, tiny_workspace, *command)
    assert sentence == f"mrp: {tiny_workspace / expected}"


@pytest.mark.parametrize(
    "theme", ["mrp-dark", "mrp-light", "mrp-high-contrast", "nord", "textual-light"]
)
def test_mrp_and_textual_themes_are_taken(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, theme: str
) -> None:
    (tiny_workspace / "mrp.toml").write_text(_config(f'[console]\ntheme = "{theme}"\n'))
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('operator = "a"\n\nstatedir = ".mrp"\n', "mrp.toml:3: unknown key 'statedir'"),
        (
            '# a comment\n[sources.prom]\nkind = "prometheus"\nurl = "http://p"\nbackfil = "1d"\n',
            "mrp.toml:5: unknown key 'sources.prom.backfil'",
        ),
        (
            '[sources.prom]\nkind = "prometheus"\nstep = "1m"\n',
            "mrp.toml:1: the key 'sources.prom.url' is required.",
        ),
        (
            'operator = """\n[console]\nrefresh = "soon"\n"""\n[console]\nrefresh = "soon"\n',
            "mrp.toml:6: 'console.refresh'",
        ),
        (
            '[console]\n"refresh" = "soon"\n',
            "mrp.toml:2: 'console.refresh'",
        ),
    ],
)
def test_a_config_error_names_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "mrp.toml").write_text(content)
    sentence = _sentence(capsys, tmp_path, "status")
    assert sentence.startswith(f"mrp: {tmp_path / expected}")
