"""Merge a trained LoRA adapter into its base model and save a plain transformers model.

The merged directory (safetensors weights, tokenizer, chat template) loads with
``AutoModelForCausalLM.from_pretrained`` and serves with the ``hf`` and
``vllm`` backends without PEFT. The base is loaded in float32 for the merge,
also for adapters trained with QLoRA: the adapter's delta is added to the
full-precision weights, the usual way to ship a QLoRA result.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from harness.backends.peft import adapter_fingerprint
from harness.errors import ConfigError, MissingDependencyError
from harness.models import EMBEDDED_NAME, embedded_dir, resolve_model

#: Written into the merged directory: what was merged, for results and scorecards.
EXPORT_FILE = "golden-harness-export.json"


@dataclass(frozen=True)
class ExportResult:
    """Where the merged model went and what it was made from."""

    output_dir: Path
    base_model: Path
    base_fingerprint: str
    adapter: Path
    adapter_fingerprint: str
    seconds: float


def adapter_base(adapter: Path) -> str:
    """The base model in an adapter's ``adapter_config.json`` (``"embedded"``: the embedded model)."""
    config_file = adapter / "adapter_config.json"
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{config_file}: cannot read the adapter config ({exc})") from None
    base = data.get("base_model_name_or_path") if isinstance(data, dict) else None
    if not isinstance(base, str) or not base:
        raise ConfigError(
            f"{config_file}: base_model_name_or_path is not set; give the base with --model"
        )
    if Path(base).expanduser().resolve() == embedded_dir().resolve():
        return EMBEDDED_NAME
    return base


def merge_adapter(
    adapter: str | Path, output_dir: str | Path, *, model: str | None = None, force: bool = False
) -> ExportResult:
    """Load base + adapter, ``merge_and_unload()``, save weights, tokenizer and chat template.

    ``model`` is ``"embedded"`` or a local model directory; by default the base
    recorded in the adapter's config is used.
    """
    start = time.perf_counter()
    adapter_dir = Path(adapter)
    adapter_fp = adapter_fingerprint(adapter_dir)  # also checks it is an adapter directory
    out = Path(output_dir)
    if out.exists() and any(out.iterdir()) and not force:
        raise ConfigError(f"--merge: {out} exists and is not empty (choose another directory)")
    base_path, base_fp = resolve_model(model or adapter_base(adapter_dir))
    try:
        from peft import PeftModel
    except ImportError:
        raise MissingDependencyError("peft", "train") from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(str(base_path), dtype=torch.float32)
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out), safe_serialization=True)
    # The trainer saves the tokenizer next to the adapter; older adapters may lack it.
    has_tokenizer = (adapter_dir / "tokenizer_config.json").is_file()
    tokenizer = AutoTokenizer.from_pretrained(str(adapter_dir if has_tokenizer else base_path))
    tokenizer.save_pretrained(str(out))
    meta = {
        "base_model": str(base_path),
        "base_fingerprint": base_fp,
        "adapter": str(adapter_dir.resolve()),
        "adapter_fingerprint": adapter_fp,
        "merged": True,
    }
    (out / EXPORT_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return ExportResult(
        output_dir=out,
        base_model=base_path,
        base_fingerprint=base_fp,
        adapter=adapter_dir,
        adapter_fingerprint=adapter_fp,
        seconds=time.perf_counter() - start,
    )
