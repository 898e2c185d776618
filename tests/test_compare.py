"""Paired comparisons within a run, regression checks between runs, and ``harness compare``."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from test_gates import SUITE, VARIANT, make_results, pf

from harness.cli import main
from harness.compare import Verdict, compare_runs, paired_comparisons
from harness.gates import GateError
from harness.results import Results, write_results
from harness.stats import UnpairedError


def run(schema_valid: list[bool], rouge: list[float] | None = None, **kw: object) -> Results:
    """A run of one suite and variant with schema_valid (and optionally rougeL) values."""
    metrics: dict[str, list[bool] | list[float]] = {"schema_valid": schema_valid}
    if rouge is not None:
        metrics["rougeL"] = rouge
    return make_results({(SUITE, VARIANT): metrics}, **kw)  # type: ignore[arg-type]


# --- paired comparisons within one run -----------------------------------------------------


def test_paired_comparisons_against_the_reference_variant() -> None:
    results = make_results(
        {
            (SUITE, "base"): {"exact_match": pf(20, 50), "rougeL": [0.2] * 50},
            (SUITE, "prompted"): {"exact_match": pf(22, 50)},
            (SUITE, "finetuned"): {
                "exact_match": [False] * 2 + [True] * 38 + [False] * 10,
                "rougeL": [0.5] * 50,
            },
        }
    )
    records = paired_comparisons(results, "base")
    assert [(r.variant, r.metric) for r in records] == [
        ("prompted", "exact_match"),
        ("finetuned", "exact_match"),
        ("finetuned", "rougeL"),
    ]
    prompted, finetuned, rouge = records
    assert (prompted.n, prompted.significant, prompted.improved_ids) == (
        50,
        False,
        ["ex-20", "ex-21"],
    )
    assert prompted.p_value == pytest.approx(0.5)  # b=0, c=2, two-sided
    assert finetuned.reference == "base"
    assert finetuned.delta == pytest.approx(0.36)
    assert finetuned.significant
    assert finetuned.regressed_ids == ["ex-00", "ex-01"]
    assert finetuned.improved_ids == [f"ex-{i}" for i in range(20, 40)]
    assert finetuned.test == "exact McNemar, two-sided"
    assert rouge.delta == pytest.approx(0.3)
    assert rouge.test.startswith("paired bootstrap")
    # Every example's rougeL went up: all improved, none regressed.
    assert (len(rouge.improved_ids), rouge.regressed_ids) == (50, [])


def test_newly_over_refusing_examples_are_regressions_not_improvements() -> None:
    # ``passed`` is True for a good example; over_refusal's value counts refusals.
    results = make_results(
        {
            (SUITE, "base"): {"over_refusal": [True] * 30, "latency": [1.0] * 30},
            (SUITE, "finetuned"): {
                "over_refusal": [False] * 6 + [True] * 24,
                # latency is lower-is-better: slower on ex-00..04, faster on ex-05, same after.
                "latency": [2.0] * 5 + [0.5] + [1.0] * 24,
            },
        }
    )
    over, latency = paired_comparisons(results, "base")
    assert over.metric == "over_refusal"
    assert (over.reference_mean, over.variant_mean) == (0.0, pytest.approx(0.2))
    assert over.delta == pytest.approx(0.2)
    assert over.regressed_ids == [f"ex-{i:02d}" for i in range(6)]
    assert over.improved_ids == []
    assert over.significant
    assert latency.metric == "latency"
    assert latency.regressed_ids == [f"ex-{i:02d}" for i in range(5)]
    assert latency.improved_ids == ["ex-05"]


def test_cli_lists_newly_over_refusing_examples_as_regressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = make_results({(SUITE, VARIANT): {"over_refusal": [True] * 30}})
    candidate = make_results({(SUITE, VARIANT): {"over_refusal": [False] * 8 + [True] * 22}})
    paths = [
        write_results(r, tmp_path / name / "results.json")
        for name, r in (("baseline", baseline), ("candidate", candidate))
    ]
    assert main(["compare", *map(str, paths)]) == 1
    out = capsys.readouterr().out
    assert "FAIL over_refusal no regression" in out
    assert "regressed examples: ex-00, ex-01, ex-02, ex-03, ex-04 +3 more" in out
    assert main(["compare", str(paths[1]), str(paths[0])]) == 0
    capsys.readouterr()


def test_paired_comparisons_with_an_unknown_reference() -> None:
    with pytest.raises(GateError, match="reference variant 'base' is not in the results"):
        paired_comparisons(run(pf(5, 5)), "base")


def test_paired_comparisons_refuse_unpaired_examples() -> None:
    results = make_results(
        {(SUITE, "base"): {"exact_match": pf(3, 6)}, (SUITE, VARIANT): {"exact_match": pf(3, 5)}}
    )
    with pytest.raises(UnpairedError, match="suite 'json_extraction', 'finetuned' against 'base'"):
        paired_comparisons(results, "base")


# --- comparing two runs --------------------------------------------------------------------


def test_no_change_is_no_regression() -> None:
    baseline = run(pf(40, 50), [0.5] * 50)
    outcome = compare_runs(baseline, baseline, {})
    assert (outcome.verdict, outcome.exit_code) == (Verdict.NO_REGRESSION, 0)
    assert [(r.metric, r.verdict) for r in outcome.rows] == [
        ("schema_valid", "ok"),
        ("rougeL", "ok"),
    ]


def test_real_drop_is_a_regression() -> None:
    outcome = compare_runs(run(pf(40, 50)), run(pf(20, 50)), {})
    assert (outcome.verdict, outcome.exit_code) == (Verdict.REGRESSION, 1)
    (row,) = outcome.regressions
    assert row.verdict == "regression"
    assert row.gate.p_value is not None and row.gate.p_value < 0.05


def test_drop_within_tolerance_is_no_regression() -> None:
    outcome = compare_runs(run(pf(48, 50)), run(pf(40, 50)), {"schema_valid": 0.2})
    assert outcome.exit_code == 0
    assert outcome.rows[0].verdict == "within tolerance"


def test_different_data_fingerprints_are_unusable() -> None:
    baseline = run(pf(40, 50), fingerprints={SUITE: "sha256:aaa"})
    candidate = run(pf(40, 50), fingerprints={SUITE: "sha256:bbb"})
    outcome = compare_runs(baseline, candidate, {})
    assert (outcome.verdict, outcome.exit_code, outcome.rows) == (Verdict.UNUSABLE, 2, ())
    (reason,) = outcome.unusable
    assert "suite 'json_extraction'" in reason
    assert "sha256:aaa" in reason and "sha256:bbb" in reason


def test_different_suites_are_unusable() -> None:
    baseline = make_results({("a", VARIANT): {"exact_match": pf(3, 5)}})
    candidate = make_results(
        {("a", VARIANT): {"exact_match": pf(3, 5)}, ("b", VARIANT): {"exact_match": pf(3, 5)}}
    )
    outcome = compare_runs(baseline, candidate, {})
    assert outcome.exit_code == 2
    assert outcome.unusable == ("the runs cover different suites (only in the candidate: b)",)


def test_variants_that_do_not_overlap_are_unusable() -> None:
    baseline = make_results({(SUITE, "base"): {"exact_match": pf(3, 5)}})
    candidate = make_results({(SUITE, VARIANT): {"exact_match": pf(3, 5)}})
    outcome = compare_runs(baseline, candidate, {})
    assert outcome.exit_code == 2
    assert "no variant in common" in outcome.unusable[0]
    paired = compare_runs(baseline, candidate, {}, variant_pairs=[("base", VARIANT)])
    assert paired.exit_code == 0
    assert (paired.rows[0].baseline_variant, paired.rows[0].variant) == ("base", VARIANT)


def test_named_variant_missing_is_unusable() -> None:
    outcome = compare_runs(run(pf(3, 5)), run(pf(3, 5)), {}, variant_pairs=[("base", "base")])
    assert outcome.unusable == (
        "variant 'base' is not in the baseline (variants: finetuned)",
        "variant 'base' is not in the candidate (variants: finetuned)",
    )


def test_example_ids_that_differ_are_unusable() -> None:
    candidate = run(pf(40, 50))
    candidate.examples[0] = replace(candidate.examples[0], example_id="renamed")
    outcome = compare_runs(run(pf(40, 50)), candidate, {})
    assert outcome.exit_code == 2
    (reason,) = outcome.unusable
    assert reason.startswith(
        "suite 'json_extraction', variant 'finetuned': example ids do not match"
    )
    assert "only in the reference (ex-00)" in reason and "only in the new run (renamed)" in reason


def test_tolerance_for_a_metric_neither_run_has_is_unusable() -> None:
    outcome = compare_runs(run(pf(3, 5)), run(pf(3, 5)), {"schema_vaild": 0.1})
    assert outcome.exit_code == 2
    assert "'schema_vaild', which neither run has" in outcome.unusable[0]


def test_metrics_in_one_run_or_without_direction_are_noted() -> None:
    baseline = make_results({(SUITE, VARIANT): {"schema_valid": pf(3, 5), "length": [1.0] * 5}})
    candidate = make_results(
        {(SUITE, VARIANT): {"schema_valid": pf(3, 5), "length": [1.0] * 5, "json_valid": pf(5, 5)}}
    )
    outcome = compare_runs(baseline, candidate, {})
    assert outcome.exit_code == 0
    assert [r.metric for r in outcome.rows] == ["schema_valid"]
    assert outcome.notes == (
        "json_extraction/finetuned: json_valid only in the candidate; not compared",
        "json_extraction/finetuned: length has no better direction; not gated",
    )


def test_nothing_to_compare_is_unusable() -> None:
    results = make_results({(SUITE, VARIANT): {"length": [1.0, 2.0]}})
    outcome = compare_runs(results, results, {})
    assert outcome.unusable == (
        "nothing to compare: no metric with a direction is present in both runs",
    )


def test_outcome_json_is_plain_data() -> None:
    data = compare_runs(run(pf(40, 50)), run(pf(20, 50)), {}).to_json()
    assert json.loads(json.dumps(data)) == data
    assert (data["verdict"], data["exit_code"]) == ("regression", 1)
    assert data["rows"][0]["test"] == "exact McNemar"


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Results files written by write_results: a baseline and three candidates."""
    paths = {
        "baseline": run(pf(40, 50), [0.5 + 0.01 * (i % 5) for i in range(50)]),
        "same": run(pf(40, 50), [0.5 + 0.01 * (i % 5) for i in range(50)]),
        "dropped": run(pf(20, 50), [0.5 + 0.01 * (i % 5) for i in range(50)]),
        "other_data": run(pf(40, 50), fingerprints={SUITE: "sha256:changed"}),
    }
    return {
        name: write_results(results, tmp_path / name / "results.json")
        for name, results in paths.items()
    }


def test_cli_no_regression_exits_0(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(files["baseline"]), str(files["same"])]) == 0
    out = capsys.readouterr().out
    assert "schema_valid" in out and "rougeL" in out
    assert out.rstrip().endswith("no regression in 2 checks (alpha 0.05)")


def test_cli_regression_exits_1(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(files["baseline"]), str(files["dropped"])]) == 1
    out = capsys.readouterr().out
    scorecard = files["dropped"].parent / "scorecard.html"
    assert "FAIL schema_valid no regression on json_extraction/finetuned" in out
    assert f"scorecard: {scorecard}#json_extraction-finetuned-schema_valid" in out
    assert "regressed examples: ex-20, ex-21, ex-22, ex-23, ex-24 +15 more" in out
    assert out.rstrip().endswith("REGRESSION: 1 of 2 checks dropped significantly")


def test_cli_tolerance_lets_a_drop_through(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", str(files["baseline"]), str(files["dropped"])]
    assert main([*argv, "--tolerance", "schema_valid=0.5", "--tolerance", "rougeL=0"]) == 0
    assert main([*argv, "--alpha", "1e-9"]) == 0
    capsys.readouterr()


def test_cli_json(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(files["baseline"]), str(files["dropped"]), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "regression"
    assert [(r["metric"], r["verdict"]) for r in data["rows"]] == [
        ("schema_valid", "regression"),
        ("rougeL", "ok"),
    ]


def test_cli_unusable_exits_2_with_the_reason(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(files["baseline"]), str(files["other_data"])]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot compare: suite 'json_extraction': data fingerprints differ")
    assert "sha256:changed" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tolerance", "schema_valid"], "--tolerance 'schema_valid': expected METRIC=VALUE"),
        (["--tolerance", "schema_valid=-1"], "VALUE a number >= 0"),
        (["--alpha", "0"], "--alpha: must be between 0 and 1"),
        (["--variant", "x", "--baseline-variant", "y"], "use either --variant"),
        (["--variant", "base"], "cannot compare: variant 'base' is not in the baseline"),
    ],
)
def test_cli_bad_options_exit_2(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["compare", str(files["baseline"]), str(files["same"]), *extra]) == 2
    assert message in capsys.readouterr().err


def test_cli_unreadable_files_exit_2(tmp_path: Path, files: dict[str, Path]) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    for path, message in [
        (tmp_path / "missing.json", "results file not found"),
        (garbage, "not a JSON file"),
    ]:
        proc = subprocess.run(
            [sys.executable, "-m", "harness", "compare", str(files["baseline"]), str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2
        assert message in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        assert "Traceback" not in proc.stderr
