"""What a Prometheus source's queries found empty, so the next sync does not ask again.

A model x metric (x version) is queried from its watermark (the last stored sample) or, with
nothing stored, from ``now - backfill``. When Prometheus has no data for that pair (a metric
only some models export, a version that never served; or, with something stored, a retired
model, a version no longer serving, a metric an exporter stopped exporting), asking the
same span again at every sync is most of a cron sync's queries and of Prometheus' work, for
nothing; and for a pair with something stored that span grows at every sync, up to the
whole backfill. So a successful sync remembers, per pair, the span its queries covered and
found no series in (or only series without a value to store: every point NaN), and the next
sync asks only from the end of that span, less an overlap for samples that arrive late; never
from before the pair's watermark.

The overlap is ``LATE`` (five minutes), or one step when the step is longer. A sample is
stamped with the time its scrape (or rule evaluation) began, and becomes visible only once
the scrape has finished and been appended, which can take up to a scrape timeout (one
minute by default); remote write and federation forward samples in batches, seconds to a
minute behind. Five minutes is Prometheus' default lookback, so a late sample shows at
every step the previous query could have seen it at, and it costs five points per query
at a one-minute step, which is nothing beside the per-query cost. A sample later than that
(a remote-write backlog flushed after a network partition) into a span found empty is not
fetched, whether the pair has something stored or not: that is the price of not asking the
span again.

The span is forgotten, and the pair asked from its watermark (or over the whole backfill)
again, when what the user asks for changes: a longer ``backfill`` than the last successful
sync's (even where the new start lies inside what was found empty: the user asked for more,
perhaps because data is missing), or a changed template (the pair's key hashes the query as
sent); and when the pair's start lies before the span (the clock went back). A pair whose
queries found data drops its span: its watermark drives from then on.
The spans are written inside the sync's write transaction (``source_state``), so a failed
sync leaves them as they were.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Set
from dataclasses import dataclass, field

STATE_KEY = "empty_ranges"
LATE_MS = 5 * 60_000


def pair_key(metric: str, model: str, version: str | None, query: str) -> str:
    """Names one pair as asked: a changed template (or metric name) is another pair."""
    text = json.dumps([metric, model, version, query], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def overlap_ms(step: int) -> int:
    """``LATE`` rounded up to whole steps, at least one."""
    return max(1, -(-LATE_MS // step)) * step


@dataclass(frozen=True)
class EmptySpans:
    backfill_ms: int
    spans: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """pair key -> [first, last] step time queried with no series found."""

    @classmethod
    def remembered(cls, state: Mapping[str, str], backfill_ms: int) -> EmptySpans:
        """The spans of the last successful sync; none when the backfill has been made
        longer since (the user asked for more history) or the value cannot be read."""
        try:
            stored = json.loads(state.get(STATE_KEY) or "{}")
            before = int(stored.get("backfill_ms", 0))
            spans = {str(k): (int(a), int(b)) for k, (a, b) in stored.get("spans", {}).items()}
        except (ValueError, TypeError, AttributeError):
            return cls(backfill_ms)
        return cls(backfill_ms, spans if backfill_ms <= before else {})

    def start(self, key: str, base: int, end: int, step: int) -> int:
        """Where to start asking a pair that would start at ``base`` (the step after its
        watermark, or the backfill start): the later of ``base`` and the end of its span
        less the overlap; after ``end`` when nothing new is due (within the step of the last
        look; the next step's sync asks the overlap again)."""
        span = self.spans.get(key)
        if span is None or base < span[0]:
            return base
        if end <= span[1]:
            return end + step
        return max(base, (span[1] - overlap_ms(step)) // step * step)

    def after(
        self,
        asked: Mapping[str, tuple[int, int]],
        found: Set[str],
        planned: Set[str],
    ) -> EmptySpans:
        """The spans to remember: ``asked`` holds this sync's first and last step time per
        pair queried, ``found`` the pairs whose queries returned a value to store,
        ``planned`` every pair of this sync. A span grows when this sync's queries began
        inside it; a pair not asked this time keeps its span."""
        spans = {}
        for key in planned - found:
            old = self.spans.get(key)
            if key in asked:
                start, end = asked[key]
                joined = old is not None and old[0] <= start <= old[1]
                spans[key] = (old[0] if old and joined else start, end)
            elif old is not None:
                spans[key] = old
        return EmptySpans(self.backfill_ms, spans)

    def dump(self) -> str:
        return json.dumps(
            {"backfill_ms": self.backfill_ms, "spans": {k: list(v) for k, v in self.spans.items()}},
            separators=(",", ":"),
            sort_keys=True,
        )
