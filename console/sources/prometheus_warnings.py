"""What a Prometheus sync that worked but brought nothing usable tells the user.

A template that names a metric Prometheus does not have is valid PromQL: every query
succeeds with no series, the sync reports no error, and the triggers on that metric sit in
``no_data``. A metric is named when no query of this sync matched a series for any model and
nothing of it is stored either; a metric whose series simply have no points past the
watermark is stored, so it is not named.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import timedelta

from console.clock import format_duration
from console.sources.records import SyncWarning


def no_models(source: str, label: str, backfill: timedelta) -> SyncWarning:
    return SyncWarning(
        "no models to query: the config lists none, the state database knows none, and "
        f"Prometheus has no values of label '{label}' in the last {format_duration(backfill)}; "
        f"check model_label, or list them as models = [...] in [sources.{source}]."
    )


def quiet_metrics(
    source: str,
    templates: Mapping[str, str],
    queried: Mapping[str, Set[str]],
    matched: Set[str],
    stored: Set[str],
    backfill: timedelta,
    models: int,
) -> list[SyncWarning]:
    """One warning per metric that matched no series in this sync and has nothing stored.

    ``queried`` maps a metric to the models its range queries were sent for, ``matched``
    holds the metrics at least one query found a series for, ``stored`` the metrics the state
    database holds for this source."""
    warnings = []
    for metric, template in templates.items():
        if metric in matched or metric in stored:
            continue
        asked = queried.get(metric, set())
        if asked:
            warnings.append(
                SyncWarning(
                    f"the query matched no series for {_whom(asked)} in the last "
                    f"{format_duration(backfill)}; check the metric name and labels in "
                    f"[sources.{source}.metrics].",
                    metric,
                )
            )
        elif "{version}" in template and models:
            whose = "the model" if models == 1 else f"any of the {models} models"
            warnings.append(
                SyncWarning(
                    f"the template names {{version}}, but no version of {whose} is known yet, "
                    "so nothing was queried; a registry or files source brings the versions.",
                    metric,
                )
            )
    return warnings


def _whom(models: Set[str]) -> str:
    if len(models) == 1:
        return f"model '{next(iter(models))}'"
    return f"any of {len(models)} models"
