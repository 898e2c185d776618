"""Where each variant is served: its own OpenAI-compatible server, or a managed vLLM server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.backends import backend_options, require
from harness.config import Variant
from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.serve import VLLMServer


class NotMeasurable(HarnessError):
    """A variant has no serving latency to measure (e.g. a scripted backend)."""


@dataclass(frozen=True)
class Endpoint:
    """Where a variant is served: the API root, the model name to send, and the key's variable."""

    base_url: str | tuple[str, ...]  # a tuple: replicas of one model
    model: str
    api_key_env: str | None = None
    description: str = ""


class ServerPool:
    """Endpoints for variants: an ``openai`` variant's own server, or a managed vLLM server.

    Variants that load a model locally (``hf``, ``peft``, ``vllm``) share one
    managed server per model, started on first use; a variant with an adapter
    is served as a LoRA module under the variant's name. Measure one variant
    at a time (never base and LoRA requests at once: see :mod:`harness.serve`).
    ``close()`` stops every server this pool started.
    """

    def __init__(
        self,
        variants: Sequence[Variant],
        *,
        startup_timeout_s: float = 180.0,
        log_dir: Path | None = None,
    ) -> None:
        self._variants = list(variants)
        self._startup_timeout_s = startup_timeout_s
        self._log_dir = log_dir
        self._servers: dict[str, VLLMServer] = {}

    def endpoint(self, variant: Variant) -> Endpoint:
        """Where to send ``variant``'s requests; starts its model's server when needed."""
        opts = backend_options(variant)  # the registry's typed, checked options
        base_url = getattr(opts, "base_url", None)
        if base_url is not None:
            return Endpoint(
                base_url=base_url,
                model=variant.model,
                api_key_env=getattr(opts, "api_key_env", None),
                description="the variant's own OpenAI-compatible server",
            )
        if variant.backend == "scripted":
            raise NotMeasurable(
                f"variant {variant.name!r} uses the scripted backend: it has no serving latency"
            )
        server = self._server(variant.model)
        return Endpoint(
            base_url=server.base_url,
            # An adapter is served as a LoRA module under the variant's name.
            model=server.served_model_name if variant.adapter is None else variant.name,
            description=f"managed vLLM server for {variant.model!r} "
            f"(started in {server.startup_s or 0:.1f} s)",
        )

    def _server(self, model: str) -> VLLMServer:
        if model in self._servers:
            return self._servers[model]
        require("vllm", "vllm")
        from harness.backends.peft import adapter_rank
        from harness.backends.vllm import lora_rank_limit
        from harness.models import resolve_model
        from harness.serve import VLLMServer

        path, _ = resolve_model(model)
        adapters = {
            v.name: v.adapter
            for v in self._variants
            if v.model == model and v.adapter is not None and v.backend in ("hf", "peft", "vllm")
        }
        rank = max([8, *(adapter_rank(p) or 8 for p in adapters.values())])
        name = model if model == "embedded" else path.name
        log = None if self._log_dir is None else self._log_dir / f"vllm-server-{path.name}.log"
        server = VLLMServer(
            path,
            served_model_name=name,
            enable_lora=bool(adapters),
            max_lora_rank=lora_rank_limit(rank),
            max_loras=max(1, len(adapters)),
            lora_modules=adapters,
            startup_timeout_s=self._startup_timeout_s,
            log_path=log,
        )
        server.start()
        self._servers[model] = server
        return server

    def close(self) -> None:
        """Stop every server this pool started."""
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()
