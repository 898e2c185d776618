"""Throughput of one vs two vLLM server replicas behind one ``openai`` variant, side by side.

Two ``harness.serve.VLLMServer`` processes serve the embedded model, each
bound to its own CPU core (``VLLM_CPU_OMP_THREADS_BIND``), as two GPUs would
each hold a replica. The same ``--n`` requests (the first examples of the
golden ``general`` suite, greedy, ``--max-tokens`` new tokens) go through the
``openai`` backend with ``base_url = [A]`` and ``base_url = [A, B]``,
alternating for ``--rounds`` rounds (the best of each kept, so background load
hits both). ``--whole`` adds, after those servers stop, one server bound to
both cores: the same two cores as one replica.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/replicas.py [--n 32] [--max-tokens 32] [--rounds 2] [--whole]
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
    variant = Variant("base", backend="openai")
    sampling = SamplingParams(max_new_tokens=max_tokens)
    return [variant.request(e, sampling) for e in golden.examples[:n]]


def one_pass(urls: list[str], requests: list[Any], concurrency: int) -> tuple[float, int]:
    """Send every request through the openai backend over ``urls``; wall seconds and tokens."""
    from harness.backends.openai import OpenAIBackend

    with OpenAIBackend(urls, "embedded", max_concurrency=concurrency, timeout_s=300) as backend:
        start = time.perf_counter()
        completions = backend.generate(requests)
        wall = time.perf_counter() - start
    return wall, sum(c.completion_tokens or 0 for c in completions)


def server(path: Path, cores: str) -> Any:
    """A server for the embedded model with its engine threads on ``cores``."""
    from harness.serve import VLLMServer

    return VLLMServer(
        path,
        served_model_name="embedded",
        startup_timeout_s=400,
        env={"VLLM_CPU_OMP_THREADS_BIND": cores, "VLLM_CPU_KVCACHE_SPACE": "1"},
    )


def main() -> int:
    """Start the replicas, run the passes side by side, print tokens per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8, help="per replica")
    parser.add_argument("--whole", action="store_true", help="also one server on both cores")
    args = parser.parse_args()
    from harness.models import resolve_model

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path, _ = resolve_model("embedded")
    requests = golden_requests(args.n, args.max_tokens)
    cpus = sorted(os.sched_getaffinity(0))
    print(f"{len(requests)} requests, {args.max_tokens} new tokens, CPUs {cpus}")
    best: dict[str, tuple[float, int]] = {}
    started = time.perf_counter()
    with server(path, str(cpus[0])) as a, server(path, str(cpus[-1])) as b:
        print(f"two servers ready in {time.perf_counter() - started:.0f} s")
        one_pass([a.base_url, b.base_url], requests[:4], args.concurrency)  # warm both
        for _ in range(args.rounds):
            for label, urls in (
                ("1 replica (1 core)", [a.base_url]),
                ("2 replicas (1 core each)", [a.base_url, b.base_url]),
            ):
                wall, tokens = one_pass(urls, requests, args.concurrency)
                print(f"  {label}: {wall:.1f} s, {tokens / wall:.1f} tok/s")
                if label not in best or wall < best[label][0]:
                    best[label] = (wall, tokens)
    if args.whole:
        with server(path, ",".join(str(c) for c in cpus)) as whole:
            one_pass([whole.base_url], requests[:4], args.concurrency)
            for _ in range(args.rounds):
                wall, tokens = one_pass([whole.base_url], requests, args.concurrency)
                print(f"  1 replica (all cores): {wall:.1f} s, {tokens / wall:.1f} tok/s")
                label = "1 replica (all cores)"
                if label not in best or wall < best[label][0]:
                    best[label] = (wall, tokens)
    print("best of each:")
    for label, (wall, tokens) in best.items():
        print(f"  {label:28s} {wall:6.1f} s  {tokens:5d} tokens  {tokens / wall:6.1f} tok/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
