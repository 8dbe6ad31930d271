"""The names ``[console] theme`` in mrp.toml may take, known without importing Textual
(every command reads mrp.toml, and a headless one must start fast): mrp's own themes, a file
each in themes/, and Textual's built-in ones, which the console offers as well."""

from __future__ import annotations

import difflib
from functools import cache

from console.resources import themes_dir

TEXTUAL_THEMES = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "catppuccin-mocha",
    "textual-ansi",
    "dracula",
    "tokyo-night",
    "monokai",
    "flexoki",
    "catppuccin-latte",
    "solarized-light",
    "solarized-dark",
    "rose-pine",
    "rose-pine-moon",
    "rose-pine-dawn",
)
"""Textual's built-in themes (``textual.theme.BUILTIN_THEMES``, which tests/tui keeps this
list equal to)."""


@cache
def mrp_theme_names() -> tuple[str, ...]:
    """mrp's themes: each ``themes/NAME.toml`` registers the theme NAME."""
    return tuple(sorted(path.stem for path in themes_dir().glob("*.toml")))


def theme_problem(name: str) -> str | None:
    """Why no theme is called ``name``, with the closest name there is; None when one is."""
    known = (*mrp_theme_names(), *TEXTUAL_THEMES)
    if name in known:
        return None
    by_lower = {known_name.lower(): known_name for known_name in known}
    close = difflib.get_close_matches(name.lower(), by_lower, n=1)
    if close:
        return f"there is no theme '{name}' (did you mean '{by_lower[close[0]]}'?)"
    mine = [f"'{theme}'" for theme in mrp_theme_names()]
    listed = f"{', '.join(mine[:-1])} and {mine[-1]}" if len(mine) > 1 else "".join(mine)
    return f"there is no theme '{name}': mrp's are {listed} (Textual's, such as 'nord', work too)"
