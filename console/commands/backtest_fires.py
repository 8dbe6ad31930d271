"""How `mrp backtest` shows a fire and a state change: a table row for a person, a JSON
object for a tool. Its own output and its ``--against`` comparison share them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.clock import format_duration, format_time
from console.commands.common import echo, print_table

if TYPE_CHECKING:
    from console.triggers.summary import Fire
    from console.triggers.types import Transition

MAX_FIRES_SHOWN = 40


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def transition_json(t: Transition) -> dict[str, object]:
    return {
        "model": t.model,
        "policy": t.policy,
        "trigger": t.trigger,
        "at": t.at,
        "from": t.from_state,
        "to": t.to_state,
        "value": t.value,
    }


def fire_json(f: Fire) -> dict[str, object]:
    return {
        "model": f.model,
        "policy": f.policy,
        "trigger": f.trigger,
        "at": f.at,
        "lasted_seconds": f.lasted.total_seconds(),
        "ongoing": f.ongoing,
        "value": f.value,
    }


def fire_table(every: list[Fire]) -> None:
    """Up to ``MAX_FIRES_SHOWN`` fires, one per row."""
    shown = every[:MAX_FIRES_SHOWN]
    rows = [
        (
            f.model,
            f.trigger,
            format_time(f.at),
            format_duration(f.lasted) + ("+" if f.ongoing else ""),
            number(f.value),
        )
        for f in shown
    ]
    print_table(("MODEL", "TRIGGER", "FIRED AT", "LASTED", "VALUE"), rows)
    if len(every) > len(shown):
        more = len(every) - len(shown)
        echo(f"... and {more} more (narrow with --model, --from, --to; --json has them all).")
    if any(f.ongoing for f in shown):
        echo("(+ still firing when the replay ends)")
