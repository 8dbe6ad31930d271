"""How `mrp` words what went wrong (console/errors.py): one line on stderr, `mrp: ` and a
sentence that starts lower-case and ends with a period; a notice that there is nothing to
show starts lower-case too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli_helpers import run_mrp


def _one_sentence(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    label, _, sentence = lines[0].partition(": ")
    assert label == "mrp", stderr
    assert sentence.endswith("."), stderr
    return sentence


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (
            ("backtest", "--model", "nomatch*"),
            "nothing to replay: no stored history for the models the policies select "
            "matching --model 'nomatch*'.",
        ),
        (("status", "--fail-on", "bogus"), "--fail-on takes 'pending' or 'firing', not 'bogus'."),
        (("auth", "set", "nowhere"), "no source named 'nowhere' in "),
        (("auth", "set", "offline"), "source 'offline' reads files and takes no token."),
        (
            ("console",),
            "the console command needs an interactive terminal (stdin and stdout a TTY).",
        ),
        (("demo",), "the demo command takes no --workspace."),
        (("audit", "note", "fraud", "  "), "the note is empty: nothing was recorded."),
        (("audit", "note", "fraud-v2", "hi"), "no model named 'fraud-v2' in "),
        (
            ("audit", "checkpoint", "--as", "bob"),
            "this machine's keyring holds no signing key for 'bob': create one with ",
        ),
        (
            ("audit", "verify", "--checkpoint", "nowhere.json"),
            "the checkpoint file nowhere.json does not exist.",
        ),
        (
            ("audit", "export", "--csv", "nowhere/audit.csv"),
            "cannot write nowhere/audit.csv: the folder ",
        ),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_an_error_is_one_lower_case_sentence_after_mrp(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    args: tuple[str, ...],
    sentence: str,
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    result = run_mrp(capsys, "-w", tiny_workspace, *args)
    assert result.exit_code == 2
    assert _one_sentence(result.stderr).startswith(sentence)


def test_no_workspace_is_one_lower_case_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    nowhere = run_mrp(capsys, "status", "-w", tmp_path / "nowhere")
    assert nowhere.exit_code == 2
    assert _one_sentence(nowhere.stderr) == (
        f"the workspace folder {tmp_path / 'nowhere'} does not exist."
    )
    anywhere = run_mrp(capsys, "status")
    assert anywhere.exit_code == 2
    assert _one_sentence(anywhere.stderr).startswith("no mrp workspace here: ")


def test_a_folder_inside_a_workspace_suggests_the_workspace(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policies = tiny_workspace / "policies"
    inside = run_mrp(capsys, "-w", policies, "status")
    assert inside.exit_code == 2
    assert _one_sentence(inside.stderr) == (
        f"{policies} is not an mrp workspace but a folder inside {tiny_workspace}, which is "
        f"one (did you mean `-w {tiny_workspace}`?)."
    )
    monkeypatch.chdir(tiny_workspace)
    relative = run_mrp(capsys, "status", "-w", "policies")
    assert _one_sentence(relative.stderr).endswith(f"(did you mean `-w {tiny_workspace}`?).")
    monkeypatch.setenv("MRP_HOME", str(policies))
    from_home = run_mrp(capsys, "status")
    assert from_home.exit_code == 2
    assert _one_sentence(from_home.stderr).endswith(f"(did you mean `MRP_HOME={tiny_workspace}`?).")
    (tmp_path / "loose").mkdir()
    outside = run_mrp(capsys, "status", "-w", tmp_path / "loose")
    assert _one_sentence(outside.stderr) == (
        f"{tmp_path / 'loose'} is not an mrp workspace: it has no mrp.toml "
        f"(create one with `mrp init {tmp_path / 'loose'}`)."
    )


def test_no_signer_is_one_lower_case_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "mrp.toml").write_text("", encoding="utf-8")
    result = run_mrp(capsys, "audit", "checkpoint", "-w", tmp_path)
    assert result.exit_code == 2
    assert _one_sentence(result.stderr) == (
        "no signer: pass --as NAME, set MRP_SIGNER, or set operator in mrp.toml."
    )


def test_nothing_to_evaluate_is_a_lower_case_notice(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    result = run_mrp(capsys, "evaluate", "-w", tiny_workspace)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "no trigger applies to any known model.\n"


def test_nothing_to_replay_without_filters_is_a_notice(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    result = run_mrp(capsys, "backtest", "-w", tiny_workspace)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("nothing to replay: ")
