"""What a first run of ``pytest suites/`` shows: exit codes, progress, errored gates, next steps.

Driven through pytester in a subprocess with the scripted backend (no model needed).
"""

from __future__ import annotations

import json
import stat

import pytest
from _deps import require
from test_plugin import BAD, GOOD, ROWS  # the same scripted project data

pytest_plugins = ["pytester"]

PYPROJECT = """
[tool.pytest.ini_options]
addopts = "--harness-split all -p no:cacheprovider"
[tool.harness]
default_models = ["good"]
report_dir = "out"
[tool.harness.models.good]
backend = "scripted"
script = "good.json"
[tool.harness.models.bad]
backend = "scripted"
script = "bad.json"
[tool.harness.models.small]
backend = "hf"
model = "embedded"
"""

SUITE = """
def test_exact(evaluate):
    evaluate("qa").check("exact_match >= 0.8")

def test_regression(evaluate, baseline):
    evaluate("qa").check_regression(baseline, ["exact_match"])
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    golden = pytester.path / "golden"
    golden.mkdir()
    (golden / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    (pytester.path / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (pytester.path / "bad.json").write_text(json.dumps(BAD), encoding="utf-8")
    pytester.makepyfile(test_qa=SUITE)
    return pytester


def _results(project: pytest.Pytester) -> dict[str, object]:
    data: dict[str, object] = json.loads((project.path / "out" / "results.json").read_text())
    return data


def test_broken_golden_file_exits_2_with_the_message_once(project: pytest.Pytester) -> None:
    broken = dict(ROWS[2], expect={"refuse": "yes"})
    lines = [json.dumps(r) for r in ROWS]
    lines[2] = json.dumps(broken)
    (project.path / "golden" / "qa.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = project.runpytest_subprocess()
    assert res.ret == 2
    text = res.stdout.str() + res.stderr.str()
    assert text.count("qa.jsonl:3: expect.refuse") == 1, text
    assert "During handling" not in text and "Traceback" not in text
    assert "FAILED" not in text, "a data error is not a test failure"


def test_unprepared_model_exits_2_once(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLDEN_HARNESS_MODELS_DIR", str(project.path / "no-models"))
    res = project.runpytest_subprocess("--harness-models", "small", "-k", "exact")
    assert res.ret == 2
    text = res.stdout.str() + res.stderr.str()
    assert text.count("the embedded model is not prepared") == 1, text
    assert "During handling" not in text and "FAILED" not in text


def test_missing_script_file_exits_2_once(project: pytest.Pytester) -> None:
    (project.path / "good.json").unlink()
    res = project.runpytest_subprocess("-k", "exact")
    assert res.ret == 2
    text = res.stdout.str() + res.stderr.str()
    assert text.count("script: good.json: No such file or directory") == 1, text


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_limit_below_one_is_a_usage_error(project: pytest.Pytester, limit: str) -> None:
    res = project.runpytest_subprocess("--harness-limit", limit)
    assert res.ret == 2
    res.stderr.fnmatch_lines(
        [f"*--harness-limit: expected a whole number of examples >= 1, got {limit}*"]
    )
    assert not (project.path / "out").exists(), "nothing was evaluated"


def test_space_separated_models_point_at_the_comma(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-models", "good bad")
    assert res.ret == 2
    res.stderr.fnmatch_lines(
        ["*'good bad' is not one variant name; separate names with commas: good,bad*"]
    )
    assert "add [tool.harness.models" not in res.stderr.str()


def test_progress_reaches_the_terminal_not_captured_output(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-models", "good,bad")
    res.assert_outcomes(passed=1, failed=1, skipped=2)
    out = res.stdout.str()
    for variant in ("good", "bad"):
        lines = [line for line in out.splitlines() if f"qa · {variant}: 10 examples ..." in line]
        assert len(lines) == 1, out
        assert "done in" in lines[0] and "(0 cached)" in lines[0]
    captured = out.split("Captured stdout", 1)[1] if "Captured stdout" in out else ""
    assert "examples ..." not in captured
    # pytest's own result line still names the file after the progress line.
    assert any(line.startswith("test_qa.py") for line in out.splitlines()), out


def test_failing_run_says_what_to_do_next_with_relative_paths(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-models", "bad", "-k", "exact")
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(
        [
            "*scorecard: out/scorecard.html#qa-bad-exact_match*",
            "verdict: FAIL (1 of 1 gates)",
            "results:   out/results.json",
            "scorecard: out/scorecard.html",
            "next: open out/scorecard.html#gh-gate-failures *",
            "*to keep this run as a committed baseline: harness baseline save NAME "
            "--from out/results.json",
        ]
    )
    passing = project.runpytest_subprocess("--harness-models", "good", "-k", "exact")
    passing.assert_outcomes(passed=1)
    assert "next:" not in passing.stdout.str()


def test_report_files_are_readable_by_others(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("-k", "exact").assert_outcomes(passed=1)
    for name in ("results.json", "scorecard.html"):
        mode = stat.S_IMODE((project.path / "out" / name).stat().st_mode)
        assert mode & 0o044 == 0o044, f"{name}: {oct(mode)}"


def test_errored_gate_counts_as_failed_everywhere(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("--harness-models", "good", "-k", "exact").assert_outcomes(
        passed=1
    )
    baseline = project.path / "baseline.json"
    baseline.write_text((project.path / "out" / "results.json").read_text())
    # The baseline holds only "good": the regression gate of "bad" cannot be decided.
    res = project.runpytest_subprocess(
        "--harness-models", "bad", "--harness-baseline", str(baseline), "-k", "regression"
    )
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(
        [
            "*--harness-baseline-variant NAME*",
            "verdict: FAIL (1 of 1 gates, 1 could not be decided)",
        ]
    )
    gates = _results(project)["gates"]
    assert isinstance(gates, list) and len(gates) == 1
    assert gates[0]["passed"] is False and "no results for qa/bad" in gates[0]["error"]
    page = (project.path / "out" / "scorecard.html").read_text()
    assert "1 of 1 gate failed" in page and "no results for qa/bad" in page


def test_baseline_variant_compares_against_another_variant(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("--harness-models", "good", "-k", "exact").assert_outcomes(
        passed=1
    )
    baseline = project.path / "baseline.json"
    baseline.write_text((project.path / "out" / "results.json").read_text())
    res = project.runpytest_subprocess(
        "--harness-models",
        "bad",
        "--harness-baseline",
        str(baseline),
        "--harness-baseline-variant",
        "good",
        "-k",
        "regression",
    )
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(
        ["*FAIL exact_match no regression on qa/bad against baseline variant good*"]
    )
    gates = _results(project)["gates"]
    assert isinstance(gates, list) and gates[0]["error"] is None and gates[0]["p_value"] < 0.05


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--harness-baseline-variant", "good"], "*needs --harness-baseline RESULTS_JSON*"),
        (
            ["--harness-baseline", "baseline.json", "--harness-baseline-variant", "nope"],
            "*the baseline has no variant 'nope' (it has: good)*",
        ),
    ],
)
def test_bad_baseline_variant_is_a_usage_error(
    project: pytest.Pytester, args: list[str], message: str
) -> None:
    project.runpytest_subprocess("-k", "exact").assert_outcomes(passed=1)
    (project.path / "baseline.json").write_text((project.path / "out" / "results.json").read_text())
    res = project.runpytest_subprocess(*args)
    assert res.ret == 2
    res.stderr.fnmatch_lines([message])


def test_xdist_leaves_no_parts_folder(project: pytest.Pytester) -> None:
    require("xdist")
    res = project.runpytest_subprocess("--harness-models", "good,bad", "-n", "2")
    res.assert_outcomes(passed=1, failed=1, skipped=2)
    assert not (project.path / "out" / ".parts").exists()
    assert (project.path / "out" / "results.json").is_file()
