"""Gates: threshold and regression checks, parsed once and decided once.

A gate is built from its spec when options are read (``ThresholdGate.parse
("schema_valid>=0.95")``), so a malformed gate stops the run before any model
is loaded. ``evaluate`` returns a :class:`~harness.results.GateRecord` holding
the decision and a ready-to-print message; reports render that record and never
decide again. ``decide_values`` decides on per-example values already at hand
(by example id), for callers that hold no :class:`~harness.results.Results`.

Semantics:

* **Threshold**: passes when the point estimate (pass rate or mean over the
  applicable examples) meets the threshold. The 95% interval (Wilson for
  pass/fail metrics, bootstrap for continuous ones) is reported alongside and
  does not change the decision, so the gate means what its spec says. A
  percentile threshold (a latency budget) decides on that percentile instead.
* **Regression**: compares the same examples in a baseline and a candidate
  (paired by example id; exact McNemar for pass/fail metrics, paired bootstrap
  for continuous ones). It fails only when the drop is significant (one-sided,
  ``p < alpha``) *and* the observed drop is larger than ``tolerance`` (absolute,
  in metric units). The metric registry says which way is a drop: for a
  lower-is-better metric (latency) a rise is a drop.
* A gate whose metric has no applicable result, or whose baseline lacks the
  suite, variant or metric, raises :class:`GateError`. It never passes silently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from harness._anchors import anchor
from harness._format import format_number, format_p
from harness.errors import HarnessError
from harness.metrics import (
    Aggregate,
    MetricKind,
    MetricResult,
    MetricSpec,
    UnknownMetricError,
    aggregate,
    get_metric,
)
from harness.results import GateRecord, Results
from harness.stats import (
    Alternative,
    PairedTest,
    UnpairedError,
    format_ids,
    is_significant,
    mcnemar_exact,
    pair_by_id,
    paired_bootstrap,
    percentile,
)

DEFAULT_ALPHA = 0.05
DEFAULT_SCORECARD = "scorecard.html"

Op = Literal[">=", "<="]
_SPEC = re.compile(r"^\s*(?P<metric>[A-Za-z_][\w.:-]*)\s*(?P<op>>=|<=)\s*(?P<threshold>\S+)\s*$")

# (example id, reference value, new value) of one metric, paired by id.
Pair = tuple[str, MetricResult, MetricResult]


class GateError(HarnessError):
    """A gate cannot be decided: bad spec, missing metric, missing baseline."""


def errored_gate(
    label: str,
    metric: str,
    kind: Literal["threshold", "regression"],
    suite: str,
    variant: str,
    error: str,
    *,
    op: str,
    threshold: float | None = None,
    tolerance: float | None = None,
) -> GateRecord:
    """The record of a gate that could not be decided: a failed gate, never a silent pass."""
    return GateRecord(
        suite=suite,
        variant=variant,
        gate=label,
        metric=metric,
        kind=kind,
        op=op,
        threshold=threshold,
        value=None,
        ci_low=None,
        ci_high=None,
        n=0,
        passed=False,
        failing_ids=[],
        message=f"ERROR {label} on {suite}/{variant}: {error}",
        tolerance=tolerance,
        error=error,
    )


@dataclass(frozen=True)
class ThresholdGate:
    """``metric op threshold`` on one suite and variant, e.g. ``schema_valid>=0.95``.

    With ``percentile``, on that percentile of the values (a p95 latency budget), not the mean.
    """

    metric: str
    op: Op
    threshold: float
    name: str | None = None
    percentile: float | None = None

    def __post_init__(self) -> None:
        if self.op not in (">=", "<="):
            raise GateError(f"gate {self.label}: operator must be '>=' or '<=', got {self.op!r}")
        if not math.isfinite(self.threshold):
            raise GateError(f"gate {self.label}: threshold must be a finite number")
        if self.percentile is not None and not 0 <= self.percentile <= 100:
            raise GateError(f"gate {self.label}: percentile must be between 0 and 100")
        try:
            spec = get_metric(self.metric)
        except UnknownMetricError:
            # Custom metrics may register later; evaluate() resolves them or raises.
            return
        if spec.kind is MetricKind.PASS_FAIL and not 0.0 <= self.threshold <= 1.0:
            raise GateError(
                f"gate {self.label}: {self.metric} is a pass rate, so the threshold must be "
                f"between 0 and 1 (write 0.95, not 95)"
            )

    @classmethod
    def parse(cls, spec: str, name: str | None = None) -> ThresholdGate:
        """Build a gate from ``METRIC>=VALUE`` or ``METRIC<=VALUE``."""
        match = _SPEC.match(spec)
        if match is None:
            raise GateError(
                f"gate {spec!r}: expected METRIC>=VALUE or METRIC<=VALUE (e.g. schema_valid>=0.95)"
            )
        try:
            threshold = float(match["threshold"])
        except ValueError:
            raise GateError(
                f"gate {spec!r}: threshold {match['threshold']!r} is not a number"
            ) from None
        op: Op = ">=" if match["op"] == ">=" else "<="
        return cls(metric=match["metric"], op=op, threshold=threshold, name=name)

    @property
    def label(self) -> str:
        """The gate's name: its own, or its spec."""
        return self.name or f"{self.metric}{self.op}{self.threshold:g}"

    def evaluate(
        self, results: Results, suite: str, variant: str, *, scorecard: str = DEFAULT_SCORECARD
    ) -> GateRecord:
        """Decide the gate on one suite and variant of ``results``."""
        spec = resolve_metric(self.metric, results)
        values = metric_values(results, suite, variant, self.metric)
        return self.decide_values(values, suite, variant, spec=spec, scorecard=scorecard)

    def decide_values(
        self,
        values: Mapping[str, MetricResult],
        suite: str,
        variant: str,
        *,
        spec: MetricSpec | None = None,
        scorecard: str = DEFAULT_SCORECARD,
    ) -> GateRecord:
        """Decide the gate on one suite and variant's values of its metric, by example id.

        ``spec`` defaults to the registered metric; pass one to decide on a metric
        known only from a results file (see :func:`resolve_metric`). A percentile
        gate needs no spec: its values are numbers, whatever the metric.
        """
        applicable = {i: v for i, v in values.items() if v.applicable}
        if not applicable:
            raise GateError(
                f"gate {self.label}: metric {self.metric!r} applies to none of the "
                f"{len(values)} example(s) of {suite}/{variant}; nothing to decide"
            )
        if self.percentile is None:
            spec = spec or resolve_metric(self.metric)
            check_values(spec, applicable, f"{suite}/{variant}")
            agg = _aggregate(spec, applicable.values())
        else:
            agg = _percentile(self.metric, self.percentile, values)
        assert agg.mean is not None  # at least one applicable result
        passed = agg.mean >= self.threshold if self.op == ">=" else agg.mean <= self.threshold
        failing = _failing_ids(agg.kind, applicable, self.op, self.threshold)
        where = f"{suite}/{variant}"
        if passed:
            shown = (
                _bounds(agg.ci_low, agg.ci_high) if self.percentile is None else f"({agg.method})"
            )
            message = (
                f"PASS {self.label} on {where}: {self.metric} = {format_number(agg.mean)} "
                f"{shown}, threshold {self.op} {format_number(self.threshold)}, n = {agg.n}"
            )
        else:
            basis = "point estimate" if self.percentile is None else f"p{self.percentile:g}"
            lines = [
                f"FAIL {self.label} on {where}",
                f"  {self.metric} = {_value_text(agg)}, {_interval_text(agg)}",
                f"  threshold: {self.op} {format_number(self.threshold)} "
                f"(decided on the {basis}), n = {agg.n}"
                + (f" ({agg.n_not_applicable} not applicable)" if agg.n_not_applicable else ""),
                f"  failing examples: {format_ids(failing) or 'none'}",
                f"  scorecard: {scorecard}#{anchor(suite, variant, self.metric)}",
            ]
            message = "\n".join(lines)
        return GateRecord(
            suite=suite,
            variant=variant,
            gate=self.label,
            metric=self.metric,
            kind="threshold",
            op=self.op,
            threshold=self.threshold,
            value=agg.mean,
            ci_low=agg.ci_low,
            ci_high=agg.ci_high,
            n=agg.n,
            passed=passed,
            failing_ids=failing,
            message=message,
        )


@dataclass(frozen=True)
class RegressionDecision:
    """A regression gate's record with the paired test and the facts it was decided on."""

    record: GateRecord
    test: PairedTest
    baseline_variant: str
    drop: float  # in metric units; positive means worse, whatever the metric's direction
    significant: bool

    @property
    def within_tolerance(self) -> bool:
        """A significant drop that the tolerance lets through."""
        return self.significant and self.drop > 0 and self.record.passed


@dataclass(frozen=True)
class RegressionGate:
    """No significant drop of ``metric`` against a baseline beyond ``tolerance`` (metric units)."""

    metric: str
    tolerance: float = 0.0
    alpha: float = DEFAULT_ALPHA
    name: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.tolerance) and self.tolerance >= 0):
            raise GateError(
                f"regression gate on {self.metric}: tolerance must be a number >= 0 "
                f"(an absolute amount in metric units), got {self.tolerance}"
            )
        if not 0 < self.alpha < 1:
            raise GateError(
                f"regression gate on {self.metric}: alpha must be between 0 and 1, got {self.alpha}"
            )

    @property
    def label(self) -> str:
        """The gate's name: its own, or ``metric no regression``."""
        if self.name:
            return self.name
        if self.tolerance:
            return f"{self.metric} no regression (tolerance {self.tolerance:g})"
        return f"{self.metric} no regression"

    def evaluate(
        self,
        baseline: Results,
        candidate: Results,
        suite: str,
        variant: str,
        *,
        baseline_variant: str | None = None,
        scorecard: str = DEFAULT_SCORECARD,
    ) -> GateRecord:
        """Decide the gate on ``suite``/``variant`` of ``candidate`` against ``baseline``."""
        spec = resolve_metric(self.metric, candidate, baseline)
        values = metric_values(candidate, suite, variant, self.metric)
        return self.decide_values(
            baseline,
            values,
            suite,
            variant,
            spec=spec,
            baseline_variant=baseline_variant,
            scorecard=scorecard,
        ).record

    def decide_values(
        self,
        baseline: Results,
        values: Mapping[str, MetricResult],
        suite: str,
        variant: str,
        *,
        spec: MetricSpec | None = None,
        baseline_variant: str | None = None,
        scorecard: str = DEFAULT_SCORECARD,
    ) -> RegressionDecision:
        """Decide on the candidate's values of the metric, by example id, against ``baseline``.

        The decision keeps the paired test for tables and JSON. ``spec`` defaults
        to the registered metric, else the kind and direction ``baseline``
        recorded for it (see :func:`resolve_metric`).
        """
        base_variant = baseline_variant or variant
        spec = spec or resolve_metric(self.metric, baseline)
        if spec.higher_is_better is None:
            raise GateError(
                f"gate {self.label}: metric {self.metric!r} has no better direction, so it "
                "cannot regress; gate it with a threshold instead"
            )
        try:
            ref_values = metric_values(baseline, suite, base_variant, self.metric)
        except GateError as exc:
            raise GateError(f"gate {self.label}: baseline: {exc}") from None
        try:
            usable = applicable_pairs(ref_values, values)
        except UnpairedError as exc:
            raise GateError(
                f"gate {self.label} on {suite}/{variant} against baseline {suite}/{base_variant}: "
                f"{exc}; both runs must cover the same examples"
            ) from None
        if not usable:
            raise GateError(
                f"gate {self.label}: metric {self.metric!r} applies to no example in both "
                f"the baseline and the candidate of {suite}/{variant}; nothing to decide"
            )
        # "less" asks whether the candidate went down; for lower-is-better metrics, up is worse.
        worse: Alternative = "less" if spec.higher_is_better else "greater"
        test = paired_test(
            spec, usable, worse, f"baseline {suite}/{base_variant}", f"{suite}/{variant}"
        )
        if spec.kind is MetricKind.PASS_FAIL:
            # ``passed`` means "good for this example" for every metric, so a
            # regression is a pass -> fail flip whatever the direction.
            regressed = [i for i, r, w in usable if r.passed is True and w.passed is False]
        else:
            sign = 1.0 if spec.higher_is_better else -1.0
            worsening = {i: sign * (_value(r) - _value(w)) for i, r, w in usable}
            regressed = sorted(
                (i for i in worsening if worsening[i] > 0), key=lambda i: -worsening[i]
            )
        drop = -test.delta if spec.higher_is_better else test.delta
        significant = is_significant(test.p_value, self.alpha)
        passed = not (significant and drop > self.tolerance)
        agg = _aggregate(spec, [w for _, _, w in usable])
        message = self._message(
            spec,
            f"{suite}/{variant}",
            "the baseline" if base_variant == variant else f"baseline variant {base_variant}",
            test,
            agg,
            drop=drop,
            significant=significant,
            passed=passed,
            regressed=regressed,
            n_not_paired=len(ref_values) - len(usable),
            link=f"{scorecard}#{anchor(suite, variant, self.metric)}",
        )
        record = GateRecord(
            suite=suite,
            variant=variant,
            gate=self.label,
            metric=self.metric,
            kind="regression",
            op="no significant drop",
            threshold=None,
            value=test.new_mean,
            ci_low=agg.ci_low,
            ci_high=agg.ci_high,
            n=test.n,
            passed=passed,
            failing_ids=regressed,
            message=message,
            baseline_value=test.reference_mean,
            p_value=test.p_value,
            tolerance=self.tolerance,
        )
        return RegressionDecision(
            record=record,
            test=test,
            baseline_variant=base_variant,
            drop=drop,
            significant=significant,
        )

    def _message(
        self,
        spec: MetricSpec,
        where: str,
        against: str,
        test: PairedTest,
        agg: Aggregate,
        *,
        drop: float,
        significant: bool,
        passed: bool,
        regressed: Sequence[str],
        n_not_paired: int,
        link: str,
    ) -> str:
        summary = (
            f"{self.metric} = {format_number(test.new_mean)} "
            f"vs baseline {format_number(test.reference_mean)}, "
            f"delta {format_number(test.delta, signed=True)}, {format_p(test.p_value)}"
        )
        if passed:
            if significant and drop > 0:
                why = (
                    f"significant drop {format_number(drop)} "
                    f"within tolerance {format_number(self.tolerance)}"
                )
            elif drop > 0:
                why = f"drop not significant at alpha {format_number(self.alpha)}"
            else:
                why = "no drop"
            return f"PASS {self.label} on {where} against {against}: {summary}; {why}, n = {test.n}"
        side = "lower is worse" if spec.higher_is_better else "higher is worse"
        counts = ""
        if test.b is not None and test.c is not None:
            counts = f"; {test.b} pass->fail, {test.c} fail->pass"
        if n_not_paired:
            counts += f"; {n_not_paired} not applicable in one of the runs"
        lines = [
            f"FAIL {self.label} on {where} against {against}",
            f"  {self.metric} = {_value_text(agg)}, {_interval_text(agg)}; "
            f"baseline {format_number(test.reference_mean)}",
            f"  delta {format_number(test.delta, signed=True)}, "
            f"95% CI {_bounds(test.ci_low, test.ci_high)}",
            f"  {test.test}, one-sided ({side}): {format_p(test.p_value)} "
            f"(alpha {format_number(self.alpha)}); "
            f"drop {format_number(drop)} > tolerance {format_number(self.tolerance)}",
            f"  n = {test.n} paired examples{counts}",
            f"  regressed examples: {format_ids(regressed) or 'none'}",
            f"  scorecard: {link}",
        ]
        return "\n".join(lines)


def resolve_metric(metric: str, *sources: Results) -> MetricSpec:
    """The registered spec of ``metric``, or the kind and direction ``sources`` recorded for it.

    A results file's aggregates record the kind and direction the registry held when
    the run was made, so comparing files needs no import of custom metric code.
    """
    try:
        return get_metric(metric)
    except UnknownMetricError as exc:
        for results in sources:
            for a in results.aggregates:
                if a.metric == metric:
                    return MetricSpec(
                        name=metric,
                        fn=_unregistered,
                        higher_is_better=a.higher_is_better,
                        kind=MetricKind(a.kind),
                        aggregation=a.method,
                    )
        raise GateError(str(exc)) from None


def _unregistered(completion: object, example: object) -> MetricResult:
    raise GateError("this metric is known from a results file only and cannot be computed")


def metric_values(
    results: Results, suite: str, variant: str, metric: str
) -> dict[str, MetricResult]:
    """One variant's values of ``metric`` on ``suite`` by example id; :class:`GateError` if none."""
    records = [e for e in results.examples if e.suite == suite and e.variant == variant]
    if not records:
        have = sorted({f"{e.suite}/{e.variant}" for e in results.examples}) or ["none"]
        raise GateError(
            f"no results for {suite}/{variant} (suite/variant present: {', '.join(have)})"
        )
    values = {e.example_id: e.metrics[metric] for e in records if metric in e.metrics}
    if not values:
        names = sorted({m for e in records for m in e.metrics}) or ["none"]
        raise GateError(
            f"metric {metric!r} was not computed for {suite}/{variant} "
            f"(metrics present: {', '.join(names)})"
        )
    return values


def _aggregate(spec: MetricSpec, values: Iterable[MetricResult]) -> Aggregate:
    """Mean and interval through the same code as the run's aggregates (Wilson or bootstrap)."""
    try:
        return aggregate(spec, values)
    except ValueError as exc:
        raise GateError(f"metric {spec.name!r}: {exc}") from None


def _percentile(metric: str, q: float, values: Mapping[str, MetricResult]) -> Aggregate:
    """The ``q``-th percentile of the applicable values, in an aggregate's shape (no interval)."""
    xs = [_value(v) for v in values.values() if v.applicable]
    return Aggregate(
        metric=metric,
        kind=MetricKind.CONTINUOUS,
        higher_is_better=None,
        n=len(xs),
        n_not_applicable=len(values) - len(xs),
        mean=percentile(xs, q),
        ci_low=None,
        ci_high=None,
        passes=None,
        method=f"p{q:g} of {len(xs)} values",
    )


def check_values(spec: MetricSpec, values: Mapping[str, MetricResult], where: str) -> None:
    """Raise :class:`GateError` if an applicable value cannot be decided on.

    A pass/fail result needs a verdict and a continuous one a number; ``null``
    (NaN or infinity when the run was written) would otherwise pass or fail by accident.
    """
    for example_id, v in values.items():
        if not v.applicable:
            continue
        if spec.kind is MetricKind.PASS_FAIL and v.passed is None:
            raise GateError(
                f"{where}: metric {spec.name!r} is pass/fail but example {example_id!r} "
                "has no verdict (passed is null)"
            )
        if spec.kind is MetricKind.CONTINUOUS and v.value is None:
            raise GateError(
                f"{where}: metric {spec.name!r} has no finite value on example {example_id!r}"
            )


def applicable_pairs(
    reference: Mapping[str, MetricResult], new: Mapping[str, MetricResult]
) -> list[Pair]:
    """Values paired by example id, in the reference's order, where the metric applies to both.

    Raises :class:`~harness.stats.UnpairedError` when the two sides hold other ids.
    """
    return [(i, r, w) for i, r, w in pair_by_id(reference, new) if r.applicable and w.applicable]


def paired_test(
    spec: MetricSpec,
    pairs: Sequence[Pair],
    alternative: Alternative,
    reference_where: str,
    new_where: str,
) -> PairedTest:
    """Exact McNemar on a pass/fail metric's verdicts, the paired bootstrap on a continuous one.

    ``pairs`` come from :func:`applicable_pairs`; both sides are checked first
    (:func:`check_values`), and ``*_where`` name them in that error.
    """
    check_values(spec, {i: r for i, r, _ in pairs}, reference_where)
    check_values(spec, {i: w for i, _, w in pairs}, new_where)
    if spec.kind is MetricKind.PASS_FAIL:
        # On what the metric counts (its value), so means and deltas are in the
        # metric's own units and direction: for over_refusal, the refusal rate.
        return mcnemar_exact(
            [_counted(r) for _, r, _ in pairs],
            [_counted(w) for _, _, w in pairs],
            alternative=alternative,
        )
    return paired_bootstrap(
        [_value(r) for _, r, _ in pairs],
        [_value(w) for _, _, w in pairs],
        alternative=alternative,
    )


def _value(value: MetricResult) -> float:
    return math.nan if value.value is None else value.value


def _counted(value: MetricResult) -> bool:
    return value.value == 1.0


def _failing_ids(
    kind: MetricKind, values: Mapping[str, MetricResult], op: str, threshold: float
) -> list[str]:
    """Examples that fail on their own: failed verdicts, or values on the wrong side, worst first."""
    if kind is MetricKind.PASS_FAIL:
        return [i for i, v in values.items() if v.passed is False]
    sign = 1.0 if op == ">=" else -1.0
    # How far each example misses the threshold, in the direction the gate cares about.
    miss = {i: sign * (threshold - _value(v)) for i, v in values.items()}
    return sorted((i for i in miss if miss[i] > 0), key=lambda i: -miss[i])


def _bounds(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "n/a"
    return f"[{format_number(low)}, {format_number(high)}]"


def _value_text(agg: Aggregate) -> str:
    if agg.passes is not None and agg.higher_is_better is False:
        # The rate counts the bad event (e.g. wrongful refusals); passes are the rest.
        return (
            f"{format_number(agg.mean)} ({agg.n - agg.passes}/{agg.n} counted, {agg.passes} passed)"
        )
    if agg.passes is not None:
        return f"{format_number(agg.mean)} ({agg.passes}/{agg.n} passed)"
    return format_number(agg.mean)


def _interval_text(agg: Aggregate) -> str:
    kind = "Wilson" if agg.method == "wilson" else "bootstrap"
    if agg.ci_low is None or agg.ci_high is None:
        return f"no interval ({agg.method})"
    return f"95% {kind} interval {_bounds(agg.ci_low, agg.ci_high)}"
