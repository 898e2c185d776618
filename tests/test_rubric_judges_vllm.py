"""A rubric judge served by the vLLM backend with the embedded model (2 examples, both modes).

The embedded model is small, so what it answers is not asserted; what is: every
verdict is either a 1-5 score (value score/5) or a win/tie/loss from both
orders, or not applicable with the reply quoted, and a second session asks
the engine nothing because the judge's replies come from the completion cache.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _deps import missing

from harness.backends.scripted import ScriptedBackend
from harness.config import load_config
from harness.session import EvalSession

pytestmark = [pytest.mark.vllm, pytest.mark.model]

if missing("vllm"):
    pytest.skip("vllm is not installed", allow_module_level=True)

QA = [
    ("q1", "What is the capital of France?", "Paris", "The capital of France is Paris."),
    ("q2", "What is 2 + 2?", "4", "2 + 2 is 5."),
]


class _Silent(ScriptedBackend):
    """A backend that raises if asked anything, under the engine's name and fingerprint.

    Name and fingerprint are what the cache keys hold, so it sees the engine's entries.
    """

    name = "vllm"

    def __init__(self, fingerprint: str) -> None:
        super().__init__(strict=True)
        self._fingerprint = fingerprint

    @property
    def fingerprint(self) -> str:
        """The vLLM engine's fingerprint."""
        return self._fingerprint


def _project(root: Path) -> Path:
    (root / "golden").mkdir()
    rows = [
        {"id": i, "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": r}]}
        for i, q, r, _ in QA
    ]
    (root / "golden" / "qa.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    (root / "answers.json").write_text(json.dumps({q: a for _, q, _, a in QA}), encoding="utf-8")
    path = root / "pyproject.toml"
    path.write_text(
        f"""
[tool.harness.models.answers]
backend = "scripted"
script = "{root / "answers.json"}"
[tool.harness.models.judge]
backend = "vllm"
model = "embedded"
[tool.harness.judges.quality]
variant = "judge"
max_new_tokens = 40
[tool.harness.judges.versus]
variant = "judge"
mode = "pairwise"
max_new_tokens = 40
""",
        encoding="utf-8",
    )
    return path


def test_rubric_judges_on_the_vllm_backend(tmp_path: Path, embedded_model_dir: Path) -> None:
    config = load_config(_project(tmp_path))
    answers, judge = config.variant("answers"), config.variant("judge")
    session = EvalSession(config, [answers], tmp_path / "out", progress=lambda *_: None)
    try:
        evaluation = session.evaluate("qa", answers)
        quality = evaluation.results("judge:quality")
        versus = evaluation.results("judge:versus")
        fingerprint = session.pool.get(judge).fingerprint
        results = session.build_results()
    finally:
        session.close()
    for r in quality:
        if r.applicable:
            score = r.details["score"]
            assert score in (1, 2, 3, 4, 5) and r.value == pytest.approx(score / 5)
            assert (r.reason or "").startswith(f"{score}/5")
        else:
            assert (r.reason or "").startswith("unreadable judge reply (no 1-5 score)")
    for r in versus:
        if r.applicable:
            assert r.value in (0.0, 0.5, 1.0) and r.details["outcome"] in ("win", "tie", "loss")
        else:
            assert (r.reason or "").startswith("unreadable judge reply (no A, B or TIE)")
    recorded = {e.example_id: e.metrics for e in results.examples}
    assert set(recorded) == {"q1", "q2"}
    assert all({"judge:quality", "judge:versus"} <= set(m) for m in recorded.values())
    summary = results.metadata.extra["judges"]["qa/answers"]
    assert summary["quality"]["judge_fingerprint"] == fingerprint and summary["quality"]["n"] == 2

    # Again, with a judge that fails if asked anything: every reply is a cache hit.
    again = EvalSession(config, [answers], tmp_path / "out", progress=lambda *_: None)
    silent = _Silent(fingerprint)
    again.pool.put(judge, silent)
    try:
        evaluation = again.evaluate("qa", answers)
        assert evaluation.results("judge:quality") == quality
        assert evaluation.results("judge:versus") == versus
        assert silent.calls == []
    finally:
        again.close()
