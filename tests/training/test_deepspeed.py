"""LoRA SFT under accelerate + DeepSpeed ZeRO-3: two gloo processes on CPU, gated once on rank 0.

The run is the FSDP test's (same project, suite and training script), launched
with ``golden/train/deepspeed_cpu.yaml``: the checkpoint it saves holds the
whole (gathered) adapter, and the verdict rank 0 gave it equals the verdict a
single process gives the same checkpoint files, evaluated in process on the
live model.
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
from _deps import missing
from conftest import REPO  # tests/training/conftest.py
from test_fsdp import _judged, _outputs, _paths, _project

from training.distributed import whole_model_loading
from training.gate import GateCallback

CONFIG = REPO / "golden" / "train" / "deepspeed_cpu.yaml"


def test_shipped_deepspeed_configs_save_the_whole_adapter_for_the_gate() -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    cpu, gpu = (
        load_config_from_file(str(CONFIG.with_name(f)))
        for f in ("deepspeed_cpu.yaml", "deepspeed_zero3.yaml")
    )
    for config in (cpu, gpu):
        assert config.distributed_type == "DEEPSPEED"
        assert config.deepspeed_config["zero_stage"] == 3
        assert config.deepspeed_config["zero3_save_16bit_model"] is True
        assert config.use_cpu is False  # accelerate starts DeepSpeed only without --cpu
    assert cpu.num_processes == 2 and cpu.mixed_precision == "no"


def test_whole_model_loading_hides_a_zero3_config_and_restores_it() -> None:
    from transformers.integrations import deepspeed as hf_deepspeed

    class Zero3:
        def is_zero3(self) -> bool:
            return True

    config = Zero3()
    hf_deepspeed.set_hf_deepspeed_config(config)
    try:
        assert hf_deepspeed.is_deepspeed_zero3_enabled()
        with whole_model_loading():
            assert not hf_deepspeed.is_deepspeed_zero3_enabled()
        assert hf_deepspeed.is_deepspeed_zero3_enabled()
        with pytest.raises(RuntimeError), whole_model_loading():
            raise RuntimeError("the gate failed")
        assert hf_deepspeed.is_deepspeed_zero3_enabled()
    finally:
        hf_deepspeed.unset_hf_deepspeed_config()


@pytest.mark.model
@pytest.mark.slow
def test_zero3_run_gates_once_and_its_verdict_equals_one_process(
    embedded_model_dir: Path, short_chats_file: Path, tmp_path: Path
) -> None:
    if missing("deepspeed"):
        pytest.skip("deepspeed is not installed; `make test` installs it (the deepspeed extra)")
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    project = _project(tmp_path / "project")
    out = project / "zero3"
    # The FSDP test's training script: nothing in it is specific to FSDP (its run is "fsdp").
    script = Path(__file__).with_name("_fsdp_gate_run.py")
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": path}
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(CONFIG)]
    proc = subprocess.run(
        [*launch, str(script), str(short_chats_file), str(out)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    ranks = [json.loads((out / f"rank-{r}.json").read_text()) for r in (0, 1)]
    assert [(r["world"], r["distributed_type"]) for r in ranks] == [(2, "DEEPSPEED")] * 2
    assert [r["step"] for r in ranks] == [2, 2], "every rank stops at the failing checkpoint"
    assert [r["evaluations"] for r in ranks] == [1, 0], "only rank 0 evaluates"
    (zero3_verdict,) = ranks[0]["verdicts"]
    assert ranks[1]["verdicts"] == []

    # The checkpoint holds the whole adapter, gathered from both ranks' partitions, trained.
    checkpoint = out / "run" / "checkpoint-2"
    tensors = load_file(str(checkpoint / "adapter_model.safetensors"))
    base = AutoModelForCausalLM.from_pretrained(str(embedded_model_dir), dtype=torch.float32)
    assert len(tensors) == base.config.num_hidden_layers * 7 * 2  # q k v o gate up down, A and B
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
    assert _judged(single.__dict__) == _judged(zero3_verdict)
    single_results = project / "reports" / "single" / "checkpoint-2" / "results.json"
    zero3_results = out / "reports" / "fsdp" / "checkpoint-2" / "results.json"
    assert _outputs(zero3_results), "the gate answered the suite's dev examples"
    assert _outputs(single_results) == _outputs(zero3_results)
    # Two paths: the live model in one process, the checkpoint's files under ZeRO-3.
    assert "+live:" in _paths(single_results)
    assert "+live:" not in _paths(zero3_results)
