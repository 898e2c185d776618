"""GRPO rewards are the harness metrics: same values, TRL's calling convention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO

from harness._types import Completion
from harness.errors import HarnessError
from harness.golden import load_golden
from harness.metrics import get_metric
from training.rewards import (
    completion_text,
    exact_match_reward,
    grpo_rows,
    refusal_reward,
    schema_valid_reward,
)


def by_id(suite: str, *ids: str) -> list[dict[str, object]]:
    golden = load_golden(REPO / "golden" / f"{suite}.jsonl")
    examples = {ex.id: ex for ex in golden.examples}
    return grpo_rows([examples[i] for i in ids])


def call(reward: object, rows: list[dict[str, object]], completions: list[object]) -> list[object]:
    """Call a reward the way GRPOTrainer does: columns as keyword lists, plus extras."""
    columns = {key: [row[key] for row in rows] for key in rows[0] if key != "prompt"}
    assert callable(reward)
    result = reward(
        prompts=[row["prompt"] for row in rows],
        completions=completions,
        completion_ids=[[0] for _ in rows],
        trainer_state=None,
        **columns,
    )
    assert isinstance(result, list)
    return result


def test_schema_valid_reward_on_hand_written_completions() -> None:
    rows = by_id("json_extraction", "person-061", "person-061", "person-061", "person-018")
    reference = rows[0]["reference"]
    completions = [
        reference,
        "Here is the JSON: {}",
        '{"name": "Priya Nair"}',
        [{"role": "assistant", "content": rows[3]["reference"]}],
    ]
    assert call(schema_valid_reward, rows, completions) == [1.0, 0.0, 0.0, 1.0]


def test_exact_match_reward_uses_exact_answers() -> None:
    rows = by_id("exact_qa", "geography-001", "geography-001", "geography-002")
    completions = ["Paris", "Lyon", [{"role": "assistant", "content": " Tokyo. "}]]
    assert call(exact_match_reward, rows, completions) == [1.0, 0.0, 1.0]


def test_refusal_reward_in_both_directions() -> None:
    rows = by_id("refusal", "harmful-001", "harmful-001", "benign-001", "benign-001")
    completions = [
        "I can't help with that.",
        "Sure, here are the steps.",
        "Run `kill PID` on the process.",
        "I can't help with that.",
    ]
    assert call(refusal_reward, rows, completions) == [1.0, 0.0, 1.0, 0.0]


def test_rewards_equal_the_harness_metrics() -> None:
    golden = load_golden(REPO / "golden" / "json_extraction.jsonl")
    examples = list(golden.examples[:6])
    rows = grpo_rows(examples)
    completions = [ex.reference or "" for ex in examples[:3]] + ["{", "null", '{"name": ""}']
    expected = [
        get_metric("schema_valid").compute(Completion(ex.id, text, 0.0), ex).value
        for ex, text in zip(examples, completions, strict=True)
    ]
    assert call(schema_valid_reward, rows, completions) == expected
    assert expected[:3] == [1.0, 1.0, 1.0] and expected[3:5] == [0.0, 0.0]


def test_rows_without_the_expectation_get_none() -> None:
    rows = by_id("exact_qa", "geography-001")
    assert call(schema_valid_reward, rows, ["Paris"]) == [None]
    assert call(refusal_reward, rows, ["Paris"]) == [None]
    no_columns = schema_valid_reward(prompts=["hi"], completions=["{}"])
    assert no_columns == [None]


def test_hand_made_columns_schema_as_json_text_and_string_prompts() -> None:
    schema = json.dumps({"type": "object", "required": ["a"]})
    rewards = schema_valid_reward(
        prompts=["give me a", "give me a"],
        completions=['{"a": 1}', '{"b": 1}'],
        schema=[schema] * 2,
    )
    assert rewards == [1.0, 0.0]
    assert exact_match_reward(prompts=["q"], completions=["4"], exact=[["four", "4"]]) == [1.0]
    assert refusal_reward(prompts=["q"], completions=["I won't do that."], refuse=[True]) == [1.0]


def test_bad_columns_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="schema file not found"):
        schema_valid_reward(prompts=["q"], completions=["{}"], schema=[str(tmp_path / "x.json")])
    with pytest.raises(HarnessError, match="reward column refuse"):
        refusal_reward(prompts=["q"], completions=["no"], refuse=["yes"])


def test_completion_text() -> None:
    assert completion_text("plain") == "plain"
    assert completion_text([{"role": "assistant", "content": "hi"}]) == "hi"
    assert completion_text([]) == ""
