"""A PEFT LoRA adapter merged into its base model's weights, read from and written to safetensors.

On CPU an adapter served through LoRA layers costs extra small ops at every
projection (1.5-1.8x a gate's time on 2 shared cores, with the harness's grouped
ops of :mod:`harness.backends._cpu_lora`); merged into the weights it runs at the
base model's speed. The merge is the one PEFT's
``merge_and_unload`` does (``W + scale * B @ A`` per target module, in float32),
rounded once to the engine's dtype, so greedy answers can part from the LoRA
path's at near-ties: callers keep the two apart in fingerprints (``:merged``).

Importing this module imports neither torch nor safetensors.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal, get_args

from harness.errors import ConfigError

#: ``adapter_mode``: ``auto`` is merged where no CUDA device is visible, lora elsewhere.
AdapterMode = Literal["auto", "lora", "merged"]
ADAPTER_MODES: tuple[str, ...] = get_args(AdapterMode)
#: The file merged weights are written to (one file: the engine loads every layer from it).
MERGED_FILE = "model.safetensors"

# PEFT's key of one LoRA factor in adapter_model.safetensors (default adapter, no name in it).
_LORA_KEY = re.compile(r"^base_model\.model\.(?P<module>.+)\.lora_(?P<factor>[AB])\.weight$")


def resolve_adapter_mode(mode: str) -> str:
    """``lora`` or ``merged`` for a checked ``adapter_mode`` (``auto``: merged without CUDA)."""
    if mode != "auto":
        return mode
    import torch

    return "lora" if torch.cuda.is_available() else "merged"


def _unmergeable(adapter_dir: Path, why: str, fix: str) -> ConfigError:
    return ConfigError(
        f"adapter {adapter_dir}: cannot merge it into the engine's weights ({why}); {fix}"
    )


def check_mergeable(adapter_dir: str | Path, fix: str = 'set adapter_mode = "lora"') -> float:
    """Refuse an adapter whose config the merge does not cover; its scale ``alpha / r``.

    ``fix`` ends the error (how to serve the adapter instead). The scale is
    ``lora_alpha / sqrt(r)`` with rsLoRA, as PEFT merges.
    """
    adapter = Path(adapter_dir)
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    if config.get("peft_type", "LORA") != "LORA":
        raise _unmergeable(adapter, f"peft_type {config.get('peft_type')!r}, not LORA", fix)
    for key in ("use_dora", "fan_in_fan_out", "lora_bias"):
        if config.get(key):
            raise _unmergeable(adapter, f"{key} is set", fix)
    for key in ("rank_pattern", "alpha_pattern"):
        if config.get(key):
            raise _unmergeable(adapter, f"{key} gives modules their own rank or alpha", fix)
    r = int(config["r"])
    alpha = float(config.get("lora_alpha", r))
    return alpha / (r**0.5) if config.get("use_rslora") else alpha / r


def write_merged(
    model_path: str | Path,
    adapter_dir: str | Path,
    dtype: Any,
    out_dir: str | Path,
    *,
    fix: str = 'set adapter_mode = "lora"',
) -> Path:
    """Every base weight, ``adapter_dir`` merged in, in ``dtype``, as ``out_dir/model.safetensors``.

    Each target module's weight becomes ``W + scale * B @ A`` (computed in
    float32, then cast to ``dtype``); names are the base checkpoint's. An
    adapter the merge does not cover raises a ConfigError ending in ``fix``.
    Written to a temporary name and renamed, so a reader never sees half a
    file; returns ``out_dir``.
    """
    from safetensors.torch import load_file, save_file

    adapter = Path(adapter_dir)
    scale = check_mergeable(adapter, fix)
    factors: dict[str, dict[str, Any]] = {}
    for key, tensor in load_file(str(adapter / "adapter_model.safetensors")).items():
        match = _LORA_KEY.match(key)
        if match is None:
            raise _unmergeable(adapter, f"{key} is not a LoRA factor of a linear layer", fix)
        factors.setdefault(f"{match['module']}.weight", {})[match["factor"]] = tensor
    files = sorted(Path(model_path).glob("*.safetensors"))
    if not files:
        raise ConfigError(
            f"model {model_path}: no *.safetensors weights to merge adapters into; {fix}"
        )
    tensors: dict[str, Any] = {}
    for f in files:
        tensors.update(load_file(str(f)))
    for name, ab in factors.items():
        if name not in tensors or set(ab) != {"A", "B"}:
            raise _unmergeable(adapter, f"{name} is not a base weight with both LoRA factors", fix)
        tensors[name] = tensors[name].float() + scale * (ab["B"].float() @ ab["A"].float())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Not *.safetensors while half written: the engine loads every such file in the folder.
    partial = out / f".{MERGED_FILE}.{os.getpid()}.partial"
    save_file({n: t.to(dtype) for n, t in sorted(tensors.items())}, str(partial))
    os.replace(partial, out / MERGED_FILE)
    return out
