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
from collections.abc import Mapping
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


def base_tensors(model_path: Path, fix: str = 'set adapter_mode = "lora"') -> dict[str, Path]:
    """Every weight name of the base model and the safetensors file holding it."""
    from safetensors import safe_open

    files = sorted(model_path.glob("*.safetensors"))
    if not files:
        raise ConfigError(
            f"model {model_path}: no *.safetensors weights to merge adapters into; {fix}"
        )
    where: dict[str, Path] = {}
    for f in files:
        with safe_open(str(f), "pt") as handle:
            where.update(dict.fromkeys(handle.keys(), f))
    return where


def read_tensors(where: Mapping[str, Path], names: list[str]) -> dict[str, Any]:
    """The base tensors ``names``, each file opened once."""
    from safetensors import safe_open

    out: dict[str, Any] = {}
    by_file: dict[Path, list[str]] = {}
    for name in names:
        by_file.setdefault(where[name], []).append(name)
    for f, group in by_file.items():
        with safe_open(str(f), "pt") as handle:
            for name in group:
                out[name] = handle.get_tensor(name)
    return out


def merged_weights(
    model_path: str | Path,
    adapter_dir: str | Path,
    dtype: Any = None,
    *,
    fix: str = 'set adapter_mode = "lora"',
) -> list[tuple[str, Any]]:
    """The base weights of every layer a LoRA adapter touches, with the adapter merged in.

    Each target module's weight becomes ``W + scale * B @ A`` (computed in
    float32, then cast to ``dtype``, default the stored dtype). The other
    weights of the same parent module (a target's siblings: vLLM fuses q/k/v
    and gate/up and loads a fused weight whole) come unchanged. Names are the
    base checkpoint's, sorted, so each layer's weights arrive together. An
    adapter the merge does not cover raises a ConfigError ending in ``fix``.
    """
    from safetensors.torch import load_file

    adapter = Path(adapter_dir)
    scale = check_mergeable(adapter, fix)
    factors: dict[str, dict[str, Any]] = {}
    for key, tensor in load_file(str(adapter / "adapter_model.safetensors")).items():
        match = _LORA_KEY.match(key)
        if match is None:
            raise _unmergeable(adapter, f"{key} is not a LoRA factor of a linear layer", fix)
        factors.setdefault(match["module"], {})[match["factor"]] = tensor
    where = base_tensors(Path(model_path), fix)
    targets = {f"{module}.weight": ab for module, ab in factors.items()}
    for name, ab in targets.items():
        if name not in where or set(ab) != {"A", "B"}:
            raise _unmergeable(adapter, f"{name} is not a base weight with both LoRA factors", fix)
    parents = {name.rsplit(".", 2)[0] + "." for name in targets}
    names = sorted(n for n in where if n.rsplit(".", 2)[0] + "." in parents)
    base = read_tensors(where, names)
    out: list[tuple[str, Any]] = []
    for name in names:
        weight = base[name]
        target = dtype or weight.dtype
        if name in targets:
            a, b = targets[name]["A"].float(), targets[name]["B"].float()
            weight = weight.float() + scale * (b @ a)
        out.append((name, weight.to(target)))
    return out


def write_merged(
    model_path: str | Path,
    adapter_dir: str | Path,
    dtype: Any,
    out_dir: str | Path,
    *,
    fix: str = 'set adapter_mode = "lora"',
) -> Path:
    """Every base weight, ``adapter_dir`` merged in, in ``dtype``, as ``out_dir/model.safetensors``.

    Written to a temporary name and renamed, so a reader never sees half a
    file; returns ``out_dir``.
    """
    from safetensors.torch import save_file

    model = Path(model_path)
    merged = dict(merged_weights(model, adapter_dir, dtype, fix=fix))
    where = base_tensors(model, fix)
    rest = read_tensors(where, [n for n in where if n not in merged])
    tensors = {n: merged[n] if n in merged else rest[n].to(dtype) for n in sorted(where)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Not *.safetensors while half written: the engine loads every such file in the folder.
    partial = out / f".{MERGED_FILE}.{os.getpid()}.partial"
    save_file(tensors, str(partial))
    os.replace(partial, out / MERGED_FILE)
    return out
