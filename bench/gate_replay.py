"""Replay the demo's checkpoint gates on its saved checkpoints, per adapter mode; time each gate.

The gate's evaluation does not depend on training (the engine reads each
checkpoint from disk), so the demo's gates can be re-run on ``runs/demo``'s
checkpoints without training again: the same suites, split, limit and guard
suites as ``make demo`` (``golden/train/demo.yaml``, ``DEMO_LIMIT``), one
engine for the run, the base model's guard run first, completion cache off
(``--harness-no-cache``), reports in a temporary folder. Gate/train divides each
gate's time by the training time between checkpoints that the demo recorded
(``reports/demo/training/history.json``; training is the same in every mode).

    .venv/bin/python bench/gate_replay.py [--adapter-mode merged|lora] [--run runs/demo]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    """Gate every checkpoint of the run once; print gate seconds and gate/train."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter-mode", default="merged", choices=("auto", "merged", "lora"))
    parser.add_argument("--run", type=Path, default=Path("runs/demo"))
    parser.add_argument("--history", type=Path, default=Path("reports/demo/training/history.json"))
    args = parser.parse_args()

    from training.config import load_config
    from training.demo import CONFIG, DEMO_LIMIT
    from training.gate import CheckpointEvent, GateCallback

    checkpoints = sorted(args.run.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    if not checkpoints or not args.history.is_file():
        print(f"{args.run}: no checkpoints or {args.history} missing (run `make demo` first)")
        return 2
    trained = {r["step"]: r.get("train_seconds") for r in json.loads(args.history.read_text())}
    config = load_config(CONFIG)
    assert config.gate is not None
    gate_settings = {"backend": "vllm", "adapter_mode": args.adapter_mode}
    config = config.model_copy(update={"gate": config.gate.model_copy(update=gate_settings)})
    with tempfile.TemporaryDirectory() as tmp:
        gate = GateCallback.from_config(
            config,
            run_name="replay",
            report_dir=Path(tmp) / "reports",
            best_dir=Path(tmp) / "best",
            limit=DEMO_LIMIT,
            stop_on_forgetting=False,
            pytest_args=["--harness-no-cache"],
        )
        engine = gate.runner.engine
        assert engine is not None
        print(f"adapter mode: {engine.adapter_mode}", flush=True)
        gate_total = train_total = 0.0
        try:
            for original in checkpoints:
                # A copy: judging a checkpoint writes the verdict into its trainer_state.json.
                ck = Path(shutil.copytree(original, Path(tmp) / original.name))
                step = int(ck.name.split("-")[1])
                event = CheckpointEvent(step, None, ck, None, None)
                started = time.perf_counter()
                decision = gate._judge(event, None, "unused on the engine path")
                seconds = time.perf_counter() - started
                verdict = gate.history[-1]
                train_s = trained.get(step)
                ratio = f"{seconds / train_s:.2f}" if train_s else "-"
                print(
                    f"step {step}: gate {seconds:.1f} s, train {train_s} s, gate/train {ratio}, "
                    f"{'PASS' if verdict.passed else 'FAIL'}, primary {verdict.primary}, "
                    f"stop {decision.stop}",
                    flush=True,
                )
                if train_s:
                    gate_total += seconds
                    train_total += train_s
        finally:
            engine.close()
        print(f"weight loads (s): {engine.load_seconds}")
        if train_total:
            print(f"overall gate/train: {gate_total / train_total:.2f} (goal <= 0.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
