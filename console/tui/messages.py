"""Messages workers post to the app. Each carries an immutable snapshot, never a live object."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from console.fleet import FleetSnapshot
from console.model_detail import ModelDetail
from console.tui.history_data import History, HistoryRow
from console.tui.widgets.fleet_table import FleetRows


class SnapshotReady(Message):
    """A new fleet snapshot from the live refresh (or the first load), with the fleet
    table's rows already built from it (in the worker, off the UI thread)."""

    def __init__(self, snapshot: FleetSnapshot, synced: bool, rows: FleetRows) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.synced = synced
        self.rows = rows

    def can_replace(self, message: Message) -> bool:
        # A newer snapshot makes an unprocessed older one pointless.
        return isinstance(message, SnapshotReady)


class ModelDetailReady(Message):
    """One model's charts data, versions, and its records (audit, deployments, events)."""

    def __init__(self, detail: ModelDetail, records: tuple[HistoryRow, ...]) -> None:
        super().__init__()
        self.detail = detail
        self.records = records


class HistoryReady(Message):
    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history


class ExportDone(Message):
    def __init__(self, path: Path, rows: int) -> None:
        super().__init__()
        self.path = path
        self.rows = rows
