#!/usr/bin/env python3
"""Deterministic generator for mrp's demo workspace (``sample_data/``) and for fleet benchmarks.

    python benchmarks/generate_fleet.py --out sample_data              # the 14-model demo fleet
    python benchmarks/generate_fleet.py --out /tmp/fleet --models 1000 # benchmark fleet

Writes, in the ``files`` source format of DESIGN.md:

- ``deployments.json``: models, versions (with registered baselines), the ``champion`` alias and
  its switch history;
- ``metrics/<model>.parquet``: columns ``model, version, metric, ts, value`` at 1-minute
  resolution; ``ts`` is a Parquet TIMESTAMP in microseconds *without* zone that holds UTC
  (DuckDB reads it as ``TIMESTAMP``), ``value`` a DOUBLE rounded to 4 significant digits;
  only the version behind ``champion`` at each minute emits rows, tagged with that version;
- ``events.jsonl``: deploy notes and other events, one JSON object a line, in time order.

History always ends at the fixed instant ``T_END`` (2026-11-15T00:00:00Z, exclusive) and reaches
``--days`` back. The scripted incidents (see ``sample_data/README.md``) all unfold in the last
six hours. Output is a pure function of the arguments: noise comes from a counter-based hash
(splitmix64) keyed by seed, model, metric and minute, all arithmetic is plain IEEE
add/multiply (no libm), and no wall-clock time is written. Existing ``metrics/*.parquet`` in
``--out`` are replaced. When ``--out`` is not ``sample_data/`` and holds no ``mrp.toml``, the
demo's ``mrp.toml`` and ``policies/`` are copied there so the result is a complete workspace
(the demo policies select models by name glob, so they also match the fleet's replicas).

With ``--models N`` above 14 the 14 demo models are cycled as replicas (``fraud-scoring-0001``
...) with the same team, tier, metrics and versions; each replica gets the base model's incident
with probability 1/8, shifted by up to ±45 minutes. numpy and pyarrow are needed here only,
not by mrp at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

T_END = datetime(2026, 11, 15, tzinfo=UTC)
"""End of the generated history (exclusive); ``mrp.toml`` pins the demo's clock here."""
DEFAULT_DAYS = 14
DEFAULT_SEED = 20261115
DEFAULT_MODELS = 14
DAY = 1440  # minutes
SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
SIGNIFICANT_DIGITS = 4
SERVING_ALIAS = "champion"

# --------------------------------------------------------------------------------------------
# The demo fleet
# --------------------------------------------------------------------------------------------

ADDITIVE = {"accuracy", "auc", "psi_drift", "fairness_dpd"}
"""Metrics whose noise is absolute; the others (latency, error rate, throughput) are relative."""

# metric -> (daily seasonality amplitude, noise sd, slow wander amplitude); relative for the
# multiplicative metrics, absolute for the additive ones. Noise and wander are bounded at
# ±2.45 sd (see _noise), so healthy series never cross the demo policies' thresholds.
SHAPE: dict[str, tuple[float, float, float]] = {
    "accuracy": (0.0, 0.003, 0.003),
    "auc": (0.0, 0.003, 0.003),
    "latency_p99_seconds": (0.04, 0.03, 0.01),
    "error_rate": (0.15, 0.2, 0.1),
    "psi_drift": (0.0, 0.001, 0.008),
    "fairness_dpd": (0.0, 0.0015, 0.003),
    "throughput_rps": (0.35, 0.03, 0.05),
}


@dataclass(frozen=True)
class Version:
    version: str
    created_at: str
    status: str  # approved | archived | rejected
    baseline: dict[str, float]


@dataclass(frozen=True)
class Deploy:
    version: str
    at: str
    actor: str
    note: str = ""


@dataclass(frozen=True)
class Event:
    at: str
    kind: str
    severity: str
    summary: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    team: str
    risk_tier: str
    tags: dict[str, str]
    metrics: dict[str, float]
    """metric -> typical level of a healthy serving version"""
    versions: tuple[Version, ...]
    history: tuple[Deploy, ...]
    incident: str | None = None
    version_levels: dict[str, dict[str, float]] = field(default_factory=dict)
    """version -> metric -> level where a version differs from ``metrics``"""
    events: tuple[Event, ...] = ()
    shape: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    """per-model overrides of SHAPE"""


def _v(version: str, created: str, status: str, **baseline: float) -> Version:
    return Version(version, created, status, dict(baseline))


LAT = "latency_p99_seconds"

FLEET: tuple[ModelSpec, ...] = (
    # ---- risk-ml: all high tier ------------------------------------------------------------
    ModelSpec(
        "fraud-scoring",
        "risk-ml",
        "high",
        {"domain": "payments", "framework": "xgboost"},
        {
            "accuracy": 0.95,
            LAT: 0.085,
            "error_rate": 0.004,
            "psi_drift": 0.05,
            "fairness_dpd": 0.035,
            "throughput_rps": 850.0,
        },
        (
            _v("5", "2026-08-28T09:12:00Z", "archived", accuracy=0.941, latency_p99_seconds=0.088),
            _v("6", "2026-10-30T16:40:00Z", "approved", accuracy=0.953, latency_p99_seconds=0.084),
            _v("7", "2026-11-13T16:20:00Z", "approved", accuracy=0.957, latency_p99_seconds=0.083),
        ),
        (
            Deploy("5", "2026-09-02T10:05:00Z", "alice"),
            Deploy("6", "2026-11-02T14:10:00Z", "bob"),
            Deploy("7", "2026-11-14T20:00:00Z", "dana", "retrained on October labels"),
        ),
        incident="accuracy_drop",
        version_levels={"5": {"accuracy": 0.944}, "7": {"accuracy": 0.955}},
    ),
    ModelSpec(
        "credit-limit",
        "risk-ml",
        "high",
        {"domain": "lending", "framework": "lightgbm"},
        {
            "accuracy": 0.935,
            LAT: 0.14,
            "error_rate": 0.003,
            "psi_drift": 0.07,
            "fairness_dpd": 0.048,
            "throughput_rps": 120.0,
        },
        (
            _v("2", "2026-06-03T11:00:00Z", "archived", accuracy=0.921, fairness_dpd=0.052),
            _v("3", "2026-08-19T15:30:00Z", "approved", accuracy=0.93, fairness_dpd=0.046),
            _v("4", "2026-10-05T10:45:00Z", "rejected", accuracy=0.944, fairness_dpd=0.091),
            _v("5", "2026-10-22T13:15:00Z", "approved", accuracy=0.936, fairness_dpd=0.045),
        ),
        (
            Deploy("2", "2026-06-10T08:00:00Z", "carol"),
            Deploy("3", "2026-08-25T09:30:00Z", "carol"),
            Deploy("5", "2026-11-07T09:30:00Z", "bob"),
        ),
        incident="fairness_shift",
        events=(
            Event(
                "2026-11-14T19:00:00Z",
                "config_change",
                "low",
                "new partner channel onboarded; applicant mix starts shifting",
            ),
        ),
    ),
    ModelSpec(
        "aml-screening",
        "risk-ml",
        "high",
        {"domain": "compliance", "framework": "pytorch"},
        {
            "accuracy": 0.962,
            LAT: 0.21,
            "error_rate": 0.002,
            "psi_drift": 0.04,
            "fairness_dpd": 0.03,
            "throughput_rps": 60.0,
        },
        (
            _v("8", "2026-07-08T10:00:00Z", "archived", accuracy=0.955),
            _v("9", "2026-09-15T14:20:00Z", "approved", accuracy=0.96),
            _v("10", "2026-11-02T17:05:00Z", "approved", accuracy=0.965),
        ),
        (
            Deploy("8", "2026-07-14T09:00:00Z", "carol"),
            Deploy("9", "2026-09-21T11:00:00Z", "carol"),
            Deploy("10", "2026-11-06T10:15:00Z", "carol", "quarterly refresh"),
        ),
        version_levels={"10": {"accuracy": 0.964, LAT: 0.205}},
        events=(
            Event(
                "2026-11-06T09:50:00Z",
                "config_change",
                "low",
                "feature store TTL raised from 24h to 36h",
            ),
        ),
    ),
    ModelSpec(
        "loan-default",
        "risk-ml",
        "high",
        {"domain": "lending", "framework": "xgboost"},
        {
            "accuracy": 0.928,
            LAT: 0.095,
            "error_rate": 0.005,
            "psi_drift": 0.06,
            "fairness_dpd": 0.041,
            "throughput_rps": 210.0,
        },
        (
            _v("1", "2026-05-11T09:00:00Z", "archived", accuracy=0.918),
            _v("2", "2026-09-24T12:00:00Z", "approved", accuracy=0.927),
            _v("3", "2026-11-09T16:30:00Z", "approved", accuracy=0.932),
        ),
        (
            Deploy("1", "2026-05-18T10:00:00Z", "bob"),
            Deploy("2", "2026-09-30T10:00:00Z", "bob"),
            Deploy("3", "2026-11-11T13:40:00Z", "bob", "adds bureau features"),
        ),
        version_levels={"3": {"accuracy": 0.931}},
    ),
    # ---- growth: medium and low tier -------------------------------------------------------
    ModelSpec(
        "search-ranking",
        "growth",
        "medium",
        {"domain": "search", "framework": "lightgbm"},
        {
            "auc": 0.842,
            LAT: 0.12,
            "error_rate": 0.003,
            "psi_drift": 0.05,
            "throughput_rps": 2400.0,
        },
        (
            _v("9", "2026-08-04T10:00:00Z", "archived", auc=0.833, latency_p99_seconds=0.125),
            _v("10", "2026-09-29T11:30:00Z", "rejected", auc=0.829, latency_p99_seconds=0.131),
            _v("11", "2026-10-19T09:45:00Z", "approved", auc=0.839, latency_p99_seconds=0.121),
            _v("12", "2026-11-13T10:10:00Z", "approved", auc=0.851, latency_p99_seconds=0.118),
        ),
        (
            Deploy("9", "2026-08-06T15:00:00Z", "alice"),
            Deploy("11", "2026-11-03T15:00:00Z", "alice"),
            Deploy("12", "2026-11-14T19:00:00Z", "erin", "new cross-encoder re-ranker"),
        ),
        incident="latency_regression",
        version_levels={"12": {"auc": 0.848, LAT: 0.118}},
        shape={LAT: (0.03, 0.03, 0.01)},
    ),
    ModelSpec(
        "churn-predictor",
        "growth",
        "medium",
        {"domain": "retention", "framework": "sklearn"},
        {
            "auc": 0.81,
            LAT: 0.065,
            "error_rate": 0.002,
            "psi_drift": 0.06,
            "throughput_rps": 35.0,
        },
        (
            _v("3", "2026-06-20T10:00:00Z", "archived", auc=0.797),
            _v("4", "2026-09-08T10:00:00Z", "approved", auc=0.806),
            _v("5", "2026-10-23T10:00:00Z", "approved", auc=0.812),
        ),
        (
            Deploy("3", "2026-06-24T10:00:00Z", "frank"),
            Deploy("4", "2026-09-10T10:00:00Z", "frank"),
            Deploy("5", "2026-11-06T10:00:00Z", "frank"),
        ),
        incident="drift_rise",
    ),
    ModelSpec(
        "ad-ctr",
        "growth",
        "low",
        {"domain": "ads", "framework": "tensorflow"},
        {
            "auc": 0.772,
            LAT: 0.028,
            "error_rate": 0.004,
            "psi_drift": 0.045,
            "throughput_rps": 5200.0,
        },
        (
            _v("20", "2026-08-30T08:00:00Z", "archived", auc=0.764),
            _v("21", "2026-10-07T08:00:00Z", "approved", auc=0.77),
            _v("22", "2026-11-02T08:00:00Z", "approved", auc=0.774),
        ),
        (
            Deploy("20", "2026-09-01T12:00:00Z", "frank"),
            Deploy("21", "2026-10-09T12:00:00Z", "frank"),
            Deploy("22", "2026-11-04T11:00:00Z", "frank", "weekly refresh"),
        ),
        incident="silent_feed",
        version_levels={"22": {"auc": 0.774}},
    ),
    ModelSpec(
        "homefeed-reco",
        "growth",
        "low",
        {"domain": "feed", "framework": "pytorch"},
        {
            "auc": 0.801,
            LAT: 0.15,
            "error_rate": 0.006,
            "psi_drift": 0.055,
            "throughput_rps": 1800.0,
        },
        (
            _v("14", "2026-09-12T09:00:00Z", "archived", auc=0.79),
            _v("15", "2026-10-16T09:00:00Z", "approved", auc=0.798),
            _v("16", "2026-11-07T09:00:00Z", "approved", auc=0.803),
        ),
        (
            Deploy("14", "2026-09-14T16:00:00Z", "erin"),
            Deploy("15", "2026-10-18T16:00:00Z", "erin"),
            Deploy("16", "2026-11-08T16:45:00Z", "erin", "two-tower refresh"),
        ),
        version_levels={"16": {"auc": 0.803, LAT: 0.148}},
        events=(
            Event(
                "2026-11-04T06:10:00Z",
                "data_quality",
                "medium",
                "late-arriving engagement features backfilled (2h gap, no serving impact)",
            ),
        ),
    ),
    # ---- trust-safety: medium and low tier -------------------------------------------------
    ModelSpec(
        "support-intent",
        "trust-safety",
        "medium",
        {"domain": "support", "framework": "transformers"},
        {
            "accuracy": 0.915,
            LAT: 0.18,
            "error_rate": 0.006,
            "psi_drift": 0.05,
            "throughput_rps": 40.0,
        },
        (
            _v("2", "2026-07-01T10:00:00Z", "archived", accuracy=0.902),
            _v("3", "2026-09-17T10:00:00Z", "approved", accuracy=0.911),
            _v("4", "2026-11-06T10:00:00Z", "approved", accuracy=0.917),
        ),
        (
            Deploy("2", "2026-07-03T09:00:00Z", "grace"),
            Deploy("3", "2026-09-19T09:00:00Z", "grace"),
            Deploy("4", "2026-11-09T09:20:00Z", "grace", "tokenizer upgrade"),
        ),
        incident="security_event",
        version_levels={"4": {"accuracy": 0.917}},
    ),
    ModelSpec(
        "spam-filter",
        "trust-safety",
        "low",
        {"domain": "messaging", "framework": "fasttext"},
        {
            "accuracy": 0.975,
            LAT: 0.012,
            "error_rate": 0.012,
            "psi_drift": 0.03,
            "throughput_rps": 9000.0,
        },
        (
            _v("30", "2026-08-11T10:00:00Z", "archived", accuracy=0.969),
            _v("31", "2026-09-26T10:00:00Z", "approved", accuracy=0.972),
            _v("32", "2026-10-24T10:00:00Z", "approved", accuracy=0.976),
        ),
        (
            Deploy("30", "2026-08-13T12:00:00Z", "grace"),
            Deploy("31", "2026-09-28T12:00:00Z", "grace"),
            Deploy("32", "2026-10-27T12:00:00Z", "grace"),
        ),
        incident="flapping",
    ),
    ModelSpec(
        "toxicity-classifier",
        "trust-safety",
        "medium",
        {"domain": "community", "framework": "transformers"},
        {
            "accuracy": 0.938,
            LAT: 0.095,
            "error_rate": 0.004,
            "psi_drift": 0.04,
            "fairness_dpd": 0.028,
            "throughput_rps": 650.0,
        },
        (
            _v("6", "2026-08-21T10:00:00Z", "archived", accuracy=0.929, fairness_dpd=0.034),
            _v("7", "2026-10-02T10:00:00Z", "approved", accuracy=0.935, fairness_dpd=0.03),
            _v("8", "2026-11-01T10:00:00Z", "approved", accuracy=0.94, fairness_dpd=0.027),
        ),
        (
            Deploy("6", "2026-08-24T11:00:00Z", "heidi"),
            Deploy("7", "2026-10-05T11:00:00Z", "heidi"),
            Deploy("8", "2026-11-03T14:05:00Z", "heidi", "debiased training set"),
        ),
        version_levels={"8": {"accuracy": 0.94, "fairness_dpd": 0.027}},
        events=(
            Event(
                "2026-11-09T13:00:00Z",
                "security_finding",
                "low",
                "dependency scan: outdated regex pin in the serving image, no known exploit path",
            ),
        ),
    ),
    # ---- platform: medium and low tier -----------------------------------------------------
    ModelSpec(
        "eta-forecast",
        "platform",
        "medium",
        {"domain": "logistics", "framework": "lightgbm"},
        {LAT: 0.045, "error_rate": 0.003, "psi_drift": 0.06, "throughput_rps": 1500.0},
        (
            _v("40", "2026-08-15T10:00:00Z", "archived", latency_p99_seconds=0.047),
            _v("41", "2026-10-01T10:00:00Z", "approved", latency_p99_seconds=0.046),
            _v("42", "2026-11-10T10:00:00Z", "approved", latency_p99_seconds=0.044),
        ),
        (
            Deploy("40", "2026-08-18T08:30:00Z", "ivan"),
            Deploy("41", "2026-10-04T08:30:00Z", "ivan"),
            Deploy("42", "2026-11-12T08:30:00Z", "ivan", "road-graph refresh"),
        ),
        version_levels={"42": {LAT: 0.044}},
        events=(
            Event(
                "2026-11-12T08:20:00Z",
                "config_change",
                "low",
                "routing graph snapshot rotated ahead of the v42 rollout",
            ),
        ),
    ),
    ModelSpec(
        "demand-forecast",
        "platform",
        "low",
        {"domain": "supply", "framework": "prophet"},
        {LAT: 0.9, "error_rate": 0.002, "psi_drift": 0.08, "throughput_rps": 8.0},
        (
            _v("3", "2026-06-02T10:00:00Z", "archived"),
            _v("4", "2026-08-10T10:00:00Z", "approved"),
            _v("5", "2026-11-03T10:00:00Z", "approved"),
        ),
        (
            Deploy("3", "2026-06-05T07:00:00Z", "ivan"),
            Deploy("4", "2026-08-12T07:00:00Z", "ivan"),
            Deploy("5", "2026-11-05T07:00:00Z", "ivan"),
        ),
    ),
    ModelSpec(
        "pricing-optimizer",
        "platform",
        "medium",
        {"domain": "pricing", "framework": "xgboost"},
        {
            LAT: 0.07,
            "error_rate": 0.004,
            "psi_drift": 0.05,
            "fairness_dpd": 0.03,
            "throughput_rps": 300.0,
        },
        (
            _v("11", "2026-07-20T10:00:00Z", "archived", fairness_dpd=0.035),
            _v("12", "2026-09-14T10:00:00Z", "rejected", fairness_dpd=0.068),
            _v("13", "2026-09-28T10:00:00Z", "approved", fairness_dpd=0.031),
            _v("14", "2026-11-08T10:00:00Z", "approved", fairness_dpd=0.029),
        ),
        (
            Deploy("11", "2026-07-22T09:00:00Z", "ivan"),
            Deploy("13", "2026-09-30T09:00:00Z", "ivan"),
            Deploy("14", "2026-11-10T15:30:00Z", "ivan", "elasticity model refit"),
        ),
        version_levels={"14": {LAT: 0.072, "fairness_dpd": 0.029}},
    ),
)

# Scripted incidents, in minutes relative to T_END (before any replica's jitter). The two
# incident deploys are in FLEET: fraud-scoring 7 at T_END-4h, search-ranking 12 at T_END-5h.
FRAUD_BAD_ACCURACY = 0.82
SEARCH_SLOW_LATENCY = 0.1704  # 1.42 x version 11's 0.120 s
DRIFT_START, DRIFT_CROSS, DRIFT_LIMIT = -3 * DAY, -180, 0.2
FAIRNESS_RAMP, FAIRNESS_CROSS = -300, -120
SECURITY_AT = -90
SILENT_FROM = -150
FLAP_FROM = -350
SECURITY_SUMMARY = (
    "dependency scan: tokenizer package in the serving image has a remote-code-execution "
    "advisory (GHSA-demo-2026-0042); exploitable through crafted support tickets"
)

# --------------------------------------------------------------------------------------------
# Deterministic noise: splitmix64 over (key, counter), plain integer and IEEE arithmetic only
# --------------------------------------------------------------------------------------------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SQRT6 = math.sqrt(6.0)


def _key(*parts: object) -> np.uint64:
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def _hash(key: np.uint64, counters: np.ndarray) -> np.ndarray:
    x = counters.astype(np.int64).view(np.uint64) * _GOLDEN + key
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def _uniform(key: np.uint64, counters: np.ndarray) -> np.ndarray:
    """Uniform in [0, 1), one per counter."""
    return (_hash(key, counters) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _noise(key: np.uint64, counters: np.ndarray) -> np.ndarray:
    """Triangular noise: mean 0, sd 1, bounded by ±sqrt(6)."""
    x = _hash(key, counters)
    hi = (x >> np.uint64(32)).astype(np.float64)
    lo = (x & np.uint64(0xFFFFFFFF)).astype(np.float64)
    return ((hi + lo) * 2.0**-32 - 1.0) * _SQRT6


def _wander(key: np.uint64, t: np.ndarray, every: int = 180) -> np.ndarray:
    """Slow noise: _noise at knots ``every`` minutes apart, linearly interpolated."""
    k = np.floor_divide(t, every)
    k0 = int(k[0])
    knots = _noise(key, np.arange(k0, int(k[-1]) + 2, dtype=np.int64))
    a = knots[k - k0]
    b = knots[k - k0 + 1]
    frac = (t - k * every).astype(np.float64) / every
    return a + (b - a) * frac


def _daily_wave(t: np.ndarray, peak_minute: int = 15 * 60) -> np.ndarray:
    """A sine-like daily wave (two parabolas) peaking at ``peak_minute`` UTC, in [-1, 1]."""
    p = np.mod(t - peak_minute + DAY // 4, DAY).astype(np.float64) / DAY
    return np.where(p < 0.5, 16.0 * p * (0.5 - p), -16.0 * (p - 0.5) * (1.0 - p))


def _decimals(level: float) -> int:
    return max(0, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(level))))


# --------------------------------------------------------------------------------------------
# Fleet expansion
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    """One generated model: a base spec, possibly a replica with shifted incident times."""

    name: str
    spec: ModelSpec
    replica: int
    incident: str | None
    jitter: int  # minutes added to in-window deploys, events and incident times
    scale: float  # multiplies latency and throughput levels


def fleet(models: int, seed: int) -> list[Instance]:
    width = max(4, len(str(max(models - 1, 0) // len(FLEET))))
    out = []
    for i in range(models):
        spec = FLEET[i % len(FLEET)]
        replica = i // len(FLEET)
        if replica == 0:
            out.append(Instance(spec.name, spec, 0, spec.incident, 0, 1.0))
            continue
        name = f"{spec.name}-{replica:0{width}d}"
        u = _uniform(_key(seed, name, "fleet"), np.arange(3, dtype=np.int64))
        incident = spec.incident if u[0] < 0.125 else None
        jitter = int(u[1] * 91) - 45
        out.append(Instance(name, spec, replica, incident, jitter, 0.9 + 0.2 * float(u[2])))
    return out


def _minutes(at: str) -> int:
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return int((moment - T_END).total_seconds()) // 60


def _at(minute: int) -> str:
    return (T_END + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _history(inst: Instance) -> list[tuple[str, int, str, str]]:
    """(version, minute, actor, note) of every champion switch, in time order."""
    rows = []
    for deploy in inst.spec.history:
        minute = _minutes(deploy.at)
        if minute >= -DEFAULT_DAYS * DAY:
            minute += inst.jitter
        rows.append((deploy.version, minute, deploy.actor, deploy.note))
    rows.sort(key=lambda row: row[1])
    return rows


# --------------------------------------------------------------------------------------------
# Series
# --------------------------------------------------------------------------------------------


def _level(inst: Instance, version: str, metric: str) -> float:
    spec = inst.spec
    if inst.incident == "accuracy_drop" and version == "7" and metric == "accuracy":
        return FRAUD_BAD_ACCURACY
    if inst.incident == "latency_regression" and version == "12" and metric == LAT:
        return SEARCH_SLOW_LATENCY * inst.scale
    level = spec.version_levels.get(version, {}).get(metric, spec.metrics[metric])
    if metric in (LAT, "throughput_rps"):
        level *= inst.scale
    return level


def _series(
    inst: Instance, metric: str, t: np.ndarray, vidx: np.ndarray, versions: list[str], seed: int
) -> np.ndarray:
    season, noise_sd, wander_amp = inst.spec.shape.get(metric, SHAPE[metric])
    levels = np.array([_level(inst, v, metric) for v in versions])[vidx]
    noise = _noise(_key(seed, inst.name, metric, "noise"), t)
    wander = _wander(_key(seed, inst.name, metric, "wander"), t)
    j = inst.jitter
    if metric in ADDITIVE:
        base = inst.spec.metrics[metric]
        if inst.incident == "drift_rise" and metric == "psi_drift":
            x = np.clip((t - (DRIFT_START + j)) / (DRIFT_CROSS - DRIFT_START), 0.0, None)
            taper = 1.0 - np.minimum(x, 1.0)
            ramp = (DRIFT_LIMIT - base) * (0.35 * x + 0.65 * x**8)
            return levels + wander_amp * wander * taper + ramp + noise_sd * noise
        value = levels + wander_amp * wander + noise_sd * noise
        if inst.incident == "fairness_shift" and metric == "fairness_dpd":
            x = np.clip((t - (FAIRNESS_RAMP + j)) / (FAIRNESS_CROSS - FAIRNESS_RAMP), 0.0, 1.0)
            ramp = levels + wander_amp * wander * (1.0 - x) + (0.088 - levels) * x
            after = 0.112 + 0.012 * (t - (FAIRNESS_CROSS + j)) / 120.0
            shifted = np.where(t >= FAIRNESS_CROSS + j, after, ramp) + 0.0012 * noise
            value = np.where(t >= FAIRNESS_RAMP + j, shifted, value)
        return value
    value = levels * (1.0 + season * _daily_wave(t))
    value = value * (1.0 + noise_sd * noise) * (1.0 + wander_amp * wander)
    if metric == "throughput_rps":
        weekday = np.mod(np.floor_divide(t, DAY) + T_END.weekday(), 7)
        value = value * np.where(weekday >= 5, 0.8, 1.0)
    if inst.incident == "flapping" and metric == "error_rate":
        value = _flap(inst, t, value, seed)
    return value


def _flap(inst: Instance, t: np.ndarray, value: np.ndarray, seed: int) -> np.ndarray:
    """Alternating 2-3 minute runs above and below 0.05 from FLAP_FROM to the end."""
    start = FLAP_FROM + inst.jitter
    span = -start
    lengths = 2 + (_uniform(_key(seed, inst.name, "flap"), np.arange(span, dtype=np.int64)) < 0.5)
    above = (np.arange(lengths.size) % 2 == 0).repeat(lengths)[:span]
    offset = t - start
    inside = (offset >= 0) & (offset < span)
    flag = np.zeros(t.size, dtype=bool)
    flag[inside] = above[offset[inside]]
    u = _uniform(_key(seed, inst.name, "flap-level"), t)
    flapping = np.where(flag, 0.056 + 0.02 * u, 0.022 + 0.016 * u)
    return np.where(inside, flapping, value)


def model_table(inst: Instance, start: int, seed: int) -> pa.Table:
    """All metric rows of one model from minute ``start`` (relative to T_END) to T_END."""
    history = _history(inst)
    versions = [row[0] for row in history]
    switches = np.array([row[1] for row in history], dtype=np.int64)
    t_all = np.arange(start, 0, dtype=np.int64)
    vidx_all = np.searchsorted(switches, t_all, side="right") - 1
    keep = vidx_all >= 0
    if inst.incident == "silent_feed":
        keep &= t_all < SILENT_FROM + inst.jitter
    t, vidx = t_all[keep], vidx_all[keep]
    metrics = sorted(inst.spec.metrics)
    values = []
    for metric in metrics:
        raw = _series(inst, metric, t_all, vidx_all.clip(0), versions, seed)[keep]
        values.append(np.round(np.maximum(raw, 0.0), _decimals(inst.spec.metrics[metric])))
    n, m = t.size, len(metrics)
    ts = (T_END.timestamp() * 1_000_000 + t * 60_000_000).astype("datetime64[us]")
    return pa.table(
        {
            "model": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n * m, dtype=np.int32)), pa.array([inst.name])
            ).dictionary_decode(),
            "version": pa.DictionaryArray.from_arrays(
                pa.array(np.tile(vidx.astype(np.int32), m)), pa.array(versions)
            ).dictionary_decode(),
            "metric": pa.DictionaryArray.from_arrays(
                pa.array(np.repeat(np.arange(m, dtype=np.int32), n)), pa.array(metrics)
            ).dictionary_decode(),
            "ts": pa.array(np.tile(ts, m), pa.timestamp("us")),
            "value": pa.array(np.concatenate(values) if values else np.zeros(0), pa.float64()),
        }
    )


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=9,
        use_dictionary=["model", "version", "metric", "value"],  # rounded values repeat
        column_encoding={"ts": "DELTA_BINARY_PACKED"},
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
        row_group_size=1 << 20,
    )


# --------------------------------------------------------------------------------------------
# deployments.json and events.jsonl
# --------------------------------------------------------------------------------------------


def deployment(inst: Instance) -> dict[str, Any]:
    history = _history(inst)
    past = [row for row in history if row[1] < 0]
    return {
        "name": inst.name,
        "team": inst.spec.team,
        "risk_tier": inst.spec.risk_tier,
        "tags": dict(inst.spec.tags),
        "versions": [
            {
                "version": v.version,
                "created_at": v.created_at,
                "status": v.status,
                "baseline": dict(v.baseline),
            }
            for v in inst.spec.versions
        ],
        "aliases": {SERVING_ALIAS: past[-1][0]},
        "history": [
            {"alias": SERVING_ALIAS, "version": v, "at": _at(minute), "actor": actor}
            for v, minute, actor, _ in past
        ],
    }


def events(inst: Instance, start: int) -> list[tuple[int, dict[str, str]]]:
    history = _history(inst)

    def serving(minute: int) -> str:
        return [row[0] for row in history if row[1] <= minute][-1]

    out: list[tuple[int, dict[str, str]]] = []

    def add(minute: int, version: str, kind: str, severity: str, summary: str) -> None:
        if start <= minute < 0:
            out.append(
                (
                    minute,
                    {
                        "ts": _at(minute),
                        "model": inst.name,
                        "version": version,
                        "kind": kind,
                        "severity": severity,
                        "summary": summary,
                    },
                )
            )

    for (version, minute, actor, note), prev in zip(history[1:], history, strict=False):
        text = f"{SERVING_ALIAS} -> {version} (was {prev[0]}) by {actor}"
        add(minute, version, "deploy", "low", f"{text}: {note}" if note else text)
    if inst.replica == 0:
        for event in inst.spec.events:
            minute = _minutes(event.at)
            add(minute, serving(minute), event.kind, event.severity, event.summary)
    if inst.incident == "security_event":
        minute = SECURITY_AT + inst.jitter
        add(minute, serving(minute), "security_finding", "high", SECURITY_SUMMARY)
    return out


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def generate(
    out: Path,
    models: int = DEFAULT_MODELS,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
) -> dict[str, int]:
    """Write a workspace's data files into ``out``; returns counts."""
    if models < 1 or days < 1:
        raise ValueError("--models and --days must be at least 1")
    start = -days * DAY
    out.mkdir(parents=True, exist_ok=True)
    metrics_dir = out / "metrics"
    metrics_dir.mkdir(exist_ok=True)
    for stale in metrics_dir.glob("*.parquet"):
        stale.unlink()
    instances = fleet(models, seed)
    rows = 0
    for inst in instances:
        table = model_table(inst, start, seed)
        rows += table.num_rows
        write_parquet(table, metrics_dir / f"{inst.name}.parquet")
    document = {"models": [deployment(inst) for inst in instances]}
    (out / "deployments.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    all_events = sorted(
        (e for inst in instances for e in events(inst, start)),
        key=lambda e: (e[0], e[1]["model"], e[1]["kind"]),
    )
    with (out / "events.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for _, event in all_events:
            fh.write(json.dumps(event) + "\n")
    if out.resolve() != SAMPLE_DATA.resolve() and not (out / "mrp.toml").exists():
        shutil.copyfile(SAMPLE_DATA / "mrp.toml", out / "mrp.toml")
        shutil.copytree(SAMPLE_DATA / "policies", out / "policies", dirs_exist_ok=True)
    return {"models": len(instances), "rows": rows, "events": len(all_events)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="workspace folder to write")
    parser.add_argument("--models", type=int, default=DEFAULT_MODELS, help="fleet size (14)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="history length (14)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="noise seed")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        counts = generate(args.out, args.models, args.days, args.seed)
    except (OSError, ValueError) as exc:
        print(f"generate_fleet: {exc}", file=sys.stderr)
        return 2
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(
        f"wrote {counts['models']} models, {counts['rows']:,} metric rows, "
        f"{counts['events']} events, {size / 1e6:.1f} MB to {args.out} "
        f"in {time.perf_counter() - began:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
