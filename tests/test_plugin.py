"""The pytest plugin, driven through pytester with the scripted backend (no model needed)."""

from __future__ import annotations

import json

import pytest
from _deps import require

# In a subprocess: in-process runs would re-import numpy under scipy, which breaks it.
pytest_plugins = ["pytester"]

ROWS = [
    {
        "id": f"q{i}",
        "messages": [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ],
        "expect": {"exact": [f"answer {i}"]},
        "tags": ["even" if i % 2 == 0 else "odd"],
    }
    for i in range(10)
]
GOOD = {f"question {i}": f"answer {i}" for i in range(10)}
BAD = {**GOOD, **{f"question {i}": "no idea" for i in range(6)}}

# The existing checks count over all ten examples; split selection has its own tests below.
PYPROJECT = """
[tool.pytest.ini_options]
addopts = "--harness-split all"
[tool.harness]
default_models = ["good"]
report_dir = "out"
[tool.harness.models.good]
backend = "scripted"
script = "good.json"
[tool.harness.models.bad]
backend = "scripted"
script = "bad.json"
"""

SUITE = """
SUITE = "qa"

def test_exact(evaluate):
    evaluate(SUITE).check("exact_match >= 0.8")

def test_rouge(evaluate):
    evaluate(SUITE).check("rougeL >= 0.1")

def test_regression(evaluate, baseline):
    evaluate(SUITE).check_regression(baseline, ["exact_match"], tolerance=0.05)

def test_variant_fixture(variant):
    assert variant.backend == "scripted"
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


def results(pytester: pytest.Pytester) -> dict[str, object]:
    data: dict[str, object] = json.loads((pytester.path / "out" / "results.json").read_text())
    return data


def test_ids_carry_the_variant_and_results_are_written(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-models", "good,bad", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=5, failed=1, skipped=2)
    res.stdout.fnmatch_lines(["*FAILED test_qa.py::test_exact[[]bad[]]*"])
    out = results(project)
    assert {g["variant"] for g in out["gates"]} == {"good", "bad"}  # type: ignore[index]
    assert (project.path / "out" / "scorecard.html").is_file()
    res.stdout.fnmatch_lines(
        ["*golden-harness*", "*verdict: FAIL (1 of 4 gates)*", "*scorecard: *scorecard.html"]
    )


# Records the freeze count at each explicit garbage collection, and after pytest.main;
# a reference cycle made before the first evaluation is dropped by the last test.
GC_PROBE = """
import atexit, gc, json, weakref

seen = []
real = gc.collect

def collect(*args):
    seen.append(gc.get_freeze_count())
    return real(*args)

gc.collect = collect


class Cycle:
    def __init__(self):
        self.me = self


held = [Cycle()]
dropped = weakref.ref(held[0])


def report():
    after = gc.get_freeze_count()
    real()
    data = {"seen": seen, "after": after, "cycle_freed": dropped() is None}
    open("gc.json", "w").write(json.dumps(data))


atexit.register(report)
"""

DROP_CYCLE = """
def test_zz_drop_cycle():
    import conftest

    conftest.held.clear()
"""


def test_heap_is_frozen_after_the_first_evaluation_and_thawed_after(
    project: pytest.Pytester,
) -> None:
    project.makeconftest(GC_PROBE)
    project.makepyfile(test_zz=DROP_CYCLE)
    res = project.runpytest_subprocess("--harness-models", "good", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=4, skipped=1)
    probe = json.loads((project.path / "gc.json").read_text())
    # pytest's unraisable-exception check at exit collects twice; both pass over only
    # what is not frozen: the first over what was made since the first evaluation, the
    # second over what was made since the first (more frozen in between).
    first, second = probe["seen"][-2:]
    assert 0 < first < second, probe
    assert probe["after"] == 0, "the heap is thawed before pytest returns"
    assert probe["cycle_freed"], "a cycle dropped while frozen is collected after the thaw"
    assert results(project)["gates"], "the run's results are written as before"


def test_without_an_evaluation_nothing_is_frozen_before_the_exit_check(
    project: pytest.Pytester,
) -> None:
    project.makeconftest(GC_PROBE)
    res = project.runpytest_subprocess(
        "--harness-models", "good", "-k", "variant_fixture", "-p", "no:cacheprovider"
    )
    res.assert_outcomes(passed=1, deselected=3)
    probe = json.loads((project.path / "gc.json").read_text())
    # The first exit collection is a full pass; the second skips what the first checked.
    assert probe["seen"][-2] == 0 and probe["seen"][-1] > 0, probe
    assert probe["after"] == 0


def test_gate_failure_message(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess(
        "--harness-models", "bad", "-k", "exact", "-p", "no:cacheprovider"
    )
    res.assert_outcomes(failed=1)
    text = res.stdout.str()
    for fragment in (
        "exact_match = 0.4 (4/10 passed)",
        "0.8",
        "n = 10",
        "q0",
        "scorecard.html#qa-bad",
    ):
        assert fragment in text, fragment
    res.stdout.re_match_lines([r"qa +exact_match +0\.4 FAIL$"])  # the summary table
    assert "Traceback" not in text and "pytest_plugin.py" not in text


def test_one_generation_pass_per_suite_and_cache(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3, skipped=1)
    first = results(project)["metadata"]["cache"]  # type: ignore[index]
    assert first["misses"] == 10 and first["hits"] == 0
    project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3, skipped=1)
    second = results(project)["metadata"]["cache"]  # type: ignore[index]
    assert second["hits"] == 10 and second["misses"] == 0
    project.runpytest_subprocess("--harness-no-cache", "-p", "no:cacheprovider")
    bypassed = results(project)["metadata"]["cache"]  # type: ignore[index]
    assert bypassed == {"hits": 0, "misses": 10, "written": 0}, "nothing read or stored"


def test_baseline_regression(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("--harness-models", "good", "-p", "no:cacheprovider")
    baseline = project.path / "baseline.json"
    baseline.write_text((project.path / "out" / "results.json").read_text())
    res = project.runpytest_subprocess(
        "--harness-models", "good", "--harness-baseline", str(baseline), "-p", "no:cacheprovider"
    )
    res.assert_outcomes(passed=4)
    (project.path / "good.json").write_text(json.dumps(BAD), encoding="utf-8")
    res = project.runpytest_subprocess(
        "--harness-models",
        "good",
        "--harness-baseline",
        str(baseline),
        "-k",
        "regression",
        "-p",
        "no:cacheprovider",
    )
    res.assert_outcomes(failed=1)


def test_missing_baseline_is_a_usage_error(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-baseline", "nope.json", "-p", "no:cacheprovider")
    assert res.ret == 2  # bad input exits 2, as the harness command line does
    res.stderr.fnmatch_lines(["*--harness-baseline: nope.json not found*"])


def test_unknown_variant_is_a_usage_error(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-models", "good,nope", "-p", "no:cacheprovider")
    assert res.ret == 2  # bad input exits 2, as the harness command line does
    res.stderr.fnmatch_lines(["*'nope' is not defined (known: bad, good)*"])


def test_repeat_needs_sampling(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-repeat", "3", "-p", "no:cacheprovider")
    assert res.ret == 2  # bad input exits 2, as the harness command line does
    res.stderr.fnmatch_lines(["*decode greedily*temperature > 0*"])


def test_junitxml_and_exitfirst(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess(
        "--harness-models", "bad,good", "-x", "--junitxml", "junit.xml", "-p", "no:cacheprovider"
    )
    res.assert_outcomes(failed=1)
    assert "test_exact[bad]" in (project.path / "junit.xml").read_text()


def test_xdist_writes_one_merged_results_file(project: pytest.Pytester) -> None:
    require("xdist")
    res = project.runpytest_subprocess(
        "--harness-models", "good,bad", "-n", "2", "-p", "no:cacheprovider"
    )
    res.assert_outcomes(passed=5, failed=1, skipped=2)
    out = results(project)
    assert len(out["gates"]) == 4  # type: ignore[arg-type]
    keys = {(e["variant"], e["example_id"]) for e in out["examples"]}  # type: ignore[union-attr]
    assert len(keys) == 20 == len(out["examples"])  # type: ignore[arg-type]
    assert not any((project.path / "out").rglob(".parts/**/*.json"))
    assert (project.path / "out" / "scorecard.html").is_file()
