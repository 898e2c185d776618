"""LoRA SFT under accelerate + DeepSpeed ZeRO-3: two gloo processes on CPU, gated once on rank 0.

The run is the FSDP test's (same project, suite and training script), launched
with ``golden/train/deepspeed_cpu.yaml``: the checkpoint it saves holds the
whole (gathered) adapter, and the verdict rank 0 gave it equals the verdict a
single process gives the same checkpoint files, evaluated in process on the
live model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _deps import missing
from conftest import REPO  # tests/training/conftest.py
from test_fsdp import two_process_verdict_equals_one_process

from training.distributed import whole_model_loading

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
    two_process_verdict_equals_one_process(
        CONFIG, "DEEPSPEED", embedded_model_dir, short_chats_file, tmp_path
    )
