"""``make demo``: the whole loop on the embedded model, on CPU.

1. data check: every golden file is parsed strictly (no model is loaded before);
2. base vs prompted on the json_extraction and refusal suites;
3. LoRA SFT on ``golden/train/json_extraction.jsonl`` with every checkpoint
   gated by ``suites/test_json_extraction.py`` (in process, on the live model);
4. base vs prompted vs fine-tuned on the same suites and examples;
5. ``reports/demo/index.html`` linking every scorecard and the training run page.

The suites run on the first ``DEMO_LIMIT`` examples of each golden file so the
loop fits in minutes on two CPU cores; every stage uses the same examples,
so the comparisons are paired. Base and prompted completions come from the
cache in stage 4.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness._io import atomic_write_text
from harness.errors import HarnessError
from harness.golden import find_warnings, load_many
from harness.results import Results, read_results

GOLDEN = Path("golden")
REPORT = Path("reports/demo")
RUN_DIR = Path("runs/demo")
CONFIG = GOLDEN / "train" / "demo.yaml"
SUITES = ["suites/test_json_extraction.py", "suites/test_refusal.py"]
DEMO_LIMIT = int(os.environ.get("DEMO_LIMIT", "30"))
HEADLINE = ["json_valid", "schema_valid", "json_field_accuracy", "refusal_recall", "over_refusal"]
VARIANTS = ("base", "prompted", "finetuned")


@dataclass
class Stage:
    """One step of the loop and how long it took."""

    name: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _pytest(args: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", *SUITES, "--harness-limit", str(DEMO_LIMIT)]
    cmd += ["-p", "no:cacheprovider", "-q", "--no-header", *args]
    return subprocess.run(cmd, check=False, env={**os.environ, "HF_HUB_OFFLINE": "1"}).returncode


def _table(results: Results) -> list[tuple[str, str, dict[str, float | None]]]:
    rows: dict[tuple[str, str], dict[str, float | None]] = {}
    for a in results.aggregates:
        if a.metric in HEADLINE:
            rows.setdefault((a.suite, a.metric), {})[a.variant] = a.mean
    return [(s, m, v) for (s, m), v in rows.items()]


def main() -> int:
    """Run the demo; returns the exit code."""
    from rich.console import Console

    console = Console()
    stages: list[Stage] = []
    start_all = time.perf_counter()

    console.rule("[bold]1. data check")
    stage = Stage("data check")
    t = time.perf_counter()
    files = sorted(GOLDEN.glob("*.jsonl")) + sorted((GOLDEN / "train").glob("*.jsonl"))
    try:
        goldens = load_many(files)
    except HarnessError as exc:
        print(exc, file=sys.stderr)
        return 2
    for g in goldens:
        warnings = find_warnings(g)
        line = f"{g.path}: {len(g)} examples OK, {len(warnings)} warning(s)"
        console.print(line)
        stage.notes.append(line)
    stage.seconds = time.perf_counter() - t
    stages.append(stage)

    console.rule("[bold]2. base vs prompted")
    t = time.perf_counter()
    _pytest(["--harness-models", "base,prompted", "--harness-report", str(REPORT / "before")])
    stages.append(Stage("base vs prompted", time.perf_counter() - t))

    console.rule("[bold]3. LoRA fine-tune, every checkpoint gated")
    t = time.perf_counter()
    adapter, train_notes = _train(console)
    stages.append(Stage("gated LoRA training", time.perf_counter() - t, train_notes))

    console.rule("[bold]4. base vs prompted vs fine-tuned")
    t = time.perf_counter()
    _pytest(
        [
            "--harness-models",
            "base,prompted",
            "--harness-adapter",
            str(adapter),
            "--harness-report",
            str(REPORT / "final"),
        ]
    )
    stages.append(Stage("final comparison", time.perf_counter() - t))

    final = read_results(REPORT / "final" / "results.json")
    headline = _headline(final)
    total = time.perf_counter() - start_all
    _write_index(stages, final, headline, adapter, total)
    console.rule("[bold]5. summary")
    for suite, metric, values in _table(final):
        cells = "  ".join(
            f"{v}={values[v]:.3f}" if values.get(v) is not None else f"{v}=-" for v in VARIANTS
        )
        console.print(f"{suite:16s} {metric:20s} {cells}", markup=False)
    for line in headline:
        console.print(line, markup=False)
    for s in stages:
        console.print(f"{s.name:22s} {s.seconds:7.1f} s", markup=False)
    console.print(f"total {total / 60:.1f} min; open {REPORT / 'index.html'}", markup=False)
    return 0


def _train(console: Any) -> tuple[Path, list[str]]:
    from harness.models import resolve_model
    from training.config import load_config
    from training.gate import GateCallback
    from training.sft import train

    config = load_config(CONFIG)
    _, base_fp = resolve_model(config.model)
    gate = GateCallback(
        ["suites/test_json_extraction.py"],
        run_name="demo",
        primary_metric="schema_valid",
        report_dir=REPORT / "training",
        best_dir=RUN_DIR / "best",
        base_fingerprint=base_fp,
        limit=DEMO_LIMIT,
        patience=0,
    )
    result = train(config, callbacks=[gate])
    notes = [
        f"checkpoint {v.step}: {'PASS' if v.passed else 'FAIL'}, schema_valid "
        f"{v.metrics.get('json_extraction/schema_valid')}"
        for v in gate.history
    ]
    notes.append(f"{result.global_step} steps in {result.seconds:.0f} s")
    if gate.tracker.best_step is not None:
        notes.append(f"best passing checkpoint: {gate.tracker.best_step} -> {gate.best_dir}")
        return gate.best_dir, notes
    # No checkpoint met every release gate: compare the last adapter, and say so.
    notes.append("no checkpoint passed every gate; the final adapter is compared")
    console.print(notes[-1])
    return result.adapter_dir, notes


def _headline(final: Results) -> list[str]:
    lines = []
    for c in final.comparisons:
        if c.variant == "finetuned" and c.metric in ("schema_valid", "json_valid"):
            better = c.significant and c.delta is not None and c.delta > 0
            verdict = "significantly better" if better else "not significantly better"
            lines.append(
                f"finetuned vs base on {c.suite}/{c.metric}: {c.reference_mean:.3f} -> "
                f"{c.variant_mean:.3f} (delta {c.delta:+.3f}, {c.test} p={c.p_value:.2g}, "
                f"n={c.n}): {verdict}"
            )
    return lines


def _write_index(
    stages: list[Stage], final: Results, headline: list[str], adapter: Path, total: float
) -> None:
    from training.run_page import render_template

    page = render_template(
        "demo.html.j2",
        headline=headline,
        adapter=str(adapter),
        limit=DEMO_LIMIT,
        variants=VARIANTS,
        table=_table(final),
        stages=stages,
        total=total,
    )
    atomic_write_text(REPORT / "index.html", page)


if __name__ == "__main__":
    sys.exit(main())
