"""`mrp evaluate` and `mrp backtest`: the trigger engine from the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from console.clock import format_duration, format_time, parse_time
from console.commands.backtest_compare_output import comparison_json, print_comparison
from console.commands.backtest_fires import fire_table, number, transition_json
from console.commands.common import (
    JsonOption,
    WorkspaceOption,
    echo,
    emit_json,
    print_table,
    warn,
    warn_unknown_metrics,
    workspace,
)
from console.errors import MrpError
from console.text import plural

if TYPE_CHECKING:
    from console.policy.loader import PolicySet
    from console.settings import Workspace
    from console.triggers import TriggerState
    from console.triggers.backtest import Replay
    from console.triggers.summary import Fire, TriggerOverview, TriggerSummary

TimeOption = Annotated[str | None, typer.Option(show_default=False)]


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
    app.command("backtest")(backtest)


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise MrpError(
            f"{option} takes an RFC 3339 time such as 2026-11-14T20:00:00Z, not '{text}'."
        ) from None


def _ready(workspace_dir: Any, paths: list[Path] | None = None) -> tuple[Workspace, PolicySet]:
    """The workspace and its policies (or those in ``paths``, given with --policies)."""
    from console.policy.loader import load_policies, load_workspace_policies

    ws = workspace(workspace_dir)
    policies = (
        load_policies(_existing(paths, "--policies")) if paths else load_workspace_policies(ws)
    )
    if not ws.db_path.exists():
        raise MrpError(f"{ws.root} has no state yet: run `mrp sync -w {ws.root}` first.")
    return ws, policies


def evaluate(
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="Evaluate as of this time (RFC 3339; default: now).", show_default=False
        ),
    ] = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """State of every trigger of every model, with value, threshold and since."""
    from console.policy.known_metrics import stored_metric_names, unknown_watched_metrics
    from console.store import connect
    from console.triggers.state import current_states

    moment = _time(at, "--at")
    ws, policies = _ready(workspace_dir)
    when = moment or ws.clock().now()
    with connect(ws.db_path, read_only=True) as con:
        states = current_states(con, policies, when, alias=ws.serving_alias)
        unknown = unknown_watched_metrics(ws, policies, states, lambda: stored_metric_names(con))
    warn_unknown_metrics(unknown, gate=False)
    if as_json:
        emit_json({"at": when, "triggers": [_state_row(s) for s in states]})
        return
    if not states:
        echo("no trigger applies to any known model.")
        return
    _print_states(states)


def _state_row(s: TriggerState) -> dict[str, Any]:
    return {
        "model": s.model,
        "policy": s.policy,
        "trigger": s.trigger,
        "kind": s.kind,
        "metric": s.metric,
        "version": s.version,
        "state": s.state,
        "since": s.since,
        "since_exact": s.since_exact,
        "value": s.value,
        "op": s.op,
        "threshold": s.threshold,
        "baseline": s.baseline,
        "severity": s.severity,
        "action": s.action,
        "for_seconds": int(s.for_.total_seconds()),
        "held_for_seconds": None if s.held_for is None else int(s.held_for.total_seconds()),
        "last_sample": s.last_sample_ts,
        "evaluated_at": s.at,
        "reason": s.reason,
    }


def _print_states(states: list[TriggerState]) -> None:
    from console.triggers import STATE_RANK

    ordered = sorted(states, key=lambda s: (-STATE_RANK[s.state], s.model, s.trigger))
    header = ("MODEL", "TRIGGER", "STATE", "SINCE", "VALUE", "THRESHOLD", "NOTE")
    rows: list[tuple[str, ...]] = []
    for s in ordered:
        since = "-" if s.since is None else ("" if s.since_exact else "<=") + format_time(s.since)
        compare = f"{s.op} {number(s.threshold)}" if s.op else number(s.threshold)
        rows.append((s.model, s.trigger, s.state, since, number(s.value), compare, s.reason or ""))
    print_table(header, rows)


def backtest(
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Replay from this time (default: the first stored data).",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Replay up to this time (default: the last stored data).",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Only models whose name matches this glob.", show_default=False
        ),
    ] = None,
    policy_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--policies",
            help="Replay the policies in these files or folders instead of the workspace's "
            "(repeatable): a change under review, before it merges.",
            show_default=False,
        ),
    ] = None,
    against: Annotated[
        list[Path] | None,
        typer.Option(
            "--against",
            help="Also replay these policy files or folders (repeatable; e.g. the main "
            "branch's) over the same span, and show per trigger the fires of both and each "
            "fire only one of them has.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Replay the policies over stored history and show every state change.

    With --against, the replay is compared with another version of the policies: what a
    reviewer of a policy change wants to see (the fires it adds and the ones it takes
    away). A fire counts as the same in both when the model's trigger fires at some
    instant of it in both."""
    from console.policy.loader import load_policies
    from console.store import connect, sql
    from console.triggers.backtest import replay
    from console.triggers.compare import compare
    from console.triggers.summary import deploys, fires, overview, summarize

    first, last = _time(start, "--from"), _time(end, "--to")
    if first is not None and last is not None and last < first:
        raise MrpError("--to must not be before --from.")
    ws, policies = _ready(workspace_dir, policy_paths)
    others = load_policies(_existing(against, "--against")) if against else None
    alias = ws.serving_alias
    with connect(ws.db_path, read_only=True) as con:
        result = replay(con, policies, first, last, model, alias=alias)
        deployed = (
            deploys(con, result.start, result.end, alias)
            if result.start is not None and result.end is not None
            else []
        )
        known_events = {str(row[0]) for row in con.execute(sql("known_event_kinds")).fetchall()}
        compared = (
            None
            if others is None
            else replay(
                con,
                others,
                result.start or first,
                result.end or last,
                model,
                alias=alias,
            )
        )
    if result.start is None or result.end is None:
        _nothing_to_replay(model, first, last)
    triggers = overview(result, known_events)
    comparison = None if compared is None or others is None else compare(result, compared)
    if as_json:
        report: dict[str, object] = {
            "transitions": [transition_json(t) for t in result.transitions]
        }
        if comparison is not None and compared is not None:
            report["against"] = comparison_json(against or [], compared, comparison)
        emit_json(report)
    else:
        _print_summary(result, triggers, summarize(result, deployed), fires(result))
        if comparison is not None:
            print_comparison(against or [], comparison)
    _warn_without_data(triggers)


def _existing(paths: list[Path], option: str) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise MrpError(f"{option}: no such file or folder: {', '.join(missing)}.")
    return paths


def _nothing_to_replay(model: str | None, first: datetime | None, last: datetime | None) -> None:
    """Say why nothing was replayed; exit 2 when a filter the user gave left nothing."""
    asked = [f" matching --model '{model}'" if model is not None else ""]
    asked += [f" from {format_time(first)}" if first is not None else ""]
    asked += [f" to {format_time(last)}" if last is not None else ""]
    sentence = (
        "nothing to replay: no stored history for the models the policies select"
        + "".join(asked)
        + "."
    )
    if model is None and first is None and last is None:
        echo(sentence)
        return
    raise MrpError(sentence)


def _print_summary(
    result: Replay,
    triggers: list[TriggerOverview],
    summaries: list[TriggerSummary],
    every_fire: list[Fire],
) -> None:
    if result.start is None or result.end is None:
        return
    policies = len({t.policy for t in triggers})
    models = len({p.model for p in result.coverage if p.steps})
    echo(
        f"Replayed {format_time(result.start)} .. {format_time(result.end)}: "
        f"{plural(models, 'model')}, {plural(len(result.transitions), 'transition')}."
    )
    if triggers:
        echo()
        echo(
            "Per trigger, across the models its policy selects "
            f"({plural(len(triggers), 'trigger')} of {plural(policies, 'policy', 'policies')}):"
        )
        _print_triggers(triggers)
    pairs = sum(len(t.models) for t in triggers)
    echo()
    echo(f"Per model, the triggers whose state changed ({len(summaries)} of {pairs}):")
    if summaries:
        _print_changes(summaries)
    _print_fires(every_fire)


def _print_fires(every: list[Fire]) -> None:
    """Each fire with how long it lasted and the value it fired on, to tell false fires."""
    if not every:
        return
    echo()
    echo(f"Every fire ({len(every)}), with how long it lasted and the value it fired on:")
    fire_table(every)


def _print_triggers(triggers: list[TriggerOverview]) -> None:
    """Every trigger of every policy, across its models, whether or not it ever changed."""
    from console.triggers.summary import share

    header = ("POLICY", "TRIGGER", "MODELS", "FIRED IN", "FIRES", "NO DATA", "NOTE")
    rows = [
        (
            t.policy,
            t.trigger,
            str(len(t.models)),
            str(t.fired_in),
            str(t.fires),
            share(t.no_data_share),
            t.note,
        )
        for t in triggers
    ]
    print_table(header, rows)


def _warn_without_data(triggers: list[TriggerOverview]) -> None:
    """One line on stderr per trigger that never had data: it could never have fired (or,
    with on_no_data: firing, fired on nothing)."""
    for t in triggers:
        if t.never_had_data or t.unseen_event:
            warn(f"warning: policy {t.policy}, trigger {t.trigger}: {t.note}.")


def _print_changes(summaries: list[TriggerSummary]) -> None:
    header = (
        "MODEL",
        "TRIGGER",
        "FIRED",
        "FIRING TIME",
        "PENDING",
        "NO DATA",
        "FIRST FIRE AFTER DEPLOY",
    )
    rows: list[tuple[str, ...]] = []
    for s in summaries:
        after = "; ".join(
            f"v{a.version} {format_time(a.deployed_at)}: "
            + ("no fire" if a.delay is None else f"+{format_duration(a.delay)}")
            for a in s.after_deploys
        )
        rows.append(
            (
                s.model,
                s.trigger,
                str(s.fired),
                format_duration(s.firing_time),
                str(s.pending),
                str(s.no_data),
                after or "-",
            )
        )
    print_table(header, rows)
