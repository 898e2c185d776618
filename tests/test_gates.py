"""Threshold and regression gates on synthetic results with known answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pytest

from harness._anchors import anchor
from harness.errors import HarnessError
from harness.gates import (
    GateError,
    RegressionGate,
    ThresholdGate,
    metric_values,
)
from harness.metrics import MetricResult, get_metric
from harness.results import ExampleRecord, Results, RunMetadata, SuiteInfo, VariantInfo
from harness.scorecard import render_scorecard
from harness.stats import wilson_interval

# Per-example values of one metric: bool for pass/fail, float for continuous, None not applicable.
Values = Sequence[bool | float | None]


def make_results(
    data: Mapping[tuple[str, str], Mapping[str, Values]],
    *,
    fingerprints: Mapping[str, str] | None = None,
    run_id: str = "run",
) -> Results:
    """Results with one example record per value; ``data[(suite, variant)][metric]`` lists them.

    Example ids are ``ex-00``, ``ex-01``, ... in every (suite, variant), so runs built
    with the same shapes pair up.
    """
    examples: list[ExampleRecord] = []
    suites: dict[str, SuiteInfo] = {}
    variants: dict[str, VariantInfo] = {}
    for (suite, variant), metrics in data.items():
        n = max(len(v) for v in metrics.values())
        fingerprint = (fingerprints or {}).get(suite, f"sha256:{suite}")
        suites[suite] = SuiteInfo(path=f"golden/{suite}.jsonl", fingerprint=fingerprint, n=n)
        variants[variant] = VariantInfo(backend="scripted", model=variant, fingerprint=variant)
        for i in range(n):
            values = {m: _metric_value(vs[i], m) for m, vs in metrics.items() if i < len(vs)}
            examples.append(
                ExampleRecord(
                    suite=suite,
                    variant=variant,
                    example_id=f"ex-{i:02d}",
                    source=f"golden/{suite}.jsonl:{i + 1}",
                    tags=[],
                    input=[{"role": "user", "content": f"question {i}"}],
                    expected={},
                    output=f"answer {i}",
                    outputs=[f"answer {i}"],
                    cached=False,
                    latency_s=None,
                    ttft_s=None,
                    prompt_tokens=None,
                    completion_tokens=None,
                    finish_reason="stop",
                    metrics=values,
                    verdict="pass",
                )
            )
    metadata = RunMetadata(
        run_id=run_id,
        started_at="2025-01-01T00:00:00+00:00",
        finished_at="2025-01-01T00:01:00+00:00",
        harness_version="0.0.test",
        git_commit=None,
        host="test",
        python="3.11",
        platform="test",
        variants=variants,
        suites=suites,
    )
    return Results(metadata=metadata, examples=examples)


def _metric_value(v: bool | float | None, metric: str = "") -> MetricResult:
    """A bool is the verdict (``passed``, good for the example); value follows the direction."""
    if v is None:
        return MetricResult(value=None, passed=None, reason="n/a", applicable=False)
    if isinstance(v, bool):
        lower_is_better = metric in {"over_refusal", "latency"}
        counted = v is not lower_is_better
        return MetricResult(value=1.0 if counted else 0.0, passed=v, reason=None if v else "failed")
    return MetricResult(value=float(v), passed=None)


def pf(passes: int, n: int) -> list[bool]:
    """``passes`` passing examples first, then failing ones."""
    return [True] * passes + [False] * (n - passes)


SUITE, VARIANT = "json_extraction", "finetuned"


def one(metric: str, values: Values, variant: str = VARIANT) -> Results:
    """Results of one metric on one suite and variant."""
    return make_results({(SUITE, variant): {metric: values}})


# --- threshold gates -----------------------------------------------------------------------


def test_parse_builds_the_gate() -> None:
    gate = ThresholdGate.parse("schema_valid>=0.95")
    assert gate == ThresholdGate("schema_valid", ">=", 0.95)
    assert gate.label == "schema_valid>=0.95"
    assert ThresholdGate.parse(" latency <= 2.5 ", name="fast") == ThresholdGate(
        "latency", "<=", 2.5, name="fast"
    )


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("schema_valid>0.95", "expected METRIC>=VALUE"),
        ("schema_valid", "expected METRIC>=VALUE"),
        (">=0.9", "expected METRIC>=VALUE"),
        ("schema_valid>=high", "not a number"),
        ("schema_valid>=nan", "finite"),
        ("schema_valid>=95", "between 0 and 1"),
    ],
)
def test_parse_rejects_bad_specs_early(spec: str, match: str) -> None:
    with pytest.raises(GateError, match=match) as info:
        ThresholdGate.parse(spec)
    assert isinstance(info.value, HarnessError)


def test_threshold_passes_on_the_point_estimate() -> None:
    record = ThresholdGate.parse("schema_valid>=0.95").evaluate(
        one("schema_valid", pf(48, 50)), SUITE, VARIANT
    )
    assert record.passed
    assert (record.value, record.n, record.kind, record.op) == (0.96, 50, "threshold", ">=")
    assert (record.ci_low, record.ci_high) == pytest.approx(wilson_interval(48, 50))
    assert record.failing_ids == ["ex-48", "ex-49"]
    assert record.message.startswith("PASS schema_valid>=0.95 on json_extraction/finetuned")


def test_threshold_decision_ignores_the_interval() -> None:
    # 19/20 = 0.95 meets >= 0.95 although the Wilson interval reaches far below it.
    record = ThresholdGate.parse("exact_match>=0.95").evaluate(
        one("exact_match", pf(19, 20)), SUITE, VARIANT
    )
    assert record.passed
    assert record.ci_low is not None and record.ci_low < 0.8


def test_threshold_failure_message() -> None:
    results = one("schema_valid", pf(40, 50))
    record = ThresholdGate.parse("schema_valid>=0.95").evaluate(
        results, SUITE, VARIANT, scorecard="reports/scorecard.html"
    )
    assert not record.passed
    assert record.failing_ids == [f"ex-{i}" for i in range(40, 50)]
    low, high = wilson_interval(40, 50)
    assert record.message.splitlines() == [
        "FAIL schema_valid>=0.95 on json_extraction/finetuned",
        f"  schema_valid = 0.8 (40/50 passed), 95% Wilson interval [{low:.4g}, {high:.4g}]",
        "  threshold: >= 0.95 (decided on the point estimate), n = 50",
        "  failing examples: ex-40, ex-41, ex-42, ex-43, ex-44 +5 more",
        "  scorecard: reports/scorecard.html#json_extraction-finetuned-schema_valid",
    ]


def test_threshold_skips_examples_the_metric_does_not_apply_to() -> None:
    values: list[bool | None] = [True, True, False, None, None]
    record = ThresholdGate.parse("refusal_accuracy>=0.5").evaluate(
        one("refusal_accuracy", values), SUITE, VARIANT
    )
    assert (record.n, record.passed, record.failing_ids) == (3, True, ["ex-02"])


def test_continuous_threshold_uses_a_bootstrap_interval() -> None:
    values = [0.9, 0.2, 0.5, 0.1, 0.6, 0.4]
    record = ThresholdGate.parse("rougeL>=0.5").evaluate(one("rougeL", values), SUITE, VARIANT)
    assert not record.passed
    assert record.value == pytest.approx(sum(values) / 6)
    assert record.ci_low is not None and record.ci_high is not None and record.value is not None
    assert record.ci_low < record.value < record.ci_high
    # Worst first: the examples furthest below the threshold.
    assert record.failing_ids == ["ex-03", "ex-01", "ex-05"]
    assert "95% bootstrap interval" in record.message
    assert "(40/50 passed)" not in record.message


def test_lower_is_better_threshold() -> None:
    gate = ThresholdGate.parse("latency<=1.0")
    fast = gate.evaluate(one("latency", [0.5, 0.8, 1.2, 0.6]), SUITE, VARIANT)
    slow = gate.evaluate(one("latency", [0.5, 2.8, 1.2, 3.6]), SUITE, VARIANT)
    assert fast.passed and not slow.passed
    assert fast.failing_ids == ["ex-02"]
    assert slow.failing_ids == ["ex-03", "ex-01", "ex-02"]


def test_threshold_on_a_missing_metric_is_an_error() -> None:
    gate = ThresholdGate.parse("json_valid>=0.9")
    with pytest.raises(GateError, match=r"'json_valid' was not computed.*schema_valid"):
        gate.evaluate(one("schema_valid", pf(5, 5)), SUITE, VARIANT)


def test_threshold_on_a_missing_variant_is_an_error() -> None:
    gate = ThresholdGate.parse("schema_valid>=0.9")
    with pytest.raises(GateError, match=r"no results for json_extraction/base"):
        gate.evaluate(one("schema_valid", pf(5, 5)), SUITE, "base")


def test_threshold_without_applicable_results_is_an_error() -> None:
    gate = ThresholdGate.parse("refusal_accuracy>=0.9")
    with pytest.raises(GateError, match="applies to none of the 3 example"):
        gate.evaluate(one("refusal_accuracy", [None, None, None]), SUITE, VARIANT)


def test_unknown_metric_is_an_error_at_evaluation() -> None:
    gate = ThresholdGate.parse("no_such_metric>=0.5")
    with pytest.raises(GateError, match="unknown metric 'no_such_metric'"):
        gate.evaluate(one("no_such_metric", [0.5, 0.6]), SUITE, VARIANT)


def test_scorecard_anchor() -> None:
    assert anchor("json_extraction", "finetuned", "schema_valid") == (
        "json_extraction-finetuned-schema_valid"
    )
    assert anchor("my suite", "ckpt 500", "rougeL") == "my_suite-ckpt_500-rougeL"


def test_failure_message_links_to_an_element_of_the_scorecard() -> None:
    results = make_results({("my suite", "ckpt 500"): {"schema_valid": pf(1, 3)}})
    record = ThresholdGate.parse("schema_valid>=0.9").evaluate(results, "my suite", "ckpt 500")
    results.gates.append(record)
    link = record.message.splitlines()[-1]
    assert link == "  scorecard: scorecard.html#my_suite-ckpt_500-schema_valid"
    assert f'id="{link.partition("#")[2]}"' in render_scorecard(results)


def test_threshold_decides_on_values_at_hand() -> None:
    results = one("schema_valid", [*pf(8, 10), None])
    values = metric_values(results, SUITE, VARIANT, "schema_valid")
    gate = ThresholdGate.parse("schema_valid>=0.9")
    record = gate.decide_values(values, SUITE, VARIANT)
    assert record == gate.evaluate(results, SUITE, VARIANT)
    assert (record.passed, record.n, record.failing_ids) == (False, 10, ["ex-08", "ex-09"])


def test_values_of_an_unregistered_metric_are_decided_with_its_spec() -> None:
    values = {"ex-00": _metric_value(True), "ex-01": _metric_value(False)}
    gate = ThresholdGate.parse("from_file>=0.5")
    with pytest.raises(GateError, match="unknown metric 'from_file'"):
        gate.decide_values(values, SUITE, VARIANT)
    # As resolve_metric rebuilds it from a results file's aggregates.
    spec = dataclasses.replace(get_metric("schema_valid"), name="from_file")
    record = gate.decide_values(values, SUITE, VARIANT, spec=spec)
    assert (record.passed, record.value, record.failing_ids) == (True, 0.5, ["ex-01"])


# --- regression gates ----------------------------------------------------------------------


def test_no_change_passes() -> None:
    results = one("schema_valid", pf(40, 50))
    record = RegressionGate("schema_valid").evaluate(results, results, SUITE, VARIANT)
    assert record.passed
    assert (record.kind, record.p_value, record.value, record.baseline_value) == (
        "regression",
        1.0,
        0.8,
        0.8,
    )
    assert record.failing_ids == []
    assert "no drop" in record.message


def test_real_drop_fails() -> None:
    baseline = one("schema_valid", pf(40, 50))
    candidate = one("schema_valid", pf(20, 50))
    record = RegressionGate("schema_valid").evaluate(
        baseline, candidate, SUITE, VARIANT, scorecard="reports/scorecard.html"
    )
    assert not record.passed
    assert record.p_value is not None and record.p_value < 0.05
    assert record.p_value == pytest.approx(0.5**20)
    assert (record.value, record.baseline_value, record.n, record.tolerance) == (0.4, 0.8, 50, 0.0)
    assert record.failing_ids == [f"ex-{i}" for i in range(20, 40)]
    low, high = wilson_interval(20, 50)
    lines = record.message.splitlines()
    assert (
        lines[0]
        == "FAIL schema_valid no regression on json_extraction/finetuned against the baseline"
    )
    assert lines[1] == (
        f"  schema_valid = 0.4 (20/50 passed), 95% Wilson interval [{low:.4g}, {high:.4g}]; "
        "baseline 0.8"
    )
    assert lines[2].startswith("  delta -0.4, 95% CI [")
    assert lines[3] == (
        "  exact McNemar, one-sided (lower is worse): p < 0.0001 (alpha 0.05); "
        "drop 0.4 > tolerance 0"
    )
    assert lines[4] == "  n = 50 paired examples; 20 pass->fail, 0 fail->pass"
    assert lines[5] == "  regressed examples: ex-20, ex-21, ex-22, ex-23, ex-24 +15 more"
    assert lines[6] == "  scorecard: reports/scorecard.html#json_extraction-finetuned-schema_valid"


def test_drop_within_tolerance_passes() -> None:
    baseline = one("schema_valid", pf(48, 50))
    candidate = one("schema_valid", pf(40, 50))
    strict = RegressionGate("schema_valid").evaluate(baseline, candidate, SUITE, VARIANT)
    lenient = RegressionGate("schema_valid", tolerance=0.2).evaluate(
        baseline, candidate, SUITE, VARIANT
    )
    assert not strict.passed
    assert lenient.passed
    assert lenient.p_value is not None and lenient.p_value < 0.05
    assert "significant drop 0.16 within tolerance 0.2" in lenient.message
    assert lenient.gate == "schema_valid no regression (tolerance 0.2)"


def test_drop_that_is_not_significant_passes() -> None:
    baseline = one("schema_valid", pf(40, 50))
    candidate = one("schema_valid", pf(38, 50))
    record = RegressionGate("schema_valid").evaluate(baseline, candidate, SUITE, VARIANT)
    assert record.passed
    assert record.p_value == pytest.approx(0.25)
    assert record.failing_ids == ["ex-38", "ex-39"]
    assert "drop not significant at alpha 0.05" in record.message


def test_significant_improvement_passes() -> None:
    baseline = one("schema_valid", pf(20, 50))
    candidate = one("schema_valid", pf(40, 50))
    record = RegressionGate("schema_valid").evaluate(baseline, candidate, SUITE, VARIANT)
    assert record.passed
    assert record.p_value is not None and record.p_value > 0.99
    assert record.failing_ids == []


def test_lower_is_better_metric_rise_is_a_drop() -> None:
    baseline = one("latency", [1.0 + 0.01 * i for i in range(30)])
    slower = one("latency", [1.5 + 0.01 * i + 0.02 * (i % 3) for i in range(30)])
    faster = one("latency", [0.5 + 0.01 * i + 0.02 * (i % 3) for i in range(30)])
    gate = RegressionGate("latency")
    rise = gate.evaluate(baseline, slower, SUITE, VARIANT)
    fall = gate.evaluate(baseline, faster, SUITE, VARIANT)
    assert not rise.passed
    assert "higher is worse" in rise.message
    assert rise.failing_ids[:2] == ["ex-02", "ex-05"]  # slowed down most, ties in id order
    assert len(rise.failing_ids) == 30
    assert fall.passed and fall.failing_ids == []


def test_lower_is_better_pass_fail_metric_regresses_when_events_appear() -> None:
    # over_refusal counts wrongful refusals (value 1, passed False): 5 -> 20 of 30 is worse.
    baseline = one("over_refusal", [True] * 25 + [False] * 5)
    candidate = one("over_refusal", [False] * 20 + [True] * 10)
    record = RegressionGate("over_refusal").evaluate(baseline, candidate, SUITE, VARIANT)
    assert not record.passed
    assert record.failing_ids == [f"ex-{i:02d}" for i in range(20)]
    assert "higher is worse" in record.message
    assert record.value == pytest.approx(20 / 30)
    # The mirror image is a significant improvement; only the 5 examples that newly
    # refuse are listed as regressed.
    better = RegressionGate("over_refusal").evaluate(candidate, baseline, SUITE, VARIANT)
    assert better.passed
    assert better.failing_ids == [f"ex-{i:02d}" for i in range(25, 30)]


def test_continuous_metric_uses_the_paired_bootstrap() -> None:
    ref = [0.3 + 0.02 * i for i in range(25)]
    baseline = one("rougeL", ref)
    worse = one("rougeL", [v - 0.1 + 0.01 * (i % 4) for i, v in enumerate(ref)])
    noisy = one("rougeL", [v + (0.05 if i % 2 else -0.05) for i, v in enumerate(ref)])
    gate = RegressionGate("rougeL")
    dropped = gate.evaluate(baseline, worse, SUITE, VARIANT)
    unchanged = gate.evaluate(baseline, noisy, SUITE, VARIANT)
    assert not dropped.passed
    assert "paired bootstrap" in dropped.message
    assert dropped.p_value is not None and dropped.p_value < 0.05
    assert unchanged.passed
    within = RegressionGate("rougeL", tolerance=0.1).evaluate(baseline, worse, SUITE, VARIANT)
    assert within.passed


def test_regression_against_another_variant_of_the_same_run() -> None:
    results = make_results(
        {
            (SUITE, "base"): {"exact_match": pf(40, 50)},
            (SUITE, VARIANT): {"exact_match": pf(20, 50)},
        }
    )
    record = RegressionGate("exact_match").evaluate(
        results, results, SUITE, VARIANT, baseline_variant="base"
    )
    assert not record.passed
    assert "against baseline variant base" in record.message.splitlines()[0]


def test_examples_not_applicable_in_one_run_are_left_out() -> None:
    baseline = one("latency", [1.0, 1.1, None, 1.2])
    candidate = one("latency", [1.0, None, 1.0, 1.2])
    values = metric_values(candidate, SUITE, VARIANT, "latency")
    decision = RegressionGate("latency").decide_values(baseline, values, SUITE, VARIANT)
    assert decision.test.n == 2
    assert decision.record.passed


def test_regression_decides_on_values_at_hand() -> None:
    baseline = one("schema_valid", pf(40, 50))
    candidate = one("schema_valid", pf(20, 50))
    gate = RegressionGate("schema_valid")
    values = metric_values(candidate, SUITE, VARIANT, "schema_valid")
    decision = gate.decide_values(baseline, values, SUITE, VARIANT)
    assert decision.record == gate.evaluate(baseline, candidate, SUITE, VARIANT)
    assert not decision.record.passed
    assert (decision.test.b, decision.test.c, decision.drop) == (20, 0, pytest.approx(0.4))
    assert decision.significant and not decision.within_tolerance
    del values["ex-49"]
    with pytest.raises(GateError, match=r"1 only in the reference \(ex-49\)"):
        gate.decide_values(baseline, values, SUITE, VARIANT)


def test_regression_on_a_missing_metric_is_an_error() -> None:
    baseline = one("schema_valid", pf(5, 5))
    with pytest.raises(GateError, match="'json_valid' was not computed"):
        RegressionGate("json_valid").evaluate(baseline, baseline, SUITE, VARIANT)


@pytest.mark.parametrize(
    ("baseline", "match"),
    [
        (
            make_results({("other_suite", VARIANT): {"schema_valid": pf(5, 5)}}),
            "baseline: no results",
        ),
        (one("schema_valid", pf(5, 5), variant="base"), "baseline: no results"),
        (one("json_valid", pf(5, 5)), "baseline: metric 'schema_valid' was not computed"),
    ],
    ids=["suite", "variant", "metric"],
)
def test_regression_with_a_missing_baseline_is_an_error(baseline: Results, match: str) -> None:
    candidate = one("schema_valid", pf(5, 5))
    with pytest.raises(GateError, match=match):
        RegressionGate("schema_valid").evaluate(baseline, candidate, SUITE, VARIANT)


def test_regression_on_unpaired_examples_is_an_error() -> None:
    baseline = one("schema_valid", pf(5, 6))
    candidate = one("schema_valid", pf(5, 5))
    with pytest.raises(GateError, match=r"1 only in the reference \(ex-05\)"):
        RegressionGate("schema_valid").evaluate(baseline, candidate, SUITE, VARIANT)


def test_regression_without_applicable_pairs_is_an_error() -> None:
    baseline = one("latency", [1.0, None])
    candidate = one("latency", [None, 1.0])
    with pytest.raises(GateError, match="applies to no example in both"):
        RegressionGate("latency").evaluate(baseline, candidate, SUITE, VARIANT)


def test_metric_without_direction_cannot_regress() -> None:
    results = one("length", [10.0, 20.0])
    with pytest.raises(GateError, match="no better direction"):
        RegressionGate("length").evaluate(results, results, SUITE, VARIANT)


@pytest.mark.parametrize(("tolerance", "alpha"), [(-0.1, 0.05), (float("nan"), 0.05), (0.0, 1.5)])
def test_regression_gate_rejects_bad_settings(tolerance: float, alpha: float) -> None:
    with pytest.raises(GateError):
        RegressionGate("schema_valid", tolerance=tolerance, alpha=alpha)


def test_a_lower_is_better_threshold_reads_as_a_rate_of_the_bad_event() -> None:
    # 3 of 30 answers wrongly refused: rate 0.1, the 3 refusers are the failing examples.
    record = ThresholdGate.parse("over_refusal<=0.05").evaluate(
        one("over_refusal", [False] * 3 + [True] * 27), SUITE, VARIANT
    )
    assert not record.passed
    assert record.value == pytest.approx(0.1)
    assert record.failing_ids == ["ex-00", "ex-01", "ex-02"]
    assert "over_refusal = 0.1 (3/30 counted, 27 passed)" in record.message


# -- percentile thresholds ---------------------------------------------------------------------


def _timings(**values: float | None) -> dict[str, MetricResult]:
    """Per-example numbers as a percentile gate reads them (``None``: no value)."""
    return {i: MetricResult(v, None, applicable=v is not None) for i, v in values.items()}


def test_percentile_threshold_decides_on_the_percentile_of_the_values() -> None:
    gate = ThresholdGate("ttft_p95_s@c4", "<=", 0.5, percentile=95)
    record = gate.decide_values(
        _timings(r0=0.1, r1=0.1, r2=0.9, r3=0.7, r4=None), "latency", "base"
    )
    # p95 of 0.1, 0.1, 0.7, 0.9: rank 3 * 0.95 = 2.85, so 0.7 + 0.85 * (0.9 - 0.7)
    assert record.value == pytest.approx(0.87)
    assert not record.passed and record.kind == "threshold" and record.op == "<="
    assert record.threshold == 0.5 and record.n == 4 and record.ci_low is record.ci_high is None
    assert record.failing_ids == ["r2", "r3"], "worst first"
    assert record.message.splitlines() == [
        "FAIL ttft_p95_s@c4<=0.5 on latency/base",
        "  ttft_p95_s@c4 = 0.87, no interval (p95 of 4 values)",
        "  threshold: <= 0.5 (decided on the p95), n = 4 (1 not applicable)",
        "  failing examples: r2, r3",
        f"  scorecard: scorecard.html#{anchor('latency', 'base', 'ttft_p95_s@c4')}",
    ]


def test_percentile_threshold_passes_in_the_threshold_style() -> None:
    gate = ThresholdGate("e2e_p50_s@c1", "<=", 1.0, "e2e budget", percentile=50)
    record = gate.decide_values(_timings(a=0.5, b=0.8, c=3.0), "latency", "base")
    assert record.passed and record.value == 0.8 and record.gate == "e2e budget"
    assert record.failing_ids == ["c"], "an example beyond the threshold is still named"
    assert record.message == (
        "PASS e2e budget on latency/base: e2e_p50_s@c1 = 0.8 (p50 of 3 values), "
        "threshold <= 1, n = 3"
    )


def test_percentile_threshold_at_least() -> None:
    gate = ThresholdGate("tok_per_s", ">=", 16.0, percentile=50)
    record = gate.decide_values(_timings(a=10.0, b=20.0, c=12.0), "s", "v")
    assert not record.passed and record.value == 12.0
    assert record.failing_ids == ["a", "c"]


def test_percentile_threshold_without_values_is_an_error() -> None:
    gate = ThresholdGate("tpot_p95_s@c1", "<=", 0.1, percentile=95)
    with pytest.raises(GateError, match=r"applies to none of the 2 example\(s\) of latency/base"):
        gate.decide_values(_timings(a=None, b=None), "latency", "base")


@pytest.mark.parametrize("percentile", [-1.0, 120.0])
def test_percentile_threshold_rejects_a_percentile_out_of_range(percentile: float) -> None:
    with pytest.raises(GateError, match="percentile must be between 0 and 100"):
        ThresholdGate("m", "<=", 1.0, percentile=percentile)
