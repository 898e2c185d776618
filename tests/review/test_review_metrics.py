"""``human_pass`` and ``human_score`` read the ratings store by example id and answer digest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness._types import Completion
from harness.errors import HarnessError
from harness.golden import load_golden
from harness.metrics import MetricKind, get_metric
from harness.metrics._human import REVIEW_STORE_ENV, Rating, answer_digest


def _rating(rater: str, answer: str, *, passed: bool, score: int = 4) -> dict[str, object]:
    return Rating(
        suite="qa",
        variant="any",
        example_id="q1",
        answer_sha256=answer_digest(answer),
        rater=rater,
        correct=score,
        helpful=score,
        format=score,
        tone=5,
        passed=passed,
    ).to_json()


@pytest.fixture
def example(tmp_path: Path) -> object:
    golden = tmp_path / "golden" / "qa.jsonl"
    golden.parent.mkdir()
    golden.write_text(
        json.dumps(
            {
                "id": "q1",
                "messages": [
                    {"role": "user", "content": "Capital of France?"},
                    {"role": "assistant", "content": "Paris"},
                ],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    return load_golden(golden).examples[0]


def _store(tmp_path: Path, *ratings: dict[str, object]) -> Path:
    store = tmp_path / "golden" / "review" / "ratings.jsonl"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text("".join(json.dumps(r) + "\n" for r in ratings), encoding="utf-8")
    return store


def test_declared_semantics() -> None:
    assert get_metric("human_pass").kind is MetricKind.PASS_FAIL
    assert get_metric("human_score").kind is MetricKind.CONTINUOUS
    assert get_metric("human_pass").higher_is_better is True


def test_ratings_count_for_the_very_answer_only(
    tmp_path: Path, example: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(REVIEW_STORE_ENV, raising=False)
    _store(
        tmp_path,
        _rating("ana", "Paris", passed=True, score=4),
        _rating("ben", "Paris", passed=False, score=2),
        _rating("ben", "Paris", passed=True, score=5),  # ben's later rating replaces his first
        _rating("cy", "Lyon", passed=False, score=1),
    )
    human_pass, human_score = get_metric("human_pass"), get_metric("human_score")
    paris = Completion(request_id="q1", text="Paris", latency_s=0.1)
    result = human_pass.compute(paris, example)  # type: ignore[arg-type]
    assert result.passed is True
    assert result.details == {"raters": ["ana", "ben"], "passed_by": 2}
    score = human_score.compute(paris, example)  # type: ignore[arg-type]
    assert score.value == pytest.approx(((4 * 3 + 5) / 4 + 5) / 2)
    lyon = Completion(request_id="q1", text="Lyon", latency_s=0.1)
    assert human_pass.compute(lyon, example).passed is False  # type: ignore[arg-type]
    other = Completion(request_id="q1", text="Paris.", latency_s=0.1)
    assert human_pass.compute(other, example).applicable is False  # type: ignore[arg-type]
    assert human_score.compute(other, example).applicable is False  # type: ignore[arg-type]


def test_a_tie_fails_and_the_store_can_be_named(
    tmp_path: Path, example: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere.jsonl"
    elsewhere.write_text(
        json.dumps(_rating("ana", "Paris", passed=True))
        + "\n"
        + json.dumps(_rating("ben", "Paris", passed=False))
        + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(REVIEW_STORE_ENV, str(elsewhere))
    paris = Completion(request_id="q1", text="Paris", latency_s=0.1)
    result = get_metric("human_pass").compute(paris, example)  # type: ignore[arg-type]
    assert (result.passed, result.reason) == (False, "1 of 2 rater(s) passed it")


def test_a_broken_store_names_file_and_line(
    tmp_path: Path, example: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(REVIEW_STORE_ENV, raising=False)
    store = _store(tmp_path, _rating("ana", "Paris", passed=True))
    with store.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**_rating("ben", "Paris", passed=True), "tone": 9}) + "\n")
    paris = Completion(request_id="q1", text="Paris", latency_s=0.1)
    with pytest.raises(
        HarnessError, match=r"ratings\.jsonl:2: tone: expected an integer 1-5, got 9"
    ):
        get_metric("human_pass").compute(paris, example)  # type: ignore[arg-type]
