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
import time
from pathlib import Path

from _timing import fresh_trials, print_medians

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
    results = fresh_trials(
        __file__,
        MODES,
        args.trials,
        lambda row: f"load {row['load']:5.2f} s  generate {row['generate']:6.2f} s",
        cwd=str(REPO),
    )
    print_medians(results, ("load", "generate"))


if __name__ == "__main__":
    main()
