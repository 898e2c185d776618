"""grounded_qa as an optional forgetting guard in a checkpoint gate (``gate.guard_suites``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import REPO, TRAIN_FILE

from harness.metrics import MetricResult, aggregate, get_metric
from harness.results import ExampleRecord, Results, RunMetadata
from training.config import load_config
from training.gate import forgetting_gates, suite_name

N = 30


def test_grounded_qa_is_accepted_as_a_guard_suite(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text(TRAIN_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "run.yaml"
    path.write_text(
        "run_name: r1\ntrain_file: data.jsonl\n"
        "gate:\n  suites: [json_extraction]\n  guard_suites: [general, grounded_qa]\n"
        "  primary_metric: schema_valid\n",
        encoding="utf-8",
    )
    gate = load_config(path).gate
    assert gate is not None
    assert "suites/test_grounded_qa.py" in gate.guard_suites
    assert (REPO / "suites" / "test_grounded_qa.py").is_file()
    assert suite_name(REPO / "suites" / "test_grounded_qa.py") == "grounded_qa"


def results(variant: str, values: list[float]) -> Results:
    """grounded_qa results with one groundedness value per example, paired by id."""
    examples = [
        ExampleRecord(
            suite="grounded_qa",
            variant=variant,
            example_id=f"grounded-{i + 1:03d}",
            source=f"golden/grounded_qa.jsonl:{i + 1}",
            tags=[],
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
            metrics={"groundedness": MetricResult(value=v, passed=v >= 1.0)},
            verdict="pass" if v >= 1.0 else "fail",
            split="dev",
        )
        for i, v in enumerate(values)
    ]
    agg = aggregate(
        get_metric("groundedness"), [MetricResult(value=v, passed=v >= 1.0) for v in values]
    )
    return Results(
        metadata=RunMetadata.now(),
        examples=examples,
        aggregates=[replace(agg, suite="grounded_qa", variant=variant)],
        gates=[],
    )


def test_a_checkpoint_that_starts_inventing_facts_fails_the_grounded_guard() -> None:
    base = results("base", [1.0 if i % 5 else 0.5 for i in range(N)])
    worse = results("finetuned", [0.5 if i % 2 else 0.0 for i in range(N)])
    same = results("finetuned", [1.0 if i % 5 else 0.5 for i in range(N)])
    lost = forgetting_gates(base, worse, ["grounded_qa"], variant="finetuned")
    kept = forgetting_gates(base, same, ["grounded_qa"], variant="finetuned")
    assert [g["metric"] for g in lost] == ["groundedness"]
    assert lost[0]["passed"] is False and kept[0]["passed"] is True
