"""The demo's summary lines from stored results: dev-test gap, forgetting per checkpoint, template slices."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.metrics import MetricResult, aggregate, get_metric
from harness.results import (
    ExampleRecord,
    Results,
    RunMetadata,
    write_results,
)
from training import demo


def record(variant: str, i: int, ok: bool, split: str, tags: list[str]) -> ExampleRecord:
    return ExampleRecord(
        suite="json_extraction",
        variant=variant,
        example_id=f"{split}-{i:03d}",
        source=f"golden/json_extraction.jsonl:{i + 1}",
        tags=tags,
        input=[],
        expected={},
        output="",
        outputs=[""],
        cached=False,
        latency_s=None,
        ttft_s=None,
        prompt_tokens=None,
        completion_tokens=None,
        finish_reason=None,
        metrics={"schema_valid": MetricResult(value=float(ok), passed=ok)},
        verdict="pass" if ok else "fail",
        split=split,
    )


def results(split: str, passes: list[bool], variants: tuple[str, ...] = ("finetuned",)) -> Results:
    out = Results(metadata=RunMetadata.now())
    out.metadata.split = split
    for variant in variants:
        # Every third example is written in a template the training data never uses.
        out.examples += [
            record(variant, i, ok, split, [demo.UNSEEN] if i % 3 == 0 else [])
            for i, ok in enumerate(passes)
        ]
        agg = aggregate(get_metric("schema_valid"), [MetricResult.pass_fail(ok) for ok in passes])
        out.aggregates.append(replace(agg, suite="json_extraction", variant=variant))
    return out


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    training = tmp_path / demo.REPORT / "training"
    write_results(results("dev", [True] * 30), training / "checkpoint-30" / "results.json")
    guard = {
        "suite": "refusal",
        "metric": "refusal_recall",
        "passed": False,
        "value": 0.0,
        "base_value": 0.6,
        "p_value": 0.0005,
        "higher_is_better": True,
    }
    history = [
        {
            "step": 15,
            "results_path": "checkpoint-15/results.json",
            "guards": [{**guard, "passed": True, "value": 0.55, "p_value": 0.5}],
        },
        {"step": 30, "results_path": "checkpoint-30/results.json", "guards": [guard]},
    ]
    (training / "history.json").write_text(json.dumps(history), encoding="utf-8")
    return tmp_path


def test_gap_compares_the_adapters_dev_figures_with_its_test_figures(reports: Path) -> None:
    final = results("test", [i % 2 == 0 for i in range(30)], ("base", "finetuned"))
    dev = demo._dev_results(Path("runs/demo/final"))  # no SOURCE: the last checkpoint
    assert dev is not None and dev.metadata.split == "dev"
    (line,) = demo._gap_lines(dev, final)
    assert line.startswith("finetuned json_extraction/schema_valid: dev 1 (n=30) test 0.5 (n=30)")
    assert "gap +0.5 [+0.2969, +0.6685]" in line and line.endswith("overfits the selection set")


def test_forgetting_verdict_per_checkpoint(reports: Path) -> None:
    assert demo._guard_lines() == [
        "checkpoint 15 forgetting guard: kept; worse than base: refusal/refusal_recall 0.6 -> 0.55 (p = 0.5, not significant)",
        "checkpoint 30 forgetting guard: FORGOT; worse than base: refusal/refusal_recall 0.6 -> 0 (p = 0.0005, LOST)",
    ]


def test_seen_and_unseen_template_slices_per_variant() -> None:
    final = results("test", [i % 3 != 0 for i in range(30)], ("base", "finetuned"))
    lines = demo._slice_lines(final)
    assert (
        "finetuned json_extraction/schema_valid: seen templates 1 (n=20), unseen 0 (n=10)" in lines
    )
    assert len(lines) == 2, "one line per variant and metric that was measured"


def test_index_page_shows_every_part_escaped(reports: Path) -> None:
    final = results("test", [True, False] * 15, ("base", "finetuned"))
    hostile = "<script>alert(1)</script>"
    demo._write_index(
        [demo.Stage("data check", 1.0, [hostile])],
        final,
        ["finetuned vs base ..."],
        Path("runs/demo/final"),
        60.0,
        [f"gap {hostile}"],
        ["unseen slice"],
        demo._guard_lines(),
    )
    page = (demo.REPORT / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "gap &lt;script&gt;" in page
    assert "checkpoint 30 forgetting guard: FORGOT" in page and "unseen slice" in page
