"""Dedupe, warnings and stats over small hand-made files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.golden import find_duplicates, find_warnings, load_golden

BASE = (
    "The quarterly report shows revenue grew by twelve percent while costs stayed flat, "
    "driven by strong demand for the new product line in Europe and Asia."
)


def row(i: str, user: str, answer: str = "ok fine", system: str | None = None) -> dict[str, object]:
    msgs = [] if system is None else [{"role": "system", "content": system}]
    msgs += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"id": i, "messages": msgs}


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_exact_and_near_duplicates_are_found(tmp_path: Path) -> None:
    rows = [
        row("a", "Summarize: " + BASE),
        row("b", "summarize:   " + BASE.upper()),  # exact after normalisation
        row("c", "Summarize: " + BASE.replace("twelve", "eleven")),  # near
        row("d", "Write a haiku about autumn leaves falling on a quiet pond."),
    ]
    golden = load_golden(write(tmp_path / "s.jsonl", rows))
    dups = {d.dropped.id: (d.kind, d.kept.id) for d in find_duplicates(golden.examples)}
    assert dups == {"b": ("exact", "a"), "c": ("near", "a")}


def test_dedupe_command_writes_new_file_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(
        tmp_path / "s.jsonl",
        [
            row("a", "Summarize: " + BASE),
            row("b", "Summarize: " + BASE),
            row("c", "Other thing entirely."),
        ],
    )
    before = src.read_bytes()
    out = tmp_path / "dedup.jsonl"
    assert main(["data", "dedupe", str(src), "-o", str(out)]) == 0
    assert src.read_bytes() == before, "input is never edited"
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["a", "c"]
    report = json.loads((tmp_path / "dedup.jsonl.dedupe.json").read_text())
    assert report["dropped"][0] | {} == {
        "id": "b",
        "line": 2,
        "duplicate_of": "a",
        "duplicate_of_line": 1,
        "kind": "exact",
        "jaccard": 1.0,
    }
    assert "MinHash" in report["method"]
    assert main(["data", "dedupe", str(src), "-o", str(src), "--force"]) == 2
    assert "output would overwrite the input" in capsys.readouterr().err


def test_warnings_short_answers_systems_outliers_near_duplicates(tmp_path: Path) -> None:
    rows = [
        row(f"n{i}", f"Question number {i} about topic {i * 7}?", f"Answer {i} is here.")
        for i in range(12)
    ]
    rows.append(row("short", "What?", "k"))
    rows.append(row("sys", "Hello there, friend?", "Hello.", system="Be terse."))
    rows.append(row("long", "x " * 3000, "Answer long."))
    rows.append(row("dup", "Summarize: " + BASE))
    rows.append(row("dup2", "Summarize: " + BASE + " Indeed."))
    warnings = [str(w) for w in find_warnings(load_golden(write(tmp_path / "w.jsonl", rows)))]
    text = "\n".join(warnings)
    assert ":13: messages[-1].content: very short answer 'k'" in text
    assert "inconsistent system prompts: 2 variants" in text
    assert ":15: messages: length outlier" in text
    assert ":17: messages: near duplicate of 'dup'" in text


def test_validate_prints_warnings_but_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(tmp_path / "s.jsonl", [row("a", "hi there", "k")])
    assert main(["data", "validate", str(src)]) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "1 examples OK, 1 warning(s)" in captured.out


def test_stats_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [row("a", "one two three", "four"), row("b", "five", "six seven")]
    rows[0]["expect"] = {"refuse": False}
    rows[0]["tags"] = ["x"]
    src = write(tmp_path / "s.jsonl", rows)
    assert main(["data", "stats", "--json", "--no-tokens", str(src)]) == 0
    (stats,) = json.loads(capsys.readouterr().out)
    assert stats["examples"] == 2
    assert stats["chars"]["user"]["max"] == len("one two three")
    # harness.stats.percentile, as everywhere: linear between the lengths 4 and 13.
    assert stats["chars"]["user"]["p50"] == 8.5
    assert stats["chars"]["user"]["p90"] == pytest.approx(12.1)
    assert stats["chars"]["assistant"]["n"] == 2
    assert stats["tags"] == {"x": 1} and stats["expectations"] == {"comply": 1}
    assert stats["tokens"] is None
