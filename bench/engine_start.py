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
import time

from _timing import fresh_trials, print_medians

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
    results = fresh_trials(
        __file__,
        layouts,
        args.trials,
        lambda row: (
            f"start {row['start']:6.1f} s  generate {row['generate']:6.2f} s "
            f"({row['tokens']} tokens)"
        ),
    )
    print_medians(results, ("start", "generate"))


if __name__ == "__main__":
    main()
