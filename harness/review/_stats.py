"""Statistics of merged human ratings: means with intervals, pass rates, agreement.

* Per suite and variant: the mean 1-5 rating (``human_score``, bootstrap interval)
  and the human pass rate (``human_pass``, Wilson interval), read from the
  per-example metric values, through the same aggregation as every metric.
* Inter-rater agreement: Krippendorff's alpha (the ``krippendorff`` package),
  ordinal for each 1-5 criterion, interval for the overall score, nominal for
  pass/fail, over the answers two or more raters rated.
* Human vs automatic: on the rated examples, how often the human verdict and
  each automatic pass/fail metric agree (share and nominal alpha), and the
  examples where they differ.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from harness.metrics import MetricKind, aggregate, get_metric
from harness.metrics._human import CRITERIA, Rating, human_verdict
from harness.results import ExampleRecord, Results
from harness.review._merge import HUMAN_METRICS, current_ratings, stored_ratings


@dataclass(frozen=True)
class RatedRow:
    """One suite and variant: how people rated its answers."""

    suite: str
    variant: str
    n: int  # rated answers
    raters: int
    score: float | None
    score_low: float | None
    score_high: float | None
    criteria: dict[str, float]
    passes: int
    pass_rate: float | None
    pass_low: float | None
    pass_high: float | None


@dataclass(frozen=True)
class Agreement:
    """Krippendorff's alpha of one rated quantity across raters."""

    quantity: str
    level: str
    alpha: float | None
    units: int  # answers rated by two or more raters
    note: str = ""


@dataclass(frozen=True)
class MetricAgreement:
    """The human verdict against one automatic metric on the same rated examples."""

    metric: str
    n: int
    agree: int
    share: float | None
    alpha: float | None
    disagreements: tuple[str, ...]  # "suite/variant/example id", first few


@dataclass(frozen=True)
class ReviewSummary:
    """Everything the scorecard's "Human review" section shows."""

    ratings: int
    raters: tuple[str, ...]
    rows: tuple[RatedRow, ...]
    agreement: tuple[Agreement, ...]
    versus: tuple[MetricAgreement, ...]


def krippendorff_alpha(
    units: Sequence[Sequence[float | None]], level: str, domain: Sequence[float] | None = None
) -> tuple[float | None, str]:
    """Alpha of a raters x units table (``None`` = not rated); ``(None, why)`` when undefined."""
    import krippendorff
    import numpy as np

    pairable = [u for u in units if sum(v is not None for v in u) >= 2]
    if not pairable:
        return None, "no answer was rated by two raters"
    values = {v for u in pairable for v in u if v is not None}
    if len(values) < 2:
        return None, "every rating is the same value, so agreement beyond chance is undefined"
    table = np.array([[math.nan if v is None else v for v in u] for u in pairable], dtype=float).T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        alpha = float(
            krippendorff.alpha(
                reliability_data=table,
                level_of_measurement=level,  # type: ignore[arg-type]
                value_domain=None if domain is None else list(domain),
            )
        )
    return (alpha, "") if math.isfinite(alpha) else (None, "undefined on these ratings")


def _rows(results: Results, ratings: Sequence[Rating]) -> list[RatedRow]:
    rows = []
    for suite, variant in dict.fromkeys((r.suite, r.variant) for r in ratings):
        records = [
            e
            for e in results.examples
            if (e.suite, e.variant) == (suite, variant) and "human_pass" in e.metrics
        ]
        if not records:
            continue
        passed = aggregate(get_metric("human_pass"), [e.metrics["human_pass"] for e in records])
        scored = aggregate(get_metric("human_score"), [e.metrics["human_score"] for e in records])
        rated = [e for e in records if e.metrics["human_score"].applicable]
        criteria = (
            {
                c: sum(float(e.metrics["human_score"].details.get(c, 0.0)) for e in rated)
                / len(rated)
                for c in CRITERIA
            }
            if rated
            else {}
        )
        rows.append(
            RatedRow(
                suite=suite,
                variant=variant,
                n=passed.n,
                raters=len({r.rater for r in ratings if (r.suite, r.variant) == (suite, variant)}),
                score=scored.mean,
                score_low=scored.ci_low,
                score_high=scored.ci_high,
                criteria=criteria,
                passes=passed.passes or 0,
                pass_rate=passed.mean,
                pass_low=passed.ci_low,
                pass_high=passed.ci_high,
            )
        )
    return rows


def _agreement(
    by_answer: dict[tuple[str, str, str], list[Rating]], raters: Sequence[str]
) -> list[Agreement]:
    # Each rated quantity: name, level of measurement, value domain and its value in a rating.
    quantities: list[tuple[str, str, Sequence[float] | None, Callable[[Rating], float]]] = [
        *((c, "ordinal", (1, 2, 3, 4, 5), attrgetter(c)) for c in CRITERIA),
        ("overall score", "interval", None, lambda r: r.score),
        ("pass/fail", "nominal", (0.0, 1.0), lambda r: float(r.passed)),
    ]
    by_rater = [{r.rater: r for r in found} for found in by_answer.values()]
    out = []
    for name, level, domain, value in quantities:
        units = [
            [value(who[rater]) if rater in who else None for rater in raters] for who in by_rater
        ]
        alpha, note = krippendorff_alpha(units, level, domain)
        pairable = sum(1 for u in units if sum(v is not None for v in u) >= 2)
        out.append(Agreement(name, level, alpha, pairable, note))
    return out


def _versus(
    results: Results, by_answer: dict[tuple[str, str, str], list[Rating]]
) -> list[MetricAgreement]:
    records: dict[tuple[str, str, str], ExampleRecord] = {
        (e.suite, e.variant, e.example_id): e for e in results.examples
    }
    kinds = {a.metric: a.kind for a in results.aggregates}
    metrics = sorted(
        {
            m
            for k in by_answer
            if k in records
            for m in records[k].metrics
            if m not in HUMAN_METRICS and kinds.get(m) == MetricKind.PASS_FAIL.value
        }
    )
    out = []
    for metric in metrics:
        pairs: list[tuple[str, bool, bool]] = []
        for k, found in by_answer.items():
            v = records[k].metrics.get(metric) if k in records else None
            if v is None or not v.applicable or v.passed is None:
                continue
            pairs.append(("/".join(k), human_verdict(found), v.passed))
        if not pairs:
            continue
        agree = sum(h == m for _, h, m in pairs)
        alpha, _ = krippendorff_alpha(
            [[float(h), float(m)] for _, h, m in pairs], "nominal", (0.0, 1.0)
        )
        out.append(
            MetricAgreement(
                metric=metric,
                n=len(pairs),
                agree=agree,
                share=agree / len(pairs),
                alpha=alpha,
                disagreements=tuple(i for i, h, m in pairs if h != m),
            )
        )
    return out


def review_summary(results: Results) -> ReviewSummary | None:
    """The summary of the ratings merged into ``results``; ``None`` when there are none."""
    ratings = stored_ratings(results)
    if not ratings:
        return None
    raters = tuple(sorted({r.rater for r in ratings}))
    by_answer = current_ratings(results, ratings)
    return ReviewSummary(
        ratings=len(ratings),
        raters=raters,
        rows=tuple(_rows(results, ratings)),
        agreement=tuple(_agreement(by_answer, raters)),
        versus=tuple(_versus(results, by_answer)),
    )
