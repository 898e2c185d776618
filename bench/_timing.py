"""Benchmark timing helpers: time inside an engine's methods, trials in fresh interpreters."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any


class InsideTimer:
    """Adds up the wall time spent in some methods of one object while :meth:`patched` is open."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return method(*a, **kw)
            finally:
                self.seconds += time.perf_counter() - t0

        return call

    @contextlib.contextmanager
    def patched(self, obj: Any, names: Sequence[str]) -> Iterator[None]:
        """Time ``obj.<name>`` calls (instance attributes shadow the methods) from zero."""
        self.seconds = 0.0
        for name in names:
            setattr(obj, name, self._wrap(getattr(obj, name)))
        try:
            yield
        finally:
            for name in names:
                delattr(obj, name)


def fresh_trials(
    script: str,
    modes: Mapping[str, Mapping[str, str]],
    trials: int,
    line: Callable[[dict[str, Any]], str],
    cwd: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Run ``script --trial`` in a fresh interpreter per mode and trial; modes alternate.

    Each mode is the environment its trials add (the other modes' keys are removed),
    and each trial prints one JSON object as its last line. The order of the modes
    flips from trial to trial, so load on the machine hits every mode alike.
    ``line(row)`` words each trial's progress line.
    """
    keys = {key for env in modes.values() for key in env}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in modes}
    for i in range(trials):
        order = list(modes) if i % 2 == 0 else list(reversed(list(modes)))
        for name in order:
            env = {k: v for k, v in os.environ.items() if k not in keys}
            env.update({"HF_HUB_OFFLINE": "1", **modes[name]})
            proc = subprocess.run(
                [sys.executable, script, "--trial"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=cwd,
            )
            row: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name].append(row)
            print(f"trial {i + 1} {name:17s} {line(row)}", flush=True)
    return results


def print_medians(
    results: Mapping[str, Sequence[Mapping[str, Any]]], keys: Sequence[str], digits: int = 2
) -> None:
    """Print each key's median per mode and the first mode's over the second's, then the
    number of identical answers (``texts``) between the modes' first trials."""
    medians = {
        name: {key: statistics.median(float(r[key]) for r in rows) for key in keys}
        for name, rows in results.items()
    }
    (a_name, a), (b_name, b) = medians.items()
    for key in keys:
        print(
            f"median {key}: {a_name} {a[key]:.{digits}f} s, {b_name} {b[key]:.{digits}f} s "
            f"(ratio {a[key] / b[key]:.3f})"
        )
    first = [rows[0]["texts"] for rows in results.values()]
    same = sum(x == y for x, y in zip(*first, strict=True))
    print(f"identical answers between the two: {same}/{len(first[0])}")
