"""Per-request example records and per-level aggregates of a latency run, for results.json."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping

from harness._types import GoldenExample
from harness.latency._load import LatencyReport
from harness.metrics import Aggregate, MetricKind, get_metric
from harness.results import ExampleRecord

# Aggregated per level (ITL is in the level's metadata only) and the percentiles they keep.
_AGGREGATED_TIMINGS = ("ttft", "tpot", "e2e")
_REPORTED_PERCENTILES = (50, 95)


def budget_metric(timing: str, percentile: int, concurrency: int) -> str:
    """The aggregate and gate metric name of one percentile at one level, e.g. ``ttft_p95_s@c4``."""
    return f"{timing}_p{percentile}_s@c{concurrency}"


def latency_records(
    report: LatencyReport,
    suite: str,
    variant: str,
    examples: Mapping[str, GoldenExample],
) -> tuple[list[ExampleRecord], list[Aggregate]]:
    """Per-request example records and per-level aggregates for results.json.

    ``examples`` maps each prompt id to the golden example it came from (for
    the source and the ``latency`` metric). Aggregates hold p50 and p95 of
    TTFT, TPOT and e2e and the output throughput of each level; their
    ``mean`` field carries the percentile the metric name states.
    """
    spec = get_metric("latency")
    records: list[ExampleRecord] = []
    aggregates: list[Aggregate] = []
    # Every aggregate here is one number (a percentile or a throughput), with no interval.
    number = functools.partial(
        Aggregate,
        suite=suite,
        variant=variant,
        kind=MetricKind.CONTINUOUS,
        ci_low=None,
        ci_high=None,
        passes=None,
    )
    for level in report.levels:
        c = level.concurrency
        for request, completion, prompt_id in zip(
            level.requests, level.completions, level.prompt_ids, strict=True
        ):
            example = examples[prompt_id]
            result = spec.compute(completion, example)
            details = {**result.details, "itl_s": list(completion.inter_token_s)}
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
                    metrics={"latency": dataclasses.replace(result, details=details)},
                    verdict="n/a",
                )
            )
        n = len(level.completions)
        for timing in _AGGREGATED_TIMINGS:
            p = level.percentiles(timing)
            for percentile in _REPORTED_PERCENTILES:
                aggregates.append(
                    number(
                        metric=budget_metric(timing, percentile, c),
                        higher_is_better=False,
                        n=0 if p is None else p.n,
                        n_not_applicable=n - (0 if p is None else p.n),
                        mean=None if p is None else getattr(p, f"p{percentile}"),
                        method=f"{percentile}th percentile (linear interpolation) of streamed "
                        f"requests at concurrency {c}, warm-up excluded",
                    )
                )
        aggregates.append(
            number(
                metric=f"output_tok_per_s@c{c}",
                higher_is_better=True,
                n=n,
                n_not_applicable=0,
                mean=level.output_tokens_per_s,
                method=f"output tokens over the wall time of {n} requests at concurrency {c}",
            )
        )
    return records, aggregates
