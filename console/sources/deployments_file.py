"""Read and check ``deployments.json`` (format in DESIGN.md) into records."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from console.clock import parse_time
from console.errors import ConfigError
from console.sources.records import (
    AliasRecord,
    BaselineRecord,
    DeploymentRecord,
    ModelRecord,
    SourceBatch,
    VersionRecord,
)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class _Version(_Loose):
    version: str
    created_at: str | None = None
    status: str | None = None
    run_id: str | None = None
    baseline: dict[str, float] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


class _Switch(_Loose):
    alias: str
    version: str
    at: str
    actor: str | None = None


class _Model(_Loose):
    name: str
    team: str | None = None
    risk_tier: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    versions: list[_Version] = Field(default_factory=list)
    aliases: dict[str, str] = Field(default_factory=dict)
    history: list[_Switch] = Field(default_factory=list)


class _File(_Loose):
    models: list[_Model]


def _where(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_WANTED = {
    "dict_type": 'an object ({"key": value, ...})',
    "list_type": "a list ([...])",
    "string_type": "a string",
    "float_type": "a number",
    "float_parsing": "a number",
}
"""What pydantic's error types ask for, in JSON's words ("dictionary" is Python's)."""


def _problem(detail: ErrorDetails) -> str:
    if detail["type"] == "missing":
        return "is required"
    wanted = _WANTED.get(detail["type"])
    if wanted is None:
        return str(detail["msg"]).lower()
    given = json.dumps(detail["input"])
    return f"must be {wanted}, not {given if len(given) <= 40 else given[:37] + '...'}"


def _time(path: Path, where: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise ConfigError(f"{path}: {where}: '{text}' is not an RFC 3339 time.") from None


def read_deployments(path: Path, batch: SourceBatch) -> None:
    """Fill ``batch`` with the models, versions, baselines, aliases and history in ``path``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: the file does not exist.") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON at line {error.lineno}: {error.msg}.") from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = _where(tuple(first["loc"]))
        raise ConfigError(f"{path}: {where}: {_problem(first)}.") from None
    for index, model in enumerate(parsed.models):
        _read_model(path, index, model, batch)


def _read_model(path: Path, index: int, model: _Model, batch: SourceBatch) -> None:
    at = f"models[{index}] ({model.name})"
    batch.models.append(ModelRecord(model.name, model.team, model.risk_tier, model.tags))
    known: set[str] = set()
    for v_index, version in enumerate(model.versions):
        known.add(version.version)
        created = _time(path, f"{at}.versions[{v_index}].created_at", version.created_at)
        batch.versions.append(
            VersionRecord(
                model.name, version.version, created, version.status, version.run_id, version.tags
            )
        )
        batch.baselines.extend(
            BaselineRecord(model.name, version.version, metric, value)
            for metric, value in version.baseline.items()
        )
    previous: dict[str, str] = {}
    since: dict[str, datetime] = {}
    timed: list[tuple[datetime, _Switch]] = []
    for h_index, switch in enumerate(model.history):
        if switch.version not in known:
            raise ConfigError(
                f"{path}: {at}.history[{h_index}] names version '{switch.version}', "
                f"which is not among {model.name}'s versions."
            )
        moment = _time(path, f"{at}.history[{h_index}].at", switch.at)
        assert moment is not None
        timed.append((moment, switch))
    for moment, switch in sorted(timed, key=lambda pair: pair[0]):
        batch.deployments.append(
            DeploymentRecord(
                model.name,
                switch.alias,
                switch.version,
                previous.get(switch.alias),
                moment,
                switch.actor,
            )
        )
        previous[switch.alias] = switch.version
        since[switch.alias] = moment
    for alias, serving in model.aliases.items():
        if serving not in known:
            raise ConfigError(
                f"{path}: {at}.aliases.{alias} names version '{serving}', "
                f"which is not among {model.name}'s versions."
            )
        batch.aliases.append(
            AliasRecord(
                model.name,
                alias,
                serving,
                since.get(alias) if previous.get(alias) == serving else None,
            )
        )
