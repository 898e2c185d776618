"""Run by ``accelerate launch --config_file golden/train/fsdp_cpu.yaml`` from test_fsdp.py.

argv: TRAIN_FILE OUT_DIR. Trains LoRA under FSDP (two gloo processes,
checkpoints every 2 steps), gates each checkpoint on rank 0 with the project's
suite (cwd) and ``stop_on_failure``, and writes each rank's view to
OUT_DIR/rank-N.json: distributed type, where it stopped, how many evaluations
it ran and (rank 0) the verdicts.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from conftest import tiny_settings  # tests/training/conftest.py, next to this script

from training.gate import GateCallback
from training.sft import train


def main() -> None:
    """Train under FSDP, gate, report per rank."""
    from accelerate.state import PartialState

    train_file, out = Path(sys.argv[1]), Path(sys.argv[2])
    config = tiny_settings(
        run_name="fsdp",
        train_file=str(train_file),
        output_dir=str(out / "run"),
        lora={"r": 4, "alpha": 8, "dropout": 0.0},
        max_length=64,
        max_steps=4,
        save_steps=2,
        batch_size=2,
    )
    gate = GateCallback(
        ["suites/test_short.py"],
        run_name="fsdp",
        primary_metric="rougeL",
        report_root=out / "reports",
        runs_root=out / "runs",
        # Both verdicts are computed here, never read from the other's completions.
        pytest_args=["--harness-no-cache"],
        stop_on_failure=True,
    )
    result = train(config, callbacks=[gate])
    state = PartialState()
    (out / f"rank-{state.process_index}.json").write_text(
        json.dumps(
            {
                "rank": state.process_index,
                "world": state.num_processes,
                "distributed_type": str(state.distributed_type).rpartition(".")[2],
                "step": result.global_step,
                "evaluations": gate.evaluations,
                "verdicts": [asdict(v) for v in gate.history],
            }
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
