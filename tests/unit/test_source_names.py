"""A source's name is letters, digits, '-', '_' and '.': its keyring keys are built from it
(``source:NAME``, ``source:NAME:basic-auth``, ``source:NAME:signing-secret``), so a source
named ``a:basic-auth`` would read and overwrite the basic credentials of source ``a``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from console.settings import CONFIG_NAME, load_config
from tests.unit.cli_helpers import run_mrp

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["a:basic-auth", "prod east", "ünïcode", "a/b"])
def test_a_source_name_that_could_share_keyring_keys_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / CONFIG_NAME
    config.write_text(f'[sources.a]\nkind = "files"\n[sources."{name}"]\nkind = "files"\n')
    for command in (("status",), ("auth", "set", name), ("sync",)):
        result = run_mrp(capsys, *command, "-w", tmp_path)
        assert result.exit_code == 2, (command, result)
        assert result.stderr == (
            f"mrp: {config}: 'sources': the source name {name!r} may hold only letters, "
            "digits, '-', '_' and '.' (its keys in the keyring are made from it).\n"
        ), result.stderr
    assert not (tmp_path / ".mrp").exists()


def test_names_of_letters_digits_dashes_underscores_and_dots_are_read(tmp_path: Path) -> None:
    config = tmp_path / CONFIG_NAME
    config.write_text(
        '[sources."prod-east_2.prom"]\nkind = "files"\n[sources.OFFLINE]\nkind = "files"\n'
    )
    assert sorted(load_config(config).sources) == ["OFFLINE", "prod-east_2.prom"]


def test_the_demo_and_the_init_template_still_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert list(load_config(REPO / "sample_data" / CONFIG_NAME).sources) == ["offline"]
    shutil.copy(REPO / "console" / "templates" / CONFIG_NAME, tmp_path / CONFIG_NAME)
    load_config(tmp_path / CONFIG_NAME)
    made = run_mrp(capsys, "init", tmp_path / "new")
    assert made.exit_code == 0, made.stderr
    load_config(tmp_path / "new" / CONFIG_NAME)
