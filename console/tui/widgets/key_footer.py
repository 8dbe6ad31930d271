"""The footer of the console's screens: Textual's, without labels cut at the right edge."""

from __future__ import annotations

from collections.abc import Sequence

from textual.geometry import Size
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

GIVES_WAY = ("quit_key", "history", "sync")
"""The app's keys (``MrpApp.BINDINGS``) a narrow footer leaves out, in this order: the last
shown first. ``?`` (help) is not one of them: it lists them all."""


def keys_that_fit(widths: Sequence[tuple[str, int]], room: int) -> set[str]:
    """The actions of ``widths`` (action, cells) to show: all but the ``GIVES_WAY`` ones,
    left out in that order while the keys shown need more than ``room`` cells; all of them
    while the room is not known yet (0)."""
    shown = dict(widths)
    for action in GIVES_WAY:
        if room <= 0 or sum(shown.values()) <= room:
            break
        shown.pop(action, None)
    return set(shown)


class KeyFooter(Footer):
    """At 80 columns Textual's footer cut the model screen's keys at ``s`` (``Sync now``,
    ``History`` and ``Quit`` off the edge) and History's at ``q``. This one leaves out whole
    keys instead, the app-wide ones of ``GIVES_WAY``, while the keys would not fit beside
    the command palette's. The screen's own keys and ``?`` stay; ``?`` and ``^p`` list every
    key, and a key left out still works."""

    async def recompose(self) -> None:
        await super().recompose()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        keys = list(self.query_children(FooterKey))
        palette = [key for key in keys if key.has_class("-command-palette")]
        keys = [key for key in keys if key not in palette]
        room = self.size.width and self.size.width - sum(_width(key) for key in palette)
        shown = keys_that_fit([(key.action, _width(key)) for key in keys], room)
        for key in keys:
            key.display = key.action in shown


def _width(key: FooterKey) -> int:
    """The cells ``key`` takes, shown or not: its label, padding, border and margin."""
    label = key.get_content_width(Size(0, 0), Size(0, 0))
    return label + key.styles.gutter.width + key.styles.margin.width
