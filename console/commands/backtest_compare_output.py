"""How `mrp backtest --against` shows its comparison (``console.triggers.compare``): per
trigger the fires of both policy versions, then each fire only one of them has; in JSON, the
other replay's transitions as well."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from console.clock import format_duration
from console.commands.backtest_fires import fire_json, fire_table, transition_json
from console.commands.common import echo, print_table

if TYPE_CHECKING:
    from console.triggers.backtest import Replay
    from console.triggers.compare import Comparison, TriggerComparison


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()


def comparison_json(paths: list[Path], compared: Replay, c: Comparison) -> dict[str, object]:
    return {
        "policies": [str(p) for p in paths],
        "transitions": [transition_json(t) for t in compared.transitions],
        "triggers": [
            {
                "policy": t.policy,
                "trigger": t.trigger,
                "fires": t.fires,
                "firing_seconds": _seconds(t.firing_time),
                "against_fires": t.against_fires,
                "against_firing_seconds": _seconds(t.against_firing_time),
            }
            for t in c.triggers
        ],
        "new_fires": [fire_json(f) for f in c.new_fires],
        "gone_fires": [fire_json(f) for f in c.gone_fires],
    }


def print_comparison(paths: list[Path], c: Comparison) -> None:
    def count(n: int | None) -> str:
        return "-" if n is None else str(n)

    def span(t: timedelta | None) -> str:
        return "-" if t is None else format_duration(t)

    named = ", ".join(str(p) for p in paths)
    echo()
    echo(f"Per trigger, against the policies in {named} over the same span:")
    print_table(
        ("POLICY", "TRIGGER", "FIRES", "FIRING", "FIRES THERE", "FIRING THERE", "CHANGE"),
        [
            (
                t.policy,
                t.trigger,
                count(t.fires),
                span(t.firing_time),
                count(t.against_fires),
                span(t.against_firing_time),
                _change(t),
            )
            for t in c.triggers
        ],
    )
    for title, shown in (
        (f"Fires that only these policies have ({len(c.new_fires)})", c.new_fires),
        (f"Fires that only the policies in {named} have ({len(c.gone_fires)})", c.gone_fires),
    ):
        echo()
        echo(f"{title}{':' if shown else '.'}")
        if shown:
            fire_table(list(shown))


def _change(t: TriggerComparison) -> str:
    """What differs for one trigger, in words: the reviewer's eye goes there first."""
    if t.fires is None:
        return "only there"
    if t.against_fires is None:
        return "only here"
    if t.fires != t.against_fires:
        return f"{t.fires - t.against_fires:+d} {'fire' if abs(t.fires - t.against_fires) == 1 else 'fires'}"
    if t.firing_time is not None and t.against_firing_time is not None:
        longer = t.firing_time - t.against_firing_time
        if longer:
            sign = "+" if longer > timedelta(0) else "-"
            return f"{sign}{format_duration(abs(longer))} firing"
    return ""
