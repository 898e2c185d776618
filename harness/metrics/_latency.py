"""Latency: per-completion timings and percentile summaries over uncached completions."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from harness._types import Completion, GoldenExample
from harness.errors import HarnessError
from harness.metrics._registry import MetricKind, MetricResult, register_metric
from harness.stats import percentile


@dataclass(frozen=True)
class _Timings:
    """Derived timings of one completion; ``None`` where the backend did not report enough."""

    e2e_s: float
    ttft_s: float | None
    tpot_s: float | None
    tokens_per_s: float | None


def time_per_output_token(completion: Completion) -> float | None:
    """vLLM's TPOT: ``(e2e - ttft) / (output tokens - 1)``; ``None`` without ttft or 2+ tokens."""
    tokens = completion.completion_tokens
    if completion.ttft_s is None or tokens is None or tokens < 2:
        return None
    # The first token's time is in ttft, so the rest is spread over the other tokens.
    return (completion.latency_s - completion.ttft_s) / (tokens - 1)


def _timings(completion: Completion) -> _Timings:
    """End-to-end, time to first token, time per output token and output throughput."""
    e2e, tokens = completion.latency_s, completion.completion_tokens
    tokens_per_s = tokens / e2e if tokens is not None and e2e > 0 else None
    return _Timings(e2e, completion.ttft_s, time_per_output_token(completion), tokens_per_s)


@register_metric(
    name="latency",
    higher_is_better=False,
    kind=MetricKind.CONTINUOUS,
    aggregation="mean seconds with a 95% bootstrap interval; percentiles via latency_summary",
    applies_to="completions generated in this run (not served from the cache)",
)
def latency(completion: Completion, example: GoldenExample) -> MetricResult:
    """End-to-end latency in seconds; ttft, tpot and tokens/s in details."""
    details = asdict(_timings(completion))
    if completion.cached:
        # A cached completion carries the original run's timing, not this run's.
        return MetricResult.not_applicable("completion served from the cache", details=details)
    return MetricResult(value=completion.latency_s, details=details)


@dataclass(frozen=True)
class Percentiles:
    """Distribution of one timing over ``n`` completions (:func:`harness.stats.percentile`)."""

    n: int
    mean: float
    p50: float
    p90: float
    p95: float
    p99: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Percentiles | None:
        """Percentiles of ``values``, or ``None`` when there are none."""
        if not values:
            return None
        p50, p90, p95, p99 = (percentile(values, q) for q in (50, 90, 95, 99))
        return cls(len(values), statistics.fmean(values), p50, p90, p95, p99)


@dataclass(frozen=True)
class LatencySummary:
    """Latency percentiles over the uncached completions of a run.

    A timing a backend did not report (ttft outside streaming, tokens when unknown)
    is ``None``, or summarises only the completions that did report it.
    """

    n: int
    n_cached_excluded: int
    e2e_s: Percentiles
    ttft_s: Percentiles | None
    tpot_s: Percentiles | None
    tokens_per_s: Percentiles | None


def latency_summary(completions: Iterable[Completion]) -> LatencySummary:
    """p50/p90/p95/p99 of each timing, excluding cached completions."""
    fresh: list[_Timings] = []
    cached = 0
    for completion in completions:
        if completion.cached:
            cached += 1
        else:
            fresh.append(_timings(completion))
    if not fresh:
        why = f"all {cached} completions are cached" if cached else "there are no completions"
        raise HarnessError(
            f"latency summary: {why}, so no timing belongs to this run "
            "(run again with the completion cache disabled to measure latency)"
        )
    e2e = Percentiles.of([t.e2e_s for t in fresh])
    assert e2e is not None  # fresh is non-empty
    return LatencySummary(
        n=len(fresh),
        n_cached_excluded=cached,
        e2e_s=e2e,
        ttft_s=Percentiles.of([t.ttft_s for t in fresh if t.ttft_s is not None]),
        tpot_s=Percentiles.of([t.tpot_s for t in fresh if t.tpot_s is not None]),
        tokens_per_s=Percentiles.of([t.tokens_per_s for t in fresh if t.tokens_per_s is not None]),
    )
