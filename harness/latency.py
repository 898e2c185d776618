"""Serving latency: streamed chat requests at several concurrency levels, percentiles, budgets.

:func:`run_latency` measures an OpenAI-compatible server (a managed
:class:`~harness.serve.VLLMServer` or any base URL) with the ``openai``
backend in streaming mode. Per request it keeps, with vLLM's benchmark
definitions:

- **TTFT**: send to first content chunk;
- **TPOT**: ``(e2e - TTFT) / (output tokens - 1)``, for requests with at
  least two output tokens (token counts from the server's ``usage``);
- **ITL**: every gap between consecutive content chunks, pooled;
- **e2e**: send to the end of the stream.

Warm-up requests run first at each level and are not counted; requests never
go through the completion cache (and cached completions never feed latency
statistics). Throughput is output tokens (and requests) over the wall time of
the level.

:func:`budget_gates` decides a profile's budgets (``[tool.harness.latency]``)
at every concurrency level, and :func:`measure_variant` does the whole latency
suite for one variant: measure, record per-request examples and aggregates in
the session's results, decide and record the gates.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._types import Completion, GenerationRequest, GoldenExample, Message, Role
from harness._types import SamplingParams as _Sampling
from harness.config import LatencyBudget, LatencyProfile, LatencySettings, Variant
from harness.errors import ConfigError, HarnessError, MissingDependencyError
from harness.gates import scorecard_anchor
from harness.metrics import LatencySummary, Percentiles, get_metric, latency_summary
from harness.metrics._latency import time_per_output_token
from harness.results import AggregateRecord, ExampleRecord, GateRecord, MetricValue, SuiteInfo

if TYPE_CHECKING:
    from harness.serve import VLLMServer
    from harness.session import EvalSession

__all__ = [
    "SUITE",
    "TIMINGS",
    "Endpoint",
    "LatencyOutcome",
    "LatencyReport",
    "LevelResult",
    "NotMeasurable",
    "ServerPool",
    "budget_gates",
    "budget_metric",
    "latency_records",
    "measure_variant",
    "percentile_table",
    "run_latency",
    "time_per_output_token",
]

#: The timings summarised per level, as named in budgets and aggregates.
TIMINGS = ("ttft", "tpot", "itl", "e2e")
_GATED_TIMINGS = ("ttft", "tpot", "e2e")
_REPORTED_PERCENTILES = (50, 95)
#: The suite name latency records and gates are filed under in results.json.
SUITE = "latency"


class NotMeasurable(HarnessError):
    """A variant has no serving latency to measure (e.g. a scripted backend)."""


def _timing(completion: Completion, timing: str) -> float | None:
    """One request's value of a gated timing (``ttft``, ``tpot`` or ``e2e``)."""
    if timing == "ttft":
        return completion.ttft_s
    if timing == "tpot":
        return time_per_output_token(completion)
    if timing == "e2e":
        return completion.latency_s
    raise HarnessError(f"latency: unknown timing {timing!r} (known: {', '.join(_GATED_TIMINGS)})")


@dataclass(frozen=True)
class LevelResult:
    """The measured requests of one concurrency level (warm-up excluded), in send order."""

    concurrency: int
    requests: tuple[GenerationRequest, ...]
    completions: tuple[Completion, ...]
    prompt_ids: tuple[str, ...]
    wall_s: float

    @property
    def summary(self) -> LatencySummary:
        """e2e, TTFT, TPOT and tokens/s percentiles (cached completions excluded)."""
        return latency_summary(self.completions)

    @property
    def itl_s(self) -> Percentiles | None:
        """Percentiles of every inter-chunk gap of every request."""
        return Percentiles.of([g for c in self.completions for g in c.inter_token_s])

    def percentiles(self, timing: str) -> Percentiles | None:
        """The percentiles of ``ttft``, ``tpot``, ``itl`` or ``e2e``."""
        if timing == "itl":
            return self.itl_s
        summary = self.summary
        return {"ttft": summary.ttft_s, "tpot": summary.tpot_s, "e2e": summary.e2e_s}[timing]

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

    def level(self, concurrency: int) -> LevelResult:
        """The result at one concurrency level."""
        for level in self.levels:
            if level.concurrency == concurrency:
                return level
        raise KeyError(concurrency)

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
    base_url: str | list[str] = (
        server_or_base_url
        if isinstance(server_or_base_url, str)
        else list(server_or_base_url)
        if isinstance(server_or_base_url, Sequence)
        else server_or_base_url.base_url
    )
    # Shown in results.json and the scorecard: never with credentials.
    shown = (
        public_url(base_url)
        if isinstance(base_url, str)
        else ", ".join(public_url(u) for u in base_url)
    )
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
        if any(c.cached for c in completions):  # pragma: no cover - the backend has no cache
            raise HarnessError("latency: a cached completion reached the latency measurement")
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


def percentile_table(report: LatencyReport) -> str:
    """A fixed-width text table: per level, p50/p90/p95/p99 of each timing (ms) and throughput."""
    head = f"{'conc':>5} {'n':>4}  {'timing':<8}{'p50':>10}{'p90':>10}{'p95':>10}{'p99':>10}"
    lines = [f"{report.model} @ {report.base_url}, max_tokens {report.max_tokens}", head]
    for level in report.levels:
        n = len(level.completions)
        for timing in TIMINGS:
            p = level.percentiles(timing)
            cells = (
                "".join(f"{v * 1000:>10.1f}" for v in (p.p50, p.p90, p.p95, p.p99))
                if p is not None
                else f"{'-':>10}" * 4
            )
            lines.append(f"{level.concurrency:>5} {n:>4}  {timing + '_ms':<8}{cells}")
        lines.append(
            f"{level.concurrency:>5} {n:>4}  throughput {level.output_tokens_per_s:.1f} output tok/s, "
            f"{level.requests_per_s:.2f} req/s"
        )
    return "\n".join(lines)


# -- budgets --------------------------------------------------------------------------------


def budget_metric(timing: str, percentile: int, concurrency: int) -> str:
    """The aggregate and gate metric name of one percentile at one level, e.g. ``ttft_p95_s@c4``."""
    return f"{timing}_p{percentile}_s@c{concurrency}"


def _value(p: Percentiles, percentile: int) -> float:
    return p.p50 if percentile == 50 else p.p95


def budget_gates(
    report: LatencyReport,
    profile: LatencyProfile,
    *,
    suite: str,
    variant: str,
    scorecard: str = "scorecard.html",
) -> list[GateRecord]:
    """Decide every budget of ``profile`` at every level; each budget must hold at each level.

    A budget whose timing no request reported (e.g. TPOT when every answer
    was a single token) raises :class:`~harness.errors.HarnessError`: a gate
    never passes for lack of data.
    """
    records: list[GateRecord] = []
    for level in report.levels:
        for budget in profile.budgets:
            records.append(_gate(level, budget, profile.name, suite, variant, scorecard))
    return records


def _gate(
    level: LevelResult,
    budget: LatencyBudget,
    profile: str,
    suite: str,
    variant: str,
    scorecard: str,
) -> GateRecord:
    metric = budget_metric(budget.timing, budget.percentile, level.concurrency)
    where = f"{suite}/{variant}"
    p = level.percentiles(budget.timing)
    if p is None:
        raise HarnessError(
            f"latency gate {metric} on {where}: no request reported a {budget.timing} "
            f"(streamed content and at least two output tokens are needed); nothing to decide"
        )
    value = _value(p, budget.percentile)
    passed = value <= budget.seconds
    over = [
        c.request_id
        for c in level.completions
        if (t := _timing(c, budget.timing)) is not None and t > budget.seconds
    ]
    label = f"{metric} <= {budget.seconds:g} s ({profile})"
    if passed:
        message = (
            f"PASS {label} on {where}: {value:.4g} s, n = {p.n}, "
            f"{len(over)} request(s) over the budget"
        )
    else:
        shown = ", ".join(over[:5]) + (f" and {len(over) - 5} more" if len(over) > 5 else "")
        message = "\n".join(
            [
                f"FAIL {label} on {where}",
                f"  {budget.timing} p{budget.percentile} = {value:.4g} s at concurrency "
                f"{level.concurrency}, budget {budget.seconds:g} s (profile {profile}), n = {p.n}",
                f"  requests over the budget: {shown or 'none'}",
                f"  scorecard: {scorecard}#{scorecard_anchor(suite, variant, metric)}",
            ]
        )
    return GateRecord(
        suite=suite,
        variant=variant,
        gate=label,
        metric=metric,
        kind="threshold",
        op="<=",
        threshold=budget.seconds,
        value=value,
        ci_low=None,
        ci_high=None,
        n=p.n,
        passed=passed,
        failing_ids=over,
        message=message,
    )


# -- results records ------------------------------------------------------------------------


def latency_records(
    report: LatencyReport,
    suite: str,
    variant: str,
    examples: Mapping[str, GoldenExample],
) -> tuple[list[ExampleRecord], list[AggregateRecord]]:
    """Per-request example records and per-level aggregates for results.json.

    ``examples`` maps each prompt id to the golden example it came from (for
    the source and the ``latency`` metric). Aggregates hold p50 and p95 of
    TTFT, TPOT and e2e and the output throughput of each level; their
    ``mean`` field carries the percentile the metric name states.
    """
    spec = get_metric("latency")
    records: list[ExampleRecord] = []
    aggregates: list[AggregateRecord] = []
    for level in report.levels:
        c = level.concurrency
        for request, completion, prompt_id in zip(
            level.requests, level.completions, level.prompt_ids, strict=True
        ):
            example = examples[prompt_id]
            result = spec.compute(completion, example)
            details = dict(result.details)
            details["itl_s"] = list(completion.inter_token_s)
            records.append(
                ExampleRecord(
                    suite=suite,
                    variant=variant,
                    example_id=completion.request_id,
                    source=str(example.source),
                    tags=[f"concurrency={c}"],
                    input=[m.to_dict() for m in request.messages],
                    expected={"concurrency": c, "max_tokens": report.max_tokens},
                    output=completion.text,
                    outputs=[completion.text],
                    cached=False,
                    latency_s=completion.latency_s,
                    ttft_s=completion.ttft_s,
                    prompt_tokens=completion.prompt_tokens,
                    completion_tokens=completion.completion_tokens,
                    finish_reason=completion.finish_reason,
                    metrics={
                        "latency": MetricValue(
                            value=result.value,
                            passed=None,
                            reason=result.reason,
                            applicable=result.applicable,
                            details=details,
                        )
                    },
                    verdict="n/a",
                )
            )
        n = len(level.completions)
        for timing in _GATED_TIMINGS:
            p = level.percentiles(timing)
            for percentile in _REPORTED_PERCENTILES:
                aggregates.append(
                    AggregateRecord(
                        suite=suite,
                        variant=variant,
                        metric=budget_metric(timing, percentile, c),
                        kind="continuous",
                        higher_is_better=False,
                        n=0 if p is None else p.n,
                        n_not_applicable=n - (0 if p is None else p.n),
                        mean=None if p is None else _value(p, percentile),
                        ci_low=None,
                        ci_high=None,
                        passes=None,
                        method=f"{percentile}th percentile (linear interpolation) of streamed "
                        f"requests at concurrency {c}, warm-up excluded",
                    )
                )
        aggregates.append(
            AggregateRecord(
                suite=suite,
                variant=variant,
                metric=f"output_tok_per_s@c{c}",
                kind="continuous",
                higher_is_better=True,
                n=n,
                n_not_applicable=0,
                mean=level.output_tokens_per_s,
                ci_low=None,
                ci_high=None,
                passes=None,
                method=f"output tokens over the wall time of {n} requests at concurrency {c}",
            )
        )
    return records, aggregates


# -- where variants are served --------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where a variant is served: the API root, the model name to send, and the key's variable."""

    base_url: str | tuple[str, ...]  # a tuple: replicas of one model
    model: str
    api_key_env: str | None = None
    description: str = ""


_VLLM_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)


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

    @property
    def servers(self) -> dict[str, VLLMServer]:
        """The servers started so far, by model name."""
        return dict(self._servers)

    def endpoint(self, variant: Variant) -> Endpoint:
        """Where to send ``variant``'s requests; starts its model's server when needed."""
        opts = variant.options
        if variant.backend == "openai":
            if "base_url" not in opts:
                raise ConfigError(
                    f"[tool.harness.models.{variant.name}] base_url: required for backend 'openai'"
                )
            api_key_env = opts.get("api_key_env")
            url = opts["base_url"]
            return Endpoint(
                base_url=url if isinstance(url, str) else tuple(url),
                model=variant.model,
                api_key_env=str(api_key_env) if api_key_env else None,
                description="the variant's own OpenAI-compatible server",
            )
        if variant.backend == "scripted":
            raise NotMeasurable(
                f"variant {variant.name!r} uses the scripted backend: it has no serving latency"
            )
        server = self._server(variant.model)
        model = server.served_model_name
        if variant.adapter is not None:
            model = variant.name
        return Endpoint(
            base_url=server.base_url,
            model=model,
            description=f"managed vLLM server for {variant.model!r} "
            f"(started in {server.startup_s or 0:.1f} s)",
        )

    def _server(self, model: str) -> VLLMServer:
        if model in self._servers:
            return self._servers[model]
        if importlib.util.find_spec("vllm") is None:
            raise MissingDependencyError("vllm", "vllm")
        from harness.backends.peft import adapter_rank
        from harness.models import resolve_model
        from harness.serve import VLLMServer

        path, _ = resolve_model(model)
        adapters = {
            v.name: v.adapter
            for v in self._variants
            if v.model == model and v.adapter is not None and v.backend in ("hf", "peft", "vllm")
        }
        rank = max([8, *(adapter_rank(p) or 8 for p in adapters.values())])
        served_rank = next((r for r in _VLLM_LORA_RANKS if r >= rank), rank)
        name = model if model == "embedded" else path.name
        log = None if self._log_dir is None else self._log_dir / f"vllm-server-{path.name}.log"
        server = VLLMServer(
            path,
            served_model_name=name,
            enable_lora=bool(adapters),
            max_lora_rank=served_rank,
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


# -- the latency suite ----------------------------------------------------------------------


@dataclass(frozen=True)
class LatencyOutcome:
    """One variant's latency run: the measurements and the decided gates."""

    report: LatencyReport
    gates: tuple[GateRecord, ...]

    @property
    def failed(self) -> tuple[GateRecord, ...]:
        """The gates that did not pass."""
        return tuple(g for g in self.gates if not g.passed)


def measure_variant(
    session: EvalSession,
    variant: Variant,
    endpoint: Endpoint,
    settings: LatencySettings,
    *,
    suite: str = SUITE,
) -> LatencyOutcome:
    """Measure one variant, add its records and gates to ``session``, and return them.

    Prompts are the first ``settings.requests`` examples of the golden suite
    ``settings.suite``, as the variant sends them (system prompt, few-shot),
    with ``max_new_tokens = settings.max_tokens``.
    """
    from harness.backends.openai import endpoint_fingerprint

    golden = session.golden(settings.suite)
    examples = golden.examples[: settings.requests]
    if not examples:
        raise ConfigError(f"latency: golden suite {settings.suite!r} has no examples")
    sampling = dataclasses.replace(variant.sampling, max_new_tokens=settings.max_tokens)
    prompts = [variant.request(e, sampling) for e in examples]
    report = run_latency(
        endpoint.base_url,
        endpoint.model,
        prompts,
        settings.concurrency,
        settings.max_tokens,
        settings.warmup,
        requests=settings.requests,
        api_key_env=endpoint.api_key_env,
    )
    records, aggregates = latency_records(report, suite, variant.name, {e.id: e for e in examples})
    gates = budget_gates(
        report,
        settings.profile,
        suite=suite,
        variant=variant.name,
        scorecard=str(session.scorecard_path),
    )
    session.record_measurements(
        suite,
        variant,
        examples=records,
        aggregates=aggregates,
        fingerprint=endpoint_fingerprint(endpoint.model, endpoint.base_url),
        info=SuiteInfo(str(golden.path), golden.fingerprint, len(records)),
        extra={
            **report.to_json(),
            "endpoint": endpoint.description,
            "profile": settings.profile.name,
            "profile_source": settings.profile_source,
            "budgets": {b.key: b.seconds for b in settings.profile.budgets},
        },
    )
    for gate in gates:
        session.record_gate(gate)
    return LatencyOutcome(report, tuple(gates))
