"""Paired comparisons between variants of one run, and regression checks between two runs.

:func:`paired_comparisons` fills ``results.json``'s ``comparisons`` (through
:func:`with_comparisons`, as a run's results are built): every variant against a
reference variant on the same examples. :func:`compare_runs`
checks a candidate run against a baseline run with one
:class:`~harness.gates.RegressionGate` per (suite, variant, metric) both have,
after making sure the two runs are comparable at all (same suites, same data,
same examples). Its outcome maps to the exit code of ``harness compare``:
0 no regression, 1 regression, 2 unusable input.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from harness.gates import (
    DEFAULT_ALPHA,
    DEFAULT_SCORECARD,
    GateError,
    Pair,
    RegressionDecision,
    RegressionGate,
    applicable_pairs,
    metric_values,
    paired_test,
    resolve_metric,
)
from harness.metrics import MetricKind, MetricResult, MetricSpec
from harness.results import ComparisonRecord, ExampleRecord, GateRecord, Results
from harness.stats import UnpairedError, is_significant, pair_by_id


def paired_comparisons(
    results: Results, reference_variant: str, *, alpha: float = DEFAULT_ALPHA
) -> list[ComparisonRecord]:
    """Each other variant against ``reference_variant`` on every (suite, metric) both have.

    Pairs are matched by example id; examples where the metric does not apply
    in one of the two are left out. The p-value is two-sided (exact McNemar for
    pass/fail metrics, paired bootstrap for continuous ones); ``improved_ids``
    and ``regressed_ids`` list the examples that got better or worse by the
    metric's declared direction (see :func:`_flips`).
    Raises :class:`~harness.stats.UnpairedError` when a variant ran other
    examples than the reference on a suite.
    """
    variants = results.variants()
    if reference_variant not in variants:
        raise GateError(
            f"reference variant {reference_variant!r} is not in the results "
            f"(variants: {', '.join(variants) or 'none'})"
        )
    out: list[ComparisonRecord] = []
    for suite in results.suites():
        ref_metrics = _metric_names(results.examples, suite, reference_variant)
        for variant in variants:
            if variant == reference_variant:
                continue
            new_metrics = _metric_names(results.examples, suite, variant)
            for metric in [m for m in ref_metrics if m in new_metrics]:
                record = _compare_variant(results, suite, reference_variant, variant, metric, alpha)
                if record is not None:
                    out.append(record)
    return out


def with_comparisons(results: Results) -> Results:
    """Fill ``results.comparisons``: each variant against the run's first (none with one variant)."""
    variants = results.variants()
    results.comparisons = paired_comparisons(results, variants[0]) if len(variants) > 1 else []
    return results


def _compare_variant(
    results: Results, suite: str, reference: str, variant: str, metric: str, alpha: float
) -> ComparisonRecord | None:
    ref_values = metric_values(results, suite, reference, metric)
    new_values = metric_values(results, suite, variant, metric)
    try:
        usable = applicable_pairs(ref_values, new_values)
    except UnpairedError as exc:
        context = f"suite {suite!r}, {variant!r} against {reference!r}"
        raise UnpairedError(exc.only_reference, exc.only_new, context) from None
    if not usable:
        return None
    spec = resolve_metric(metric, results)
    test = paired_test(spec, usable, "two-sided", f"{suite}/{reference}", f"{suite}/{variant}")
    improved, regressed = _flips(spec, usable)
    return ComparisonRecord(
        suite=suite,
        metric=metric,
        reference=reference,
        variant=variant,
        n=test.n,
        reference_mean=test.reference_mean,
        variant_mean=test.new_mean,
        delta=test.delta,
        ci_low=test.ci_low,
        ci_high=test.ci_high,
        p_value=test.p_value,
        test=f"{test.test}, two-sided",
        significant=is_significant(test.p_value, alpha),
        improved_ids=improved,
        regressed_ids=regressed,
    )


def _flips(spec: MetricSpec, usable: Sequence[Pair]) -> tuple[list[str], list[str]]:
    """Examples that got better and worse, by the metric's declared direction.

    Pass/fail: ``passed`` means good for the example for every metric, so a
    fail -> pass flip improved and pass -> fail regressed (an example that
    newly over-refuses is a regression). Continuous: the value moved the good
    or the bad way, largest move first; a metric without a direction has neither.
    """
    if spec.kind is MetricKind.PASS_FAIL:
        improved = [i for i, r, w in usable if r.passed is False and w.passed is True]
        regressed = [i for i, r, w in usable if r.passed is True and w.passed is False]
        return improved, regressed
    if spec.higher_is_better is None:
        return [], []
    sign = 1.0 if spec.higher_is_better else -1.0
    gain = {
        i: sign * (w.value - r.value)
        for i, r, w in usable
        if r.value is not None and w.value is not None
    }
    improved = sorted((i for i in gain if gain[i] > 0), key=lambda i: -gain[i])
    regressed = sorted((i for i in gain if gain[i] < 0), key=lambda i: gain[i])
    return improved, regressed


class Verdict(enum.Enum):
    """The overall answer of a comparison and its exit code."""

    NO_REGRESSION = 0
    REGRESSION = 1
    UNUSABLE = 2

    @property
    def label(self) -> str:
        """Words for terminals and JSON."""
        return self.name.lower().replace("_", " ")


@dataclass(frozen=True)
class CompareRow:
    """One (suite, variant, metric) regression check of a candidate against a baseline."""

    suite: str
    baseline_variant: str
    variant: str
    metric: str
    decision: RegressionDecision

    @property
    def gate(self) -> GateRecord:
        """The gate decision."""
        return self.decision.record

    @property
    def verdict(self) -> str:
        """``regression``, ``within tolerance`` or ``ok``, read from the decision."""
        if not self.gate.passed:
            return "regression"
        return "within tolerance" if self.decision.within_tolerance else "ok"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data for ``harness compare --json``."""
        test = self.decision.test
        return {
            "suite": self.suite,
            "baseline_variant": self.baseline_variant,
            "variant": self.variant,
            "metric": self.metric,
            "baseline": test.reference_mean,
            "candidate": test.new_mean,
            "delta": test.delta,
            "ci_low": test.ci_low,
            "ci_high": test.ci_high,
            "p_value": test.p_value,
            "test": test.test,
            "alternative": test.alternative,
            "n": test.n,
            "tolerance": self.gate.tolerance,
            "verdict": self.verdict,
            "gate": asdict(self.gate),
        }


@dataclass(frozen=True)
class CompareOutcome:
    """Everything ``harness compare`` reports: rows, reasons it could not compare, notes."""

    rows: tuple[CompareRow, ...]
    unusable: tuple[str, ...]
    notes: tuple[str, ...]
    alpha: float

    @property
    def regressions(self) -> list[CompareRow]:
        """The rows whose gate failed."""
        return [r for r in self.rows if not r.gate.passed]

    @property
    def verdict(self) -> Verdict:
        """Unusable beats regression beats no regression."""
        if self.unusable:
            return Verdict.UNUSABLE
        return Verdict.REGRESSION if self.regressions else Verdict.NO_REGRESSION

    @property
    def exit_code(self) -> int:
        """0 no regression, 1 regression, 2 unusable input."""
        return self.verdict.value

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data for ``harness compare --json``."""
        return {
            "verdict": self.verdict.label,
            "exit_code": self.exit_code,
            "alpha": self.alpha,
            "unusable": list(self.unusable),
            "notes": list(self.notes),
            "rows": [r.to_json() for r in self.rows],
        }


def compare_runs(
    baseline: Results,
    candidate: Results,
    tolerances: Mapping[str, float],
    alpha: float = DEFAULT_ALPHA,
    *,
    variant_pairs: Sequence[tuple[str, str]] | None = None,
    scorecard: str = DEFAULT_SCORECARD,
) -> CompareOutcome:
    """Regression gates of ``candidate`` against ``baseline`` on every shared (suite, variant, metric).

    ``tolerances`` maps metric names to the absolute drop each may take (default
    0.0). ``variant_pairs`` lists (baseline variant, candidate variant) pairs to
    compare; by default every variant name both runs have. The runs are
    unusable together when their suites differ, a suite's data fingerprints
    differ, no variant is shared, or a variant ran other examples in one run.
    """
    unusable: list[str] = []
    notes: list[str] = []
    if not 0 < alpha < 1:
        unusable.append(f"alpha must be between 0 and 1, got {alpha}")
    known_metrics = {m for r in (baseline, candidate) for e in r.examples for m in e.metrics}
    for metric, tol in tolerances.items():
        if not (math.isfinite(tol) and tol >= 0):
            unusable.append(f"tolerance for {metric} must be a number >= 0, got {tol}")
        if metric not in known_metrics:
            unusable.append(
                f"a tolerance is given for metric {metric!r}, which neither run has "
                f"(metrics: {', '.join(sorted(known_metrics)) or 'none'})"
            )

    suites = _check_suites(baseline, candidate, unusable)
    pairs = _variant_pairs(baseline, candidate, variant_pairs, unusable, notes)
    if unusable:
        return CompareOutcome((), tuple(unusable), tuple(notes), alpha)

    plan: list[tuple[str, str, str, list[str]]] = []
    for suite in suites:
        for base_variant, variant in pairs:
            base_metrics = _metric_names(baseline.examples, suite, base_variant)
            new_metrics = _metric_names(candidate.examples, suite, variant)
            if not base_metrics and not new_metrics:
                continue
            ids_base = _example_ids(baseline.examples, suite, base_variant)
            ids_new = _example_ids(candidate.examples, suite, variant)
            try:
                pair_by_id(dict.fromkeys(ids_base), dict.fromkeys(ids_new))
            except UnpairedError as exc:
                unusable.append(
                    f"suite {suite!r}, {_pair_text(base_variant, variant)}: {exc} "
                    f"(baseline {len(ids_base)} examples, candidate {len(ids_new)})"
                )
                continue
            for metric in [m for m in base_metrics if m not in new_metrics]:
                notes.append(f"{suite}/{variant}: {metric} only in the baseline; not compared")
            for metric in [m for m in new_metrics if m not in base_metrics]:
                notes.append(f"{suite}/{variant}: {metric} only in the candidate; not compared")
            shared = [m for m in base_metrics if m in new_metrics]
            plan.append((suite, base_variant, variant, shared))
    if unusable:
        return CompareOutcome((), tuple(unusable), tuple(notes), alpha)

    rows: list[CompareRow] = []
    for suite, base_variant, variant, metrics in plan:
        for metric in metrics:
            try:
                spec = resolve_metric(metric, candidate, baseline)
            except GateError as exc:
                unusable.append(f"{suite}/{variant}: {exc}")
                continue
            if spec.higher_is_better is None:
                notes.append(f"{suite}/{variant}: {metric} has no better direction; not gated")
                continue
            values = metric_values(candidate, suite, variant, metric)
            reference = metric_values(baseline, suite, base_variant, metric)
            if not _applicable_in_both(reference, values):
                notes.append(
                    f"{suite}/{variant}: {metric} applies to no example in both runs; not compared"
                )
                continue
            gate = RegressionGate(metric, tolerance=tolerances.get(metric, 0.0), alpha=alpha)
            decision = gate.decide_values(
                baseline,
                values,
                suite,
                variant,
                spec=spec,
                baseline_variant=base_variant,
                scorecard=scorecard,
            )
            rows.append(CompareRow(suite, base_variant, variant, metric, decision))
    if not rows and not unusable:
        unusable.append("nothing to compare: no metric with a direction is present in both runs")
    return CompareOutcome(tuple(rows), tuple(unusable), tuple(notes), alpha)


def _check_suites(baseline: Results, candidate: Results, unusable: list[str]) -> list[str]:
    """Shared suites in the baseline's order; records why the suites make the runs unusable."""
    base_suites, new_suites = baseline.suites(), candidate.suites()
    parts = [
        f"only in the {side}: {', '.join(only)}"
        for side, only in (
            ("baseline", [s for s in base_suites if s not in new_suites]),
            ("candidate", [s for s in new_suites if s not in base_suites]),
        )
        if only
    ]
    if parts:
        unusable.append(f"the runs cover different suites ({'; '.join(parts)})")
    shared = [s for s in base_suites if s in new_suites]
    for suite in shared:
        base_info = baseline.metadata.suites.get(suite)
        new_info = candidate.metadata.suites.get(suite)
        if base_info is None or new_info is None:
            side = "baseline" if base_info is None else "candidate"
            unusable.append(
                f"suite {suite!r}: the {side} records no data fingerprint, so it cannot be "
                "shown to use the same golden data"
            )
        elif base_info.fingerprint != new_info.fingerprint:
            unusable.append(
                f"suite {suite!r}: data fingerprints differ (baseline {base_info.fingerprint}, "
                f"candidate {new_info.fingerprint}); the runs used different golden data"
            )
    return shared


def _variant_pairs(
    baseline: Results,
    candidate: Results,
    requested: Sequence[tuple[str, str]] | None,
    unusable: list[str],
    notes: list[str],
) -> list[tuple[str, str]]:
    base_variants, new_variants = baseline.variants(), candidate.variants()
    if requested is not None:
        for base_variant, variant in requested:
            if base_variant not in base_variants:
                unusable.append(
                    f"variant {base_variant!r} is not in the baseline "
                    f"(variants: {', '.join(base_variants) or 'none'})"
                )
            if variant not in new_variants:
                unusable.append(
                    f"variant {variant!r} is not in the candidate "
                    f"(variants: {', '.join(new_variants) or 'none'})"
                )
        return list(requested)
    shared = [v for v in base_variants if v in new_variants]
    if not shared:
        unusable.append(
            f"no variant in common (baseline: {', '.join(base_variants) or 'none'}; "
            f"candidate: {', '.join(new_variants) or 'none'}); "
            "name the pair with --baseline-variant and --candidate-variant"
        )
    for v in base_variants:
        if v not in new_variants:
            notes.append(f"variant {v} only in the baseline; not compared")
    for v in new_variants:
        if v not in base_variants:
            notes.append(f"variant {v} only in the candidate; not compared")
    return [(v, v) for v in shared]


def _pair_text(base_variant: str, variant: str) -> str:
    if base_variant == variant:
        return f"variant {variant!r}"
    return f"variants {base_variant!r} (baseline) and {variant!r} (candidate)"


def _metric_names(examples: Sequence[ExampleRecord], suite: str, variant: str) -> list[str]:
    names: dict[str, None] = {}
    for e in examples:
        if e.suite == suite and e.variant == variant:
            names.update(dict.fromkeys(e.metrics))
    return list(names)


def _example_ids(examples: Sequence[ExampleRecord], suite: str, variant: str) -> list[str]:
    return [e.example_id for e in examples if e.suite == suite and e.variant == variant]


def _applicable_in_both(ref: Mapping[str, MetricResult], new: Mapping[str, MetricResult]) -> bool:
    return any(v.applicable and i in new and new[i].applicable for i, v in ref.items())
