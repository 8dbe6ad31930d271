"""Prometheus query planning: step-aligned, chunked under the limit, from the watermark."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

from console.sources.prometheus import MAX_POINTS, RangeQuery, _staged_line, chunks, first_point

STEP = 60_000


def test_chunks_are_back_to_back_and_under_the_limit() -> None:
    start, end = 0, STEP * 25_000
    pieces = chunks(start, end, STEP)
    assert pieces[0][0] == start and pieces[-1][1] == end
    for (a, b), (c, _d) in itertools.pairwise(pieces):
        assert c == b + STEP
        assert (b - a) // STEP + 1 == MAX_POINTS
    assert sum((b - a) // STEP + 1 for a, b in pieces) == 25_001


def test_no_chunk_when_nothing_new() -> None:
    assert chunks(STEP * 10, STEP * 9, STEP) == []
    assert chunks(STEP * 10, STEP * 10, STEP) == [(STEP * 10, STEP * 10)]


def test_first_point_follows_the_watermark_or_the_backfill() -> None:
    mark = datetime(2026, 11, 1, 0, 5, tzinfo=UTC)
    after = first_point(mark, 0, STEP)
    assert after == round((mark + timedelta(minutes=1)).timestamp() * 1000)
    assert first_point(None, STEP * 3 + 1, STEP) == STEP * 4  # rounded up to a step
    assert first_point(None, STEP * 3, STEP) == STEP * 3
    odd = datetime(2026, 11, 1, 0, 5, 30, tzinfo=UTC)  # a watermark off the step grid
    assert first_point(odd, 0, STEP) == round(
        datetime(2026, 11, 1, 0, 6, tzinfo=UTC).timestamp() * 1000
    )


def test_staged_line_wraps_the_raw_body_and_fixes_plus_inf_only_in_values() -> None:
    query = RangeQuery("fraud", "latency", None, "q", 0, 0)
    raw = (
        b'{"status":"success","data":{"resultType":"matrix","result":'
        b'[{"metric":{"le":"+Inf"},"values":[[1,"+Inf"],[2,"0.5"]]}]}}'
    )
    line = _staged_line(query, raw, json.loads(raw))
    assert line.endswith(b"}\n") and line.count(b"\n") == 1
    staged = json.loads(line)
    assert (staged["model"], staged["metric"], staged["version"]) == ("fraud", "latency", None)
    series = staged["body"]["data"]["result"][0]
    assert series["metric"] == {"le": "+Inf"}
    assert series["values"] == [[1, "Infinity"], [2, "0.5"]]
    plain = b'{"status":"success","data":{"resultType":"matrix","result":[]}}'
    assert _staged_line(query, plain, json.loads(plain)).endswith(b',"body":' + plain + b"}\n")
