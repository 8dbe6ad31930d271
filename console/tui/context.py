"""Typed access to the running MrpApp from widgets and screens (without an import cycle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from console.tui.app import MrpApp


def mrp_app(node: DOMNode) -> MrpApp:
    return cast("MrpApp", node.app)
