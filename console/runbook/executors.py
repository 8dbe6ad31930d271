"""The runbook's door to the sources' executors (MLflow alias swap; the platform's webhook
and traffic shift).

The sources implement the calls (``console.sources.mlflow_executor``,
``console.sources.http_platform_executor``); this module picks the one the policy's
mechanism and the model's source call for, and gives the runbook two blocking operations:
read back which version serves (where the alias points; for a traffic shift, the version
taking all of the traffic), and move it there with an idempotency key. A model whose source
has no executor (a ``files`` workspace such as the demo) can only be rolled back as a dry
run.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from console.errors import MrpError
from console.settings import Workspace

T = TypeVar("T")


@dataclass(frozen=True)
class Moved:
    """What the executor reports after a move it confirmed by reading it back."""

    version: str
    previous_version: str | None
    already_done: bool
    detail: str
    reference: str | None = None


class Executor(Protocol):
    source: str
    mechanism: str

    def current(self, model: str, alias: str) -> str | None:
        """The version serving ``alias`` now, read from the upstream system (where the alias
        points; for a traffic shift, the version taking all of the traffic)."""
        ...

    def move(
        self, model: str, alias: str, version: str, key: str, actor: str, reason: str
    ) -> Moved:
        """Make ``version`` serve ``alias`` (idempotent per ``key``), confirmed by reading it
        back; raises MrpError on failure."""
        ...


@dataclass(frozen=True)
class ExecutorChoice:
    executor: Executor | None
    why: str
    """Which executor, or why there is none (then only a dry run is possible)."""


def _run(factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await factory()

    return asyncio.run(main())


class _AsyncAdapter:
    """Wraps a sources executor (async ``current`` and ``move_alias``) for the runbook."""

    def __init__(self, source: str, mechanism: str, inner: Any) -> None:
        self.source = source
        self.mechanism = mechanism
        self._inner = inner

    def current(self, model: str, alias: str) -> str | None:
        found: Any = _run(lambda: self._inner.current(model, alias))
        return None if found is None else str(found)

    def move(
        self, model: str, alias: str, version: str, key: str, actor: str, reason: str
    ) -> Moved:
        result: Any = _run(
            lambda: self._inner.move_alias(model, alias, version, key, actor=actor, reason=reason)
        )
        return Moved(
            version=str(result.version),
            previous_version=result.previous_version,
            already_done=bool(result.already_done),
            detail=str(result.detail),
            reference=getattr(result, "reference", None),
        )


_BY_MECHANISM = {
    "alias_swap": ("mlflow", "console.sources.mlflow_executor", "MlflowAliasExecutor"),
    "webhook": ("http", "console.sources.http_platform_executor", "HttpWebhookExecutor"),
    "traffic_shift": ("http", "console.sources.http_platform_executor", "HttpTrafficExecutor"),
}
"""mechanism -> (the source kind that carries it out, module, executor class)."""


def choose_executor(
    workspace: Workspace, mechanism: str, model_source: str | None
) -> ExecutorChoice:
    """The executor for ``mechanism`` on a model that came from ``model_source``."""
    sources = workspace.config.sources
    found = _BY_MECHANISM.get(mechanism)
    if found is None:
        return ExecutorChoice(None, f"mrp has no executor for the '{mechanism}' mechanism yet")
    wanted, module_name, class_name = found
    names = [n for n, c in sorted(sources.items()) if c.kind == wanted]
    if model_source in names:
        name: str | None = model_source
    elif len(names) == 1:
        name = names[0]
    else:
        name = None
    if name is None:
        kind = sources[model_source].kind if model_source in sources else "unknown"
        return ExecutorChoice(
            None,
            f"the policy's mechanism is {mechanism}, which needs a '{wanted}' source, and this "
            f"model comes from source '{model_source}' ({kind})",
        )
    try:
        module = importlib.import_module(module_name)
        kind_class = getattr(module, class_name)
    except (ImportError, AttributeError):
        return ExecutorChoice(None, f"the {wanted} executor is not available in this mrp")
    inner = kind_class(name, sources[name], workspace)
    adapter = _AsyncAdapter(name, mechanism, inner)
    return ExecutorChoice(adapter, f"source '{name}' ({wanted})")


def require(choice: ExecutorChoice) -> Executor:
    if choice.executor is None:
        raise MrpError(f"nothing can carry out this rollback: {choice.why}; use --dry-run.")
    return choice.executor
