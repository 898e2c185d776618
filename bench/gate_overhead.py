"""Gate overhead: time spent gating each checkpoint over training time between checkpoints.

Reads the ``history.json`` a gated run writes (``make demo`` writes
``reports/demo/training/history.json``) and prints, per checkpoint, the gate's
wall time, the training wall time since the previous checkpoint, and their
ratio; then the overall ratio (goal on the CPU demo: <= 0.25), and the ratio with
the gates' once-per-run set-up before step 1 (engine start, base guard run) added.

    .venv/bin/python bench/gate_overhead.py [HISTORY_JSON]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    """Print the per-checkpoint and overall overhead."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/demo/training/history.json")
    if not path.is_file():
        print(f"{path}: not found (run `make demo` first, or give a run's history.json)")
        return 2
    rows = json.loads(path.read_text(encoding="utf-8"))
    gate_total = train_total = setup = 0.0
    print(f"{'step':>6} {'train s':>9} {'gate s':>8} {'gate/train':>11}  verdict")
    for r in rows:
        gate, train = r.get("gate_seconds"), r.get("train_seconds")
        setup += r.get("setup_seconds") or 0.0
        if gate is None or not train:
            continue
        gate_total += gate
        train_total += train
        verdict = "PASS" if r["passed"] else "FAIL"
        print(f"{r['step']:>6} {train:>9.1f} {gate:>8.1f} {gate / train:>11.2f}  {verdict}")
    if not train_total:
        print("no timed checkpoints in this history")
        return 2
    print(f"overall gate/train: {gate_total / train_total:.2f} (goal <= 0.25)")
    if setup:
        # Engine start and the base model's guard run, once before step 1.
        ratio = (gate_total + setup) / train_total
        print(f"with the once-per-run set-up ({setup:.1f} s): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
