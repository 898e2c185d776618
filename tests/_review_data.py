"""Data for the review tests: a results.json written by hand (two suites, two variants), raters."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from pathlib import Path

from harness.metrics import Aggregate, MetricResult
from harness.results import (
    ExampleRecord,
    Results,
    RunMetadata,
    SuiteInfo,
    write_results,
)

# Distinctive names, so a test can tell that neither reaches the sheet or the form.
VARIANTS = ("vanilla-zx", "tuned-qy")
SUITES = ("exact_qa", "summarization")
N_PER_SUITE = 60
HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
RATING_HEADER = [
    "sheet",
    "item",
    "rater",
    "correct",
    "helpful",
    "format",
    "tone",
    "pass",
    "comment",
]


def _golden(root: Path, suite: str) -> Path:
    path = root / "golden" / f"{suite}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(N_PER_SUITE):
        lines.append(
            json.dumps(
                {
                    "id": f"{suite}-{i:03d}",
                    "messages": [
                        {"role": "user", "content": f"Question {i} of {suite}?"},
                        {"role": "assistant", "content": f"Answer {i}"},
                    ],
                }
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _record(suite: str, variant: str, i: int, golden: Path) -> ExampleRecord:
    good = (i + (variant == VARIANTS[1])) % 3 != 0
    output = f"Answer {i}" if good else f"Wrong {i} {HOSTILE}"
    if i == 5:
        output = '=HYPERLINK("http://evil")'  # a formula, for the spreadsheet
    metric = (
        {"answer_match": MetricResult(value=float(good), passed=good)}
        if suite == "exact_qa"
        else {"rougeL": MetricResult(value=0.9 if good else 0.2, passed=None)}
    )
    return ExampleRecord(
        suite=suite,
        variant=variant,
        example_id=f"{suite}-{i:03d}",
        source=f"{golden}:{i + 1}",
        tags=[],
        # The variant's own request: a system prompt naming it must never reach a rater.
        input=[
            {"role": "system", "content": f"You are {variant}."},
            {"role": "user", "content": f"Question {i} of {suite}?"},
        ],
        expected={"reference": f"Answer {i}"},
        output=output,
        outputs=[output],
        cached=False,
        latency_s=0.1,
        ttft_s=None,
        prompt_tokens=None,
        completion_tokens=None,
        finish_reason="stop",
        metrics=metric,
        verdict="pass" if good else "fail",
    )


def build_results(root: Path) -> Results:
    """Two suites x two variants x 60 examples, sources in real golden files under ``root``."""
    examples = []
    aggregates = []
    for suite in SUITES:
        golden = _golden(root, suite)
        for variant in VARIANTS:
            recs = [_record(suite, variant, i, golden) for i in range(N_PER_SUITE)]
            examples.extend(recs)
            name = "answer_match" if suite == "exact_qa" else "rougeL"
            values = [r.metrics[name] for r in recs]
            mean = sum(v.value or 0.0 for v in values) / len(values)
            aggregates.append(
                Aggregate(
                    suite=suite,
                    variant=variant,
                    metric=name,
                    kind="pass_fail" if name == "answer_match" else "continuous",
                    higher_is_better=True,
                    n=len(values),
                    n_not_applicable=0,
                    mean=mean,
                    ci_low=mean - 0.1,
                    ci_high=mean + 0.1,
                    passes=sum(bool(v.passed) for v in values) if name == "answer_match" else None,
                    method="wilson" if name == "answer_match" else "bootstrap-bca",
                )
            )
    metadata = RunMetadata.now()
    metadata.suites = {
        s: SuiteInfo(str(root / "golden" / f"{s}.jsonl"), f"fp-{s}", N_PER_SUITE) for s in SUITES
    }
    return Results(metadata=metadata, examples=examples, aggregates=aggregates)


def results_file(root: Path) -> Path:
    """A valid results.json on disk under ``root`` (through the writer, so it passes the schema)."""
    return write_results(build_results(root), root / "reports" / "results.json")


def simulated_ratings(sheet: Path, rater: str, seed: int, *, skip: int = 0) -> list[list[str]]:
    """Rows one simulated rater gives the items of ``sheet.csv``: right answers mostly pass."""
    rng = random.Random(seed)
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        items = list(csv.DictReader(fh))
    rows = []
    for row in items[skip:]:
        good = row["answer"].startswith("Answer")
        if rng.random() < 0.1:
            good = not good  # people disagree now and then
        base = 4 if good else 2
        scores = [min(5, max(1, base + rng.choice((-1, 0, 0, 1)))) for _ in range(4)]
        verdict = "pass" if good else "fail"
        rows.append(
            [
                row["sheet"],
                row["item"],
                rater,
                *map(str, scores),
                verdict,
                f"{rater} on {row['item']}",
            ]
        )
    return rows


def write_csv(
    path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = RATING_HEADER
) -> Path:
    """A ratings CSV as the form saves it."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path
