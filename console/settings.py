"""Workspace discovery and the typed ``mrp.toml`` model.

A workspace is found from ``--workspace DIR``, then ``MRP_HOME``, then the current folder
upwards, then the platform's user config dir. Unknown keys are errors naming key and file.
Secrets never live here: tokens and private keys are in the keyring (``console.secrets``).
"""

from __future__ import annotations

import difflib
import os
import re
import time
import tomllib
import types
import typing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from console.clock import Clock, parse_duration, parse_time
from console.errors import ConfigError
from console.theme_names import theme_problem
from console.toml_lines import key_line

CONFIG_NAME = "mrp.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    return parse_duration(str(value))


class ConsoleSettings(_Strict):
    """How the console looks and how often it refreshes."""

    refresh: timedelta = timedelta(seconds=30)
    """How often the console syncs and re-evaluates."""
    theme: str = "mrp-dark"
    """A theme registered by mrp (mrp-dark, mrp-light, mrp-high-contrast) or by Textual."""

    _parse = field_validator("refresh", mode="before")(_duration)

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, name: str) -> str:
        """Checked here, not only by the console, so that a misspelt theme stops every
        command that reads mrp.toml rather than go unnoticed until the console falls back."""
        problem = theme_problem(name)
        if problem is not None:
            raise ValueError(problem)
        return name


def _instant(value: str | None) -> str | None:
    if value is not None:
        parse_time(value)
    return value


class ReplaySettings(_Strict):
    """Recorded history replayed faster than real time: ``mrp demo`` writes this into its
    copy of the workspace once, as its console's clock starts, so that every ``mrp`` run in
    that folder beside the console reads the instant the console shows."""

    start: str
    """The recorded instant the replay started from."""
    started_at: str
    """The real (wall-clock) time at which the replay was at ``start``."""
    speed: float = Field(gt=0, allow_inf_nan=False)
    """Recorded seconds per real second."""
    until: str
    """Where the recorded history ends: the replay stays there."""

    _check = field_validator("start", "started_at", "until")(_instant)

    def clock(self) -> Clock:
        """The replay's clock, at the instant the wall clock says it has reached."""
        elapsed = (datetime.now(UTC) - parse_time(self.started_at)).total_seconds()
        return Clock(
            replay_from=parse_time(self.start),
            speed=self.speed,
            replay_until=parse_time(self.until),
            _started=time.monotonic() - elapsed,
        )


class ClockSettings(_Strict):
    """Pin "now" for a workspace whose history is fixed (the sample workspace), or replay it
    (``mrp demo``'s copy of it). A pinned instant wins over a replay."""

    fixed: str | None = None
    replay: ReplaySettings | None = None
    """Written by ``mrp demo`` into its copy; not meant to be written by hand."""

    _check = field_validator("fixed")(_instant)


class _SourceBase(_Strict):
    timeout: timedelta = timedelta(seconds=10)
    """Per-request timeout."""
    concurrency: int = Field(default=8, ge=1, le=64)
    """Requests in flight at once for this source."""
    retries: int = Field(default=3, ge=0, le=10)
    """Retries with backoff on connection errors, 5xx and 429."""
    backoff: timedelta = timedelta(milliseconds=500)
    """Wait before the first retry; it doubles with each retry (with jitter), up to 10s.
    A 429 or 503 with ``Retry-After`` waits as long as the server asks (up to 60s)."""

    _parse = field_validator("timeout", "backoff", mode="before")(_duration)


class PrometheusSource(_SourceBase):
    kind: Literal["prometheus"]
    url: str
    step: timedelta = timedelta(minutes=1)
    backfill: timedelta = timedelta(days=14)
    """How far back the first sync reaches."""
    model_label: str = "model"
    version_label: str = "version"
    models: list[str] = Field(default_factory=list)
    """Models to query; empty means every model known to the state database."""
    metrics: dict[str, str] = Field(default_factory=dict)
    """metric name -> PromQL template with {model} and {version} placeholders."""

    _parse_step = field_validator("step", "backfill", mode="before")(_duration)


class MlflowSource(_SourceBase):
    kind: Literal["mlflow"]
    url: str
    serving_alias: str = "champion"
    baseline_metrics: dict[str, str] = Field(default_factory=dict)
    """metric -> run metric key used as the version's registered baseline."""
    models: list[str] = Field(default_factory=list)
    """Registered models to follow; empty means all."""


class HttpSource(_SourceBase):
    kind: Literal["http"]
    url: str
    """Base URL of the platform's API (docs/http-contract.md): GET {url}/deployments,
    POST {url}/rollback, POST {url}/traffic."""
    serving_alias: str = "champion"
    """The alias a rollback moves when the runbook names none."""
    signature_header: str = "X-MRP-Signature"
    """Header carrying ``sha256=<hex HMAC-SHA256 of the body>`` on the signed POSTs."""
    read_back: timedelta = timedelta(seconds=30)
    """How long to wait for GET {url}/deployments to show a rollback or traffic shift the
    platform accepted; one that does not show by then fails the execute step."""

    _parse_read_back = field_validator("read_back", mode="before")(_duration)


class FilesSource(_Strict):
    kind: Literal["files"]
    path: str = "."
    """Folder with deployments.json, metrics/*.parquet|*.csv and events.jsonl, relative
    to the workspace."""


SourceConfig = Annotated[
    PrometheusSource | MlflowSource | HttpSource | FilesSource, Field(discriminator="kind")
]


SOURCE_KINDS: dict[str, type[BaseModel]] = {
    "prometheus": PrometheusSource,
    "mlflow": MlflowSource,
    "http": HttpSource,
    "files": FilesSource,
}


SOURCE_NAME = re.compile(r"[A-Za-z0-9._-]+")
"""What a source's name is made of: its keyring keys are built from it
(``source:NAME:basic-auth``), so a name with ':' could share another source's keys."""


def _source_names(value: Any) -> Any:
    for name in value if isinstance(value, dict) else ():
        if not SOURCE_NAME.fullmatch(name):
            raise ValueError(
                f"the source name {name!r} may hold only letters, digits, '-', '_' and '.' (its keys "
                "in the keyring are made from it)"
            )
    return value


class Config(_Strict):
    """The contents of ``mrp.toml``."""

    operator: str | None = None
    """Default signer for this workspace user (``--as`` and ``MRP_SIGNER`` override)."""
    state_dir: str = ".mrp"
    """Where state.duckdb, audit.jsonl and runbooks/ live, relative to the workspace."""
    policies: str = "policies"
    """Folder of policy YAML files, relative to the workspace."""
    console: ConsoleSettings = ConsoleSettings()
    clock: ClockSettings = ClockSettings()
    sources: dict[str, SourceConfig] = Field(default_factory=dict)

    _check_source_names = field_validator("sources", mode="before")(_source_names)


@dataclass(frozen=True)
class PinnedTime:
    """The instant a workspace's "now" is pinned to, and what pins it (``source``:
    ``MRP_NOW`` or ``[clock] fixed in mrp.toml``)."""

    instant: datetime
    source: str


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: Config

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def state_dir(self) -> Path:
        return (self.root / self.config.state_dir).resolve()

    @property
    def db_path(self) -> Path:
        return self.state_dir / "state.duckdb"

    @property
    def audit_path(self) -> Path:
        return self.state_dir / "audit.jsonl"

    @property
    def runbooks_dir(self) -> Path:
        return self.state_dir / "runbooks"

    @property
    def policies_dir(self) -> Path:
        return self.root / self.config.policies

    @property
    def signers_path(self) -> Path:
        return self.root / "signers.yaml"

    def ensure_state_dir(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        return self.state_dir

    def pinned_time(self) -> PinnedTime | None:
        """What pins "now": ``MRP_NOW``, else ``[clock] fixed``; None when the clock runs."""
        pinned = os.environ.get("MRP_NOW")
        if pinned:
            try:
                return PinnedTime(parse_time(pinned), "MRP_NOW")
            except ValueError:
                raise ConfigError(f"MRP_NOW '{pinned}' is not an RFC 3339 time.") from None
        fixed = self.config.clock.fixed  # ClockSettings checked it when mrp.toml was read
        return PinnedTime(parse_time(fixed), "[clock] fixed in mrp.toml") if fixed else None

    def clock(self) -> Clock:
        """The workspace's "now": the pinned time (``pinned_time``), else the replay of
        ``[clock.replay]``, else the real clock."""
        pinned = self.pinned_time()
        if pinned is not None:
            return Clock(fixed=pinned.instant)
        replay = self.config.clock.replay
        return replay.clock() if replay is not None else Clock()

    @property
    def serving_alias(self) -> str:
        """The alias whose version serves: an MLflow source's ``serving_alias``, else
        ``champion``."""
        for source in self.config.sources.values():
            if isinstance(source, MlflowSource):
                return source.serving_alias
        return "champion"

    def signer_name(self, explicit: str | None = None) -> str | None:
        return explicit or os.environ.get("MRP_SIGNER") or self.config.operator


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir("mrp"))


def _enclosing_workspace(folder: Path) -> Path | None:
    """The nearest folder above ``folder`` that is a workspace, or None."""
    return next(
        (parent for parent in folder.resolve().parents if (parent / CONFIG_NAME).is_file()),
        None,
    )


def find_workspace_root(
    explicit: Path | None = None, cwd: Path | None = None, given_as: str = "-w "
) -> Path:
    """``given_as`` is how the user named ``explicit`` (``-w `` or ``MRP_HOME=``), for the
    suggestion when ``explicit`` lies inside a workspace."""
    if explicit is not None:
        if not explicit.is_dir():
            raise ConfigError(f"the workspace folder {explicit} does not exist.")
        if not (explicit / CONFIG_NAME).is_file():
            enclosing = _enclosing_workspace(explicit)
            if enclosing is not None:
                raise ConfigError(
                    f"{explicit} is not an mrp workspace but a folder inside {enclosing}, "
                    f"which is one (did you mean `{given_as}{enclosing}`?)."
                )
            raise ConfigError(
                f"{explicit} is not an mrp workspace: it has no {CONFIG_NAME} "
                f"(create one with `mrp init {explicit}`)."
            )
        return explicit.resolve()
    env_home = os.environ.get("MRP_HOME")
    if env_home:
        return find_workspace_root(Path(env_home), given_as="MRP_HOME=")
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    fallback = user_config_dir()
    if (fallback / CONFIG_NAME).is_file():
        return fallback
    raise ConfigError(
        f"no mrp workspace here: no {CONFIG_NAME} in {here} or its parents, and MRP_HOME is "
        "not set (use --workspace DIR, or create one with `mrp init`)."
    )


def load_config(path: Path) -> Config:
    """``path``'s settings; a key or value it does not take is one sentence naming
    ``path:LINE`` (the line that writes it, or the table it is missing from)."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: the file does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}.") from None
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        line = key_line(text, _written_key(error.errors()[0]))
        where = f"{path}:{line}" if line is not None else str(path)
        raise ConfigError(f"{where}: {describe_validation_error(error, Config)}") from None


def _written_key(first: ErrorDetails) -> list[str]:
    """The key a pydantic error is about, as the file writes it: its ``loc`` without a
    source's kind (the union's tag, as in ``sources.prom.prometheus.url``) and without list
    indexes; an unknown kind is about the source's ``kind`` key."""
    parts = list(first["loc"])
    if len(parts) > 2 and parts[0] == "sources" and _is_tag(parts[2]):
        del parts[2]
    if first["type"] == "union_tag_invalid":
        parts.append("kind")
    key: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            break
        key.append(part)
    return key


def describe_validation_error(error: ValidationError, root: type[BaseModel] | None = None) -> str:
    """The first problem of a pydantic error as one sentence naming the key; with ``root``
    (the file's model), an unknown key suggests the closest key its table takes."""
    first = error.errors()[0]
    loc = first["loc"]
    location = ".".join(str(part) for part in loc if not _is_tag(part))
    if first["type"] == "extra_forbidden":
        table = _table_at(root, loc[:-1]) if root is not None else None
        keys = list(table.model_fields) if table is not None else []
        close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
        return f"unknown key '{location}'" + (f" (did you mean '{close[0]}'?)." if close else ".")
    if first["type"] == "missing":
        return f"the key '{location}' is required."
    kinds = " or ".join(", ".join(f"'{kind}'" for kind in SOURCE_KINDS).rsplit(", ", 1))
    if first["type"] == "union_tag_not_found":
        return f"the key '{location}.kind' is required: {kinds}."
    if first["type"] == "union_tag_invalid":
        given = str((first.get("ctx") or {}).get("tag", ""))
        close = difflib.get_close_matches(given, SOURCE_KINDS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "."
        return f"'{location}.kind' must be {kinds} (got '{given}'){hint}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"'{location}': {message}." if location else f"{message}."


def _is_tag(part: object) -> bool:
    return part in SOURCE_KINDS


def _table_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model of the TOML table at pydantic's ``loc``: a source's kind in the path (as in
    ``sources.prom.prometheus``) names its model; a key of a name-keyed table has none."""
    table: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, str) and part in SOURCE_KINDS:
            table = SOURCE_KINDS[part]
            continue
        field = table.model_fields.get(str(part)) if table is not None else None
        annotation = field.annotation if field is not None else None
        options = (
            typing.get_args(annotation)
            if typing.get_origin(annotation) in (typing.Union, types.UnionType)
            else (annotation,)
        )
        table = next((o for o in options if isinstance(o, type) and issubclass(o, BaseModel)), None)
    return table


def open_workspace(explicit: Path | None = None) -> Workspace:
    root = find_workspace_root(explicit)
    return Workspace(root=root, config=load_config(root / CONFIG_NAME))
