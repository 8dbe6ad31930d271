"""The console's one door to the core: sync, evaluation and reads, called from worker threads.

Every call takes one process-wide lock around its database work: DuckDB refuses a read-only
and a read-write connection to the same file inside one process, and the console's workers
(live refresh, model detail, history) may overlap. Connections are short-lived; nothing
here keeps the state database open between calls. Results are immutable snapshots.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from console.audit.expected import Evidence, shortfall
from console.audit.log import AuditLog
from console.clock import Clock
from console.errors import MrpError
from console.fleet import FleetSnapshot, TriggerView, fleet_snapshot, stored_trigger_views
from console.model_detail import ModelDetail, fleet_events, fleet_switches, model_detail
from console.policy.errors import PolicyError
from console.policy.known_metrics import stored_metric_names, unknown_watched_metrics
from console.policy.loader import PolicySet, load_workspace_policies
from console.refresh import sync_and_refresh
from console.runbook.store import RunbookStore, workspace_evidence
from console.settings import Workspace
from console.sources.sync import SyncOutcome
from console.store import connect
from console.tui.history_data import (
    History,
    HistoryRow,
    audit_row,
    event_row,
    full_record,
    merge_deploys,
    newest_first,
    switch_row,
    write_csv,
)
from console.tui.triggers_bridge import (
    Evaluator,
    evaluate_views,
    with_definitions,
)

DB_LOCK = threading.Lock()
"""Serialises the console's database work across its worker threads."""


@dataclass
class Gateway:
    workspace: Workspace
    clock: Clock
    alias: str = "champion"
    evaluator: Evaluator = evaluate_views
    """Evaluates the policies as of an instant; returning None shows the stored states."""
    _policies: PolicySet | None = field(default=None, repr=False)
    _policy_stamp: tuple[tuple[str, float], ...] = field(default=(), repr=False)
    _runbooks: RunbookStore | None = field(default=None, repr=False)

    @contextmanager
    def _read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short read-only connection. DuckDB's progress bar is off: it writes straight to
        the terminal, through the console's screen, when a query runs over two seconds."""
        with connect(self.workspace.db_path, read_only=True) as con:
            con.execute("SET enable_progress_bar = false")
            yield con

    def now(self) -> datetime:
        return self.clock.now()

    # -- the fleet ----------------------------------------------------------------------------

    def snapshot(self, *, evaluate: bool = True, spark: bool = True) -> FleetSnapshot:
        """The fleet as of now: freshly evaluated triggers, or the stored states."""
        problems: list[str] = []
        with DB_LOCK, self._read() as con:
            now = self.now()
            policies = self._policies_or_problem(problems)
            views = None
            if evaluate and policies is not None:
                try:
                    views = self.evaluator(con, policies, now, self.alias)
                except PolicyError as error:  # e.g. conflicting rollback settings for a model
                    problems.append(f"policies: {error.message}")
                if views is not None:
                    problems.extend(self._unknown_metrics(con, policies, views))
            if views is None:
                views = stored_trigger_views(con)
                if policies is not None:
                    views = with_definitions(views, policies)
            configured = tuple(self.workspace.config.sources)
            return fleet_snapshot(con, now, configured, views, self.alias, tuple(problems), spark)

    def sync(self) -> list[SyncOutcome]:
        """Pull every source into the state database and store the trigger states, as
        `mrp sync` does (so `mrp status` and CI gates read what the console saw; a model
        without deployment history gets its last deploy inferred from its metrics). A policy
        error leaves the stored states as they were: the snapshot that follows names it."""
        with DB_LOCK:
            return sync_and_refresh(self.workspace).outcomes

    def _unknown_metrics(
        self, con: duckdb.DuckDBPyConnection, policies: PolicySet, views: list[TriggerView]
    ) -> list[str]:
        """A trigger on a metric the workspace does not know reads as "no data" where the
        real metric might be firing: say so in the status bar, as `mrp status` does."""
        unknown = unknown_watched_metrics(
            self.workspace, policies, views, lambda: stored_metric_names(con)
        )
        root = self.workspace.root
        shown = [
            (p, str(p.path.relative_to(root)) if p.path.is_relative_to(root) else None)
            for p in unknown
        ]
        return [f"policies: {problem.render(path)}" for problem, path in shown]

    def _policies_or_problem(self, problems: list[str]) -> PolicySet | None:
        try:
            return self.policies()
        except MrpError as error:
            problems.append(f"policies: {error.message}")
            return None

    def policies(self) -> PolicySet:
        """The workspace's policies, re-read when a policy file changes."""
        folder = self.workspace.policies_dir
        files = sorted(folder.glob("*.y*ml")) if folder.is_dir() else []
        stamp = tuple((str(p), p.stat().st_mtime) for p in files)
        if self._policies is None or stamp != self._policy_stamp:
            self._policies = load_workspace_policies(self.workspace)
            self._policy_stamp = stamp
        return self._policies

    # -- one model ----------------------------------------------------------------------------

    def model(
        self, name: str, span: timedelta, at: datetime | None = None
    ) -> tuple[ModelDetail, tuple[HistoryRow, ...]]:
        """One model's detail over the ``span`` before ``at`` (default now), and its records
        newest first."""
        with DB_LOCK, self._read() as con:
            detail = model_detail(con, name, at or self.now(), span, self.alias)
        rows = merge_deploys(
            [switch_row(s) for s in detail.switches],
            [event_row(name, event) for event in detail.events],
        )
        audit, _problem = self._audit_rows(detail.now, model=name)
        return detail, newest_first(rows + audit)

    # -- history ------------------------------------------------------------------------------

    def history(self) -> History:
        evidence = self._audit_evidence()  # before the log is read
        with DB_LOCK, self._read() as con:
            now = self.now()
            rows = merge_deploys(
                [switch_row(s) for s in fleet_switches(con, now)],
                [event_row(model, event) for model, event in fleet_events(con, now)],
            )
        audit, problem = self._audit_rows(now, evidence=evidence)
        return History(now=now, rows=newest_first(rows + audit), problem=problem)

    def _audit_evidence(self) -> list[Evidence]:
        """What shows the records the log held (runbooks, the append lock), as `mrp audit
        show` gathers it; the store remembers runbook files that have not changed."""
        if self._runbooks is None:
            self._runbooks = RunbookStore(self.workspace.runbooks_dir)
        return workspace_evidence(self.workspace, self._runbooks)

    def _audit_rows(
        self, now: datetime, model: str | None = None, evidence: Sequence[Evidence | None] = ()
    ) -> tuple[list[HistoryRow], str | None]:
        """The log's records as rows, and what is wrong with the log: unreadable, or holding
        fewer records than ``evidence`` shows it held (a missing log is no records yet only
        when nothing shows it held any)."""
        path = self.workspace.audit_path
        if not path.exists():
            return [], _short(path, False, 0, evidence)
        # A replay held at the end of its history still stamps records past it.
        until = max(now, self.clock.stamp())
        rows: list[HistoryRow] = []
        last = 0
        try:
            for r in AuditLog(path).records():
                last = r.seq
                if r.at <= until and (model is None or r.model == model):
                    rows.append(
                        audit_row(
                            r.at,
                            r.model,
                            r.action,
                            r.actor,
                            dict(r.details),
                            full_record(r),
                            r.seq,
                        )
                    )
        except MrpError as error:
            return [], f"audit log: {error.message}"
        except ValueError as error:
            return [], f"audit log: {error}; run `mrp audit verify`."
        return rows, _short(path, True, last, evidence)

    @staticmethod
    def export(rows: tuple[HistoryRow, ...], path: Path) -> int:
        return write_csv(rows, path)


def _short(path: Path, exists: bool, seq: int, evidence: Sequence[Evidence | None]) -> str | None:
    reason = shortfall(path, exists, seq, evidence)
    return None if reason is None else f"audit log: {reason}; run `mrp audit verify`."
