"""Checkpoint gates through one vLLM engine with each checkpoint merged into its weights.

One tiny gated LoRA run (``adapter_mode: merged``, the CPU default) proves: the
engine starts once for the whole run (base guard run and every checkpoint) and
is shut down at the end; each checkpoint is judged with its own weights,
loaded into the running engine (the results' fingerprint names the adapter's
content hash); a verdict equals a separate ``pytest --harness-adapter`` run
through a vllm variant, which serves the checkpoint as a LoRA adapter (greedy
answers equal up to bfloat16 near-ties); and the trained weights are
bit-identical to a run without the gate.
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

from harness.backends.peft import adapter_digest
from harness.models import resolve_model
from harness.results import read_results
from training.gate import GateCallback
from training.gate_engine import GateEngine, gate_engine_for, lora_rank_limit
from training.sft import train

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.vllm]

#: Examples per suite: enough to compare the merged and LoRA paths, few enough to stay quick.
LIMIT = 6

PYPROJECT = """
[tool.harness]
default_models = ["base"]
[tool.harness.sampling]
max_new_tokens = 12
[tool.harness.models.base]
backend = "vllm"
model = "embedded"
"""

SUITE = """
SUITE = "{name}"


def test_answers(evaluate):
    evaluate("{name}").check("rougeL >= 0.1")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose base variant is served by vLLM: one task suite and one guard suite."""
    suites = {name: SUITE.format(name=name) for name in ("short", "guard")}
    return eval_project(tmp_path / "project", PYPROJECT, suites, ask="In one word, please: ")


def _config(project: Path, short_chats_file: Path, out: str) -> Any:
    return tiny_settings(
        train_file=str(short_chats_file),
        output_dir=str(project / "runs" / out),
        max_length=64,
        batch_size=4,
        max_steps=4,
        save_steps=2,
        lora={"r": 8, "alpha": 16, "dropout": 0.1},  # dropout: any RNG use by the gate would show
    )


def _fingerprint(results_path: Path, variant: str) -> str:
    data = json.loads(results_path.read_text(encoding="utf-8"))
    fingerprint: str = data["metadata"]["variants"][variant]["fingerprint"]
    return fingerprint


def test_gates_share_one_engine_and_judge_each_checkpoint_with_its_own_merged_weights(
    project: Path, short_chats_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    path, fingerprint = resolve_model("embedded")
    engine = GateEngine(path, fingerprint=fingerprint, lora_rank=8, adapter_mode="merged")
    gate = GateCallback(
        ["suites/test_short.py"],
        run_name="engine",
        primary_metric="rougeL",
        report_root=project / "reports",
        runs_root=project / "runs",
        project_root=project,
        guard_suites=["suites/test_guard.py"],
        split="all",
        patience=0,
        limit=LIMIT,
        engine=engine,
    )
    gated = train(_config(project, short_chats_file, "gated"), callbacks=[gate])

    assert gate.evaluations == 2 and [v.step for v in gate.history] == [2, 4]
    assert engine.starts == 1, "one engine for the base run and every checkpoint"
    # The base guard run came first: two checkpoints' weights were loaded, none restored.
    assert len(engine.load_seconds) == 2
    assert not engine.started, "the engine is shut down when training ends"
    log = project / "reports" / "engine" / "engine.log"
    # TRL sets vLLM's log level to ERROR; the engine's start-up output still goes there.
    assert engine.log_path == log
    assert log.read_text(encoding="utf-8").strip()

    reports = project / "reports" / "engine"
    base_fp = _fingerprint(reports / "base" / "results.json", "base")
    assert base_fp == f"{fingerprint}:bfloat16", "the base guard run used no adapter"
    seen = []
    for step in (2, 4):
        digest = adapter_digest(project / "runs" / "gated" / f"checkpoint-{step}")
        fp = _fingerprint(reports / f"checkpoint-{step}" / "results.json", "finetuned")
        assert fp == f"{fingerprint}:bfloat16:lora={digest[:16]}:merged"
        seen.append(fp)
    assert seen[0] != seen[1], "each checkpoint was served with its own weights"
    # Guards were computed against the base run on the same engine.
    assert all(v.guards for v in gate.history)

    # The verdict equals a separate run of the suite on that checkpoint through vLLM.
    checkpoint = project / "runs" / "gated" / "checkpoint-4"
    separate = project / "reports" / "separate"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "pytest", "suites/test_short.py", "-p", "no:cacheprovider"]
    command += ["-q", "--harness-adapter", str(checkpoint), "--harness-split", "all"]
    command += ["--harness-report", str(separate), "--harness-no-cache"]
    command += ["--harness-limit", str(LIMIT)]
    proc = subprocess.run(
        command,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    in_gate = read_results(reports / "checkpoint-4" / "results.json")
    alone = read_results(separate / "results.json")

    def answers(results: Any) -> dict[str, str]:
        return {
            e.example_id: e.output
            for e in results.examples
            if e.variant == "finetuned" and e.suite == "short"
        }

    def verdicts(results: Any) -> dict[str, Any]:
        gates = {
            (g.gate, g.passed)
            for g in results.gates
            if g.variant == "finetuned" and g.suite == "short"
        }
        passed = {
            (e.example_id, name): m.passed
            for e in results.examples
            if e.variant == "finetuned" and e.suite == "short"
            for name, m in e.metrics.items()
        }
        return {"gates": gates, "examples": passed}

    # Same verdict, gate by gate and example by example; merged bfloat16 weights and
    # base + LoRA in bfloat16 round differently, so an answer may part at a near-tie.
    assert verdicts(in_gate) == verdicts(alone) and verdicts(in_gate)["gates"]
    merged, lora = answers(in_gate), answers(alone)
    assert merged.keys() == lora.keys() and len(merged) == LIMIT
    same = sum(merged[k] == lora[k] for k in merged)
    assert same >= LIMIT - 1, f"merged vs LoRA answers: {merged} vs {lora}"

    # Training is untouched by the engine: same weights as a run without the gate.
    plain = train(_config(project, short_chats_file, "plain"))
    from safetensors.torch import load_file

    a = load_file(str(plain.adapter_dir / "adapter_model.safetensors"))
    b = load_file(str(gated.adapter_dir / "adapter_model.safetensors"))
    assert a.keys() == b.keys() and a
    assert all(a[k].equal(b[k]) for k in a)


def test_gate_backend_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.backends as backends
    from harness.errors import ConfigError
    from training import gate_engine

    assert lora_rank_limit(8) == 8 and lora_rank_limit(12) == 16 and lora_rank_limit(64) == 64
    with pytest.raises(ConfigError, match="above the largest rank"):
        lora_rank_limit(1024)
    # QLoRA adapters were trained against the 4-bit base: auto keeps them on hf.
    assert gate_engine_for("auto", model="embedded", lora_rank=8, qlora=True) is None
    assert gate_engine_for("hf", model="embedded", lora_rank=8) is None
    # $HARNESS_AUTO_BACKEND decides for auto, as for every auto variant (tests pin hf).
    monkeypatch.setenv("HARNESS_AUTO_BACKEND", "hf")
    assert gate_engine_for("auto", model="embedded", lora_rank=16, project_root=REPO) is None
    monkeypatch.delenv("HARNESS_AUTO_BACKEND")
    engine = gate_engine_for("auto", model="embedded", lora_rank=16, project_root=REPO)
    assert isinstance(engine, GateEngine) and not engine.started and engine.max_lora_rank == 16
    lora = gate_engine_for(
        "vllm", model="embedded", lora_rank=8, project_root=REPO, adapter_mode="lora"
    )
    assert lora is not None and lora.adapter_mode == "lora"
    monkeypatch.setattr(backends, "vllm_available", lambda: False)
    assert gate_engine.resolve_gate_backend("auto", notice=False) == "hf"
    with pytest.raises(ConfigError, match="vllm is not installed"):
        gate_engine.resolve_gate_backend("vllm")
