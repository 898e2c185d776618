"""Retrieval recall@k: did the variant's retrieval find the passages the answer rests on?"""

from __future__ import annotations

from harness._types import Completion, GoldenExample
from harness.metrics._registry import MetricKind, MetricResult, register_metric


@register_metric(
    name="retrieval_recall",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    applies_to="examples with gold context passages, on variants with retrieval",
)
def retrieval_recall(
    completion: Completion,
    example: GoldenExample,
    *,
    retrieved: tuple[str, ...] | None = None,
) -> MetricResult:
    """Recall@k: the share of the example's gold context passages among those retrieved.

    ``retrieved`` holds the ids of the passages the variant put in the prompt
    (the evaluation hands them over); ``None`` means the variant does not
    retrieve. The completion itself plays no part.
    """
    if retrieved is None:
        return MetricResult.not_applicable("the variant retrieves no passages")
    gold = [p.id for p in example.context]
    if not gold:
        return MetricResult.not_applicable("the example names no gold context passages")
    found = set(retrieved)
    missed = [g for g in gold if g not in found]
    return MetricResult(
        value=(len(gold) - len(missed)) / len(gold),
        reason=f"not retrieved: {', '.join(missed)}" if missed else None,
        details={"gold": gold, "retrieved": list(retrieved), "missed": missed},
    )
