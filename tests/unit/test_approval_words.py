"""Who an approval may come from, as the runbook, the console and `mrp` say it: the policy's
roles are alternatives (a signer in any one of them counts), which "1 signed approval
(oncall, model-owner)" did not say: it read as if both roles had to approve."""

from __future__ import annotations

import pytest

from console.runbook.approvals import approvers


@pytest.mark.parametrize(
    ("roles", "said"),
    [
        (["oncall", "model-owner"], "any of: oncall, model-owner"),
        (["oncall", "model-owner", "sre"], "any of: oncall, model-owner, sre"),
        (["oncall"], "oncall"),
        ([], "any trusted signer"),
    ],
)
def test_the_roles_read_as_alternatives(roles: list[str], said: str) -> None:
    assert approvers(roles) == said
