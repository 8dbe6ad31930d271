"""The JSON Schema (draft 2020-12) of a ``RollbackPolicy`` document, for YAML editors.

Pydantic's schema describes the Python types; this one describes the YAML people write:
durations are strings like ``5m`` (not ISO 8601), a relative degradation is ``25%``, and
``for`` is spelled ``for``. Point yaml-language-server at it with a first line of
``# yaml-language-server: $schema=rollback-policy.schema.json``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from console.clock import format_duration
from console.policy import model

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEGRADATION_PATTERN = r"^\s*\d+(\.\d+)?\s*%?\s*$"
_MODELS: tuple[type[BaseModel], ...] = (
    model.Selector,
    model.Evaluation,
    model.Trigger,
    model.Approvals,
    model.Verify,
    model.FreezeWindow,
    model.Rollback,
    model.Spec,
    model.Metadata,
    model.RollbackPolicy,
)


_HELP: dict[tuple[str, str], str] = {
    ("Evaluation", "step"): "How often triggers are evaluated (default 1m).",
    ("Evaluation", "staleness"): "A sample older than this counts as no data (default 5m).",
    ("Trigger", "name"): "Unique within the policy; names the trigger in states and audit records.",
    ("Trigger", "metric"): "The metric to watch (a metric trigger).",
    ("Trigger", "event"): "An event kind that fires the trigger, e.g. security_finding.",
    ("Trigger", "op"): "Which way is bad: the trigger holds when value <op> threshold.",
    ("Trigger", "threshold"): "A fixed limit (instead of a baseline).",
    ("Trigger", "aggregate"): "How samples in 'window' are combined (needs 'window').",
    ("Trigger", "window"): "The window 'aggregate' runs over, e.g. 15m.",
    ("Trigger", "baseline"): (
        "previous_version (same aggregate before the switch), registered (the version's "
        "recorded value) or a number; needs 'degradation'."
    ),
    ("Trigger", "for"): "How long the condition must hold before firing (Prometheus 'for').",
    ("Trigger", "severity"): "How bad it is when this trigger fires.",
    ("Trigger", "action"): "What firing asks for: rollback, page or block_promotion.",
    ("Trigger", "min_severity"): "Event triggers: the least severe event that fires.",
    ("Trigger", "on_no_data"): "State when there is no fresh sample (overrides the policy's).",
    ("Spec", "on_no_data"): "State of a trigger without a fresh sample: no_data, ok or firing.",
    ("Rollback", "mechanism"): "How the rollback is executed.",
    ("Rollback", "cooldown"): "No new rollback of the same model within this time.",
    ("Rollback", "freeze"): "Change-freeze windows.",
    ("Approvals", "required"): "How many distinct signers must approve.",
    ("Verify", "window"): "How long after the rollback the triggers must recover.",
}


def policy_schema() -> dict[str, Any]:
    schema = model.RollbackPolicy.model_json_schema(by_alias=True, mode="validation")
    definitions = schema.get("$defs", {})
    for cls in _MODELS:
        target = schema if cls is model.RollbackPolicy else definitions.get(cls.__name__)
        if target is not None:
            _fix_properties(cls, target.get("properties", {}))
    trigger = definitions.get("Trigger", {})
    _fix_degradation(trigger.get("properties", {}).get("degradation", {}))
    trigger["oneOf"] = [{"required": ["metric"]}, {"required": ["event"]}]
    trigger["dependentRequired"] = {"degradation": ["baseline"], "baseline": ["degradation"]}
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "mrp RollbackPolicy",
        "description": (
            "A Model Rollback Policy: which models it selects, the triggers that decide when "
            "to roll back, and how the rollback is done (mrp/v1)."
        ),
        **{key: value for key, value in schema.items() if key not in ("title", "description")},
    }


def _fix_properties(cls: type[BaseModel], properties: dict[str, Any]) -> None:
    for name, field in cls.model_fields.items():
        prop = properties.get(field.alias or name)
        if prop is None:
            continue
        for option in [prop, *prop.get("anyOf", [])]:
            if option.get("format") == "duration":
                del option["format"]
        if isinstance(field.default, timedelta):
            prop["default"] = format_duration(field.default)
        help_text = _HELP.get((cls.__name__, field.alias or name))
        if help_text and "description" not in prop:
            prop["description"] = help_text


def _fix_degradation(prop: dict[str, Any]) -> None:
    for option in prop.get("anyOf", []):
        if option.get("type") == "string":
            option["pattern"] = DEGRADATION_PATTERN
