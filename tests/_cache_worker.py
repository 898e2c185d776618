"""A separate process for the completion cache tests (see ``tests/test_cache.py``).

``write DB N GO_FILE``
    print ``ready``, wait for GO_FILE, then write and read keys ``25N .. 25N+49``
    one short transaction at a time; print ``done``.
``resume DB COUNT CHUNK SLEEP_S``
    run ``generate_with_cache`` over COUNT requests with a backend that sleeps
    SLEEP_S per chunk, printing ``progress K`` after each stored chunk, until
    killed or finished.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# The script's own directory is on sys.path, so the test module's fake is shared.
from test_cache import FakeBackend, make_requests

from harness._types import Completion
from harness.cache import CompletionCache, generate_with_cache


def write(path: Path, worker: int, go: Path) -> None:
    """Write overlapping keys alongside the other workers."""
    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the go file never appeared")
        time.sleep(0.005)
    with CompletionCache(path) as cache:
        for i in range(25 * worker, 25 * worker + 50):
            completion = Completion(request_id=f"id-{i}", text=f"text-{i}", latency_s=0.1)
            if i % 5 == 0:
                cache.put_many([(f"key-{i}", completion)])
            else:
                cache.put(f"key-{i}", completion)
            cache.get_many([f"key-{i}", f"key-{i - 1}"])
    print("done", flush=True)


def resume(path: Path, count: int, chunk: int, sleep_s: float) -> None:
    """Generate through the cache slowly, reporting each stored chunk."""
    with CompletionCache(path) as cache:
        generate_with_cache(
            FakeBackend(sleep_s=sleep_s),
            make_requests(count),
            cache,
            chunk_size=chunk,
            on_progress=lambda k: print(f"progress {k}", flush=True),
        )


def main(argv: list[str]) -> None:
    """Dispatch on the mode named first."""
    mode, path, *rest = argv
    if mode == "write":
        write(Path(path), int(rest[0]), Path(rest[1]))
    elif mode == "resume":
        resume(Path(path), int(rest[0]), int(rest[1]), float(rest[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
