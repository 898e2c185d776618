"""The ``peft`` backend: a base model plus LoRA adapters, switched without reloading the base.

Two ways in:

* from an adapter directory (``PeftBackend(base_path, fingerprint=…, adapter=…)``):
  the base is loaded once; :meth:`PeftBackend.set_adapter` loads further
  adapters into the same ``PeftModel`` and switches between them, and
  ``set_adapter(None)`` generates with every adapter disabled (the base);
* from a live ``PeftModel`` handed over by a trainer (:meth:`PeftBackend.from_model`):
  nothing is reloaded or copied; generation runs in eval mode without
  gradients and the model's train/eval mode is restored afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._heap import collection_paused
from harness._types import Completion, GenerationRequest
from harness.backends import BuildContext, register_backend
from harness.backends._base import Finished, in_request_order
from harness.backends.hf import HFBackend, HFOptions
from harness.errors import ConfigError, MissingDependencyError

if TYPE_CHECKING:
    from harness.config import Variant

#: A PEFT adapter directory holds its config and its weights in one of the formats PEFT saves.
ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")

# bitsandbytes (imported by peft) warns on CPU that the optional `kernels` package is
# missing; that package would fetch code from a hub, which this project never does, and
# bitsandbytes falls back to its own CPU code. The warning reads like a broken install.
BITSANDBYTES_KERNELS_LOGGER = "bitsandbytes.backends.cpu.ops"
logging.getLogger(BITSANDBYTES_KERNELS_LOGGER).setLevel(logging.ERROR)


def adapter_digest(path: str | Path) -> str:
    """sha256 (hex) over an adapter directory's config and weights (names and bytes)."""
    root = Path(path)
    if not root.exists():
        raise ConfigError(
            f"adapter: {root} does not exist (give a checkpoint folder such as "
            "runs/<run>/checkpoint-N; runs/<run>/best exists only when a checkpoint passed "
            "every gate)"
        )
    if not (root / ADAPTER_CONFIG).is_file():
        raise ConfigError(
            f"adapter: {root} is not a PEFT adapter directory (no adapter_config.json); "
            "give a checkpoint or adapter folder saved by PEFT"
        )
    h = hashlib.sha256()
    for name in (ADAPTER_CONFIG, *ADAPTER_WEIGHTS):
        f = root / name
        if f.is_file():
            h.update(name.encode())
            with f.open("rb") as fh:
                hashlib.file_digest(fh, lambda: h)  # feeds the file into the running hash
    return h.hexdigest()


def missing_adapter_files(path: Path) -> list[str]:
    """What ``path`` lacks to be a PEFT adapter directory (empty: nothing)."""
    missing = [] if (path / ADAPTER_CONFIG).is_file() else [ADAPTER_CONFIG]
    if not any((path / name).is_file() for name in ADAPTER_WEIGHTS):
        missing.append(" or ".join(ADAPTER_WEIGHTS))
    return missing


def adapter_fingerprint(path: str | Path) -> str:
    """The adapter's identity in fingerprints: the first 16 hex digits of :func:`adapter_digest`."""
    return adapter_digest(path)[:16]


def adapter_rank(path: str | Path) -> int | None:
    """The LoRA rank ``r`` from an adapter directory's ``adapter_config.json``, when it says."""
    config_path = Path(path) / ADAPTER_CONFIG
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"adapter {path}: adapter_config.json is unreadable: {exc}") from None
    rank = config.get("r") if isinstance(config, dict) else None
    return rank if isinstance(rank, int) else None


def _require_peft() -> Any:
    try:
        import peft
    except ImportError:
        raise MissingDependencyError("peft", "train") from None
    return peft


@contextlib.contextmanager
def eval_mode(model: Any) -> Iterator[None]:
    """Eval mode for the duration, then the previous train/eval mode again."""
    was_training = bool(model.training)
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


class PeftBackend:
    """Generation through a ``PeftModel``; batching is the ``hf`` backend's."""

    name = "peft"

    def __init__(
        self,
        model_path: str | Path,
        *,
        fingerprint: str,
        adapter: str | Path | None = None,
        dtype: str = "float32",
        batch_size: int = 8,
        batch_tokens: int | None = None,
        threads: int | None = None,
        device: str | None = None,
        live_model: Any = None,
        tokenizer: Any = None,
    ) -> None:
        self._hf = HFBackend(
            model_path,
            fingerprint=fingerprint,
            dtype=dtype,
            batch_size=batch_size,
            batch_tokens=batch_tokens,
            threads=threads,
            device=device,
            model=live_model,
            tokenizer=tokenizer,
        )
        self._peft_model: Any = live_model
        self._live = live_model is not None
        self._adapters: dict[str, str] = {}  # resolved path -> adapter name in the PeftModel
        # Resolved adapter path, None = base; a live model's one adapter is always on.
        self._active: str | None = "<live>" if self._live else None
        self._active_fp: str | None = None
        if adapter is not None:
            self.set_adapter(adapter)

    @classmethod
    def from_model(
        cls,
        model: Any,
        tokenizer: Any,
        *,
        fingerprint: str,
        batch_size: int = 8,
        batch_tokens: int | None = None,
    ) -> PeftBackend:
        """Wrap a live ``PeftModel`` (e.g. the one a trainer is training) without copying it."""
        return cls(
            "<live>",
            fingerprint=fingerprint,
            batch_size=batch_size,
            batch_tokens=batch_tokens,
            live_model=model,
            tokenizer=tokenizer,
        )

    @property
    def batch_size(self) -> int:
        """Requests per generate call."""
        return self._hf.batch_size

    @property
    def model(self) -> Any:
        """The ``PeftModel``; ``None`` until the first adapter is loaded."""
        return self._peft_model

    @property
    def fingerprint(self) -> str:
        """The base model's fingerprint plus the active adapter's (``+base`` when none)."""
        if self._live:
            return f"{self._hf.fingerprint}+live:{self._live_weights_hash()}"
        return f"{self._hf.fingerprint}+{self._active_fp or 'base'}"

    @property
    def adapter(self) -> str | None:
        """The active adapter's directory, or None when generating with the base."""
        return None if self._live else self._active

    def _live_weights_hash(self) -> str:
        # The weights change while training, so the fingerprint is taken from them each time.
        h = hashlib.sha256()
        for name, param in sorted(self._peft_model.named_parameters()):
            if "lora_" in name:
                h.update(name.encode())
                h.update(param.detach().float().cpu().numpy().tobytes())
        return h.hexdigest()[:16]

    def set_adapter(self, adapter: str | Path | None) -> None:
        """Activate an adapter directory (loaded once, then reused), or the base with None."""
        if self._live:
            raise ConfigError("set_adapter: a live trainer model has exactly one adapter")
        if adapter is None:
            self._active, self._active_fp = None, None
            return
        fp = adapter_fingerprint(adapter)
        key = str(Path(adapter).resolve())
        if key not in self._adapters:
            # The first one imports peft and wraps the model; later ones are small loads,
            # and the full collection that ends a pause would cost more than it saves.
            first = self._peft_model is None
            with collection_paused() if first else contextlib.nullcontext():
                self._load_adapter(key)
        assert self._peft_model is not None
        self._peft_model.set_adapter(self._adapters[key])
        self._active, self._active_fp = key, fp

    def _load_adapter(self, key: str) -> None:
        """Load the adapter directory ``key`` under a new name; the first wraps the base model."""
        peft = _require_peft()
        name = f"adapter_{len(self._adapters)}"
        if self._peft_model is None:
            self._peft_model = peft.PeftModel.from_pretrained(
                self._hf.model, key, adapter_name=name, is_trainable=False
            )
            self._peft_model.eval()
            self._hf._model = self._peft_model  # generation goes through the adapters
        else:
            self._peft_model.load_adapter(key, adapter_name=name, is_trainable=False)
        self._adapters[key] = name

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Generate with the active adapter (or the base), batched; results in request order."""
        return in_request_order(self.generate_as_completed(requests), len(requests))

    def generate_as_completed(self, requests: Sequence[GenerationRequest]) -> Iterator[Finished]:
        """Generate with the active adapter (or the base); yield each batch as it finishes."""
        if self._peft_model is None:
            # No adapter was ever loaded: the plain base.
            yield from self._hf.generate_as_completed(requests)
            return
        with eval_mode(self._peft_model):
            if self._active is None:
                with self._peft_model.disable_adapter():
                    yield from self._hf.generate_as_completed(requests)
            else:
                yield from self._hf.generate_as_completed(requests)


@register_backend("peft", options=HFOptions, package="peft", extra="train")
def build(variant: Variant, options: HFOptions, context: BuildContext) -> PeftBackend:
    """The variant's model in transformers with its adapter applied by PEFT."""
    if variant.adapter is None:
        raise ConfigError(
            f"[tool.harness.models.{variant.name}] backend 'peft' needs an adapter "
            "(set adapter = 'path/to/adapter' or use backend 'hf')"
        )
    from harness.models import resolve_model

    path, fingerprint = resolve_model(variant.model)
    return PeftBackend(
        path,
        fingerprint=fingerprint,
        adapter=variant.adapter,
        **options.model_dump(exclude_none=True),
    )
