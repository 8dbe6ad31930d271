"""mrp's Textual themes, defined in ``themes/*.toml`` and registered by the app.

Each file holds a theme's base colours and role-named variables (``trigger-firing``,
``chart-threshold``, ...). Any other theme (Textual's built-ins) gets those roles from its
own base colours, so the stylesheet never meets an undefined variable.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from textual.color import Color
from textual.theme import Theme

from console.resources import themes_dir

DEFAULT_THEME = "mrp-dark"
MRP_THEMES = ("mrp-dark", "mrp-light", "mrp-high-contrast")
STYLESHEET = "console.tcss"
_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "dark",
    "luminosity_spread",
    "text_alpha",
)


def stylesheet_path() -> Path:
    return themes_dir() / STYLESHEET


def theme_from_file(path: Path) -> Theme:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(raw) - {*_FIELDS, "name", "variables"}
    if unknown:
        raise ValueError(f"{path}: unknown key '{sorted(unknown)[0]}'")
    return Theme(
        name=str(raw.get("name", path.stem)),
        variables={str(k): str(v) for k, v in raw.get("variables", {}).items()},
        **{key: raw[key] for key in _FIELDS if key in raw},
    )


@cache
def mrp_themes() -> tuple[Theme, ...]:
    return tuple(theme_from_file(path) for path in sorted(themes_dir().glob("*.toml")))


def role_defaults(theme: Theme) -> dict[str, str]:
    """Role variables for a theme that does not define them, from its base colours."""
    foreground = theme.foreground or ("#e0e0e0" if theme.dark else "#1e1e1e")
    background = theme.background or ("#121212" if theme.dark else "#efefef")
    muted = Color.parse(foreground).blend(Color.parse(background), 0.4).hex
    return {
        "trigger-firing": theme.error or theme.primary,
        "trigger-pending": theme.warning or theme.primary,
        "trigger-ok": theme.success or theme.primary,
        "trigger-no-data": muted,
        "chart-series": theme.primary,
        "chart-threshold": theme.error or theme.primary,
        "chart-baseline": theme.accent or theme.primary,
        "chart-switch": theme.warning or theme.primary,
        "drill-background": theme.warning or theme.primary,
        "drill-foreground": background,
    }
