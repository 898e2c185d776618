"""vLLM's CPU engine in this process vs in its own processes, side by side: start and speed.

Each trial is a fresh interpreter that builds the harness's ``vllm`` backend on the
embedded model, times the engine start (``VLLMBackend.llm``), then times
``generate`` on the same 16 chat requests (greedy, 96 new tokens) twice. The
in-process engine is the harness's default on CPU; ``VLLM_ENABLE_V1_MULTIPROCESSING=1``
in the environment gives vLLM's own layout (an engine-core process and a worker
process, each importing torch and vLLM afresh). Trials alternate between the two so
that machine load hits both alike; answers are compared between the layouts.

``--collection`` compares instead two in-process starts: the harness's (automatic
garbage collection paused while vLLM imports and the engine starts) and one with
collection left on throughout.

    .venv/bin/python bench/engine_start.py [--trials 3] [--collection]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

LAYOUTS = {"in process": {}, "own processes": {"VLLM_ENABLE_V1_MULTIPROCESSING": "1"}}
COLLECTION = {"collection paused": {}, "collection on": {"BENCH_COLLECTION_ON": "1"}}


def trial() -> None:
    """One trial in this interpreter: print a JSON line of timings and answers."""
    import contextlib

    import harness.backends.vllm
    from harness._types import GenerationRequest, Message, Role, SamplingParams
    from harness.backends.vllm import VLLMBackend
    from harness.models import resolve_model

    if os.environ.get("BENCH_COLLECTION_ON"):
        vars(harness.backends.vllm)["collection_paused"] = contextlib.nullcontext

    path, fingerprint = resolve_model("embedded")
    backend = VLLMBackend(path, fingerprint=fingerprint)
    start = time.perf_counter()
    backend.llm  # noqa: B018 - starts the engine
    started = time.perf_counter() - start
    requests = [
        GenerationRequest(
            id=f"r{i}",
            messages=(Message(Role.USER, f"Write two sentences about the number {i}."),),
            sampling=SamplingParams(max_new_tokens=96),
        )
        for i in range(16)
    ]
    runs = []
    for _ in range(2):
        start = time.perf_counter()
        completions = backend.generate(requests)
        runs.append(time.perf_counter() - start)
    tokens = sum(c.completion_tokens or 0 for c in completions)
    backend.close()
    print(
        json.dumps(
            {
                "start": started,
                "generate": min(runs),
                "tokens": tokens,
                "texts": [c.text for c in completions],
            }
        )
    )


def main() -> None:
    """Run the trials and print each layout's start and generation times and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument(
        "--collection",
        action="store_true",
        help="in process with garbage collection paused during the start (the harness's) "
        "vs left on",
    )
    parser.add_argument("--trial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trial:
        trial()
        return
    layouts = COLLECTION if args.collection else LAYOUTS
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in layouts}
    for i in range(args.trials):
        order = list(layouts) if i % 2 == 0 else list(reversed(layouts))
        for name in order:
            env = {**os.environ, "HF_HUB_OFFLINE": "1"}
            for key in ("VLLM_ENABLE_V1_MULTIPROCESSING", "BENCH_COLLECTION_ON"):
                env.pop(key, None)
            env.update(layouts[name])
            proc = subprocess.run(
                [sys.executable, __file__, "--trial"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name].append(row)
            print(
                f"trial {i + 1} {name:17s} start {row['start']:6.1f} s  "
                f"generate {row['generate']:6.2f} s ({row['tokens']} tokens)",
                flush=True,
            )
    medians = {
        name: {key: statistics.median(float(r[key]) for r in rows) for key in ("start", "generate")}
        for name, rows in results.items()
    }
    (a_name, a), (b_name, b) = medians.items()
    first = [rows[0]["texts"] for rows in results.values()]
    same = sum(x == y for x, y in zip(*first, strict=True))
    print(
        f"median start: {a_name} {a['start']:.1f} s, {b_name} {b['start']:.1f} s "
        f"(ratio {a['start'] / b['start']:.2f})"
    )
    print(
        f"median generate: {a_name} {a['generate']:.2f} s, {b_name} "
        f"{b['generate']:.2f} s (ratio {a['generate'] / b['generate']:.3f})"
    )
    print(f"identical answers between the two: {same}/16")


if __name__ == "__main__":
    main()
