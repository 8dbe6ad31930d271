"""Fleet rows carrying trigger states evaluated now, rather than those stored at the last
sync: `mrp status` must answer for the policy as it is in the workspace right now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from console.fleet import STATE_RANK, ModelStatus
from console.triggers.types import TriggerState


def with_states(models: Sequence[ModelStatus], states: Iterable[TriggerState]) -> list[ModelStatus]:
    by_model: dict[str, list[TriggerState]] = {}
    for state in states:
        by_model.setdefault(state.model, []).append(state)
    result = []
    for model in models:
        mine = by_model.get(model.name, [])
        worst = max((s.state for s in mine), key=STATE_RANK.__getitem__, default=None)
        result.append(
            replace(
                model,
                worst_state=worst,
                firing=tuple(s.trigger for s in mine if s.state == "firing"),
                pending=tuple(s.trigger for s in mine if s.state == "pending"),
            )
        )
    return result
