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


def policy_schema() -> dict[str, Any]:
    schema = model.RollbackPolicy.model_json_schema(by_alias=True, mode="validation")
    definitions = schema.get("$defs", {})
    for cls in _MODELS:
        target = schema if cls is model.RollbackPolicy else definitions.get(cls.__name__)
        if target is not None:
            _fix_durations(cls, target.get("properties", {}))
    trigger = definitions.get("Trigger", {})
    _fix_degradation(trigger.get("properties", {}).get("degradation", {}))
    trigger["anyOf"] = [{"required": ["metric"]}, {"required": ["event"]}]
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "mrp RollbackPolicy",
        "description": (
            "A Model Rollback Policy: which models it selects, the triggers that decide when "
            "to roll back, and how the rollback is done (mrp/v1)."
        ),
        **{key: value for key, value in schema.items() if key not in ("title", "description")},
    }


def _fix_durations(cls: type[BaseModel], properties: dict[str, Any]) -> None:
    for name, field in cls.model_fields.items():
        prop = properties.get(field.alias or name)
        if prop is None:
            continue
        for option in [prop, *prop.get("anyOf", [])]:
            if option.get("format") == "duration":
                del option["format"]
        if isinstance(field.default, timedelta):
            prop["default"] = format_duration(field.default)


def _fix_degradation(prop: dict[str, Any]) -> None:
    for option in prop.get("anyOf", []):
        if option.get("type") == "string":
            option["pattern"] = DEGRADATION_PATTERN
