"""The shared file helpers: the cross-process lock."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from console.errors import MrpError
from console.fileio import exclusive_lock


def test_lock_held_elsewhere_is_one_sentence_after_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "thing.lock"
    with exclusive_lock(path, 1.0, "the thing"):
        started = time.monotonic()
        # flock conflicts between two open descriptions of one file, even in one process
        with pytest.raises(MrpError) as caught, exclusive_lock(path, 0.1, "the thing"):
            pass
        assert time.monotonic() - started >= 0.1
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith("the thing is busy in another mrp process")


def test_lock_is_released_when_the_block_ends_or_raises(tmp_path: Path) -> None:
    path = tmp_path / "thing.lock"
    with pytest.raises(RuntimeError), exclusive_lock(path, 0.1, "x"):
        raise RuntimeError("boom")
    with exclusive_lock(path, 0.1, "x"):
        pass
    assert path.exists()
