"""Merging a checkpoint's LoRA adapter into base weights for the gate's engine (no engine here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from harness.errors import ConfigError
from training.gate_engine import merged_weights, resolve_adapter_mode


def _tiny_adapter(tmp_path: Path, **lora: object) -> tuple[Path, Path, dict[str, torch.Tensor]]:
    """A one-layer Llama saved as the base, a random LoRA on q/v saved as the adapter, and PEFT's merge."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        vocab_size=64,
    )
    base_dir, adapter_dir = tmp_path / "base", tmp_path / "adapter"
    LlamaForCausalLM(config).save_pretrained(base_dir)
    model = LlamaForCausalLM.from_pretrained(base_dir)
    settings = LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False, **lora
    )
    peft_model = get_peft_model(model, settings)
    peft_model.save_pretrained(adapter_dir)
    merged = {k: v.detach().clone() for k, v in peft_model.merge_and_unload().state_dict().items()}
    return base_dir, adapter_dir, merged


@pytest.mark.parametrize("rslora", [False, True])
def test_merge_equals_peft_merge_and_unload(tmp_path: Path, rslora: bool) -> None:
    base_dir, adapter_dir, expected = _tiny_adapter(tmp_path, use_rslora=rslora)
    weights = merged_weights(base_dir, adapter_dir)
    names = [n for n, _ in weights]
    # Every weight of the attention block travels (vLLM loads fused q/k/v whole), nothing else.
    assert names == sorted(
        f"model.layers.0.self_attn.{m}_proj.weight" for m in ("k", "o", "q", "v")
    )
    from safetensors.torch import load_file

    base = load_file(str(base_dir / "model.safetensors"))
    for name, tensor in weights:
        torch.testing.assert_close(tensor, expected[name], rtol=0, atol=1e-6)
        changed = not torch.equal(tensor, base[name])
        assert changed == name.endswith(("q_proj.weight", "v_proj.weight")), name
    cast = dict(merged_weights(base_dir, adapter_dir, torch.bfloat16))
    q = "model.layers.0.self_attn.q_proj.weight"
    assert cast[q].dtype == torch.bfloat16 and cast[q].equal(expected[q].to(torch.bfloat16))


def test_an_adapter_that_cannot_be_merged_says_to_use_lora(tmp_path: Path) -> None:
    base_dir, adapter_dir, _ = _tiny_adapter(tmp_path, use_dora=True)
    with pytest.raises(ConfigError, match=r"use_dora is set\); set gate.adapter_mode: lora"):
        merged_weights(base_dir, adapter_dir)


def test_adapter_mode_auto_merges_only_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_adapter_mode("auto") == "merged"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_adapter_mode("auto") == "lora"
    assert resolve_adapter_mode("merged") == "merged" and resolve_adapter_mode("lora") == "lora"
    with pytest.raises(
        ConfigError, match=r"gate\.adapter_mode: expected one of auto, lora, merged"
    ):
        resolve_adapter_mode("both")
