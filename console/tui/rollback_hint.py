"""What ``r`` on the model screen says until the runbook wizard is wired in: the rollback
the runbook would propose, from the fleet snapshot and the model's policy."""

from __future__ import annotations

from console.clock import format_duration
from console.errors import MrpError
from console.fleet import FleetSnapshot
from console.policy.loader import PolicySet
from console.policy.selection import rollback_for


def rollback_preview(model: str, snapshot: FleetSnapshot | None, policies: PolicySet | None) -> str:
    entry = snapshot.entry(model) if snapshot else None
    lines = []
    if entry is not None and entry.version is not None:
        target = f"v{entry.previous_version}" if entry.previous_version else "an earlier version"
        lines.append(f"{entry.alias} v{entry.version} → {target} (the version before it)")
        if entry.firing:
            lines.append("evidence: " + ", ".join(entry.firing) + " firing")
    if policies is not None and entry is not None:
        try:
            rollback = rollback_for(model, entry.team, entry.risk_tier, None, policies)
        except MrpError as error:
            rollback = None
            lines.append(f"policy conflict: {error.message}")
        if rollback is not None:
            approvals = rollback.approvals
            roles = f" ({', '.join(approvals.roles)})" if approvals.roles else ""
            lines.append(
                f"{rollback.mechanism}, {approvals.required} signed approval"
                f"{'s' if approvals.required != 1 else ''}{roles}, "
                f"verify {format_duration(rollback.verify.window)}"
            )
    lines.append(
        f"The guided runbook opens here once it is wired in; today run `mrp rollback {model}`."
    )
    return "\n".join(lines)
