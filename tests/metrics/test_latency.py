"""latency metric, latency_summary percentiles, cached completions excluded; length."""

from __future__ import annotations

import pytest

from harness.errors import HarnessError
from harness.metrics import (
    MetricKind,
    Percentiles,
    get_metric,
    latency,
    latency_summary,
    length,
)

from .conftest import CompletionFactory, ExampleFactory, build_completion


def test_per_completion_timings(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    completion = make_completion("hi", latency_s=2.0, ttft_s=0.2, completion_tokens=10)
    result = latency(completion, make_example())
    assert result.value == 2.0
    assert result.passed is None
    assert result.details["e2e_s"] == 2.0
    assert result.details["ttft_s"] == 0.2
    assert result.details["tpot_s"] == pytest.approx((2.0 - 0.2) / 9)
    assert result.details["tokens_per_s"] == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("ttft", "tokens", "tpot", "tps"),
    [
        (None, 10, None, 5.0),  # no streaming: no ttft, so no tpot
        (0.5, None, None, None),  # token count unknown
        (0.5, 1, None, 0.5),  # one token: nothing after the first
    ],
)
def test_missing_timings_are_none(
    make_example: ExampleFactory,
    make_completion: CompletionFactory,
    ttft: float | None,
    tokens: int | None,
    tpot: float | None,
    tps: float | None,
) -> None:
    completion = make_completion(latency_s=2.0, ttft_s=ttft, completion_tokens=tokens)
    details = latency(completion, make_example()).details
    assert details["tpot_s"] == tpot
    assert details["tokens_per_s"] == tps


def test_cached_completion_is_not_applicable(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = latency(make_completion(latency_s=3.0, cached=True), make_example())
    assert result.applicable is False
    assert result.value is None
    assert result.reason == "completion served from the cache"


def test_summary_percentiles_on_known_inputs() -> None:
    completions = [build_completion(latency_s=float(i)) for i in range(1, 101)]
    summary = latency_summary(completions)
    assert summary.n == 100
    assert summary.n_cached_excluded == 0
    assert summary.e2e_s == Percentiles(
        n=100,
        mean=50.5,
        p50=50.5,
        p90=pytest.approx(90.1),
        p95=pytest.approx(95.05),
        p99=pytest.approx(99.01),
    )
    assert summary.ttft_s is None
    assert summary.tpot_s is None
    assert summary.tokens_per_s is None


def test_summary_excludes_cached_completions() -> None:
    fresh = [
        build_completion(latency_s=e2e, ttft_s=0.1 * e2e, completion_tokens=11)
        for e2e in (1.0, 2.0, 3.0, 4.0, 5.0)
    ]
    # Cached latencies come from another run; if they leaked in, every percentile would move.
    cached = [build_completion(latency_s=500.0, ttft_s=50.0, cached=True) for _ in range(20)]
    summary = latency_summary(cached[:10] + fresh + cached[10:])
    assert summary.n == 5
    assert summary.n_cached_excluded == 20
    assert summary.e2e_s.p50 == pytest.approx(3.0)
    assert summary.e2e_s.p90 == pytest.approx(4.6)
    assert summary.e2e_s.p95 == pytest.approx(4.8)
    assert summary.e2e_s.p99 == pytest.approx(4.96)
    assert summary.e2e_s.mean == pytest.approx(3.0)
    assert summary.ttft_s is not None
    assert summary.ttft_s.p50 == pytest.approx(0.3)
    assert summary.tpot_s is not None
    # tpot = 0.9 * e2e / 10 tokens after the first.
    assert summary.tpot_s.p50 == pytest.approx(0.27)
    assert summary.tokens_per_s is not None
    assert summary.tokens_per_s.p50 == pytest.approx(11 / 3)


def test_summary_of_partly_reported_timings() -> None:
    completions = [
        build_completion(latency_s=1.0, ttft_s=0.25),
        build_completion(latency_s=2.0),
    ]
    summary = latency_summary(completions)
    assert summary.e2e_s.n == 2
    assert summary.ttft_s is not None
    assert summary.ttft_s.n == 1
    assert summary.ttft_s.p99 == 0.25


def test_summary_raises_when_everything_is_cached() -> None:
    with pytest.raises(HarnessError, match="all 3 completions are cached"):
        latency_summary([build_completion(cached=True)] * 3)
    with pytest.raises(HarnessError, match="there are no completions"):
        latency_summary([])


def test_latency_semantics() -> None:
    spec = get_metric("latency")
    assert spec.higher_is_better is False
    assert spec.kind is MetricKind.CONTINUOUS


def test_length_diagnostic(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = length(make_completion("naïve café, 日本語", completion_tokens=7), make_example())
    # Code points, not bytes: 15 characters, 3 whitespace-separated words.
    assert result.value == 15.0
    assert result.details == {"chars": 15, "words": 3, "completion_tokens": 7}
    empty = length(make_completion(""), make_example())
    assert empty.value == 0.0
    assert empty.details["completion_tokens"] is None
    spec = get_metric("length")
    assert spec.higher_is_better is None
    assert spec.kind is MetricKind.CONTINUOUS
