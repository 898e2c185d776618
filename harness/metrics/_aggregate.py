"""Aggregate per-example metric results into a mean with a confidence interval."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from harness.metrics._registry import MetricKind, MetricResult, MetricSpec
from harness.stats import (
    BOOTSTRAP_SEED,
    CONFIDENCE_LEVEL,
    bootstrap_mean_interval,
    wilson_interval,
)

# Not harness.stats.BOOTSTRAP_RESAMPLES: the paired tests resample fewer times.
BOOTSTRAP_RESAMPLES = 9999
# Resamples drawn per batch: bounds memory to about batch * n * 8 bytes.
_BOOTSTRAP_BATCH = 500

Count = Annotated[int, Field(ge=0)]


@dataclass(frozen=True, kw_only=True)
class Aggregate:
    """One metric over a suite for one variant: mean, 95% interval and counts.

    ``mean`` and the interval are ``None`` when no result was applicable; the
    interval is also ``None`` for a continuous metric with a single value.
    ``passes`` (set for pass/fail metrics only) counts the examples that passed,
    i.e. were good; for a lower-is-better metric ``mean`` is the share that did not.
    """

    suite: str = ""
    variant: str = ""
    metric: str
    kind: MetricKind
    higher_is_better: bool | None
    n: Count
    n_not_applicable: Count
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    passes: int | None
    method: str


def aggregate(
    spec: MetricSpec, results: Iterable[MetricResult], *, suite: str = "", variant: str = ""
) -> Aggregate:
    """Aggregate the applicable results of ``spec``'s metric (Wilson or bootstrap interval)."""
    all_results = list(results)
    applicable = [r for r in all_results if r.applicable]
    n = len(applicable)
    passes: int | None = None
    if spec.kind is MetricKind.PASS_FAIL:
        undecided = sum(1 for r in applicable if r.passed is None)
        if undecided:
            raise ValueError(
                f"metric {spec.name!r} is pass/fail but {undecided} applicable "
                "result(s) have passed=None"
            )
        passes = sum(1 for r in applicable if r.passed)
        # The rate is of what the metric counts: passes when higher is better, the
        # bad event (examples that did not pass) when lower is better.
        counted = n - passes if spec.higher_is_better is False else passes
        mean = counted / n if n else None
        low, high = wilson_interval(counted, n) if n else (None, None)
        method = "wilson"
    else:
        values = [math.nan if r.value is None else r.value for r in applicable]
        mean = sum(values) / n if n else None
        low, high, method = _bootstrap_mean(values)
    return Aggregate(
        suite=suite,
        variant=variant,
        metric=spec.name,
        kind=spec.kind,
        higher_is_better=spec.higher_is_better,
        n=n,
        n_not_applicable=len(all_results) - n,
        mean=mean,
        ci_low=low,
        ci_high=high,
        passes=passes,
        method=method,
    )


def _bootstrap_mean(values: list[float]) -> tuple[float | None, float | None, str]:
    """A seeded BCa bootstrap interval for the mean, percentile where BCa is undefined."""
    if len(values) < 2:
        return None, None, "none (fewer than 2 values)"
    if min(values) == max(values):
        # Every resample has the same mean, so the interval is that point (BCa gives NaN).
        return values[0], values[0], "constant"
    for method in ("bca", "percentile"):
        # BCa yields NaN on nearly degenerate samples; the loop falls back.
        low, high = bootstrap_mean_interval(
            values,
            method=method,
            n_resamples=BOOTSTRAP_RESAMPLES,
            batch=_BOOTSTRAP_BATCH,
            confidence=CONFIDENCE_LEVEL,
            seed=BOOTSTRAP_SEED,
        )
        if not (math.isnan(low) or math.isnan(high)):
            return low, high, f"bootstrap-{method}"
    return None, None, "none (bootstrap undefined)"
