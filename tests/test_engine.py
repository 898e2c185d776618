"""The evaluation pass with the scripted backend: order, caching, sharing, scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends.scripted import ScriptedBackend, last_user_message
from harness.cache import CompletionCache
from harness.config import Variant
from harness.engine import BackendPool, default_metrics, run_suite
from harness.golden import load_golden
from harness.metrics import aggregate, get_metric


def suite(tmp_path: Path) -> Path:
    rows = [
        {
            "id": f"q{i}",
            "messages": [
                {"role": "user", "content": "x" * (10 - i) + f" question {i}"},
                {"role": "assistant", "content": str(i)},
            ],
            "expect": {"exact": [str(i)], "refuse": False},
        }
        for i in range(6)
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def answer(request: object) -> str:
    text = last_user_message(request)  # type: ignore[arg-type]
    n = text.rsplit(" ", 1)[-1]
    return n if n != "3" else "I'm sorry, but I can't help with that."


def test_run_suite_keeps_example_order_and_caches(tmp_path: Path) -> None:
    golden = load_golden(suite(tmp_path))
    backend = ScriptedBackend(answer)
    cache = CompletionCache(tmp_path / "cache.sqlite3")
    run = run_suite(
        golden, Variant("base", backend="scripted"), backend, cache, progress=False, chunk_size=4
    )
    assert [c.request_id for c in run.completions] == [e.id for e in golden.examples]
    assert run.cache.misses == 6 and not any(c.cached for c in run.completions)
    scores = [r.passed for r in run.score("exact_match")]
    assert scores == [True, True, True, False, True, True]
    again = run_suite(golden, Variant("base", backend="scripted"), backend, cache, progress=True)
    assert again.cache.hits == 6 and all(c.cached for c in again.completions)
    assert len(backend.calls) == 2, "the second pass generated nothing"
    assert aggregate(get_metric("exact_match"), run.score("exact_match")).mean == pytest.approx(
        5 / 6
    )


def test_limit_and_default_metrics(tmp_path: Path) -> None:
    golden = load_golden(suite(tmp_path))
    run = run_suite(golden, Variant("base"), ScriptedBackend(answer), None, limit=2, progress=False)
    assert len(run.completions) == 2
    assert default_metrics(golden.examples) == [
        "exact_match",
        "answer_match",
        "refusal_accuracy",
        "rougeL",
        "length",
    ]


def test_pool_shares_backends_between_prompt_only_variants() -> None:
    pool = BackendPool()
    base = Variant("base", backend="scripted")
    prompted = Variant("prompted", backend="scripted", system_prompt="Be brief.")
    other = Variant("other", backend="scripted", options={"default": "x"})
    assert pool.get(base) is pool.get(prompted)
    assert pool.get(other) is not pool.get(base)
    pool.close()
