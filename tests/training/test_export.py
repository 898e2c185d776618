"""Merge-export: the merged model generates exactly what base + adapter generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHORT_CHATS

from harness._types import GenerationRequest, Message, Role, SamplingParams
from harness.backends.hf import HFBackend
from harness.backends.peft import PeftBackend, adapter_fingerprint
from harness.cli import main
from harness.errors import ConfigError
from harness.models import resolve_model
from training.export import EXPORT_FILE, merge_adapter
from training.sft import TrainResult

pytestmark = [pytest.mark.model, pytest.mark.slow]

PROMPTS = [
    *(question for question, _ in SHORT_CHATS[:3]),
    "Extract the person record as JSON: Ana Lima, 34, nurse in Porto.",
]


def requests() -> list[GenerationRequest]:
    system = Message(Role.SYSTEM, "Answer in one word.")
    return [
        GenerationRequest(
            f"r{i}", (system, Message(Role.USER, p)), SamplingParams(max_new_tokens=16)
        )
        for i, p in enumerate(PROMPTS)
    ]


def test_merged_model_matches_base_plus_adapter(
    tiny_run: TrainResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch
    from safetensors.torch import load_file

    out = tmp_path / "merged"
    assert main(["export", str(tiny_run.adapter_dir), "--merge", str(out)]) == 0
    assert "model: " in capsys.readouterr().err
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"):
        assert (out / name).is_file(), name
    meta = json.loads((out / EXPORT_FILE).read_text())
    base_path, base_fp = resolve_model("embedded")
    assert meta["base_fingerprint"] == base_fp, "the recorded base is known as the embedded model"
    assert meta["adapter_fingerprint"] == adapter_fingerprint(tiny_run.adapter_dir)

    merged_weights = load_file(str(out / "model.safetensors"))
    base_weights = load_file(str(base_path / "model.safetensors"))
    assert not any("lora" in name for name in merged_weights)
    key = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(merged_weights[key], base_weights[key]), "the adapter was merged in"

    merged = HFBackend(out, fingerprint=resolve_model(str(out))[1])
    assert merged.render(requests()[0].messages) == HFBackend(
        base_path, fingerprint=base_fp
    ).render(requests()[0].messages), "the chat template came through"
    peft = PeftBackend(base_path, fingerprint=base_fp, adapter=tiny_run.adapter_dir)
    assert [c.text for c in merged.generate(requests())] == [
        c.text for c in peft.generate(requests())
    ]


def test_export_refuses_a_non_empty_output_and_a_non_adapter(
    tiny_run: TrainResult, tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(ConfigError, match="exists and is not empty"):
        merge_adapter(tiny_run.adapter_dir, tmp_path / "taken")
    with pytest.raises(ConfigError, match="not a PEFT adapter directory"):
        merge_adapter(tmp_path, tmp_path / "out")
