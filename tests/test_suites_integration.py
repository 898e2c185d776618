"""`pytest suites/` on the real embedded model: an honest verdict, files, a comparison."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_suites_side_by_side_on_the_embedded_model(
    tmp_path: Path, embedded_model_dir: Path
) -> None:
    report = tmp_path / "report"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "suites/test_exact_qa.py",
            "suites/test_refusal.py",
            "--harness-models",
            "base,prompted",
            "--harness-limit",
            "4",
            "--harness-no-cache",
            "--harness-report",
            str(report),
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    out = proc.stdout
    # The 135M model answers verbosely and does not refuse harmful requests: the gate is red.
    assert proc.returncode == 1, out[-3000:]
    assert "verdict: FAIL" in out and f"scorecard: {report / 'scorecard.html'}" in out
    results = json.loads((report / "results.json").read_text())
    # Each variant was gated on answer_match (it may pass on 4 examples; refusal fails).
    gated = {(g["suite"], g["variant"], g["metric"]) for g in results["gates"]}
    assert {("exact_qa", v, "answer_match") for v in ("base", "prompted")} <= gated
    assert {e["variant"] for e in results["examples"]} == {"base", "prompted"}
    assert len(results["examples"]) == 16
    assert all(not e["cached"] and e["latency_s"] > 0 for e in results["examples"])
    assert results["metadata"]["suites"]["exact_qa"]["n"] == 136
    comparisons = [c for c in results["comparisons"] if c["metric"] == "exact_match"]
    assert (
        comparisons
        and comparisons[0]["reference"] == "base"
        and comparisons[0]["variant"] == "prompted"
    )
    html = (report / "scorecard.html").read_text()
    assert "exact_qa" in html and "prompted" in html
