"""The rubric judge's metric: a configured judge variant's score or preference per answer.

The judging itself happens in :mod:`harness.judges` (through the completion
cache); the evaluation hands each example's verdict to this metric as the
``verdict`` option, so the metric stays a function of its inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness._types import Completion, GoldenExample
from harness.metrics._registry import MetricKind, MetricResult, register_metric

if TYPE_CHECKING:
    from harness.judges import PairwiseVerdict, RubricVerdict

#: Per-example value of each pairwise outcome: the mean is a win rate with ties counted half.
OUTCOME_VALUE = {"win": 1.0, "tie": 0.5, "loss": 0.0}


@register_metric(
    name="judge",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    aggregation=(
        "mean with a 95% bootstrap (BCa) interval: of score/5 for a pointwise judge, "
        "a win rate (ties count half) for a pairwise judge"
    ),
)
def judge(
    completion: Completion,
    example: GoldenExample,
    *,
    name: str = "",
    verdict: RubricVerdict | PairwiseVerdict | None = None,
) -> MetricResult:
    """A rubric judge's grade: score/5 (pointwise) or 1/0.5/0 for win/tie/loss (pairwise).

    ``name`` picks the judge (``[tool.harness.judges.NAME]``; empty: the only
    one); ``verdict`` is supplied by the evaluation. A pointwise answer passes
    when its 1-5 score reaches the judge's ``threshold``; a pairwise one when
    it wins or ties. An unreadable reply is not applicable, with the reply quoted.
    """
    label = f"judge:{name}" if name else "judge"
    if verdict is None:
        return MetricResult.not_applicable(
            f"{label}: no judge verdict (configure a rubric judge in [tool.harness.judges])"
        )
    # Imported here: harness.judges reaches the backends, which import the metrics.
    from harness.judges import RubricVerdict

    if isinstance(verdict, RubricVerdict):
        return _pointwise(verdict)
    return _pairwise(verdict)


def _quote(raw: str) -> str:
    text = " ".join(raw.split())
    return repr(text if len(text) <= 160 else text[:159] + "…")


def _pointwise(verdict: RubricVerdict) -> MetricResult:
    if verdict.score is None:
        return MetricResult.not_applicable(
            f"unreadable judge reply (no 1-5 score): {_quote(verdict.raw)}",
            details={"raw": verdict.raw},
        )
    return MetricResult(
        value=verdict.score / 5,
        passed=verdict.score >= verdict.threshold,
        reason=f"{verdict.score}/5: {verdict.reason}" if verdict.reason else f"{verdict.score}/5",
        details={"score": verdict.score, "threshold": verdict.threshold, "reason": verdict.reason},
    )


def _pairwise(verdict: PairwiseVerdict) -> MetricResult:
    if verdict.skipped is not None:
        return MetricResult.not_applicable(verdict.skipped)
    outcome = verdict.outcome
    details = {"answer_first": verdict.first, "answer_second": verdict.second}
    if outcome is None:
        bad = [
            raw
            for raw, v in zip(verdict.raw, (verdict.first, verdict.second), strict=True)
            if v is None
        ]
        return MetricResult.not_applicable(
            f"unreadable judge reply (no A, B or TIE): {_quote(bad[0])}",
            details={**details, "raw": list(verdict.raw)},
        )
    # Which answer each order preferred, in the answer's terms rather than the prompt's letters.
    shown = {
        "first": {"A": "this answer", "B": "the other", "tie": "tie"}[verdict.first or "tie"],
        "second": {"A": "the other", "B": "this answer", "tie": "tie"}[verdict.second or "tie"],
    }
    reason = (
        f"{outcome}: shown first → {shown['first']} ({verdict.reasons[0]}); "
        f"shown second → {shown['second']} ({verdict.reasons[1]})"
    )
    return MetricResult(
        value=OUTCOME_VALUE[outcome],
        passed=outcome != "loss",
        reason=reason,
        details={**details, "outcome": outcome, "reasons": list(verdict.reasons)},
    )
