"""QLoRA on CPU: 4-bit NF4 base through bitsandbytes, LoRA adapters trained on top."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _deps import require

from training.config import TrainConfig
from training.sft import train

pytestmark = [pytest.mark.model, pytest.mark.slow]

bitsandbytes = require("bitsandbytes")


def test_two_qlora_steps_on_a_4bit_nf4_base_write_an_adapter(
    make_config: Callable[..., TrainConfig], short_chats_file: Path
) -> None:
    from transformers import TrainerCallback

    seen: dict[str, Any] = {}

    class Inspect(TrainerCallback):  # type: ignore[misc]
        """Looks at the model the trainer trains, as a gate callback would."""

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            model = kwargs["model"]
            seen["linear4bit"] = [
                m for m in model.modules() if isinstance(m, bitsandbytes.nn.Linear4bit)
            ]
            seen["trainable"] = [n for n, p in model.named_parameters() if p.requires_grad]

    config = make_config(train_file=str(short_chats_file), qlora=True, max_length=64, max_steps=2)
    result = train(config, callbacks=[Inspect()])

    assert seen["linear4bit"], "the base's linear layers are 4-bit"
    state = seen["linear4bit"][0].weight.quant_state
    assert state.quant_type == "nf4" and state.nested, "NF4 with double quantisation"
    assert seen["trainable"] and all("lora_" in n for n in seen["trainable"])
    assert result.global_step == 2
    assert (result.adapter_dir / "adapter_model.safetensors").is_file()
    assert [p.name for p in result.checkpoints] == ["checkpoint-2"]
    losses = [e["loss"] for e in result.log_history if "loss" in e]
    assert len(losses) == 2 and all(0 < loss < 100 for loss in losses)
