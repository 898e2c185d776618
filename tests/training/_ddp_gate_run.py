"""Run by ``accelerate launch --num_processes 2 --cpu`` from test_gate_callback.py.

argv: TRAIN_FILE OUT_DIR. Trains a few steps with a gate that always fails
and ``stop_on_failure``; each rank writes where it stopped and how many
evaluations it ran into OUT_DIR/rank-N.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import tiny_settings  # tests/training/conftest.py, next to this script

from training.gate import GateCallback
from training.sft import train


def main() -> None:
    """Train, gate, report per rank."""
    import torch.distributed as dist

    train_file, out = Path(sys.argv[1]), Path(sys.argv[2])
    config = tiny_settings(
        run_name="ddp",
        train_file=str(train_file),
        output_dir=str(out / "run"),
        lora={"r": 4, "alpha": 8, "dropout": 0.0},
        max_length=64,
        max_steps=6,
    )
    gate = GateCallback(
        ["suites/test_impossible.py"],
        run_name="ddp",
        primary_metric="rougeL",
        report_root=out / "reports",
        runs_root=out / "runs",
        stop_on_failure=True,
    )
    result = train(config, callbacks=[gate])
    rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
    world = dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1
    (out / f"rank-{rank}.json").write_text(
        json.dumps(
            {
                "rank": rank,
                "world": world,
                "step": result.global_step,
                "evaluations": gate.evaluations,
            }
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
