"""Which actions an audit record may carry, and whether signing one needs a role.

This table is data on purpose: verification reads it, and a new action is one line here.
Roles are free strings (``oncall``, ``model-owner``); the policy decides which ones count
towards an approval, so the log only proves that the signer held the role it signed as
(per ``signers.yaml``). Actions that do not need a role may be written by any trusted signer.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ActionRule:
    needs_role: bool
    """The record must name a role, and the key must hold it."""
    summary: str


ACTIONS: MappingProxyType[str, ActionRule] = MappingProxyType(
    {
        "note": ActionRule(False, "free-text note (hand-over, incident commentary)"),
        "checkpoint": ActionRule(False, "signed head of the log, to anchor against truncation"),
        "runbook.open": ActionRule(False, "a rollback runbook is opened with its reason"),
        "runbook.target": ActionRule(False, "the version to roll back to is chosen"),
        "runbook.precheck": ActionRule(False, "pre-checks ran, with their results"),
        "runbook.approve": ActionRule(True, "a signer approves the rollback in a role"),
        "runbook.break_glass": ActionRule(True, "approvals are bypassed with a written reason"),
        "runbook.execute": ActionRule(False, "the executor was called"),
        "runbook.verify": ActionRule(False, "post-rollback verification result"),
        "runbook.close": ActionRule(False, "the runbook is closed with its outcome"),
        "runbook.abort": ActionRule(False, "the runbook is aborted"),
    }
)


def rule_for(action: str) -> ActionRule | None:
    return ACTIONS.get(action)
