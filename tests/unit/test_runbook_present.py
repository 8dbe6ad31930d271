"""Runbooks in words (console.runbook.present)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.policy.model import Rollback
from console.runbook.model import Runbook
from console.runbook.present import move_words

NOW = datetime(2026, 11, 14, 22, 40, tzinfo=UTC)


def runbook(mechanism: str) -> Runbook:
    return Runbook(
        id="rb-x",
        model="fraud-scoring",
        alias="champion",
        state="execute",
        created_at=NOW,
        updated_at=NOW,
        requester="alice",
        reason="r",
        dry_run=True,
        rollback=Rollback(mechanism=mechanism),
        policy="risk",
        policy_digest=None,
        from_version="7",
        to_version="6",
    )


@pytest.mark.parametrize(
    ("mechanism", "said"),
    [
        ("alias_swap", "point fraud-scoring's champion at v6 instead of v7 (alias swap)"),
        (
            "traffic_shift",
            "shift all of fraud-scoring's champion traffic from v7 to v6 (traffic shift)",
        ),
        ("webhook", "ask the platform to serve fraud-scoring v6 instead of v7 (webhook)"),
    ],
)
def test_a_move_reads_as_words(mechanism: str, said: str) -> None:
    assert move_words(runbook(mechanism)) == said
