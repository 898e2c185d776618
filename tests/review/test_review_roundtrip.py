"""Human review round trip: export 100 -> two raters' CSVs -> import -> scorecard."""

from __future__ import annotations

import csv
import html
import json
import math
from collections import Counter
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from _review_data import SUITES, VARIANTS, results_file, simulated_ratings, write_csv

from harness.cli import main
from harness.results import Results, read_results, write_results
from harness.review import review_summary
from harness.scorecard import render_scorecard


def _export(tmp_path: Path, *extra: str) -> tuple[Path, Path, dict[str, object]]:
    results = results_file(tmp_path)
    out = tmp_path / "review"
    assert main(["review", "export", str(results), "-o", str(out), "--sample", "100",
                 "--per", "suite,variant", "--seed", "7", *extra]) == 0  # fmt: skip
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    return results, out, key


def _sheet(out: Path) -> list[dict[str, str]]:
    with (out / "sheet.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_export_is_stratified_shuffled_and_paired(tmp_path: Path) -> None:
    _, out, key = _export(tmp_path)
    rows = _sheet(out)
    assert len(rows) == 100
    items = key["items"]
    assert isinstance(items, dict) and len(items) == 100
    strata = Counter((v["suite"], v["variant"]) for v in items.values())
    assert strata == {(s, v): 25 for s in SUITES for v in VARIANTS}
    # Shuffled: suites and codes interleave instead of coming in blocks.
    suites_in_order = [r["suite"] for r in rows]
    assert suites_in_order != sorted(suites_in_order)
    # Within a suite both variants answer the same sampled examples (paired ratings).
    for suite in SUITES:
        per_variant = [
            {v["example_id"] for v in items.values() if (v["suite"], v["variant"]) == (suite, var)}
            for var in VARIANTS
        ]
        assert per_variant[0] == per_variant[1]
    # The same seed gives the same sheet; another seed another one.
    first = (out / "sheet.csv").read_text(encoding="utf-8")
    assert main(["review", "export", str(tmp_path / "reports" / "results.json"), "-o",
                 str(tmp_path / "again"), "--seed", "7"]) == 0  # fmt: skip
    assert (tmp_path / "again" / "sheet.csv").read_text(encoding="utf-8") == first
    assert main(["review", "export", str(tmp_path / "reports" / "results.json"), "-o",
                 str(tmp_path / "other"), "--seed", "8"]) == 0  # fmt: skip
    assert (tmp_path / "other" / "sheet.csv").read_text(encoding="utf-8") != first


def test_per_suite_only_and_small_strata(tmp_path: Path) -> None:
    results = results_file(tmp_path)
    out = tmp_path / "r"
    assert main(["review", "export", str(results), "-o", str(out), "--sample", "7",
                 "--per", "suite", "--suites", "exact_qa"]) == 0  # fmt: skip
    rows = _sheet(out)
    assert len(rows) == 7
    assert {r["suite"] for r in rows} == {"exact_qa"}


def test_round_trip_two_raters_to_scorecard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results_path, out, _ = _export(tmp_path)
    ana = write_csv(tmp_path / "ana.csv", simulated_ratings(out / "sheet.csv", "ana", 1))
    ben = write_csv(tmp_path / "ben.csv", simulated_ratings(out / "sheet.csv", "ben", 2, skip=10))
    capsys.readouterr()
    code = main(["review", "import", str(ana), str(ben), "--into", str(results_path),
                 "--key", str(out / "key.json"),
                 "--check", "human_pass >= 0.8", "--check", "human_score >= 2"])  # fmt: skip
    printed = capsys.readouterr().out
    assert "190 rating(s) from 2 rater(s) (ana, ben): 190 added, 0 already imported" in printed
    results = read_results(results_path)
    assert len(results.reviews["ratings"]) == 190
    # Unblinded: every rating names its real variant and the answer it rated.
    assert {r["variant"] for r in results.reviews["ratings"]} == set(VARIANTS)

    # human_pass and human_score are ordinary metric values on the rated examples.
    rated = [
        e
        for e in results.examples
        if e.metrics.get("human_pass") and e.metrics["human_pass"].applicable
    ]
    assert len(rated) == 100
    summary = review_summary(results)
    assert summary is not None
    assert summary.raters == ("ana", "ben")
    assert {(r.suite, r.variant): r.n for r in summary.rows} == {
        (s, v): 25 for s in SUITES for v in VARIANTS
    }
    for row in summary.rows:
        assert row.pass_low is not None and row.pass_high is not None
        assert row.pass_rate is not None and row.pass_low <= row.pass_rate <= row.pass_high
        assert row.score is not None and 1 <= row.score <= 5

    # Alpha on pass/fail equals krippendorff's own on the two files, read independently.
    verdicts: dict[str, dict[str, float]] = {}
    for path in (ana, ben):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                verdicts.setdefault(row["item"], {})[row["rater"]] = float(row["pass"] == "pass")
    table = np.array(
        [[v.get(r, math.nan) for v in verdicts.values()] for r in ("ana", "ben")], dtype=float
    )
    expected = krippendorff.alpha(reliability_data=table, level_of_measurement="nominal")
    by_name = {a.quantity: a for a in summary.agreement}
    assert by_name["pass/fail"].alpha == pytest.approx(expected)
    assert by_name["pass/fail"].units == 90
    assert by_name["correct"].level == "ordinal" and by_name["correct"].alpha is not None
    # Raters follow whether the answer is right, so they mostly agree with answer_match.
    versus = {m.metric: m for m in summary.versus}
    assert versus["answer_match"].n == 50
    assert versus["answer_match"].share is not None and versus["answer_match"].share > 0.7

    # Gates: decided per rated suite and variant, recorded, and exit 1 when one fails.
    human_gates = [g for g in results.gates if g.metric == "human_pass"]
    assert len(human_gates) == 4
    assert code == (0 if all(g.passed for g in results.gates) else 1)
    assert any(not g.passed for g in human_gates)  # about 2/3 of the answers are right
    assert all(g.passed for g in results.gates if g.metric == "human_score")

    page = render_scorecard(results)
    section = page[page.index('id="gh-human-review"') :]
    section = section[: section.index("</section>")]
    text = html.unescape(section)
    assert "Human review" in text and "ana, ben" in text
    assert "Krippendorff" in text
    assert f"{by_name['pass/fail'].alpha:.4g}" in text
    failing = next(g for g in human_gates if not g.passed)
    assert f"{failing.gate}</code> on {failing.suite} · {failing.variant}" in text
    assert "badge fail" in section and "badge pass" in section


def test_reimport_is_idempotent_and_a_changed_rating_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results_path, out, _ = _export(tmp_path)
    rows = simulated_ratings(out / "sheet.csv", "ana", 1)
    ana = write_csv(tmp_path / "ana.csv", rows)
    key = ["--key", str(out / "key.json")]
    assert main(["review", "import", str(ana), "--into", str(results_path), *key]) == 0
    once = results_path.read_bytes()
    capsys.readouterr()
    assert main(["review", "import", str(ana), "--into", str(results_path), *key]) == 0
    assert "0 added, 100 already imported" in capsys.readouterr().out
    assert results_path.read_bytes() == once  # nothing rewritten

    changed = [list(r) for r in rows]
    changed[3][3] = "1" if changed[3][3] != "1" else "5"
    again = write_csv(tmp_path / "ana-changed.csv", changed)
    assert main(["review", "import", str(again), "--into", str(results_path), *key]) == 2
    err = capsys.readouterr().err
    assert f"{again}:5: rater: 'ana' already rated {changed[3][1]} differently" in err
    assert results_path.read_bytes() == once


def test_import_into_a_run_whose_answer_changed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results_path, out, key = _export(tmp_path)
    rows = simulated_ratings(out / "sheet.csv", "ana", 1)
    ana = write_csv(tmp_path / "ana.csv", rows)
    results = read_results(results_path)
    items = key["items"]
    assert isinstance(items, dict)
    first = items[rows[0][1]]
    for e in results.examples:
        if (e.suite, e.variant, e.example_id) == (
            first["suite"],
            first["variant"],
            first["example_id"],
        ):
            e.output = "a new answer"
    write_results(results, results_path)
    before = results_path.read_bytes()
    assert main(["review", "import", str(ana), "--into", str(results_path),
                 "--key", str(out / "key.json")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"{ana}:2: item: the answer to {first['suite']}/{first['example_id']}" in err
    assert "nothing imported" in err
    assert results_path.read_bytes() == before


def test_results_without_reviews_load_and_write_no_reviews(tmp_path: Path) -> None:
    path = results_file(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "reviews" not in data
    results = read_results(path)
    assert results.reviews == {}
    assert review_summary(results) is None
    assert "gh-human-review" not in render_scorecard(results)
    assert isinstance(results, Results)
