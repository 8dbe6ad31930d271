"""The trigger engine: policies evaluated over the stored history, in SQL (``queries/triggers``).

- ``evaluate_at``: every trigger of every model as of an instant (``TriggerState``);
- ``backtest``: every state change over a span of history (``Transition``);
- ``console.triggers.state``: ``refresh_states`` (evaluate now, store ``trigger_states``;
  after each sync) and ``current_states`` (evaluate now, continuing from the store).

Semantics (``docs/triggers.md``) follow Prometheus alerting rules.
"""

from console.triggers.backtest import backtest
from console.triggers.current import evaluate_at
from console.triggers.types import STATE_RANK, State, Transition, TriggerState

__all__ = ["STATE_RANK", "State", "Transition", "TriggerState", "backtest", "evaluate_at"]
