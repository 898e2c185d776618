"""Merging a LoRA adapter into base weights (harness._merge), and the ``adapter_mode`` setting."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

from harness._merge import MERGED_FILE, resolve_adapter_mode, write_merged
from harness.config import load_config
from harness.errors import ConfigError

# The embedded model's (SmolLM2-135M) layer shapes, one layer and a small vocabulary.
EMBEDDED_SHAPES = {
    "hidden_size": 576,
    "intermediate_size": 1536,
    "num_attention_heads": 9,
    "num_key_value_heads": 3,
    "num_hidden_layers": 1,
    "vocab_size": 256,
    "tie_word_embeddings": True,
}


def _tiny_adapter(
    tmp_path: Path, targets: tuple[str, ...] = ("q_proj", "v_proj"), **lora: object
) -> tuple[Path, Path, dict[str, torch.Tensor]]:
    """A one-layer Llama saved as the base, a random LoRA saved as the adapter, and PEFT's merge."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    base_dir, adapter_dir = tmp_path / "base", tmp_path / "adapter"
    LlamaForCausalLM(LlamaConfig(**EMBEDDED_SHAPES)).save_pretrained(base_dir)
    model = LlamaForCausalLM.from_pretrained(base_dir)
    settings = LoraConfig(
        r=4, lora_alpha=8, target_modules=list(targets), init_lora_weights=False, **lora
    )
    peft_model = get_peft_model(model, settings)
    peft_model.save_pretrained(adapter_dir)
    merged = {k: v.detach().clone() for k, v in peft_model.merge_and_unload().state_dict().items()}
    return base_dir, adapter_dir, merged


@pytest.mark.parametrize("rslora", [False, True])
def test_merge_equals_peft_merge_and_unload(tmp_path: Path, rslora: bool) -> None:
    base_dir, adapter_dir, expected = _tiny_adapter(tmp_path, use_rslora=rslora)
    from safetensors.torch import load_file

    written = load_file(
        str(write_merged(base_dir, adapter_dir, torch.float32, tmp_path / "f32") / MERGED_FILE)
    )
    base = load_file(str(base_dir / "model.safetensors"))
    for name, tensor in written.items():
        torch.testing.assert_close(tensor, expected[name], rtol=0, atol=1e-6)
        changed = not torch.equal(tensor, base[name])
        assert changed == name.endswith(("q_proj.weight", "v_proj.weight")), name
    cast = load_file(
        str(write_merged(base_dir, adapter_dir, torch.bfloat16, tmp_path / "bf16") / MERGED_FILE)
    )
    q = "model.layers.0.self_attn.q_proj.weight"
    assert cast[q].dtype == torch.bfloat16 and cast[q].equal(expected[q].to(torch.bfloat16))


def test_written_weights_are_the_whole_merged_model(tmp_path: Path) -> None:
    targets = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    base_dir, adapter_dir, expected = _tiny_adapter(tmp_path, targets)
    out = write_merged(base_dir, adapter_dir, torch.float32, tmp_path / "merged")
    from safetensors.torch import load_file

    written = load_file(str(out / MERGED_FILE))
    base = load_file(str(base_dir / "model.safetensors"))
    assert sorted(written) == sorted(base)  # every base weight, under the base's names
    assert [p.name for p in out.iterdir()] == [MERGED_FILE]  # no partial file left behind
    for name, tensor in written.items():
        torch.testing.assert_close(tensor, expected[name], rtol=0, atol=1e-6)
    assert not torch.equal(
        written["model.layers.0.mlp.down_proj.weight"], base["model.layers.0.mlp.down_proj.weight"]
    )


def test_an_adapter_that_cannot_be_merged_says_how_to_serve_it(tmp_path: Path) -> None:
    base_dir, adapter_dir, _ = _tiny_adapter(tmp_path, use_dora=True)
    out = tmp_path / "merged"
    with pytest.raises(ConfigError, match=r'use_dora is set\); set adapter_mode = "lora"'):
        write_merged(base_dir, adapter_dir, torch.float32, out)
    with pytest.raises(ConfigError, match=r"use_dora is set\); set gate.adapter_mode: lora"):
        write_merged(base_dir, adapter_dir, torch.float32, out, fix="set gate.adapter_mode: lora")


def test_adapter_mode_auto_merges_only_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_adapter_mode("auto") == "merged"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_adapter_mode("auto") == "lora"
    assert resolve_adapter_mode("merged") == "merged" and resolve_adapter_mode("lora") == "lora"


def _pyproject(tmp_path: Path, variant: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(textwrap.dedent(variant), encoding="utf-8")
    return path


def test_adapter_mode_is_a_vllm_variant_key(tmp_path: Path) -> None:
    config = load_config(
        _pyproject(tmp_path, '[tool.harness.models.v]\nbackend = "vllm"\nadapter_mode = "merged"\n')
    )
    assert config.variant("v").options["adapter_mode"] == "merged"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'backend = "vllm"\nadapter_mode = "fused"',
            r"pyproject\.toml: \[tool\.harness\.models\.v\] adapter_mode: expected one of "
            r"auto, lora, merged, got 'fused' \(auto: merged weights without CUDA",
        ),
        ('backend = "vllm"\nadapter_mode = true', r"adapter_mode: expected one of .*got True"),
        ('backend = "hf"\nadapter_mode = "merged"', r"adapter_mode"),
    ],
)
def test_a_bad_adapter_mode_is_refused_with_its_place(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_pyproject(tmp_path, f"[tool.harness.models.v]\n{table}\n"))
