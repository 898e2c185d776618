"""One vLLM engine for a whole gated training run, with each checkpoint's adapter hot-loaded.

The checkpoint gate's fast path (``gate.backend: vllm``, or ``auto`` where vLLM
is installed). The engine starts once, at the first gate, with LoRA enabled
and a rank large enough for the run's adapters; every gate then hands the
suites a backend that shares it:

* the base model's guard run uses no adapter;
* each checkpoint's run loads ``checkpoint-N`` (the files the trainer just
  saved) under a content-addressed id and, once judged, unloads it, so the
  engine holds at most one adapter and never serves stale weights.

The engine reads the checkpoint from disk and never touches the model the
trainer holds, so training's weights are the same with or without it (the
RNG states around engine start-up are preserved as well: vLLM seeds in process).
On CPU the engine runs in the training process and does nothing between
gates; it keeps its key/value cache (``VLLM_CPU_KVCACHE_SPACE``, 2 GiB by
default) for the whole run. On a GPU, ``gpu_memory_utilization`` (an engine option) is the
share of memory the engine may take beside training.

How a checkpoint reaches the engine (``gate.adapter_mode``) is the ``vllm``
backend's ``adapter_mode`` (:mod:`harness.backends.vllm`): ``lora`` loads it as
a LoRA adapter (fast on a GPU), ``merged`` loads the base weights with it merged
in, in place, with the prefix cache reset (merged weights run at the base model's
speed; LoRA layers on CPU add small ops at every projection), ``auto`` is ``merged``
where no CUDA device is visible. The base model's guard run restores the base
weights when a checkpoint's are loaded.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness import _merge
from harness.backends.vllm import VLLMBackend, lora_rank_limit  # importing it does not import vllm
from harness.errors import ConfigError


def resolve_gate_backend(name: str, *, notice: bool = True) -> str:
    """``vllm`` or ``hf`` for a checked ``gate.backend``; ``auto`` falls back to hf with a notice.

    ``auto`` follows ``$HARNESS_AUTO_BACKEND`` as every ``backend = "auto"`` variant does.
    """
    from harness.backends import vllm_available
    from harness.config import auto_backend

    if name == "hf":
        return "hf"
    if name == "vllm":
        if not vllm_available():
            raise ConfigError(
                "gate.backend: vllm is not installed (pip install 'golden-harness[cpu]' on CPU, "
                "'golden-harness[vllm]' on a GPU), or set gate.backend: hf"
            )
        return "vllm"
    chosen = auto_backend()
    if chosen == "hf" and not vllm_available() and notice:
        print(
            "checkpoint gates run on hf: vllm is not installed "
            "(pip install 'golden-harness[cpu]' or '[vllm]' for engine-speed gates)",
            file=sys.stderr,
        )
    return chosen


# How to serve an adapter the merge does not cover, ending its error.
_FIX = "set gate.adapter_mode: lora"


class GateEngine:
    """A lazily started vLLM engine shared by every gate of one training run."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        fingerprint: str,
        lora_rank: int = 16,
        engine_options: Mapping[str, Any] | None = None,
        adapter_mode: str = "auto",
    ) -> None:
        self.model_path = Path(model_path)
        self.fingerprint = fingerprint
        #: ``lora`` (adapters hot-loaded) or ``merged`` (merged weights loaded in place).
        self.adapter_mode = _merge.resolve_adapter_mode(adapter_mode)
        self.max_lora_rank = lora_rank_limit(lora_rank)
        self.engine_options: dict[str, Any] = dict(engine_options or {})
        #: Where the engine writes its log (the gate sets ``reports/<run>/engine.log``).
        self.log_path: Path | None = None
        self._owner: Any = None  # the VLLMBackend that owns the engine
        self._loaded: int | None = None  # engine id of the adapter loaded last
        self.starts = 0  # engine start-ups (one per run is the point)
        self._weights_dir: Path | None = None  # where merged weights are written for the engine
        #: Seconds each in-place weight load took (merge, transfer, reload), in order.
        self.load_seconds: list[float] = []

    @property
    def started(self) -> bool:
        """Whether the engine is running."""
        return self._owner is not None

    def backend(self, adapter: Path | None) -> Any:
        """A backend on the shared engine serving ``adapter`` (``None``: the base model).

        The backend does not own the engine: the harness session closing it at
        the end of a suite run leaves the engine running for the next gate.
        """
        lora = self.adapter_mode == "lora"
        if self._owner is None:
            from training.gate import preserved_rng

            with preserved_rng():
                owner = VLLMBackend(
                    self.model_path,
                    fingerprint=self.fingerprint,
                    # Merged weights need no LoRA layers (and skip their per-step cost).
                    enable_lora=lora,
                    max_lora_rank=self.max_lora_rank,
                    # One adapter at a time: the previous checkpoint is unloaded after its gate.
                    max_loras=1,
                    log_path=self.log_path,
                    **self.engine_options,
                )
                owner.llm  # noqa: B018 - start the engine now, inside the preserved RNG state
            self._owner = owner
            self.starts += 1
        if not lora and self._weights_dir is None:
            self._weights_dir = Path(tempfile.mkdtemp(prefix="gate-merged-"))
        view = VLLMBackend(
            self.model_path,
            fingerprint=self.fingerprint,
            llm=self._owner.llm,
            adapter_mode=self.adapter_mode,
            merged_dir=self._weights_dir,
        )
        view.merge_fix = _FIX
        view.set_adapter(adapter)
        if not lora:
            # Loaded now, to time it; the base model's guard run restores the base weights.
            started = time.perf_counter()
            if view.load_merged():
                self.load_seconds.append(round(time.perf_counter() - started, 3))
        elif view.adapter is not None:
            self._loaded = view.adapter.int_id
        return view

    def unload(self) -> None:
        """Drop the adapter loaded last from the engine (it is judged; the next one replaces it).

        Merged weights stay in the engine until the next gate loads other ones (a
        checkpoint's, or the base model's for a guard run); their files go now.
        """
        weights, self._weights_dir = self._weights_dir, None
        if weights is not None:
            shutil.rmtree(weights, ignore_errors=True)
        if self._owner is None or self._loaded is None:
            return
        self._owner.llm.llm_engine.remove_lora(self._loaded)
        self._loaded = None

    def close(self) -> None:
        """Shut the engine down; safe to call twice."""
        self.unload()
        owner, self._owner = self._owner, None
        self._loaded = None
        if owner is not None:
            owner.close()


def _base_engine_options(project_root: Path, base_variant: str) -> dict[str, Any]:
    """The project's base variant's engine options, when it is a vllm variant.

    The engine then serves the base exactly as ``pytest suites/`` does (same
    dtype and context length), so the guard runs share its cached completions.
    """
    from harness.config import find_pyproject, load_config

    pyproject = find_pyproject(project_root)
    variant = None if pyproject is None else load_config(pyproject).variants.get(base_variant)
    if variant is None or variant.backend != "vllm":
        return {}
    return {k: v for k, v in variant.options.items() if k in ("dtype", "max_model_len")}


def gate_engine_for(
    backend: str,
    *,
    model: str,
    lora_rank: int,
    qlora: bool = False,
    project_root: Path | None = None,
    base_variant: str = "base",
    adapter_mode: str = "auto",
) -> GateEngine | None:
    """The run's engine for ``gate.backend`` (``None``: gates run on the live model via hf).

    ``auto`` keeps QLoRA runs on hf: their adapters were trained against the
    4-bit base the trainer holds, which the engine would not serve.
    """
    if backend == "auto" and qlora:
        return None
    if resolve_gate_backend(backend) != "vllm":
        return None
    from harness.models import resolve_model

    path, fingerprint = resolve_model(model)
    options = _base_engine_options(project_root or Path.cwd(), base_variant)
    return GateEngine(
        path,
        fingerprint=fingerprint,
        lora_rank=lora_rank,
        engine_options=options,
        adapter_mode=adapter_mode,
    )
