"""Load generation: streamed chat requests at each concurrency level, and what each one measured."""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness._types import Completion, GenerationRequest, Message, Role
from harness._types import SamplingParams as _Sampling
from harness.errors import ConfigError
from harness.metrics import Percentiles
from harness.metrics._latency import time_per_output_token

if TYPE_CHECKING:
    from harness.serve import VLLMServer

#: The timings summarised per level, as named in budgets and aggregates.
TIMINGS = ("ttft", "tpot", "itl", "e2e")
# One request's value of each per-request timing; ITL is per gap, pooled over requests.
_PER_REQUEST: dict[str, Callable[[Completion], float | None]] = {
    "ttft": lambda c: c.ttft_s,
    "tpot": time_per_output_token,
    "e2e": lambda c: c.latency_s,
}


@dataclass(frozen=True)
class LevelResult:
    """The measured requests of one concurrency level (warm-up excluded), in send order."""

    concurrency: int
    requests: tuple[GenerationRequest, ...]
    completions: tuple[Completion, ...]
    prompt_ids: tuple[str, ...]
    wall_s: float

    def timings(self, timing: str) -> dict[str, float | None]:
        """Each request's ``ttft``, ``tpot`` or ``e2e`` by request id (``None``: not reported)."""
        return {c.request_id: _PER_REQUEST[timing](c) for c in self.completions}

    def percentiles(self, timing: str) -> Percentiles | None:
        """The percentiles of ``ttft``, ``tpot``, ``itl`` or ``e2e``; ``None`` without a value."""
        if timing == "itl":
            return Percentiles.of([g for c in self.completions for g in c.inter_token_s])
        return Percentiles.of([v for v in self.timings(timing).values() if v is not None])

    @property
    def output_tokens(self) -> int:
        """Output tokens over all requests (as the server counted them)."""
        return sum(c.completion_tokens or 0 for c in self.completions)

    @property
    def output_tokens_per_s(self) -> float:
        """Output tokens per second of wall time at this level."""
        return self.output_tokens / self.wall_s if self.wall_s > 0 else float("nan")

    @property
    def requests_per_s(self) -> float:
        """Finished requests per second of wall time at this level."""
        return len(self.completions) / self.wall_s if self.wall_s > 0 else float("nan")

    def to_json(self) -> dict[str, Any]:
        """Plain data for results.json's metadata: percentiles in seconds and throughput."""
        data: dict[str, Any] = {
            "concurrency": self.concurrency,
            "n": len(self.completions),
            "wall_s": self.wall_s,
            "output_tokens": self.output_tokens,
            "output_tokens_per_s": self.output_tokens_per_s,
            "requests_per_s": self.requests_per_s,
            "finish_reasons": dict(Counter(c.finish_reason or "none" for c in self.completions)),
        }
        for timing in TIMINGS:
            p = self.percentiles(timing)
            data[f"{timing}_s"] = None if p is None else dataclasses.asdict(p)
        return data


@dataclass(frozen=True)
class LatencyReport:
    """Every level of one latency run against one model name on one server."""

    base_url: str
    model: str
    max_tokens: int
    warmup: int
    levels: tuple[LevelResult, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain data for results.json's metadata."""
        return {
            "base_url": self.base_url,
            "model": self.model,
            "max_tokens": self.max_tokens,
            "warmup": self.warmup,
            "levels": [level.to_json() for level in self.levels],
        }


def _as_request(prompt: str | GenerationRequest, index: int, max_tokens: int) -> GenerationRequest:
    if isinstance(prompt, str):
        return GenerationRequest(
            f"p{index}", (Message(Role.USER, prompt),), _Sampling(max_new_tokens=max_tokens)
        )
    return dataclasses.replace(
        prompt, sampling=dataclasses.replace(prompt.sampling, max_new_tokens=max_tokens)
    )


def run_latency(
    server_or_base_url: VLLMServer | str | Sequence[str],
    model: str,
    prompts: Sequence[str | GenerationRequest],
    concurrency_levels: Sequence[int],
    max_tokens: int,
    warmup: int = 2,
    *,
    requests: int | None = None,
    api_key_env: str | None = None,
    timeout_s: float = 120.0,
) -> LatencyReport:
    """Measure streamed chat latency at each concurrency level, one level after the other.

    At each level ``warmup`` requests run first and are dropped; then
    ``requests`` requests (default: one per prompt, cycling through the
    prompts when there are more) are sent with at most ``concurrency`` in
    flight (a closed loop, like ``vllm bench serve --max-concurrency``).
    Failures are not retried: a retry would hide the failure in the timings.
    A list of URLs is a set of replicas (see :mod:`harness.backends.openai`):
    a replica that fails is taken out and its requests go to the others (a
    logged warning, not a failed run); the report names them without
    credentials.
    """
    from harness.backends.openai import OpenAIBackend, public_url

    if not prompts:
        raise ConfigError("latency: give at least one prompt")
    if not concurrency_levels or any(c < 1 for c in concurrency_levels):
        raise ConfigError(f"latency: concurrency levels must be >= 1, got {concurrency_levels}")
    if max_tokens < 2:
        raise ConfigError("latency: max_tokens must be at least 2 (TPOT needs two tokens)")
    if warmup < 0:
        raise ConfigError("latency: warmup must be >= 0")
    base_url = (
        server_or_base_url
        if isinstance(server_or_base_url, str | Sequence)
        else server_or_base_url.base_url
    )
    # Shown in results.json and the scorecard: never with credentials.
    shown = ", ".join(map(public_url, [base_url] if isinstance(base_url, str) else base_url))
    base = [_as_request(p, i, max_tokens) for i, p in enumerate(prompts)]
    count = len(base) if requests is None else requests
    if count < 1:
        raise ConfigError("latency: requests must be >= 1")
    cycle = list(itertools.islice(itertools.cycle(base), count))
    warm = [
        dataclasses.replace(r, id=f"warmup-{k}")
        for k, r in enumerate(itertools.islice(itertools.cycle(base), warmup))
    ]
    levels: list[LevelResult] = []
    for concurrency in concurrency_levels:
        measured = [
            dataclasses.replace(r, id=f"c{concurrency}-{k:02d}-{r.id}") for k, r in enumerate(cycle)
        ]
        with OpenAIBackend(
            base_url,
            model,
            api_key_env=api_key_env,
            max_concurrency=concurrency,
            timeout_s=timeout_s,
            max_retries=0,
            stream=True,
        ) as backend:
            if warm:
                backend.generate(warm)
            start = time.perf_counter()
            completions = backend.generate(measured)
            wall = time.perf_counter() - start
        levels.append(
            LevelResult(
                concurrency=concurrency,
                requests=tuple(measured),
                completions=tuple(completions),
                prompt_ids=tuple(r.id for r in cycle),
                wall_s=wall,
            )
        )
    return LatencyReport(shown, model, max_tokens, warmup, tuple(levels))
