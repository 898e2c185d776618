"""Review files: bad ratings rejected with file:line and nothing merged; blinding; escaping."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from _review_data import (
    HOSTILE,
    RATING_HEADER,
    VARIANTS,
    results_file,
    simulated_ratings,
    write_csv,
)

from harness.cli import main
from harness.errors import HarnessError
from harness.review import load_rubric
from harness.review._export import allocate, parse_per
from harness.review._form import script_json
from harness.review._stats import krippendorff_alpha


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path, list[list[str]]]:
    """A results file, its export folder and one rater's good rows."""
    results = results_file(tmp_path)
    out = tmp_path / "review"
    assert main(["review", "export", str(results), "-o", str(out), "--sample", "20"]) == 0
    return results, out, simulated_ratings(out / "sheet.csv", "ana", 1)


def _bad(rows: list[list[str]], index: int, column: str, value: str) -> list[list[str]]:
    changed = [list(r) for r in rows]
    changed[index][RATING_HEADER.index(column)] = value
    return changed


CASES = {
    "unknown item": ("item", "item-999", "item: unknown item id 'item-999'"),
    "score too high": (
        "correct",
        "7",
        "correct: expected a whole number 1-5, got '7' (rate 1 to 5)",
    ),
    "score zero": ("tone", "0", "tone: expected a whole number 1-5, got '0'"),
    "score not a number": ("helpful", "good", "helpful: expected a whole number 1-5, got 'good'"),
    "score missing": ("format", "", "format: expected a whole number 1-5, got nothing"),
    "verdict not pass/fail": (
        "pass",
        "yes",
        "pass: expected pass or fail, got 'yes' (write pass or fail)",
    ),
    "no rater": ("rater", "", "rater: empty (write the rater's name in every row)"),
    "other sheet": ("sheet", "0123456789ab", "sheet: the row is from sheet '0123456789ab'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_row_is_named_by_file_and_line_and_nothing_is_merged(
    exported: tuple[Path, Path, list[list[str]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    results, out, rows = exported
    column, value, message = CASES[case]
    good = write_csv(tmp_path / "good.csv", rows[:10])
    bad = write_csv(tmp_path / "bad.csv", _bad(rows[10:], 2, column, value))
    before = results.read_bytes()
    code = main(["review", "import", str(good), str(bad), "--into", str(results),
                 "--key", str(out / "key.json")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    # Row 3 of the bad file is its line 4 (the header is line 1).
    assert f"{bad}:4: {message}" in err, err
    assert err.strip().splitlines()[-1].startswith("nothing imported: 1 problem(s)")
    assert results.read_bytes() == before  # the good file was not merged either


def test_missing_columns_and_a_rater_rating_twice(
    exported: tuple[Path, Path, list[list[str]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    results, out, rows = exported
    header = [h for h in RATING_HEADER if h != "tone"]
    no_tone = write_csv(tmp_path / "no-tone.csv", [r[:6] + r[7:] for r in rows], header)
    first = write_csv(tmp_path / "first.csv", rows[:5])
    twice = write_csv(tmp_path / "twice.csv", rows[3:6])
    before = results.read_bytes()
    code = main(["review", "import", str(no_tone), str(first), str(twice),
                 "--into", str(results), "--key", str(out / "key.json")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert f"{no_tone}:1: header: missing column(s) tone" in err
    assert f"{twice}:2: rater: 'ana' already rated {rows[3][1]} at {first}:5" in err
    assert f"{twice}:3: rater: 'ana' already rated {rows[4][1]} at {first}:6" in err
    assert "nothing imported: 3 problem(s)" in err
    assert results.read_bytes() == before


def test_a_multiline_comment_keeps_line_numbers_right(
    exported: tuple[Path, Path, list[list[str]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    results, out, rows = exported
    rows = [list(r) for r in rows[:3]]
    rows[0][-1] = "two\nlines"
    rows[1][3] = "9"
    bad = write_csv(tmp_path / "bad.csv", rows)
    assert main(["review", "import", str(bad), "--into", str(results),
                 "--key", str(out / "key.json")]) == 2  # fmt: skip
    # Row 2 starts on line 4: the header, then row 1 over lines 2-3.
    assert f"{bad}:4: correct: expected a whole number 1-5, got '9'" in capsys.readouterr().err


def test_key_is_looked_up_beside_the_ratings_and_must_be_a_key(
    exported: tuple[Path, Path, list[list[str]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    results, out, rows = exported
    beside = write_csv(out / "ana.csv", rows)
    assert main(["review", "import", str(beside), "--into", str(results)]) == 0
    elsewhere = write_csv(tmp_path / "ana.csv", rows)
    assert main(["review", "import", str(elsewhere), "--into", str(results)]) == 2
    assert f"{tmp_path / 'key.json'}: key not found (pass --key" in capsys.readouterr().err
    (tmp_path / "key.json").write_text("{}", encoding="utf-8")
    assert main(["review", "import", str(elsewhere), "--into", str(results)]) == 2
    assert "format: not a review key" in capsys.readouterr().err


def test_sheet_and_form_are_blinded(exported: tuple[Path, Path, list[list[str]]]) -> None:
    _, out, _ = exported
    sheet = (out / "sheet.csv").read_text(encoding="utf-8")
    form = (out / "form.html").read_text(encoding="utf-8")
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    for name in VARIANTS:
        assert name not in sheet and name not in form
        assert name in key["variants"].values()
    # The variant's own request (its system prompt names it) never reaches a rater:
    # the prompt shown is the golden example's.
    assert "You are" not in sheet and "You are" not in form
    with (out / "sheet.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["variant"] for r in rows} == {"A", "B"}
    assert all(r["prompt"].startswith("Question ") for r in rows)
    assert set(key["variants"]) == {"A", "B"}


def test_sheet_cells_never_run_as_formulas(tmp_path: Path) -> None:
    results = results_file(tmp_path)
    out = tmp_path / "all"
    assert main(["review", "export", str(results), "-o", str(out), "--sample", "240"]) == 0
    with (out / "sheet.csv").open(encoding="utf-8-sig", newline="") as fh:
        answers = [r["answer"] for r in csv.DictReader(fh)]
    assert len(answers) == 240
    assert '\'=HYPERLINK("http://evil")' in answers
    assert not any(a.startswith("=") for a in answers)


def test_form_holds_hostile_text_only_as_inert_json(
    exported: tuple[Path, Path, list[list[str]]],
) -> None:
    _, out, _ = exported
    form = (out / "form.html").read_text(encoding="utf-8")
    assert HOSTILE not in form
    assert form.count("</script>") == 2  # the data block and the code, nothing injected
    assert "http://" not in form.split("<script>")[0]  # no external resource in the head
    data = form.split('<script type="application/json" id="review-data">')[1].split("</script>")[0]
    parsed = json.loads(data)
    assert any(HOSTILE in it["answer"] for it in parsed["items"])
    assert set(parsed["rubrics"]) <= {"exact_qa", "summarization"}
    assert parsed["rubrics"]["exact_qa"]["pass"]
    assert script_json({"a": "</script>\u2028&"}) == '{"a": "\\u003c/script\\u003e\\u2028\\u0026"}'


def test_rubric_per_suite_replaces_the_default(tmp_path: Path) -> None:
    rubric = load_rubric()
    assert rubric["json_extraction"]["format"] != rubric["default"]["format"]
    assert rubric["json_extraction"]["tone"] == rubric["default"]["tone"]
    custom = tmp_path / "rubric.toml"
    custom.write_text('[default]\nintro = "x"\n', encoding="utf-8")
    with pytest.raises(HarnessError, match=r"default\.correct: missing"):
        load_rubric(custom)
    custom.write_text(
        '[default]\nintro="i"\ncorrect="c"\nhelpful="h"\nformat="f"\ntone="t"\npass="p"\n'
        '[suites.qa]\nclarity = "no such text"\n',
        encoding="utf-8",
    )
    with pytest.raises(HarnessError, match=r"suites\.qa\.clarity: unknown text"):
        load_rubric(custom)


def test_export_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = results_file(tmp_path)
    assert main(["review", "export", str(results), "-o", str(tmp_path / "o"), "--per", "tag"]) == 2
    assert "--per: unknown field 'tag'" in capsys.readouterr().err
    assert main(["review", "export", str(results), "-o", str(tmp_path / "o"), "--sample", "0"]) == 2
    assert "--sample: expected a number of items >= 1" in capsys.readouterr().err
    assert main(["review", "export", str(results), "-o", str(tmp_path / "o"), "--suites", "x"]) == 2
    assert "--suites: 'x' is not in the results" in capsys.readouterr().err
    assert parse_per("") == ()
    assert allocate([3, 50, 50], 100) == [3, 49, 48]
    assert allocate([3, 4], 100) == [3, 4]


def test_alpha_edge_cases() -> None:
    assert krippendorff_alpha([[1, 1], [5, 5], [3, 3]], "ordinal", (1, 2, 3, 4, 5))[0] == 1.0
    alpha, why = krippendorff_alpha([[1, None], [None, 2]], "ordinal")
    assert alpha is None and "two raters" in why
    alpha, why = krippendorff_alpha([[1.0, 1.0], [1.0, 1.0]], "nominal", (0.0, 1.0))
    assert alpha is None and "same value" in why
