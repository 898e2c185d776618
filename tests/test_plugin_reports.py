"""What a run leaves for people and CI systems: JUnit properties per gate, project-relative paths.

Driven through pytester in a subprocess with the scripted backend (no model needed).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from test_plugin import BAD, GOOD, PYPROJECT, ROWS

from harness.pytest_plugin import junit_properties
from harness.results import GateRecord

pytest_plugins = ["pytester"]

SUITE = """
def test_exact(evaluate):
    evaluate("qa").check("exact_match >= 0.8")

def test_two_gates(evaluate):
    evaluate("qa").check("rougeL >= 0.1")
    evaluate("qa").check("rougeL >= 0.2")

def test_regression(evaluate, baseline):
    evaluate("qa").check_regression(baseline, ["exact_match"], tolerance=0.05)

def test_no_gate(variant):
    assert variant.name
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


def _properties(junit: ET.Element) -> dict[str, dict[str, str]]:
    """Each test case's properties by test name."""
    return {
        case.attrib["name"]: {p.attrib["name"]: p.attrib["value"] for p in case.iter("property")}
        for case in junit.iter("testcase")
    }


def test_junitxml_carries_each_gates_figures(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("--harness-models", "good", "-p", "no:cacheprovider")
    (project.path / "baseline.json").write_text((project.path / "out" / "results.json").read_text())
    res = project.runpytest_subprocess(
        "--harness-models",
        "bad",
        "--harness-baseline",
        "baseline.json",
        "--harness-baseline-variant",
        "good",
        "--junitxml",
        "junit.xml",
        "-p",
        "no:cacheprovider",
    )
    res.assert_outcomes(passed=2, failed=2)
    cases = _properties(ET.parse(project.path / "junit.xml").getroot())
    # A failing threshold gate: 4 of 10 right, against 0.8, with its Wilson interval.
    exact = cases["test_exact[bad]"]
    assert exact["exact_match.gate"] == "exact_match>=0.8"
    assert exact["exact_match.value"] == "0.4"
    assert exact["exact_match.threshold"] == ">= 0.8"
    assert exact["exact_match.n"] == "10"
    assert exact["exact_match.passed"] == "false"
    low, high = float(exact["exact_match.ci_low"]), float(exact["exact_match.ci_high"])
    assert 0 < low < 0.4 < high < 1
    # Two gates on one metric in one test keep apart.
    two = cases["test_two_gates[bad]"]
    assert (two["rougeL.gate"], two["rougeL.2.gate"]) == ("rougeL>=0.1", "rougeL>=0.2")
    assert two["rougeL.value"] == two["rougeL.2.value"]
    # A regression gate: the baseline's value and the test's p-value too.
    regression = cases["test_regression[bad]"]
    assert regression["exact_match.baseline"] == "1"
    assert regression["exact_match.value"] == "0.4"
    assert regression["exact_match.threshold"] == "no significant drop"
    assert regression["exact_match.tolerance"] == "0.05"
    assert float(regression["exact_match.p_value"]) < 0.05
    assert regression["exact_match.passed"] == "false"
    assert cases["test_no_gate[bad]"] == {}


def test_undecided_gate_records_its_error() -> None:
    gate = GateRecord(
        suite="qa",
        variant="v",
        gate="m>=0.5",
        metric="m",
        kind="threshold",
        op=">=",
        threshold=0.5,
        value=None,
        ci_low=None,
        ci_high=None,
        n=0,
        passed=False,
        failing_ids=[],
        message="ERROR",
        error="metric 'm' applies to no example",
    )
    assert dict(junit_properties(gate)) == {
        "m.gate": "m>=0.5",
        "m.threshold": ">= 0.5",
        "m.n": "0",
        "m.passed": "false",
        "m.error": "metric 'm' applies to no example",
    }


def test_results_and_scorecard_name_golden_files_relative_to_the_project(
    project: pytest.Pytester,
) -> None:
    project.runpytest_subprocess("-k", "exact", "-p", "no:cacheprovider")
    out = json.loads((project.path / "out" / "results.json").read_text())
    assert out["metadata"]["suites"]["qa"]["path"] == "golden/qa.jsonl"
    page = (project.path / "out" / "scorecard.html").read_text()
    assert "<code>golden/qa.jsonl</code>" in page
    assert str(project.path) not in page
