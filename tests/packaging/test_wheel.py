"""The wheel carries queries/, themes/ and sample_data/ and works outside the checkout."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _pip_env() -> dict[str, str]:
    env = os.environ.copy()
    env["PIP_CACHE_DIR"] = str(Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "pip")
    env.pop("PYTHONPATH", None)
    return env


@pytest.mark.slow
def test_installed_wheel_syncs_and_reports_status(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
        check=True,
        env=_pip_env(),
    )
    [wheel] = dist.glob("mrp_console-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True, env=_pip_env())

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    workspace = outside / "demo"
    shutil.copytree(REPO / "sample_data", workspace, ignore=shutil.ignore_patterns(".mrp"))
    mrp = env_dir / "bin" / "mrp"
    run = {"cwd": outside, "env": _pip_env(), "capture_output": True, "text": True}
    where = subprocess.run(
        [python, "-c", "import console.resources as r; print(r.queries_dir())"], check=True, **run
    )
    assert "site-packages/console/_data/queries" in where.stdout
    synced = subprocess.run([mrp, "sync", "-w", workspace], **run)
    assert synced.returncode == 0, synced.stderr
    status = subprocess.run([mrp, "status", "--json", "-w", workspace], **run)
    assert status.returncode == 0, status.stderr
    models = json.loads(status.stdout)["models"]
    assert len(models) >= 12
    assert all(m["version"] and m["previous_version"] for m in models)
    installed = env_dir / "lib"
    assert list(installed.glob("python3*/site-packages/console/_data/sample_data/mrp.toml"))
    assert list(installed.glob("python3*/site-packages/console/_data/themes"))
