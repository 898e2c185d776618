"""Benchmark: a fully cached re-run of 1,000 requests through the completion cache.

Fills a fresh cache with 1,000 completions from a deterministic fake backend
(realistic sizes: a system prompt and a user turn in, ~60 tokens with
per-token timings out), then times ``generate_with_cache`` over the same
1,000 requests again, every one a hit. The goal is a re-run in at most 2 s.

Run: ``.venv/bin/python bench/cache_rerun.py [--n 1000] [--repeat 5]``.
Exits 1 when the best re-run misses the goal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from harness._types import Completion, GenerationRequest, Message, Role, SamplingParams
from harness.cache import CompletionCache, generate_with_cache

GOAL_S = 2.0
SYSTEM = "You extract people from text and answer with JSON only. " * 4


class FakeBackend:
    """Deterministic backend: instant answers of realistic size, counted."""

    name = "bench-fake"

    def __init__(self) -> None:
        self.generated = 0

    @property
    def fingerprint(self) -> str:
        """A fixed model identity."""
        return "bench-model-0"

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """One ~60-token completion per request."""
        self.generated += len(requests)
        return [
            Completion(
                request_id=r.id,
                text='{"name": "Ana Lima", "age": null, "city": "Porto"} ' * 5,
                latency_s=1.5,
                ttft_s=0.05,
                prompt_tokens=120,
                completion_tokens=60,
                finish_reason="stop",
                inter_token_s=tuple(0.02 + 0.0001 * i for i in range(60)),
            )
            for r in requests
        ]


def make_requests(n: int) -> list[GenerationRequest]:
    """``n`` distinct chat requests."""
    sampling = SamplingParams(max_new_tokens=128, stop=("\n\n",))
    return [
        GenerationRequest(
            id=f"person-{i:04d}",
            messages=(
                Message(Role.SYSTEM, SYSTEM),
                Message(Role.USER, f"Example {i}: Ana Lima, who lives in Porto, wrote to us."),
            ),
            sampling=sampling,
            json_schema={"type": "object", "required": ["name", "age"]},
        )
        for i in range(n)
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the timings; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="requests (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed re-runs (default 5)")
    args = parser.parse_args(argv)

    requests = make_requests(args.n)
    with tempfile.TemporaryDirectory() as tmp, CompletionCache(Path(tmp) / "c.sqlite3") as cache:
        backend = FakeBackend()
        start = time.perf_counter()
        _, stats = generate_with_cache(backend, requests, cache)
        fill_s = time.perf_counter() - start
        assert stats.written == args.n and backend.generated == args.n

        times = []
        for _ in range(args.repeat):
            backend = FakeBackend()
            start = time.perf_counter()
            results, stats = generate_with_cache(backend, requests, cache)
            times.append(time.perf_counter() - start)
            assert stats.hits == args.n and backend.generated == 0
            assert all(c.cached for c in results)

    best, median = min(times), statistics.median(times)
    print(f"requests:            {args.n}")
    print(f"fill (generate+store, 8 per chunk): {fill_s:.3f} s")
    print(f"cached re-run:       best {best:.3f} s, median {median:.3f} s over {args.repeat}")
    print(f"per request:         {1e6 * best / args.n:.0f} us")
    print(f"re-run / goal:       {best / GOAL_S:.3f} (goal <= {GOAL_S:.1f} s)")
    print(f"fill / re-run:       {fill_s / best:.1f}x")
    return 0 if best <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
