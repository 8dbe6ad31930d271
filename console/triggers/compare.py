"""Two policy versions replayed over the same history, side by side: what a reviewer of a
policy change wants to know before it merges (which fires it adds, which it takes away).

A fire of one replay has a counterpart in the other when the same model's trigger of the
same policy fires at some instant of it in both: a threshold moved a little shifts when a
fire begins without making it another incident. Triggers are matched by policy and name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from console.triggers.backtest import Replay
from console.triggers.summary import Fire, fires

TriggerKey = tuple[str, str]
"""(policy, trigger)"""


@dataclass(frozen=True)
class TriggerComparison:
    """One trigger's fires in both replays (None: the trigger is not in that version)."""

    policy: str
    trigger: str
    fires: int | None
    firing_time: timedelta | None
    against_fires: int | None
    against_firing_time: timedelta | None


@dataclass(frozen=True)
class Comparison:
    triggers: tuple[TriggerComparison, ...]
    new_fires: tuple[Fire, ...]
    """Fires of the replay with no counterpart in the one compared against."""
    gone_fires: tuple[Fire, ...]
    """Fires of the replay compared against with no counterpart in the replay."""


def compare(replay: Replay, against: Replay) -> Comparison:
    """``replay`` against ``against``, over the same span, both with their coverage: every
    trigger that selects a model of the replay is listed, also one that never fired; one
    that only one version has shows as absent in the other."""
    mine, theirs = fires(replay), fires(against)
    here, there = _selecting(replay), _selecting(against)
    mine_by, theirs_by = _by_pair(mine), _by_pair(theirs)
    return Comparison(
        tuple(
            _trigger(key, mine if key in here else None, theirs if key in there else None)
            for key in dict.fromkeys([*here, *there])
        ),
        tuple(f for f in mine if not _overlaps_any(f, theirs_by)),
        tuple(f for f in theirs if not _overlaps_any(f, mine_by)),
    )


def _trigger(
    key: TriggerKey, mine: list[Fire] | None, theirs: list[Fire] | None
) -> TriggerComparison:
    here = None if mine is None else [f for f in mine if _key(f) == key]
    there = None if theirs is None else [f for f in theirs if _key(f) == key]
    return TriggerComparison(
        key[0],
        key[1],
        None if here is None else len(here),
        None if here is None else sum((f.lasted for f in here), timedelta(0)),
        None if there is None else len(there),
        None if there is None else sum((f.lasted for f in there), timedelta(0)),
    )


def _selecting(replay: Replay) -> list[TriggerKey]:
    """The (policy, trigger) pairs of the replay's coverage, in its order."""
    return list(dict.fromkeys((c.policy, c.trigger) for c in replay.coverage))


def _key(fire: Fire) -> TriggerKey:
    return fire.policy, fire.trigger


PairKey = tuple[str, str, str]
"""(model, policy, trigger)"""


def _by_pair(every: list[Fire]) -> dict[PairKey, list[Fire]]:
    grouped: dict[PairKey, list[Fire]] = {}
    for fire in every:
        grouped.setdefault((fire.model, fire.policy, fire.trigger), []).append(fire)
    return grouped


def _overlaps_any(fire: Fire, others: dict[PairKey, list[Fire]]) -> bool:
    """Does the same model's trigger fire at some instant of ``fire`` in ``others``?"""
    end = fire.at + fire.lasted
    return any(
        o.at <= end and fire.at <= o.at + o.lasted
        for o in others.get((fire.model, fire.policy, fire.trigger), ())
    )
