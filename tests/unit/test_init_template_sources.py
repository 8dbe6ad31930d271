"""The commented Prometheus and MLflow examples that `mrp init` writes are a working config
once uncommented, as an SRE adopting mrp does first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.settings import MlflowSource, PrometheusSource, load_config
from tests.unit.cli_helpers import run_mrp


def _uncomment_sources(text: str) -> str:
    lines, inside = [], False
    for line in text.splitlines():
        if re.match(r"# \[sources\.(prom|registry)", line):
            inside = True
        if inside and re.match(r"# (\[|[a-z0-9_]+ = )", line):
            line = line[2:]
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_uncommented_examples_load_with_both_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_mrp(capsys, "init", tmp_path / "fleet").exit_code == 0
    config_path = tmp_path / "fleet" / "mrp.toml"
    config_path.write_text(_uncomment_sources(config_path.read_text()))

    config = load_config(config_path)

    prom, registry = config.sources["prom"], config.sources["registry"]
    assert isinstance(prom, PrometheusSource) and isinstance(registry, MlflowSource)
    assert set(prom.metrics) == {"accuracy", "latency_p99_seconds"}
    assert all("by (version)" in template for template in prom.metrics.values())
    assert registry.baseline_metrics == {"accuracy": "val_accuracy"}
    checked = run_mrp(capsys, "policy", "check", "-w", tmp_path / "fleet")
    assert checked.exit_code == 0, checked.stderr
