"""vLLM's CPU engine in this process vs in its own processes, side by side: start and speed.

Each trial is a fresh interpreter that builds the harness's ``vllm`` backend on the
embedded model, times the engine start (``VLLMBackend.llm``), then times
``generate`` on the same 16 chat requests (greedy, 96 new tokens) twice. The
in-process engine is the harness's default on CPU; ``VLLM_ENABLE_V1_MULTIPROCESSING=1``
in the environment gives vLLM's own layout (an engine-core process and a worker
process, each importing torch and vLLM afresh). Trials alternate between the two so
that machine load hits both alike; answers are compared between the layouts.

    .venv/bin/python bench/engine_start.py [--trials 3]
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

LAYOUTS = {"in process": "", "own processes": "1"}


def trial() -> None:
    """One trial in this interpreter: print a JSON line of timings and answers."""
    from harness._types import GenerationRequest, Message, Role, SamplingParams
    from harness.backends.vllm import VLLMBackend
    from harness.models import resolve_model

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
    parser.add_argument("--trial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trial:
        trial()
        return
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in LAYOUTS}
    for i in range(args.trials):
        order = list(LAYOUTS) if i % 2 == 0 else list(reversed(LAYOUTS))
        for name in order:
            env = {**os.environ, "HF_HUB_OFFLINE": "1"}
            env.pop("VLLM_ENABLE_V1_MULTIPROCESSING", None)
            if LAYOUTS[name]:
                env["VLLM_ENABLE_V1_MULTIPROCESSING"] = LAYOUTS[name]
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
                f"trial {i + 1} {name:14s} start {row['start']:6.1f} s  "
                f"generate {row['generate']:6.2f} s ({row['tokens']} tokens)",
                flush=True,
            )
    medians = {
        name: {key: statistics.median(float(r[key]) for r in rows) for key in ("start", "generate")}
        for name, rows in results.items()
    }
    inproc, own = medians["in process"], medians["own processes"]
    first = [rows[0]["texts"] for rows in results.values()]
    same = sum(a == b for a, b in zip(*first, strict=True))
    print(
        f"median start: in process {inproc['start']:.1f} s, own processes {own['start']:.1f} s "
        f"(ratio {inproc['start'] / own['start']:.2f})"
    )
    print(
        f"median generate: in process {inproc['generate']:.2f} s, own processes "
        f"{own['generate']:.2f} s (ratio {inproc['generate'] / own['generate']:.3f})"
    )
    print(f"identical answers between the layouts: {same}/16")


if __name__ == "__main__":
    main()
