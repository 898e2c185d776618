"""``human_pass`` / ``human_score`` gates in a suite run (through the ratings store) and in compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Imported before pytester snapshots sys.modules: the in-process `harness review` calls below
# would otherwise import them inside a snapshot that is rolled back, and a re-import breaks scipy.
import scipy.stats  # noqa: F401
from _review_data import results_file, simulated_ratings, write_csv

from harness.cli import main

# In a subprocess: in-process runs would re-import numpy under scipy, which breaks it.
pytest_plugins = ["pytester"]

ROWS = [
    {
        "id": f"q{i}",
        "messages": [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"Answer {i}"},
        ],
        "expect": {"exact": [f"Answer {i}"]},
    }
    for i in range(10)
]
GOOD = {f"question {i}": f"Answer {i}" for i in range(10)}

PYPROJECT = """
[tool.pytest.ini_options]
addopts = "--harness-split all"
[tool.harness]
default_models = ["good"]
report_dir = "out"
[tool.harness.models.good]
backend = "scripted"
script = "good.json"
"""

SUITE = """
def test_exact(evaluate):
    evaluate("qa").check("answer_match >= 0.5")

def test_people_like_it(evaluate):
    evaluate("qa").check("human_pass >= 0.8")
    evaluate("qa").check("human_score >= 3")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    golden = pytester.path / "golden"
    golden.mkdir()
    (golden / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    (pytester.path / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    pytester.makepyfile(test_qa=SUITE)
    return pytester


def test_suite_gate_reads_ratings_of_unchanged_answers_only(project: pytest.Pytester) -> None:
    root = project.path
    # Before anyone rated: the human gate cannot be decided, so it fails (never passes silently).
    first = project.runpytest_subprocess("-p", "no:cacheprovider")
    first.assert_outcomes(passed=1, failed=1)
    first.stdout.fnmatch_lines(["*human_pass*applies to none*"])

    out = root / "review"
    results = root / "out" / "results.json"
    assert main(["review", "export", str(results), "-o", str(out), "--sample", "10"]) == 0
    ratings = write_csv(root / "ana.csv", simulated_ratings(out / "sheet.csv", "ana", 3))
    store = root / "golden" / "review" / "ratings.jsonl"
    assert main(["review", "import", str(ratings), "--into", str(results),
                 "--key", str(out / "key.json"), "--store", str(store)]) == 0  # fmt: skip
    assert len(store.read_text(encoding="utf-8").splitlines()) == 10

    rated = project.runpytest_subprocess("-p", "no:cacheprovider")
    data = json.loads(results.read_text(encoding="utf-8"))
    gates = {g["metric"]: g for g in data["gates"]}
    human = [r["pass"] for r in (json.loads(line) for line in store.read_text().splitlines())]
    expected_pass = sum(human) / len(human) >= 0.8
    rated.assert_outcomes(passed=2 if expected_pass else 1, failed=0 if expected_pass else 1)
    assert gates["human_pass"]["n"] == 10
    assert gates["human_pass"]["value"] == pytest.approx(sum(human) / len(human))
    assert gates["human_score"]["passed"] is True

    # New answers: the ratings were of the old ones, so they no longer count.
    changed = {q: f"{a}, I think" for q, a in GOOD.items()}
    (root / "good.json").write_text(json.dumps(changed), encoding="utf-8")
    stale = project.runpytest_subprocess("-p", "no:cacheprovider", "--harness-no-cache")
    stale.assert_outcomes(failed=1, passed=1)
    stale.stdout.fnmatch_lines(["*human_pass*applies to none*"])


def test_compare_checks_and_regression_on_human_ratings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = results_file(tmp_path)
    out = tmp_path / "review"
    assert main(["review", "export", str(results), "-o", str(out), "--sample", "100"]) == 0
    ana = write_csv(tmp_path / "ana.csv", simulated_ratings(out / "sheet.csv", "ana", 1))
    assert main(["review", "import", str(ana), "--into", str(results)]) == 2  # key not beside
    capsys.readouterr()
    assert main(["review", "import", str(ana), "--into", str(results),
                 "--key", str(out / "key.json")]) == 0  # fmt: skip

    args = ["compare", str(results), str(results), "--baseline-variant", "vanilla-zx",
            "--candidate-variant", "tuned-qy"]  # fmt: skip
    capsys.readouterr()
    assert main([*args, "--check", "human_pass >= 0.1", "--check", "human_score >= 1"]) == 0
    printed = capsys.readouterr().out
    assert "PASS human_pass>=0.1 on exact_qa/tuned-qy" in printed
    assert "PASS human_score>=1 on summarization/tuned-qy" in printed
    assert "vanilla-zx/" not in printed.split("no regression")[-1]  # only the candidate gated

    assert main([*args, "--check", "human_pass >= 0.99", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["exit_code"] == 1
    assert {c["metric"] for c in data["checks"]} == {"human_pass"}
    assert all(not c["passed"] for c in data["checks"])
    # The paired regression check covers the human metrics like any other metric.
    assert "human_pass" in {r["metric"] for r in data["rows"]}

    assert main([*args, "--check", "human_pas >= 0.5"]) == 1
    assert "no suite and variant of the results recorded 'human_pas'" in capsys.readouterr().out
    assert main([*args, "--check", "human_pass > 0.5"]) == 2
    assert "expected METRIC>=VALUE" in capsys.readouterr().err
