"""LoRA SFT under accelerate FSDP: two gloo processes on CPU, gated once on rank 0.

The shipped accelerate configs, and how a sharded model is told apart, are
checked without a model.

The checkpoint an FSDP run saves holds the whole (gathered) adapter, and the
verdict rank 0 gave it equals the verdict a single process gives the same
checkpoint files, evaluated in process on the live model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import REPO, eval_project  # tests/training/conftest.py

from training.distributed import FSDP_ENV, enable_cpu_fsdp, fsdp_requested, is_sharded
from training.gate import GateCallback

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


def test_perfect(evaluate):  # fails: the run stops at its first checkpoint
    evaluate("short").check("rougeL >= 0.99")
"""

TRAIN = REPO / "golden" / "train"
CONFIG = TRAIN / "fsdp_cpu.yaml"


def _outputs(results: Path) -> dict[str, str]:
    data = json.loads(results.read_text(encoding="utf-8"))
    return {e["example_id"]: e["output"] for e in data["examples"] if e["variant"] == "finetuned"}


def _paths(results: Path) -> str:
    """The checkpoint variant's metadata (backend fingerprints say which path answered)."""
    data = json.loads(results.read_text(encoding="utf-8"))
    return json.dumps(data["metadata"]["variants"]["finetuned"])


def _judged(verdict: dict[str, Any]) -> dict[str, Any]:
    """What a verdict decides (timings and report paths aside)."""
    return {
        "passed": verdict["passed"],
        "primary": verdict["primary"],
        "metrics": verdict["metrics"],
        "gates": [(g["key"], g["value"], g["passed"]) for g in verdict["gates"]],
        "exit_code": verdict["exit_code"],
    }


def test_shipped_configs_save_the_whole_adapter_for_the_gate() -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    fsdp = [load_config_from_file(str(TRAIN / f)) for f in ("fsdp_cpu.yaml", "fsdp_gpu.yaml")]
    for config in fsdp:
        assert config.distributed_type == "FSDP"
        assert config.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"
        assert config.fsdp_config["fsdp_transformer_layer_cls_to_wrap"] == "LlamaDecoderLayer"
    assert fsdp[0].num_processes == 2 and fsdp[0].mixed_precision == "no"
    zero = load_config_from_file(str(TRAIN / "deepspeed_zero3.yaml"))
    assert zero.distributed_type == "DEEPSPEED"
    assert zero.deepspeed_config["zero_stage"] == 3
    assert zero.deepspeed_config["zero3_save_16bit_model"] is True


def test_is_sharded_tells_fsdp_and_zero3_from_a_plain_model(tmp_path: Path) -> None:
    import torch
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    plain = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    assert not is_sharded(plain)
    assert not is_sharded(None)
    zero3 = torch.nn.Linear(4, 4)
    zero3.weight.ds_id = 0  # type: ignore[attr-defined]  # what ZeRO-3 marks partitioned params with
    assert is_sharded(zero3)
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
        fully_shard(model[0], mesh=init_device_mesh("cpu", (1,)))
        assert is_sharded(model)
    finally:
        dist.destroy_process_group()


def test_enable_cpu_fsdp_is_a_no_op_without_an_fsdp_launch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(FSDP_ENV, raising=False)
    assert not fsdp_requested()
    assert enable_cpu_fsdp(SimpleNamespace()) is False
    monkeypatch.setenv(FSDP_ENV, "true")
    assert fsdp_requested()


@pytest.mark.model
@pytest.mark.slow
def test_fsdp_run_gates_once_and_its_verdict_equals_one_process(
    embedded_model_dir: Path, short_chats_file: Path, tmp_path: Path
) -> None:
    two_process_verdict_equals_one_process(
        CONFIG, "FSDP", embedded_model_dir, short_chats_file, tmp_path
    )


def two_process_verdict_equals_one_process(
    config: Path, distributed_type: str, model_dir: Path, chats: Path, tmp_path: Path
) -> None:
    """Train 2 steps on 2 gloo ranks under ``config``; the gate runs once, on rank 0, and its
    verdict and answers equal one process's on the same checkpoint files (the live model)."""
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    project = eval_project(tmp_path / "project", PYPROJECT, {"short": SUITE})
    out = project / "sharded"
    # Nothing in the training script is specific to FSDP (its run is named "fsdp").
    script = Path(__file__).with_name("_fsdp_gate_run.py")
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": path}
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config)]
    proc = subprocess.run(
        [*launch, str(script), str(chats), str(out)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    ranks = [json.loads((out / f"rank-{r}.json").read_text()) for r in (0, 1)]
    assert [(r["world"], r["distributed_type"]) for r in ranks] == [(2, distributed_type)] * 2
    assert [r["step"] for r in ranks] == [2, 2], "every rank stops at the failing checkpoint"
    assert [r["evaluations"] for r in ranks] == [1, 0], "only rank 0 evaluates"
    (sharded_verdict,) = ranks[0]["verdicts"]
    assert ranks[1]["verdicts"] == []

    # The checkpoint holds the whole adapter: every LoRA matrix at full size, and trained.
    checkpoint = out / "run" / "checkpoint-2"
    tensors = load_file(str(checkpoint / "adapter_model.safetensors"))
    base = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    layers = base.config.num_hidden_layers
    assert len(tensors) == layers * 7 * 2  # q k v o gate up down, A and B each
    widths = {base.config.hidden_size, base.config.intermediate_size}
    assert {t.shape[0] for n, t in tensors.items() if "lora_A" in n} == {4}
    assert {t.shape[1] for n, t in tensors.items() if "lora_A" in n} == widths
    assert any(t.abs().sum() > 0 for n, t in tensors.items() if "lora_B" in n)

    # One process, the same checkpoint files, the gate's in-process path (live model).
    model = PeftModel.from_pretrained(base, str(checkpoint))
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
    gate = GateCallback(
        ["suites/test_short.py"],
        run_name="single",
        primary_metric="rougeL",
        report_root=project / "reports",
        runs_root=project / "runs",
        project_root=project,
        pytest_args=["--harness-no-cache"],
    )
    args: Any = SimpleNamespace(output_dir=str(out / "run"))
    state: Any = SimpleNamespace(
        global_step=2, epoch=1.0, log_history=[], is_world_process_zero=True
    )
    control: Any = SimpleNamespace(should_training_stop=False)
    gate.on_save(args, state, control, model=model, processing_class=tokenizer)
    (single,) = gate.history
    assert gate.evaluations == 1
    assert _judged(single.__dict__) == _judged(sharded_verdict)
    single_results = project / "reports" / "single" / "checkpoint-2" / "results.json"
    sharded_results = out / "reports" / "fsdp" / "checkpoint-2" / "results.json"
    assert _outputs(sharded_results), "the gate answered the suite's dev examples"
    assert _outputs(single_results) == _outputs(sharded_results)
    # Two paths: the live model in one process, the checkpoint's files on the sharded run.
    assert "+live:" in _paths(single_results)
    assert "+live:" not in _paths(sharded_results)
