"""Guided rollback runbooks: a persisted state machine, not a script.

open → target → prechecks → approvals → execute → verify → closed, and aborted from any
step that is not final. Each runbook is one JSON file under ``.mrp/runbooks/``, written
atomically before each step is acted on, so a runbook interrupted at any instant (kill -9,
a lost SSH session) resumes where it stopped; executor calls carry an idempotency key and
are recorded as an intent before the call and as done after it. Every step, decision,
check result and evidence snapshot is a signed audit record.

This package never imports Textual or Typer: ``mrp rollback`` and the console's wizard are
two faces over the same machine (``console.runbook.service``).
"""
