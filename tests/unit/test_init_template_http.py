"""`mrp init` writes a commented example of the `http` platform source (docs/http-contract.md)
beside the others; uncommented, it is a working source, and the credentials its comment
names can be set on it."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from console.settings import HttpSource, load_config
from tests.unit.cli_helpers import run_mrp


def _uncomment_platform(text: str) -> str:
    lines, inside = [], False
    for line in text.splitlines():
        inside = inside or line == "# [sources.platform]"
        if inside and re.match(r"# (\[|[a-z_]+ = )", line):
            line = line[2:]
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_the_uncommented_http_example_is_a_platform_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "fleet"
    assert run_mrp(capsys, "init", root).exit_code == 0
    config_path = root / "mrp.toml"
    text = config_path.read_text()
    assert '# [sources.platform]\n# kind = "http"\n' in text
    assert "mrp auth set platform --signing-secret" in " ".join(
        line.removeprefix("# ") for line in text.splitlines()
    )
    config_path.write_text(_uncomment_platform(text))

    platform = load_config(config_path).sources["platform"]
    assert isinstance(platform, HttpSource)
    assert platform.url == "https://serving.example/api"
    assert platform.serving_alias == "champion"
    assert platform.read_back == timedelta(seconds=30)
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    stored = run_mrp(capsys, "auth", "set", "platform", "--signing-secret", "-w", root)
    assert stored.exit_code == 0, stored.stderr
    status = run_mrp(capsys, "auth", "status", "-w", root)
    assert (
        "platform (http): no token or basic credentials set, signing secret set" in status.stdout
    ), status.stdout
