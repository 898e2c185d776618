"""The ``hf`` backend's load with garbage collection paused (the harness's) vs left on.

Each trial is a fresh interpreter that builds the harness's ``hf`` backend on the
embedded model (float32, batches of 32, the whole-process benchmark's settings),
times ``load()`` (importing torch and transformers, the tokenizer, the weights;
under the harness's pause, one full collection at the end), then times
``generate`` on exact_qa's 136 prompts (greedy, 24 new tokens), so a slower heap
after the load would show. Trials alternate between the two, so machine load
hits both alike; answers are compared.

    .venv/bin/python bench/hf_load.py [--trials 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MODES = {"collection paused": {}, "collection on": {"BENCH_COLLECTION_ON": "1"}}


def trial() -> None:
    """One trial in this interpreter: print a JSON line of timings and answers."""
    start = time.perf_counter()
    import contextlib

    import harness.backends.hf
    from harness._types import GenerationRequest, SamplingParams
    from harness.backends.hf import HFBackend
    from harness.golden import load_golden
    from harness.models import resolve_model

    if os.environ.get("BENCH_COLLECTION_ON"):
        vars(harness.backends.hf)["collection_paused"] = contextlib.nullcontext
    path, fingerprint = resolve_model("embedded")
    backend = HFBackend(path, fingerprint=fingerprint, batch_size=32, batch_tokens=12288)
    imported = time.perf_counter() - start
    start = time.perf_counter()
    backend.load()
    loaded = time.perf_counter() - start
    golden = load_golden(REPO / "golden" / "exact_qa.jsonl")
    requests = [
        GenerationRequest(
            id=ex.id, messages=ex.messages, sampling=SamplingParams(max_new_tokens=24)
        )
        for ex in golden.examples
    ]
    start = time.perf_counter()
    completions = backend.generate(requests)
    generated = time.perf_counter() - start
    print(
        json.dumps(
            {
                "harness import": imported,
                "load": loaded,
                "generate": generated,
                "texts": [c.text for c in completions],
            }
        )
    )


def main() -> None:
    """Run the trials and print each mode's load and generation times and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--trial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trial:
        trial()
        return
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in MODES}
    for i in range(args.trials):
        order = list(MODES) if i % 2 == 0 else list(reversed(MODES))
        for name in order:
            env = {**os.environ, "HF_HUB_OFFLINE": "1", **MODES[name]}
            if not MODES[name]:
                env.pop("BENCH_COLLECTION_ON", None)
            proc = subprocess.run(
                [sys.executable, __file__, "--trial"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            )
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name].append(row)
            print(
                f"trial {i + 1} {name:17s} load {row['load']:5.2f} s  "
                f"generate {row['generate']:6.2f} s",
                flush=True,
            )
    medians = {
        name: {key: statistics.median(float(r[key]) for r in rows) for key in ("load", "generate")}
        for name, rows in results.items()
    }
    (a_name, a), (b_name, b) = medians.items()
    first = [rows[0]["texts"] for rows in results.values()]
    same = sum(x == y for x, y in zip(*first, strict=True))
    for key in ("load", "generate"):
        print(
            f"median {key}: {a_name} {a[key]:.2f} s, {b_name} {b[key]:.2f} s "
            f"(ratio {a[key] / b[key]:.3f})"
        )
    print(f"identical answers between the two: {same}/{len(first[0])}")


if __name__ == "__main__":
    main()
