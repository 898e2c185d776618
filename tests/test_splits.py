"""Dev/test splits of every suite: stable assignment, selection in pytest, the gap and slices."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.config import DEFAULT_DEV_FRACTION, load_config
from harness.errors import ConfigError, HarnessError
from harness.golden import load_golden, select_split, split_of
from harness.results import read_results, results_schema, write_results
from harness.slices import split_gap, tag_slices
from harness.stats import mean_difference, proportion_difference

pytest_plugins = ["pytester"]


def test_split_is_stable_when_examples_are_added() -> None:
    before = {f"ex-{i}": split_of(f"ex-{i}", dev_fraction=0.3) for i in range(200)}
    after = {f"ex-{i}": split_of(f"ex-{i}", dev_fraction=0.3) for i in range(1000)}
    assert all(after[k] == v for k, v in before.items())
    share = sum(v == "dev" for v in after.values()) / len(after)
    assert 0.25 < share < 0.35, share


def test_a_larger_dev_fraction_only_moves_examples_into_dev() -> None:
    ids = [f"person-{i:03d}" for i in range(300)]
    small = {i for i in ids if split_of(i, dev_fraction=0.2) == "dev"}
    large = {i for i in ids if split_of(i, dev_fraction=0.4) == "dev"}
    assert small < large


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 2.0])
def test_split_of_rejects_fractions_outside_0_1(fraction: float) -> None:
    with pytest.raises(HarnessError, match="dev_fraction"):
        split_of("x", dev_fraction=fraction)


def test_select_split_partitions_a_suite_in_file_order() -> None:
    golden = load_golden(Path(__file__).resolve().parent.parent / "golden" / "refusal.jsonl")
    dev = select_split(golden.examples, "dev", dev_fraction=0.3)
    test = select_split(golden.examples, "test", dev_fraction=0.3)
    assert len(dev) + len(test) == len(golden) and dev and test
    assert {e.id for e in dev}.isdisjoint(e.id for e in test)
    assert select_split(golden.examples, "all", dev_fraction=0.3) == golden.examples
    order = [e.id for e in golden.examples]
    assert [e.id for e in dev] == [i for i in order if i in {e.id for e in dev}]
    with pytest.raises(HarnessError, match="dev, test, all"):
        select_split(golden.examples, "val", dev_fraction=0.3)


def test_dev_fraction_is_read_and_validated(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.harness]\n", encoding="utf-8")
    assert load_config(pyproject).dev_fraction == DEFAULT_DEV_FRACTION
    pyproject.write_text("[tool.harness]\ndev_fraction = 0.25\n", encoding="utf-8")
    assert load_config(pyproject).dev_fraction == 0.25
    for bad in ("1.5", "0", '"0.3"', "true"):
        pyproject.write_text(f"[tool.harness]\ndev_fraction = {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"\[tool.harness\] dev_fraction: expected a number"):
            load_config(pyproject)


def test_proportion_difference_interval() -> None:
    diff = proportion_difference(18, 20, 10, 40)
    assert diff.delta == pytest.approx(0.65)
    assert diff.ci_low is not None and diff.ci_high is not None
    assert 0.3 < diff.ci_low < 0.65 < diff.ci_high < 0.9
    assert diff.excludes_zero
    assert not proportion_difference(5, 10, 6, 12).excludes_zero


def test_mean_difference_interval() -> None:
    diff = mean_difference([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0])
    assert diff.delta == pytest.approx(-0.5) and diff.method == "welch"
    assert diff.ci_low is not None and diff.ci_low < -0.5 < (diff.ci_high or 0)
    assert not diff.excludes_zero
    assert mean_difference([1.0, 1.0], [0.0, 0.0]).excludes_zero


# -- through pytest, with the scripted backend ---------------------------------------------

N = 40
IDS = [f"q{i}" for i in range(N)]
DEV = {i for i in IDS if split_of(i, dev_fraction=DEFAULT_DEV_FRACTION) == "dev"}
ROWS = [
    {
        "id": qid,
        "messages": [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ],
        "expect": {"exact": [f"answer {i}"]},
        # A slicing tag on a few examples, and one on every example (it slices nothing).
        "tags": ["everywhere", *(["unseen-template"] if i % 4 == 0 else [])],
    }
    for i, qid in enumerate(IDS)
]
# Right on every dev example, right on only a few test ones: a selection set that flatters.
SCRIPT = {
    f"question {i}": f"answer {i}" if (qid in DEV or i % 5 == 0) else "no idea"
    for i, qid in enumerate(IDS)
}
PYPROJECT = """
[tool.harness]
default_models = ["model"]
report_dir = "out"
[tool.harness.models.model]
backend = "scripted"
script = "script.json"
"""
SUITE = """
def test_exact(evaluate):
    evaluate("qa").check("exact_match >= 0.0")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    golden = pytester.path / "golden"
    golden.mkdir()
    (golden / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    (pytester.path / "script.json").write_text(json.dumps(SCRIPT), encoding="utf-8")
    pytester.makepyfile(test_qa=SUITE)
    return pytester


def _run(project: pytest.Pytester, *args: str) -> dict[str, object]:
    res = project.runpytest_subprocess(*args, "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)
    split = args[args.index("--harness-split") + 1] if "--harness-split" in args else "test"
    res.stdout.fnmatch_lines([f"split:   {split}, dev_fraction 0.3"])
    data: dict[str, object] = json.loads((project.path / "out" / "results.json").read_text())
    return data


def test_default_run_judges_on_test_and_records_it(project: pytest.Pytester) -> None:
    data = _run(project)
    examples = data["examples"]
    assert isinstance(examples, list)
    assert {e["example_id"] for e in examples} == set(IDS) - DEV
    assert {e["split"] for e in examples} == {"test"}
    assert data["metadata"]["split"] == "test"  # type: ignore[index]
    assert data["metadata"]["dev_fraction"] == DEFAULT_DEV_FRACTION  # type: ignore[index]
    html = (project.path / "out" / "scorecard.html").read_text()
    assert "figures below: <strong>test split</strong>" in html
    assert "Dev–test gap" not in html


def test_dev_split_and_limit_after_the_split(project: pytest.Pytester) -> None:
    data = _run(project, "--harness-split", "dev", "--harness-limit", "3")
    examples = data["examples"]
    assert isinstance(examples, list)
    dev_in_order = [i for i in IDS if i in DEV]
    assert [e["example_id"] for e in examples] == dev_in_order[:3]
    assert {e["split"] for e in examples} == {"dev"}
    html = (project.path / "out" / "scorecard.html").read_text()
    assert "dev split (selection, not the verdict)" in html


def test_split_all_shows_the_gap_and_flags_overfitting(project: pytest.Pytester) -> None:
    _run(project, "--harness-split", "all")
    results = read_results(project.path / "out" / "results.json")
    assert {e.split for e in results.examples} == {"dev", "test"}
    gap = split_gap(results, "qa", "model", "exact_match")
    assert gap is not None
    assert gap.dev.mean == 1.0 and gap.dev.n == len(DEV)
    assert gap.test.n == N - len(DEV) and gap.test.mean is not None and gap.test.mean < 0.4
    assert gap.significant and gap.overfitting
    html = (project.path / "out" / "scorecard.html").read_text()
    assert "all (dev + test)" in html
    assert "Dev–test gap" in html and "overfitting to the selection set" in html
    # Tags slice side by side: the partial tag gets a row, the tag on every example none.
    assert "Slices by tag" in html and '<th scope="row">unseen-template</th>' in html
    assert '<th scope="row">everywhere</th>' not in html
    slices = tag_slices(results, "qa", "model", "exact_match")
    assert [s.tag for s in slices] == ["unseen-template"]
    assert slices[0].tagged.n == N // 4 and slices[0].rest.n == N - N // 4


def test_no_gap_flag_when_both_splits_agree(project: pytest.Pytester) -> None:
    (project.path / "script.json").write_text(
        json.dumps({f"question {i}": f"answer {i}" for i in range(N)}), encoding="utf-8"
    )
    _run(project, "--harness-split", "all")
    results = read_results(project.path / "out" / "results.json")
    gap = split_gap(results, "qa", "model", "exact_match")
    assert gap is not None and gap.difference.delta == 0 and not gap.overfitting
    assert (
        "overfitting to the selection set"
        not in (project.path / "out" / "scorecard.html").read_text()
    )


def test_bad_split_is_a_usage_error(project: pytest.Pytester) -> None:
    res = project.runpytest_subprocess("--harness-split", "val", "-p", "no:cacheprovider")
    assert res.ret == 4
    res.stderr.fnmatch_lines(["*--harness-split*invalid choice*"])


def test_results_without_splits_still_load(project: pytest.Pytester, tmp_path: Path) -> None:
    _run(project, "--harness-split", "all")
    data = json.loads((project.path / "out" / "results.json").read_text())
    del data["metadata"]["split"], data["metadata"]["dev_fraction"]
    for e in data["examples"]:
        del e["split"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    results = read_results(old)
    assert results.metadata.split == "all" and {e.split for e in results.examples} == {"all"}
    assert split_gap(results, "qa", "model", "exact_match") is None
    assert "split" in results_schema()["$defs"]["ExampleRecord"]["properties"]
    # Written again, it stays readable.
    write_results(replace(results), tmp_path / "again.json")
    assert read_results(tmp_path / "again.json").metadata.split == "all"
