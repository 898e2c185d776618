"""Planned runs: what tests will evaluate, read from their source, generated in one pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.backends.scripted import ScriptedBackend
from harness.config import load_config
from harness.plan import PlannedCall, planned_calls
from harness.session import EvalSession

pytest_plugins = ["pytester"]

SUITE = "qa"
TOKENS = 12
NOT_A_NUMBER = "twelve"


def uses_constants(evaluate: Any) -> None:
    evaluate(SUITE, max_new_tokens=TOKENS).check("exact_match >= 0.8")
    evaluate(SUITE, max_new_tokens=TOKENS).check("rougeL >= 0.1")  # the same run again


def uses_literals(evaluate: Any) -> None:
    if evaluate("other", limit=3).aggregate("exact_match").mean:
        evaluate(suite="qa")


def not_static(evaluate: Any, name: str, options: dict[str, int]) -> None:
    evaluate(name)  # computed suite name
    evaluate(SUITE, **options)  # keywords only known at run time
    evaluate(SUITE, max_new_tokens=NOT_A_NUMBER)  # not a whole number
    evaluate(SUITE, limit=len(options))  # a call, not a literal
    evaluate(SUITE, 5)  # a positional argument evaluate does not take


def test_calls_resolve_literals_and_module_constants() -> None:
    namespace = globals()
    assert planned_calls(uses_constants, namespace) == [PlannedCall("qa", None, TOKENS)]
    assert planned_calls(uses_literals, namespace) == [
        PlannedCall("other", 3, None),
        PlannedCall("qa", None, None),
    ]
    assert planned_calls(not_static, namespace) == []
    assert planned_calls(len, namespace) == []  # no Python source to read


ROWS = [
    {
        "id": f"{suite}-{i}",
        "messages": [
            {"role": "user", "content": f"{suite} question {i}" + " padding" * i},
            {"role": "assistant", "content": f"answer {i}"},
        ],
        "expect": {"exact": [f"answer {i}"]},
    }
    for suite in ("qa", "other")
    for i in range(4)
]


class Engine(ScriptedBackend):
    """A scripted backend that says it batches continuously, as vLLM's does."""

    continuous_batching = True
    batch_size = 64  # requests per engine call


def session_with(tmp_path: Path, backend: ScriptedBackend, *, cache: bool) -> EvalSession:
    golden = tmp_path / "golden"
    golden.mkdir(exist_ok=True)
    for suite in ("qa", "other"):
        rows = [r for r in ROWS if str(r["id"]).startswith(f"{suite}-")]
        (golden / f"{suite}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "system.txt").write_text("Be brief.")
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.harness]\ncache_dir = "cache"\n'
        '[tool.harness.models.base]\nbackend = "scripted"\n'
        '[tool.harness.models.prompted]\nbackend = "scripted"\nsystem_prompt = "system.txt"\n'
    )
    config = load_config(path)
    variants = [config.variant("base"), config.variant("prompted")]
    lines: list[str] = []
    session = EvalSession(
        config,
        variants,
        tmp_path / "out",
        use_cache=cache,
        progress=lambda text, end: lines.append(text) if end else None,
    )
    session.pool.put(variants[0], backend)
    session.lines = lines  # type: ignore[attr-defined]
    return session


def reply(request: Any) -> str:
    return f"answer {request.id.rsplit('-', 1)[1]}"


@pytest.mark.parametrize("cache", [True, False])
def test_planned_runs_on_one_engine_are_generated_in_one_pass(tmp_path: Path, cache: bool) -> None:
    engine = Engine(reply)
    session = session_with(tmp_path, engine, cache=cache)
    base, prompted = session.variants
    session.plan(
        [
            ("base", PlannedCall("qa", None, 8)),
            ("base", PlannedCall("other", 2, None)),
            ("prompted", PlannedCall("qa", None, 8)),
            ("nobody", PlannedCall("qa")),  # not a variant of this run: left out
            ("base", PlannedCall("missing")),  # no such golden file: fails in its own test
        ]
    )
    first = session.evaluate("qa", base, max_new_tokens=8)
    # Every planned run went to the engine in one call, longest cap first.
    assert len(engine.calls) == 1
    asked = engine.calls[0]
    assert sorted(r.id for r in asked) == sorted(
        [f"qa-{i}" for i in range(4)] * 2 + ["other-0", "other-1"]
    )
    assert [r.sampling.max_new_tokens for r in asked] == [256] * 2 + [8] * 8
    others = session.evaluate("other", base, limit=2)
    again = session.evaluate("qa", prompted, max_new_tokens=8)
    assert len(engine.calls) == 1
    # Each run has its own examples, in order, with its own answers and prompts.
    assert [c.request_id for c in first.runs[0].completions] == [f"qa-{i}" for i in range(4)]
    assert [c.text for c in others.runs[0].completions] == ["answer 0", "answer 1"]
    assert first.aggregate("exact_match").mean == again.aggregate("exact_match").mean == 1.0
    prompted_asks = [r for r in asked if r.messages[0].content == "Be brief."]
    assert len(prompted_asks) == 4
    # Progress says which pass generated a run; the cache counts each run's misses once.
    lines = session.lines  # type: ignore[attr-defined]
    assert lines[0].endswith("(0 cached), 2 more planned runs in the same pass")
    assert lines[1].endswith("(0 cached), generated in the pass of qa · base")
    results = session.build_results()
    assert results.metadata.cache.get("misses") == 10
    # A run that was not planned is generated on its own, as before.
    session.evaluate("qa", base, max_new_tokens=9)
    assert len(engine.calls) == 2 and len(engine.calls[1]) == 4
    session.close()


def test_a_backend_without_continuous_batching_ignores_the_plan(tmp_path: Path) -> None:
    backend = ScriptedBackend(reply)
    session = session_with(tmp_path, backend, cache=False)
    base, prompted = session.variants
    session.plan([("base", PlannedCall("qa")), ("prompted", PlannedCall("qa"))])
    session.evaluate("qa", base)
    assert len(backend.calls) == 1 and len(backend.calls[0]) == 4
    session.evaluate("qa", prompted)
    assert len(backend.calls) == 2
    assert session.lines[0] == "done in 0.0 s (0 cached)"  # type: ignore[attr-defined]


PYPROJECT = """
[tool.pytest.ini_options]
addopts = "--harness-split all"
[tool.harness]
default_models = ["base"]
report_dir = "out"
[tool.harness.models.base]
backend = "scripted"
"""

CONFTEST = """
from harness.backends.scripted import ScriptedBackend

# As vLLM's backend says of itself.
ScriptedBackend.continuous_batching = True
ScriptedBackend.batch_size = 64
"""


def test_the_plugin_plans_the_selected_tests(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject=PYPROJECT)
    golden = pytester.path / "golden"
    golden.mkdir()
    for suite in ("qa", "other"):
        rows = [r for r in ROWS if str(r["id"]).startswith(f"{suite}-")]
        (golden / f"{suite}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_qa='SUITE = "qa"\n\ndef test_qa(evaluate):\n    evaluate(SUITE, max_new_tokens=8)\n',
        test_other='def test_other(evaluate):\n    evaluate("other", limit=2)\n',
    )
    both = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--harness-no-cache")
    both.assert_outcomes(passed=2)
    both.stdout.fnmatch_lines(
        [
            "other · base: 2 examples ... done in * s (0 cached), "
            "1 more planned run in the same pass",
            "qa · base: 4 examples ... done in * s (0 cached), generated in the pass of other · base",
        ]
    )
    # A deselected test is not planned: its suite is not generated.
    one = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--harness-no-cache", "-k", "test_qa"
    )
    one.assert_outcomes(passed=1, deselected=1)
    one.stdout.fnmatch_lines(["qa · base: 4 examples ... done in * s (0 cached)"])
    assert "planned" not in one.stdout.str() and "other ·" not in one.stdout.str()
    # --harness-no-plan: each suite on its own, when its test asks.
    apart = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--harness-no-cache", "--harness-no-plan"
    )
    apart.assert_outcomes(passed=2)
    apart.stdout.fnmatch_lines(
        [
            "other · base: 2 examples ... done in * s (0 cached)",
            "qa · base: 4 examples ... done in * s (0 cached)",
        ]
    )
    assert "planned" not in apart.stdout.str()
