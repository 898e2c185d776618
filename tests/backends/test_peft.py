"""The peft backend on the embedded model: adapters from disk, switching, a live PeftModel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness._types import GenerationRequest, Message, Role, SamplingParams
from harness.backends.hf import HFBackend
from harness.backends.peft import PeftBackend, adapter_fingerprint
from harness.errors import ConfigError

pytestmark = pytest.mark.model

PROMPTS = [
    "What is the capital of France?",
    "Name a fruit that is yellow.",
    "Say hello in Spanish.",
]


def requests() -> list[GenerationRequest]:
    return [
        GenerationRequest(f"r{i}", (Message(Role.USER, p),), SamplingParams(max_new_tokens=12))
        for i, p in enumerate(PROMPTS)
    ]


@pytest.fixture(scope="module")
def adapters(embedded_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two random (non-zero) LoRA adapters on one loaded base, so their outputs differ."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(embedded_model_dir))
    config = LoraConfig(
        r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    torch.manual_seed(0)
    peft_model = get_peft_model(model, config, adapter_name="a0")
    torch.manual_seed(1)
    peft_model.add_adapter("a1", config)
    root = tmp_path_factory.mktemp("adapters")
    peft_model.save_pretrained(str(root))  # each adapter in a folder named after it
    return [root / "a0", root / "a1"]


@pytest.fixture(scope="module")
def base_texts(embedded_model_dir: Path) -> list[str]:
    from harness.models import resolve_model

    path, fp = resolve_model("embedded")
    return [c.text for c in HFBackend(path, fingerprint=fp).generate(requests())]


def test_adapter_switching_without_reloading_the_base(
    adapters: list[Path], base_texts: list[str]
) -> None:
    from harness.models import resolve_model

    path, fp = resolve_model("embedded")
    backend = PeftBackend(path, fingerprint=fp, adapter=adapters[0])
    base_model: Any = backend.model.get_base_model()
    first = [c.text for c in backend.generate(requests())]
    fp_first = backend.fingerprint
    assert first != base_texts

    backend.set_adapter(adapters[1])
    second = [c.text for c in backend.generate(requests())]
    assert second != first and backend.fingerprint != fp_first
    assert backend.model.get_base_model() is base_model, "the base is not reloaded"

    backend.set_adapter(None)
    assert [c.text for c in backend.generate(requests())] == base_texts
    assert backend.fingerprint.endswith("+base")

    backend.set_adapter(adapters[0])
    assert [c.text for c in backend.generate(requests())] == first
    assert backend.fingerprint == fp_first


def test_live_peft_model_restores_train_mode_and_tracks_weights(embedded_model_dir: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(str(embedded_model_dir)),
        LoraConfig(r=4, target_modules=["q_proj"], init_lora_weights=False),
    )
    model.train()
    tok = AutoTokenizer.from_pretrained(str(embedded_model_dir))
    backend = PeftBackend.from_model(model, tok, fingerprint="embedded")
    fp_before = backend.fingerprint
    out = backend.generate(requests()[:1])
    assert out[0].text and model.training, "train mode is restored after generation"
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.add_(0.01)
    assert backend.fingerprint != fp_before, "the fingerprint follows the live weights"
    with pytest.raises(ConfigError, match="live"):
        backend.set_adapter(None)


def test_adapter_fingerprint_rejects_non_adapter_dirs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a PEFT adapter directory"):
        adapter_fingerprint(tmp_path)
