"""``harness.run_suites``: suites run in process on the scripted backend (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import harness
from harness.backends.scripted import ScriptedBackend
from harness.config import Variant
from harness.errors import HarnessError
from harness.results import read_results

ROWS = [
    {
        "id": f"q{i}",
        "messages": [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ],
        "expect": {"exact": [f"answer {i}"]},
    }
    for i in range(10)
]
GOOD = {f"question {i}": f"answer {i}" for i in range(10)}
BAD = {**GOOD, **{f"question {i}": "no idea" for i in range(6)}}

PYPROJECT = """
[tool.harness]
default_models = ["good"]
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
    evaluate(SUITE).check("exact_match >= {threshold}")
"""


def make_project(root: Path, threshold: float = 0.8) -> Path:
    """A project with two scripted variants (good: 10/10 exact, bad: 4/10) and one suite."""
    (root / "golden").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "golden" / "qa.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8"
    )
    (root / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (root / "bad.json").write_text(json.dumps(BAD), encoding="utf-8")
    write_suite(root, threshold)
    return root


def write_suite(root: Path, threshold: float) -> None:
    (root / "suites").mkdir(exist_ok=True)
    text = SUITE.replace("{threshold}", str(threshold))
    (root / "suites" / "test_qa.py").write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def verdicts(results: Any) -> dict[str, bool]:
    return {g.variant: g.passed for g in results.gates}


def test_results_come_back_and_equal_the_written_file(project: Path) -> None:
    results = harness.run_suites(
        ["suites/"], variants=["good", "bad"], report_dir="out", root=project, split="all"
    )
    assert results.exit_code == 1
    assert results.failed_tests == ["suites/test_qa.py::test_exact[bad]"]
    assert verdicts(results) == {"good": True, "bad": False}
    assert len(results.examples) == 20 and results.metadata.split == "all"
    # Comparisons are built with the results: bad against good, the run's first variant.
    compared = {(c.reference, c.variant, c.metric) for c in results.comparisons}
    assert ("good", "bad", "exact_match") in compared
    written = read_results(project / "out" / "results.json")
    assert written.to_json() == results.to_json()
    assert (project / "out" / "scorecard.html").is_file()


def test_without_report_dir_nothing_is_written(project: Path) -> None:
    results = harness.run_suites(["suites/test_qa.py"], variants=["bad"], root=project, split="all")
    assert results.exit_code == 1 and verdicts(results) == {"bad": False}
    assert results.gates[0].value == 0.4
    assert not (project / "reports").exists(), "the default report_dir stays untouched"


def test_an_injected_backend_answers_instead_of_the_variants_own(project: Path) -> None:
    live = ScriptedBackend(GOOD, label="live")
    seen: list[Variant] = []

    def build(variant: Variant) -> ScriptedBackend:
        seen.append(variant)
        return ScriptedBackend(BAD, label="built")

    # "bad" answers from the live backend (all right), "good" from the built one (4 of 10).
    results = harness.run_suites(
        ["suites/"],
        variants=["bad", "good"],
        backends={"bad": live, "good": build},
        root=project,
        split="all",
        use_cache=False,
    )
    assert verdicts(results) == {"bad": True, "good": False}
    assert sorted(r.id for call in live.calls for r in call) == sorted(r["id"] for r in ROWS)
    assert [v.name for v in seen] == ["good"]
    variants = results.metadata.variants
    assert variants["bad"].fingerprint == live.fingerprint
    assert variants["good"].fingerprint.startswith("scripted:built@")


def test_a_variant_object_from_code_is_evaluated(project: Path) -> None:
    made = Variant("made", backend="scripted", model="none")
    results = harness.run_suites(
        ["suites/"],
        variants=[made],
        backends={"made": ScriptedBackend(GOOD, label="made")},
        root=project,
        split="all",
    )
    assert results.exit_code == 0 and verdicts(results) == {"made": True}


def test_each_run_imports_the_suites_afresh(tmp_path: Path) -> None:
    first = make_project(tmp_path / "a", threshold=0.8)
    other = make_project(tmp_path / "b", threshold=0.3)
    strict = harness.run_suites(["suites/"], variants=["bad"], root=first, split="all")
    # Another project's module of the same name, then the first one edited in between.
    lenient = harness.run_suites(["suites/"], variants=["bad"], root=other, split="all")
    write_suite(first, 0.2)
    edited = harness.run_suites(["suites/"], variants=["bad"], root=first, split="all")
    assert [r.exit_code for r in (strict, lenient, edited)] == [1, 0, 0]
    assert [r.gates[0].threshold for r in (strict, lenient, edited)] == [0.8, 0.3, 0.2]


def test_a_bad_variant_name_stops_the_run_with_pytests_exit_code(project: Path) -> None:
    results = harness.run_suites(["suites/"], variants=["nope"], root=project)
    assert results.exit_code == 2 and not results.examples and not results.gates


def test_bad_arguments_are_refused_before_running(project: Path) -> None:
    backend = ScriptedBackend(GOOD)
    with pytest.raises(HarnessError, match=r"backends given for good, which variants= does not"):
        harness.run_suites(["suites/"], backends={"good": backend}, root=project)
    with pytest.raises(HarnessError, match=r"variant\(s\) good given twice"):
        harness.run_suites(["suites/"], variants=["good", "good"], root=project)
    with pytest.raises(HarnessError, match=r"split must be one of dev, test, all, got 'both'"):
        harness.run_suites(["suites/"], root=project, split="both")
    with pytest.raises(HarnessError, match="variants= is empty"):
        harness.run_suites(["suites/"], variants=[], root=project)
    with pytest.raises(HarnessError, match="give at least one suite path"):
        harness.run_suites([], root=project)
