"""``harness train`` and ``harness export`` on the command line, registered by entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import build_parser, main


def subcommands() -> set[str]:
    import argparse

    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


def test_train_and_export_are_harness_commands() -> None:
    assert {"train", "export"} <= subcommands()


def test_config_error_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("run_name: x\ntrain_file: data.jsonl\nlearning_rat: 0.1\n")
    assert main(["train", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"{config}: learning_rat: unknown key (allowed: ")


def test_max_steps_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["train", "run.yaml", "--max-steps", "0"])
    assert info.value.code == 2
    assert "--max-steps: must be at least 1" in capsys.readouterr().err


def test_resume_from_a_missing_checkpoint_exits_2(
    tmp_path: Path, short_chats_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(f"run_name: x\ntrain_file: {short_chats_file}\n")
    assert main(["train", str(config), "--resume", str(tmp_path / "nope")]) == 2
    assert "is not a training checkpoint" in capsys.readouterr().err


@pytest.mark.model
@pytest.mark.slow
def test_harness_train_with_max_steps_override(
    tmp_path: Path, short_chats_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(
        f"""
run_name: cli
train_file: {short_chats_file}
output_dir: {tmp_path / "out"}
lora: {{r: 4, alpha: 8}}
max_length: 64
epochs: 3
batch_size: 2
save_steps: 10
threads: 1
trainer_kwargs: {{disable_tqdm: true}}
"""
    )
    assert main(["train", str(config), "--max-steps", "1"]) == 0
    err = capsys.readouterr().err
    assert "trained cli: 1 steps" in err
    assert f"adapter: {tmp_path / 'out' / 'final'}" in err
    assert (tmp_path / "out" / "final" / "adapter_model.safetensors").is_file()
    # The final step is always saved as a checkpoint, whatever save_steps says.
    state = json.loads((tmp_path / "out" / "checkpoint-1" / "trainer_state.json").read_text())
    assert state["global_step"] == 1 and state["max_steps"] == 1


def test_resume_last_without_checkpoints_exits_2(
    tmp_path: Path, short_chats_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(
        f"run_name: x\ntrain_file: {short_chats_file}\noutput_dir: {tmp_path / 'out'}\n"
    )
    assert main(["train", str(config), "--resume", "last"]) == 2
    assert "resume: no checkpoint-N directory in" in capsys.readouterr().err
