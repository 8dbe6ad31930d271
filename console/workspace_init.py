"""Create a new workspace from the commented templates, and the demo's throwaway copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from console.errors import ConfigError
from console.resources import sample_data_dir
from console.settings import CONFIG_NAME

_TEMPLATES = Path(__file__).resolve().parent / "templates"

GITIGNORE = ".mrp/\nsigners.yaml.lock\n"
"""The local state, and the lock `mrp keys init` takes beside signers.yaml (it stays)."""


def init_workspace(folder: Path) -> list[Path]:
    """Write mrp.toml, policies/example.yaml and an empty deployments.json; never overwrite."""
    if (folder / CONFIG_NAME).exists():
        raise ConfigError(f"{folder / CONFIG_NAME} already exists; mrp init never overwrites it.")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for template, target in (
        ("mrp.toml", CONFIG_NAME),
        ("policy.yaml", "policies/example.yaml"),
        ("deployments.json", "deployments.json"),
    ):
        path = folder / target
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_TEMPLATES / template, path)
        written.append(path)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
        written.append(ignore)
    return written


def copy_sample_workspace(destination: Path) -> Path:
    """Copy the demo workspace (sample_data) to ``destination`` without its generated state."""
    shutil.copytree(
        sample_data_dir(), destination, ignore=shutil.ignore_patterns(".mrp", "__pycache__")
    )
    return destination
