"""Results files written before ``passed`` meant "good for this example" still load, converted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_gates import SUITE, VARIANT, make_results

from harness.compare import paired_comparisons
from harness.metrics import aggregate, get_metric
from harness.results import SCHEMA_VERSION, read_results


def _v1_file(tmp_path: Path) -> Path:
    """A 1.0 results file: over_refusal's ``passed`` marks the refusal, as 1.0 wrote it."""
    # Written today, then turned back into 1.0: verdicts of over_refusal flipped,
    # passes counted as events, fields added since then removed.
    results = make_results(
        {
            (SUITE, "base"): {"over_refusal": [True] * 10, "schema_valid": [True] * 10},
            (SUITE, VARIANT): {
                "over_refusal": [False] * 3 + [True] * 7,
                "schema_valid": [True] * 10,
            },
        }
    )
    spec = get_metric("over_refusal")
    for suite_variant in ((SUITE, "base"), (SUITE, VARIANT)):
        for name in ("over_refusal", "schema_valid"):
            values = [
                e.metrics[name] for e in results.examples if (e.suite, e.variant) == suite_variant
            ]
            suite, variant = suite_variant
            agg = aggregate(get_metric(name), values, suite=suite, variant=variant)
            results.aggregates.append(agg)
    data: dict[str, Any] = results.to_json()
    data["schema_version"] = "1.0"
    data["metadata"].pop("split", None)
    data["metadata"].pop("dev_fraction", None)
    for e in data["examples"]:
        e.pop("split", None)
        m = e["metrics"]["over_refusal"]
        m["passed"] = not m["passed"]
    for a in data["aggregates"]:
        if a["metric"] == spec.name:
            a["passes"] = a["n"] - a["passes"]
    for g in data["gates"]:
        g.pop("error", None)
    path = tmp_path / "old" / "results.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_1_0_file_loads_with_passed_meaning_good(tmp_path: Path) -> None:
    results = read_results(_v1_file(tmp_path))
    assert results.schema_version == SCHEMA_VERSION
    refused = [
        e.example_id
        for e in results.examples
        if e.variant == VARIANT and e.metrics["over_refusal"].passed is False
    ]
    assert refused == ["ex-00", "ex-01", "ex-02"]
    # Values were never flipped: they count refusals, as before.
    values = [e.metrics["over_refusal"].value for e in results.examples if e.variant == VARIANT]
    assert values == [1.0] * 3 + [0.0] * 7
    agg = results.aggregate(SUITE, VARIANT, "over_refusal")
    assert agg is not None and (agg.passes, agg.mean) == (7, 0.3)
    # schema_valid (higher is better) is untouched.
    assert all(e.metrics["schema_valid"].passed for e in results.examples)


def test_a_converted_file_compares_the_right_way_round(tmp_path: Path) -> None:
    results = read_results(_v1_file(tmp_path))
    over = next(c for c in paired_comparisons(results, "base") if c.metric == "over_refusal")
    assert over.regressed_ids == ["ex-00", "ex-01", "ex-02"]
    assert over.improved_ids == []
