"""``harness baseline save NAME``: a run kept as baselines/NAME.json, read by regression gates."""

from __future__ import annotations

import json

import pytest
from test_plugin import BAD, GOOD, PYPROJECT, ROWS, SUITE

from harness.cli import main

pytest_plugins = ["pytester"]


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    golden = pytester.path / "golden"
    golden.mkdir()
    (golden / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    (pytester.path / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (pytester.path / "bad.json").write_text(json.dumps(BAD), encoding="utf-8")
    pytester.makepyfile(test_qa=SUITE)
    monkeypatch.chdir(pytester.path)
    return pytester


def test_saved_baseline_activates_regression_gates(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    project.runpytest_subprocess("--harness-models", "good", "-p", "no:cacheprovider")
    capsys.readouterr()  # pytester's own output
    assert main(["baseline", "save", "release"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "baselines/release.json: saved from out/results.json (variants good; suites qa; split all; "
    )
    assert "--harness-baseline baselines/release.json" in out
    saved = json.loads((project.path / "baselines" / "release.json").read_text())
    assert saved["metadata"]["suites"]["qa"]["path"] == "golden/qa.jsonl", "no absolute paths"
    # The regression gate runs against it, and a worse model fails it.
    (project.path / "good.json").write_text(json.dumps(BAD), encoding="utf-8")
    res = project.runpytest_subprocess(
        "--harness-models",
        "good",
        "--harness-baseline",
        "baselines/release.json",
        "-k",
        "regression",
    )
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(["*FAIL exact_match no regression (tolerance 0.05) on qa/good*"])


def test_promoting_replaces_the_baseline_from_a_named_run(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    project.runpytest_subprocess("--harness-models", "good", "-p", "no:cacheprovider")
    assert main(["baseline", "save", "release"]) == 0
    project.runpytest_subprocess(
        "--harness-models", "bad", "--harness-report", "later", "-p", "no:cacheprovider"
    )
    capsys.readouterr()
    assert main(["baseline", "save", "release", "--from", "later/results.json"]) == 0
    assert "saved from later/results.json (variants bad;" in capsys.readouterr().out
    saved = json.loads((project.path / "baselines" / "release.json").read_text())
    assert {e["variant"] for e in saved["examples"]} == {"bad"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["baseline", "save", "../x"],
            "baseline name '../x': expected letters, digits, '.', '_' or '-', without a folder",
        ),
        (["baseline", "save", "x.json"], "baseline name 'x.json'"),
        (["baseline", "save", "x"], "out/results.json: results file not found (check the path)"),
        (
            ["baseline", "save", "x", "--from", "golden/qa.jsonl"],
            "golden/qa.jsonl: not a JSON file",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not (project.path / "baselines").exists()


def test_runs_that_name_absolute_paths_are_saved_project_relative(project: pytest.Pytester) -> None:
    project.runpytest_subprocess(
        "--harness-models", "good", "-k", "exact", "-p", "no:cacheprovider"
    )
    run = project.path / "out" / "results.json"
    data = json.loads(run.read_text())
    golden = str(project.path / "golden" / "qa.jsonl")
    data["metadata"]["suites"]["qa"]["path"] = golden
    for record in data["examples"]:
        record["source"] = f"{golden}:{record['source'].rpartition(':')[2]}"
    run.write_text(json.dumps(data))
    assert main(["baseline", "save", "release"]) == 0
    saved = json.loads((project.path / "baselines" / "release.json").read_text())
    assert saved["metadata"]["suites"]["qa"]["path"] == "golden/qa.jsonl"
    assert {e["source"] for e in saved["examples"]} == {
        f"golden/qa.jsonl:{i}" for i in range(1, 11)
    }
