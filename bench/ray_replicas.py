"""Throughput of one vs two Ray Data replicas of the ``hf`` backend, side by side.

A local Ray cluster with one CPU per core; the ``ray`` backend runs the
embedded model's ``hf`` variant (one thread per replica, ``cpus_per_replica =
1``) as one or two actors. The same ``--n`` requests (the first examples of the
golden ``general`` suite, greedy, ``--max-tokens`` new tokens) go through both,
alternating for ``--rounds`` rounds (the best of each kept, so background load
hits both), next to the plain ``hf`` backend in this process with one thread
per core and no Ray. Each pass is what one suite costs: a Ray Data pipeline
starts its replicas, each loads the model, then answers; so every figure
includes the model loads.

    HF_HUB_OFFLINE=1 flock /tmp/model.lock .venv/bin/python bench/ray_replicas.py [--n 16] [--max-tokens 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def golden_requests(n: int, max_tokens: int) -> list[Any]:
    """The ``base`` variant's requests for the first ``n`` examples of ``general``."""
    from harness._types import SamplingParams
    from harness.config import Variant
    from harness.golden import load_golden

    golden = load_golden(REPO / "golden" / "general.jsonl")
    variant = Variant("base", backend="hf")
    sampling = SamplingParams(max_new_tokens=max_tokens)
    return [variant.request(e, sampling) for e in golden.examples[:n]]


def main() -> int:
    """Start a local Ray cluster, run the passes side by side, print tokens per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import ray

    from harness.backends.ray import RayBackend
    from harness.config import Variant
    from harness.engine import build_backend

    cores = len(os.sched_getaffinity(0))
    requests = golden_requests(args.n, args.max_tokens)
    started = time.perf_counter()
    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    print(f"{len(requests)} requests, {args.max_tokens} new tokens, {cores} cores")
    print(f"local Ray cluster up in {time.perf_counter() - started:.1f} s")
    inner = Variant("base", backend="hf", options={"threads": 1, "batch_size": 8})
    passes: dict[str, Any] = {
        "1 Ray replica (1 core)": lambda: RayBackend(inner, replicas=1),
        "2 Ray replicas (1 core each)": lambda: RayBackend(inner, replicas=2),
        f"hf in-process ({cores} threads, no Ray)": lambda: build_backend(
            Variant("base", backend="hf", options={"threads": cores, "batch_size": 8})
        ),
    }
    best: dict[str, tuple[float, int]] = {}
    texts: dict[str, list[str]] = {}
    try:
        for _ in range(args.rounds):
            for label, make in passes.items():
                backend = make()
                start = time.perf_counter()
                completions = backend.generate(requests)
                wall = time.perf_counter() - start
                tokens = sum(c.completion_tokens or 0 for c in completions)
                texts.setdefault(label, [c.text for c in completions])
                print(f"  {label}: {wall:.1f} s, {tokens / wall:.1f} tok/s", flush=True)
                if label not in best or wall < best[label][0]:
                    best[label] = (wall, tokens)
    finally:
        ray.shutdown()
    print("best of each (model loads included):")
    for label, (wall, tokens) in best.items():
        print(f"  {label:36s} {wall:6.1f} s  {tokens:5d} tokens  {tokens / wall:6.1f} tok/s")
    reference = next(iter(texts.values()))
    for label, answers in texts.items():
        same = sum(a == b for a, b in zip(answers, reference, strict=True))
        print(f"  {label}: {same}/{len(reference)} answers identical to the first")
    return 0


if __name__ == "__main__":
    sys.exit(main())
