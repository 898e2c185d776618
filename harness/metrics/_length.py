"""Output length, a diagnostic with no good direction."""

from __future__ import annotations

from harness._types import Completion, GoldenExample
from harness.metrics._registry import MetricKind, MetricResult, register_metric


@register_metric(
    name="length",
    higher_is_better=None,
    kind=MetricKind.CONTINUOUS,
    aggregation="mean characters with a 95% bootstrap (BCa) interval (diagnostic only)",
    applies_to="every example",
)
def length(completion: Completion, example: GoldenExample) -> MetricResult:
    """The output's length in characters; words and tokens (when known) in details."""
    # Characters are the value because they are always defined and comparable across
    # variants; token counts depend on the tokenizer and are missing for cached outputs.
    return MetricResult(
        value=float(len(completion.text)),
        details={
            "chars": len(completion.text),
            "words": len(completion.text.split()),
            "completion_tokens": completion.completion_tokens,
        },
    )
