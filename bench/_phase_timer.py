"""A pytest plugin for ``bench/whole_process.py``: wall time of each phase of a harness run.

Loaded with ``-p _phase_timer`` (``bench/`` on ``PYTHONPATH``) in the breakdown
runs only, never in the timed pairs. It wraps the harness's own functions
(golden load, backend build, model and tokenizer load, generation batches,
metrics, results and scorecard writing) and pytest's phases, and writes
``{phase: seconds}`` as JSON to ``$BENCH_PHASES`` at exit. ``$BENCH_T0`` is the
parent's ``time.time()`` just before it started this process, so the first
phase is interpreter start-up plus every import up to plugin loading.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Generator
from typing import Any

import pytest

_T0 = float(os.environ.get("BENCH_T0", time.time()))
# Phases in the order they happen (they add up to the run); and time inside the
# harness's functions, which fall within those phases.
_sequence: dict[str, float] = defaultdict(float)
_sequence["start-up: interpreter, pytest and plugin imports"] = time.time() - _T0
_inside: dict[str, float] = defaultdict(float)
# The same, in CPU seconds of this process (steadier than wall time on a loaded machine).
_sequence_cpu: dict[str, float] = defaultdict(float)
_sequence_cpu["start-up: interpreter, pytest and plugin imports"] = time.process_time()
_inside_cpu: dict[str, float] = defaultdict(float)
_mark = time.time()
_mark_cpu = time.process_time()


def _timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*a: Any, **kw: Any) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **kw)
        finally:
            _inside[label] += time.perf_counter() - t0
            _inside_cpu[label] += time.process_time() - c0

    return call


def _patch() -> None:
    from harness import engine, results, scorecard, session
    from harness.backends import hf

    session.EvalSession.golden = _timed("golden file load + validation", session.EvalSession.golden)  # type: ignore[method-assign]
    engine.BackendPool.get = _timed("backend build (resolve model)", engine.BackendPool.get)  # type: ignore[method-assign]
    engine.SuiteRun.score = _timed("metrics", engine.SuiteRun.score)  # type: ignore[method-assign]
    session.EvalSession.build_results = _timed("build results", session.EvalSession.build_results)  # type: ignore[method-assign]
    results.write_results = _timed("write results.json", results.write_results)
    scorecard.write_scorecard = _timed("write scorecard.html", scorecard.write_scorecard)
    hf.HFBackend._generate_batch = _timed(  # type: ignore[method-assign]
        "model.generate + decode (shared with raw)", hf.HFBackend._generate_batch
    )
    for name, label in (
        ("model", "torch/transformers import + model load (shared with raw)"),
        ("tokenizer", "tokenizer load + lookups (shared with raw)"),
    ):
        prop = getattr(hf.HFBackend, name)
        setattr(hf.HFBackend, name, property(_timed(label, prop.fget)))
    session.run_suite = _timed(  # type: ignore[attr-defined]
        "evaluation pass (run_suite, all of it)",
        session.run_suite,  # type: ignore[attr-defined]
    )
    # The intervals' and ROUGE's libraries: the first call imports scipy.special / rouge_score.
    from harness import stats
    from harness.metrics import _aggregate, _rouge

    wilson = _timed("Wilson intervals (first call imports scipy.special)", stats.wilson_interval)
    stats.wilson_interval = _aggregate.wilson_interval = wilson  # type: ignore[attr-defined]
    _aggregate._bootstrap_mean = _timed("bootstrap intervals (numpy)", _aggregate._bootstrap_mean)
    _rouge._scorer = _timed(  # type: ignore[assignment]
        "ROUGE scorer (first call imports rouge_score, nltk)", _rouge._scorer
    )


_patch()


def _since_mark(label: str) -> None:
    global _mark, _mark_cpu
    now, cpu = time.time(), time.process_time()
    _sequence[label] += now - _mark
    _sequence_cpu[label] += cpu - _mark_cpu
    _mark, _mark_cpu = now, cpu


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Mark the start of configure (a historic hook: it cannot be wrapped)."""
    _since_mark("start-up: remaining plugin loading")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Mark the end of configure."""
    _since_mark("pytest_configure (every plugin; harness: config, variants, session)")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection(session: pytest.Session) -> Generator[None, None, None]:
    """Time collection of the test file."""
    _since_mark("session start")
    try:
        return (yield)
    finally:
        _since_mark("collection")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, None, None]:
    """Time the test run (the evaluation happens inside it)."""
    _since_mark("between collection and tests")
    try:
        return (yield)
    finally:
        _since_mark("test run (everything the test does)")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, None, None]:
    """Time session finish (results.json and the scorecard are written here)."""
    _since_mark("after the tests")
    try:
        return (yield)
    finally:
        _since_mark("session finish after the summary")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any) -> Generator[None, None, None]:
    """Time the terminal summary."""
    _since_mark("session finish before the summary (harness: results.json, scorecard)")
    try:
        return (yield)
    finally:
        _since_mark("terminal summary")


def _dump() -> None:
    _since_mark("unconfigure, until atexit")
    out = os.environ.get("BENCH_PHASES")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "sequence": _sequence,
                    "inside": _inside,
                    "sequence_cpu": _sequence_cpu,
                    "inside_cpu": _inside_cpu,
                    "at_exit": time.time() - _T0,
                },
                fh,
                indent=1,
            )


atexit.register(_dump)
