"""``make demo``: the whole loop on the embedded model, on CPU.

1. data check: every golden file is parsed strictly (no model is loaded before);
2. base vs prompted on the json_extraction, refusal and grounded_qa suites
   (``test`` split);
3. LoRA SFT on ``golden/train/json_extraction.jsonl`` with every checkpoint
   gated as ``golden/train/demo.yaml``'s ``gate:`` section says: the task suite
   and the forgetting guards (``general``, ``refusal``, paired against the base
   model) on the ``dev`` split, in process, on the live model;
4. base vs prompted vs fine-tuned on the ``test`` split: the final verdict (the
   fine-tuned variant through vLLM's LoRA layers: merged weights would be 2.4x
   faster on CPU but match the trained model's verdicts less often, see
   bench/RESULTS.md);
5. ``reports/demo/index.html`` linking every scorecard and the training run page,
   with the fine-tuned adapter's dev and test figures and their gap, the
   forgetting guard's verdict per checkpoint, and seen vs unseen-template slices.

The suites run on the first ``DEMO_LIMIT`` examples of each split so the loop
fits in minutes on two CPU cores; stages 2 and 4 use the same test examples,
so the comparisons are paired and base and prompted completions come from the
cache in stage 4. Checkpoints are chosen on dev; nothing chosen reads test.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness._format import format_number, format_p
from harness._io import atomic_write_text
from harness.errors import HarnessError
from harness.golden import find_warnings, load_many
from harness.results import Results, read_results

GOLDEN = Path("golden")
REPORT = Path("reports/demo")
RUN_DIR = Path("runs/demo")
CONFIG = GOLDEN / "train" / "demo.yaml"
# grounded_qa asks about an invented shop's documents: closed-book variants can only guess
# or abstain, so its gates are red here and show what retrieval has to add.
SUITES = ["suites/test_json_extraction.py", "suites/test_refusal.py", "suites/test_grounded_qa.py"]
DEMO_LIMIT = int(os.environ.get("DEMO_LIMIT", "30"))
HEADLINE = [
    "json_valid",
    "schema_valid",
    "json_field_accuracy",
    "refusal_recall",
    "over_refusal",
    "answer_match",
    "abstention",
    "groundedness",
]
VARIANTS = ("base", "prompted", "finetuned")
#: The tag of extraction examples whose layout and instructions never occur in training.
UNSEEN = "unseen-template"


@dataclass
class Stage:
    """One step of the loop and how long it took."""

    name: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _pytest(args: list[str]) -> int:
    """``pytest SUITES ...`` in this process (the stage's exit code).

    In process, vLLM, torch and transformers are imported once for the whole
    demo instead of once per stage, and the checkpoint gate's engine starts on
    modules already loaded: each vLLM engine start here is mostly imports
    (about 13 of 21 s on 2 cores, bench/RESULTS.md).
    """
    import pytest

    # The release verdict's split; checkpoints were chosen on dev.
    argv = [*SUITES, "--harness-limit", str(DEMO_LIMIT), "--harness-split", "test"]
    argv += ["-p", "no:cacheprovider", "-q", "--no-header", *args]
    os.environ["HF_HUB_OFFLINE"] = "1"
    return int(pytest.main(argv))


def _table(results: Results) -> list[tuple[str, str, dict[str, float | None]]]:
    rows: dict[tuple[str, str], dict[str, float | None]] = {}
    for a in results.aggregates:
        if a.metric in HEADLINE:
            rows.setdefault((a.suite, a.metric), {})[a.variant] = a.mean
    return [(s, m, v) for (s, m), v in rows.items()]


def main() -> int:
    """Run the demo; returns the exit code."""
    from rich.console import Console

    # Summary lines are records to copy, not prose: never wrap them at the terminal width.
    console = Console(soft_wrap=True)
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
    dev = _dev_results(adapter)
    gaps = _gap_lines(dev, final)
    slices = _slice_lines(final)
    guards = _guard_lines()
    total = time.perf_counter() - start_all
    _write_index(stages, final, headline, adapter, total, gaps, slices, guards)
    console.rule("[bold]5. summary")
    for suite, metric, values in _table(final):
        cells = "  ".join(f"{v}={format_number(values.get(v))}" for v in VARIANTS)
        console.print(f"{suite:16s} {metric:20s} {cells}", markup=False)
    for line in [*headline, *gaps, *guards, *slices]:
        console.print(line, markup=False)
    for s in stages:
        console.print(f"{s.name:22s} {s.seconds:7.1f} s", markup=False)
    console.print(f"total {total / 60:.1f} min; open {REPORT / 'index.html'}", markup=False)
    return 0


def _train(console: Any) -> tuple[Path, list[str]]:
    from training.config import load_config
    from training.gate import GateCallback
    from training.sft import train

    config = load_config(CONFIG)
    gate = GateCallback.from_config(
        config,
        run_name="demo",
        report_dir=REPORT / "training",
        best_dir=RUN_DIR / "best",
        limit=DEMO_LIMIT,
        # Every checkpoint is judged, so the run page shows where forgetting sets in.
        stop_on_forgetting=False,
    )
    result = train(config, callbacks=[gate])
    notes = [
        f"checkpoint {v.step}: {'PASS' if v.passed else 'FAIL'} on {v.split}, "
        f"{gate.primary_metric} {format_number(v.primary)}"
        for v in gate.history
    ]
    if gate.setup_seconds is not None:
        notes.insert(
            0,
            f"gate set-up before step 1 (engine start, base model's guard run): "
            f"{gate.setup_seconds:.0f} s",
        )
    notes.append(f"{result.global_step} steps in {result.seconds:.0f} s")
    if gate.tracker.best_step is not None:
        notes.append(f"best passing checkpoint: {gate.tracker.best_step} -> {gate.best_dir}")
        return gate.best_dir, notes
    # No checkpoint met every release gate: compare the last adapter, and say so.
    notes.append("no checkpoint passed every gate; the final adapter is compared")
    console.print(notes[-1])
    return result.adapter_dir, notes


def _headline(final: Results) -> list[str]:
    """The final verdict: fine-tuned against base on the ``test`` split only."""
    lines = []
    split = final.metadata.split
    for c in final.comparisons:
        if c.variant == "finetuned" and c.metric in ("schema_valid", "json_valid"):
            better = c.significant and c.delta is not None and c.delta > 0
            verdict = "significantly better" if better else "not significantly better"
            lines.append(
                f"finetuned vs base on {c.suite}/{c.metric} ({split}): "
                f"{format_number(c.reference_mean)} -> {format_number(c.variant_mean)} (delta "
                f"{format_number(c.delta, signed=True)}, {c.test} {format_p(c.p_value)}, "
                f"n={c.n}): {verdict}"
            )
    return lines


def _history() -> list[dict[str, Any]]:
    path = REPORT / "training" / "history.json"
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def _dev_results(adapter: Path) -> Results | None:
    """The dev-split results of the compared adapter, from its checkpoint's gate."""
    rows = _history()
    if not rows:
        return None
    source = adapter / "SOURCE"
    step = rows[-1]["step"]  # the final adapter holds the last checkpoint's weights
    if source.is_file():
        step = int(source.read_text(encoding="utf-8").strip().rpartition("-")[2])
    row = next((r for r in rows if r["step"] == step), None)
    return None if row is None else read_results(REPORT / "training" / row["results_path"])


def _gap_lines(dev: Results | None, final: Results) -> list[str]:
    """Dev against test figures of the fine-tuned adapter, with the gap's interval."""
    from harness.slices import split_gap

    if dev is None:
        return ["dev-test gap: no dev results for the compared adapter"]
    both = Results(
        metadata=final.metadata,
        examples=[e for e in final.examples if e.variant == "finetuned"]
        + [e for e in dev.examples if e.variant == "finetuned" and e.suite in final.suites()],
        aggregates=[a for a in final.aggregates if a.variant == "finetuned"],
    )
    lines = []
    for suite, metric, _ in _table(final):
        gap = split_gap(both, suite, "finetuned", metric)
        if gap is None or gap.dev.mean is None or gap.test.mean is None:
            continue
        d = gap.difference
        low, high = (format_number(x, signed=True) for x in (d.ci_low, d.ci_high))
        interval = f" [{low}, {high}]" if d.ci_low is not None and d.ci_high is not None else ""
        flag = "  overfits the selection set" if gap.overfitting else ""
        lines.append(
            f"finetuned {suite}/{metric}: dev {format_number(gap.dev.mean)} (n={gap.dev.n}) "
            f"test {format_number(gap.test.mean)} (n={gap.test.n}) "
            f"gap {format_number(d.delta, signed=True)}{interval}{flag}"
        )
    return lines


def _guard_lines() -> list[str]:
    """The forgetting guard's verdict at each checkpoint, with every guard metric that got worse."""
    lines = []
    for row in _history():
        worse = []
        for g in row.get("guards", []):
            value, base = g.get("value"), g.get("base_value")
            if value is None or base is None:
                continue
            if (value < base) if g.get("higher_is_better", True) else (value > base):
                state = "LOST" if not g["passed"] else "not significant"
                worse.append(
                    f"{g['suite']}/{g['metric']} {format_number(base)} -> {format_number(value)} "
                    f"({format_p(g.get('p_value'))}, {state})"
                )
        lost = any(not g["passed"] for g in row.get("guards", []))
        verdict = "FORGOT" if lost else "kept"
        lines.append(
            f"checkpoint {row['step']} forgetting guard: {verdict}"
            + (f"; worse than base: {'; '.join(worse)}" if worse else "")
        )
    return lines


def _slice_lines(final: Results) -> list[str]:
    """Seen vs unseen-template figures of the extraction suite, per variant (test split)."""
    from harness.slices import tag_slices

    lines = []
    for variant in VARIANTS:
        for metric in ("json_valid", "schema_valid"):
            for sl in tag_slices(final, "json_extraction", variant, metric):
                if sl.tag != UNSEEN:
                    continue
                seen, unseen = sl.rest, sl.tagged
                lines.append(
                    f"{variant:9s} json_extraction/{metric}: seen templates "
                    f"{format_number(seen.mean)} (n={seen.n}), "
                    f"unseen {format_number(unseen.mean)} (n={unseen.n})"
                )
    return lines or [f"no {UNSEEN} examples among the evaluated test examples"]


def _write_index(
    stages: list[Stage],
    final: Results,
    headline: list[str],
    adapter: Path,
    total: float,
    gaps: list[str],
    slices: list[str],
    guards: list[str],
) -> None:
    from training.run_page import render_template

    page = render_template(
        "demo.html.j2",
        headline=headline,
        gaps=gaps,
        slices=slices,
        guards=guards,
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
