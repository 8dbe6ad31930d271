"""Which metric names a workspace knows, and the policies' triggers on any other.

``mrp policy check`` refuses a trigger on an unknown metric. The commands that evaluate
(``status``, ``evaluate``, the console) load policies without asking, so that a metric a
policy names before its exporter ships does not stop the whole fleet's monitoring; they
name such triggers instead, because a misspelled metric reads as "no data" where the real
one would have fired.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Protocol

from console.policy.checks import document_problems
from console.policy.errors import Problem, sort_problems
from console.policy.loader import PolicySet

if TYPE_CHECKING:
    import duckdb

    from console.settings import Workspace


def metric_names(workspace: Workspace, stored: Collection[str]) -> set[str] | None:
    """The metrics the workspace's Prometheus sources map and its MLflow sources take
    baselines of (``mrp.toml``), with ``stored``, those the state database holds samples or
    baselines of; None when too little is known to judge (a ``files`` or ``http`` source
    that has stored nothing yet)."""
    from console.settings import MlflowSource, PrometheusSource

    names: set[str] = set(stored)
    complete = bool(stored)
    configured = True
    for source in workspace.config.sources.values():
        if isinstance(source, PrometheusSource):
            names |= set(source.metrics)
        elif isinstance(source, MlflowSource):
            names |= set(source.baseline_metrics)
        else:
            configured = False
    return names if (complete or configured) and names else None


def unknown_metrics(policies: PolicySet, known: Collection[str] | None) -> list[Problem]:
    """``file:line:col: unknown metric ...`` for every trigger on a metric not in ``known``
    (nothing when ``known`` is None)."""
    if known is None:
        return []
    problems = [
        problem
        for loaded in policies
        if loaded.source is not None
        for problem in document_problems(loaded.source, known)
    ]
    return sort_problems(problems, policies.files)


class Reading(Protocol):
    """A trigger's state as an evaluation gives it (``TriggerState``, the console's view)."""

    @property
    def kind(self) -> str | None: ...
    @property
    def metric(self) -> str | None: ...
    @property
    def value(self) -> float | None: ...


def unknown_watched_metrics(
    workspace: Workspace,
    policies: PolicySet,
    states: Iterable[Reading],
    stored_metrics: Callable[[], Collection[str]],
) -> list[Problem]:
    """The triggers on metrics the workspace does not know, found from an evaluation's
    ``states``: only a metric no state had a value of is looked up (``stored_metrics``, a
    scan of the store, runs only then), so a healthy fleet costs nothing."""
    with_values: set[str] = set()
    watched: set[str] = set()
    for state in states:
        if state.metric is not None and state.kind != "event":
            watched.add(state.metric)
            if state.value is not None:
                with_values.add(state.metric)
    if not watched - with_values:
        return []
    return unknown_metrics(policies, metric_names(workspace, stored_metrics()))


def stored_metric_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every metric the state database holds samples or baselines of."""
    from console.store import sql

    return {str(row[0]) for row in con.execute(sql("known_metrics")).fetchall()}
