"""GateCallback on real (tiny) LoRA runs of the embedded model.

Guarantees, each a test: (a) the callback does not change training; (b) the
verdict recorded for a checkpoint equals a separate ``pytest --harness-adapter``
run; (c) a broken checkpoint fails its gate and stops the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, eval_project, tiny_settings  # tests/training/conftest.py

from training.gate import GateCallback
from training.sft import train

pytestmark = [pytest.mark.model, pytest.mark.slow]

PYPROJECT = """
[tool.harness]
default_models = ["base"]
[tool.harness.sampling]
max_new_tokens = 12
[tool.harness.models.base]
backend = "hf"
model = "embedded"
"""

SUITE = """
def test_answers(evaluate):
    evaluate("short").check("rougeL >= 0.1")


def test_no_refusals(evaluate):
    evaluate("short").check("over_refusal <= 0.5")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: pyproject with the embedded model, one golden file, one suite."""
    return eval_project(tmp_path / "project", PYPROJECT, {"short": SUITE})


def short_config(project: Path, short_chats_file: Path, **overrides: Any) -> Any:
    settings: dict[str, Any] = {
        "train_file": str(short_chats_file),
        "output_dir": str(project / "runs" / "gated"),
        "max_length": 64,
        "batch_size": 4,
    }
    return tiny_settings(**{**settings, **overrides})


def project_gate(project: Path, run_name: str, **options: Any) -> GateCallback:
    """A gate on the project's suite, writing ``reports/`` and ``runs/`` inside the project."""
    return GateCallback(
        ["suites/test_short.py"],
        run_name=run_name,
        primary_metric="rougeL",
        report_root=project / "reports",
        runs_root=project / "runs",
        project_root=project,
        **options,
    )


class Breaker:
    """A callback that ruins the LoRA weights right before checkpoint ``step`` is gated."""

    def __init__(self, step: int) -> None:
        self.step = step

    def __getattr__(self, name: str) -> Any:
        if name.startswith("on_"):
            return lambda *args, **kwargs: None
        raise AttributeError(name)

    def on_save(
        self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any
    ) -> None:
        import torch

        if state.global_step != self.step:
            return
        with torch.no_grad():
            for name, param in model.named_parameters():
                if "lora_B" in name:
                    param.add_(torch.randn_like(param) * 5.0)
        # The checkpoint on disk is broken the same way.
        model.save_pretrained(str(Path(args.output_dir) / f"checkpoint-{state.global_step}"))


def test_broken_checkpoint_fails_its_gate_and_stops_the_run(
    project: Path, short_chats_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    config = short_config(project, short_chats_file, max_steps=6, save_steps=2)
    # All 8 examples, not the 2-example dev split: this test is about the stop, and
    # the two dev questions are ones the tiny run cannot answer at any checkpoint.
    gate = project_gate(project, "gated", patience=0, split="all")
    result = train(config, callbacks=[Breaker(step=4), gate])
    assert result.global_step == 4, "the run stops at the broken checkpoint"
    assert [v.step for v in gate.history] == [2, 4]
    assert gate.history[0].passed and not gate.history[1].passed
    assert gate.stop_reason is not None and gate.stop_reason.startswith("regression")
    assert gate.evaluations == 2
    best = project / "runs" / "gated" / "best"
    assert (best / "SOURCE").read_text().strip().endswith("checkpoint-2")
    assert (best / "adapter_model.safetensors").is_file()
    page = (project / "reports" / "gated" / "index.html").read_text()
    assert "best passing checkpoint 2" in page and "stopped early: regression" in page
    for step in (2, 4):
        assert (project / "reports" / "gated" / f"checkpoint-{step}" / "scorecard.html").is_file()
    state = json.loads(
        (project / "runs" / "gated" / "checkpoint-4" / "trainer_state.json").read_text()
    )
    assert state["stateful_callbacks"]["GateCallback"]["attributes"]["best_step"] == 2

    # (b) The verdict recorded for checkpoint 2 is what a separate pytest process says.
    recorded = gate.history[0]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "suites/test_short.py",
            "--harness-adapter",
            str(project / "runs" / "gated" / "checkpoint-2"),
            "--harness-models",
            "finetuned",
            "--harness-report",
            str(project / "separate"),
            "--harness-no-cache",
            "--harness-split",
            "all",  # the split this gate judged on
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == (0 if recorded.passed else 1), proc.stdout[-2000:]
    separate = json.loads((project / "separate" / "results.json").read_text())
    by_metric = {g["metric"]: (g["passed"], g["value"]) for g in separate["gates"]}
    assert by_metric == {g["metric"]: (g["passed"], g["value"]) for g in recorded.gates}


def _adapter_tensors(path: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(path / "adapter_model.safetensors"))


def test_callback_does_not_change_training(
    project: Path, short_chats_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    # Dropout draws from the RNG every step, so any RNG the gate consumed would show.
    lora = {"r": 8, "alpha": 16, "dropout": 0.1}
    plain = train(
        short_config(
            project,
            short_chats_file,
            max_steps=3,
            save_steps=2,
            lora=lora,
            output_dir=str(project / "runs" / "plain"),
        )
    )
    gate = project_gate(project, "gated-same")
    gated = train(
        short_config(
            project,
            short_chats_file,
            max_steps=3,
            save_steps=2,
            lora=lora,
            output_dir=str(project / "runs" / "gated-same"),
        ),
        callbacks=[gate],
    )
    assert gate.evaluations == len(gated.checkpoints) >= 1
    assert plain.global_step == gated.global_step == 3
    a, b = _adapter_tensors(plain.adapter_dir), _adapter_tensors(gated.adapter_dir)
    assert a.keys() == b.keys() and a
    for name in a:
        assert a[name].equal(b[name]), f"{name} differs"


def test_data_parallel_run_evaluates_once_and_every_rank_stops(
    project: Path, short_chats_file: Path
) -> None:
    (project / "suites" / "test_impossible.py").write_text(
        'def test_perfect(evaluate):\n    evaluate("short").check("rougeL >= 0.99")\n',
        encoding="utf-8",
    )
    out = project / "ddp"
    script = Path(__file__).with_name("_ddp_gate_run.py")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "accelerate.commands.launch",
            "--num_processes",
            "2",
            # accelerate 1.x starts several CPU processes under --cpu only through mpirun;
            # its torchrun path (--multi_gpu) with use_cpu=True in the run gives the same
            # gloo data-parallel run on a machine without GPUs.
            "--multi_gpu",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            str(script),
            str(short_chats_file),
            str(out),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    ranks = [json.loads((out / f"rank-{r}.json").read_text()) for r in (0, 1)]
    assert {r["world"] for r in ranks} == {2}
    assert [r["step"] for r in ranks] == [2, 2], "every rank stops at the failing checkpoint"
    assert [r["evaluations"] for r in ranks] == [1, 0], "only the main process evaluates"
    assert (out / "reports" / "ddp" / "checkpoint-2" / "results.json").is_file()
