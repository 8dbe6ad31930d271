"""The theme names mrp.toml is checked against (console.theme_names, known without
importing Textual) are the themes the console can show: mrp's registered ones and
Textual's built-ins."""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES

from console.theme_names import TEXTUAL_THEMES, mrp_theme_names
from console.tui.themes import MRP_THEMES, mrp_themes


def test_mrp_themes_are_the_ones_the_console_registers() -> None:
    registered = {theme.name for theme in mrp_themes()}
    assert set(mrp_theme_names()) == registered == set(MRP_THEMES)


def test_textual_themes_are_textuals_built_ins() -> None:
    assert set(TEXTUAL_THEMES) == set(BUILTIN_THEMES)
