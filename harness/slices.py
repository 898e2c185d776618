"""Figures of one metric on parts of a suite: dev vs test (the gap) and each tag vs the rest.

A dev–test gap larger than sampling noise means choices made on ``dev``
(checkpoint, prompt, early stopping) fitted ``dev`` itself: the ``test``
figure is the honest one. Both sides are independent samples of the same
suite, so the interval is that of a difference of two independent
proportions (Newcombe) or means (Welch).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.errors import HarnessError
from harness.results import ExampleRecord, Results
from harness.stats import TwoSampleDifference, mean_difference, proportion_difference


@dataclass(frozen=True)
class PartFigure:
    """One metric over one part of a suite (a split, a tag, or the rest)."""

    label: str
    n: int
    mean: float | None


@dataclass(frozen=True)
class SplitGap:
    """``dev - test`` of one metric for one suite and variant, with its 95% interval.

    ``overfitting`` is set when the interval excludes 0 and ``dev`` is the
    better side: the selection set flatters the model beyond sampling noise.
    """

    suite: str
    variant: str
    metric: str
    kind: str
    higher_is_better: bool | None
    dev: PartFigure
    test: PartFigure
    difference: TwoSampleDifference

    @property
    def significant(self) -> bool:
        """Whether the gap is larger than sampling noise (its interval excludes 0)."""
        return self.difference.excludes_zero

    @property
    def overfitting(self) -> bool:
        """A significant gap in ``dev``'s favour."""
        if not self.significant:
            return False
        dev_better = self.difference.delta > 0
        return dev_better if self.higher_is_better is not False else not dev_better


@dataclass(frozen=True)
class TagSlice:
    """One metric on the examples carrying a tag, beside the examples that do not."""

    suite: str
    variant: str
    metric: str
    kind: str
    tag: str
    tagged: PartFigure
    rest: PartFigure


def _kind(results: Results, suite: str, variant: str, metric: str) -> tuple[str, bool | None]:
    agg = results.aggregate(suite, variant, metric)
    if agg is not None:
        return agg.kind, agg.higher_is_better
    from harness.metrics import get_metric

    try:
        spec = get_metric(metric)
    except HarnessError:
        return "continuous", None
    return spec.kind.value, spec.higher_is_better


def _scores(
    examples: Iterable[ExampleRecord], metric: str, kind: str, higher_is_better: bool | None
) -> list[float]:
    """Per-example scores on the aggregate's scale: 1/0 for pass/fail (the counted event)."""
    out: list[float] = []
    for e in examples:
        mv = e.metrics.get(metric)
        if mv is None or not mv.applicable:
            continue
        if kind == "pass_fail":
            if mv.passed is None:
                continue
            # Same scale as harness.metrics.aggregate: the bad event for lower-is-better metrics.
            counted = mv.passed if higher_is_better is not False else not mv.passed
            out.append(1.0 if counted else 0.0)
        elif mv.value is not None:
            out.append(mv.value)
    return out


def _figure(label: str, scores: Sequence[float]) -> PartFigure:
    return PartFigure(label, len(scores), sum(scores) / len(scores) if scores else None)


def split_gap(results: Results, suite: str, variant: str, metric: str) -> SplitGap | None:
    """The dev–test gap of one metric, or ``None`` unless both splits have applicable examples."""
    kind, higher = _kind(results, suite, variant, metric)
    mine = [e for e in results.examples if e.suite == suite and e.variant == variant]
    dev = _scores((e for e in mine if e.split == "dev"), metric, kind, higher)
    test = _scores((e for e in mine if e.split == "test"), metric, kind, higher)
    if not dev or not test:
        return None
    return SplitGap(
        suite=suite,
        variant=variant,
        metric=metric,
        kind=kind,
        higher_is_better=higher,
        dev=_figure("dev", dev),
        test=_figure("test", test),
        difference=proportion_difference(int(sum(dev)), len(dev), int(sum(test)), len(test))
        if kind == "pass_fail"
        else mean_difference(dev, test),
    )


def gated_metrics(results: Results, suite: str, variant: str) -> list[str]:
    """The metrics a suite is judged on for a variant: its gates', else its pass/fail metrics."""
    gated = [g.metric for g in results.gates if g.suite == suite and g.variant == variant]
    if not gated:
        gated = [
            a.metric
            for a in results.aggregates
            if a.suite == suite and a.variant == variant and a.kind == "pass_fail"
        ]
    return list(dict.fromkeys(gated))


def split_gaps(results: Results) -> list[SplitGap]:
    """The dev–test gap of every gated metric of every suite and variant that ran both splits."""
    gaps: list[SplitGap] = []
    for suite in results.suites():
        variants = dict.fromkeys(e.variant for e in results.examples if e.suite == suite)
        for variant in variants:
            for metric in gated_metrics(results, suite, variant):
                gap = split_gap(results, suite, variant, metric)
                if gap is not None:
                    gaps.append(gap)
    return gaps


def slicing_tags(examples: Sequence[ExampleRecord]) -> list[str]:
    """Tags that split the examples in two: on some but not all of them."""
    counts = Counter(tag for e in examples for tag in set(e.tags))
    return sorted(t for t, c in counts.items() if c < len(examples))


def tag_slices(results: Results, suite: str, variant: str, metric: str) -> list[TagSlice]:
    """One metric on each slicing tag's examples beside the rest of the suite."""
    kind, higher = _kind(results, suite, variant, metric)
    mine = [e for e in results.examples if e.suite == suite and e.variant == variant]
    out: list[TagSlice] = []
    for tag in slicing_tags(mine):
        tagged = _scores((e for e in mine if tag in e.tags), metric, kind, higher)
        rest = _scores((e for e in mine if tag not in e.tags), metric, kind, higher)
        if tagged or rest:
            out.append(
                TagSlice(
                    suite, variant, metric, kind, tag, _figure(tag, tagged), _figure("rest", rest)
                )
            )
    return out
