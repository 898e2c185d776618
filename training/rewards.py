"""GRPO reward functions that are the harness metrics, so RL optimises what the gates check.

TRL's ``GRPOTrainer`` calls each reward function as
``fn(prompts=…, completions=…, completion_ids=…, **columns)``, where every
other dataset column arrives as a keyword holding one value per completion.
These functions read the expectation columns that :func:`grpo_rows` writes
(or that a hand-made dataset provides):

``schema``
    a JSON Schema: a path to a schema file, or the schema as JSON text;
``exact``
    the accepted answer, or a list of accepted answers (``reference`` is the
    fallback, as in the ``exact_match`` metric);
``refuse``
    ``true`` when the prompt should be refused, ``false`` when answered;
``golden_id``
    optional, the golden example's id (kept for tracing).

Each returns one float per completion (the metric's 1.0/0.0), or ``None``
where the row states no such expectation; TRL leaves ``None`` out of the
reward sum. Completions may be plain strings or conversational
(``[{"role": "assistant", "content": …}]``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness._jsonschema import SchemaStore
from harness._types import Completion, Expectation, GoldenExample, Location, Message, Role
from harness.errors import HarnessError
from harness.metrics import get_metric

_SOURCE = Path("<reward>")


def completion_text(completion: object) -> str:
    """The answer text of a completion: a string, or the last assistant message's content."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence):
        for message in reversed(completion):
            if isinstance(message, Mapping) and message.get("role") == "assistant":
                content = message.get("content")
                return content if isinstance(content, str) else ""
        return ""
    raise TypeError(f"a completion must be a string or a list of messages, got {completion!r}")


def _messages(prompt: object) -> tuple[Message, ...]:
    """Prompt turns as harness messages (the refusal detector reads the last user turn)."""
    if isinstance(prompt, str):
        return (Message(Role.USER, prompt),)
    turns: list[Message] = []
    if isinstance(prompt, Sequence):
        for message in prompt:
            if not isinstance(message, Mapping):
                continue
            try:
                role = Role(str(message.get("role")))
            except ValueError:
                continue  # tool turns and the like carry nothing the metrics read
            content = message.get("content")
            turns.append(Message(role, content if isinstance(content, str) else ""))
    return tuple(turns)


# Each schema file is read, meta-validated and its $refs resolved once per process.
_SCHEMAS = SchemaStore()


def _schema(value: object) -> tuple[dict[str, object] | None, Path | None]:
    """The parsed schema and its path (for ``$ref`` resolution) from a ``schema`` cell."""
    if value is None:
        return None, None
    if isinstance(value, Mapping):
        return dict(value), None
    if not isinstance(value, str):
        raise HarnessError(f"reward column schema: expected a path or JSON text, got {value!r}")
    if value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise HarnessError(f"reward column schema: invalid JSON text ({exc})") from None
        return parsed, None
    path = Path(value).expanduser().resolve()
    loaded = _SCHEMAS.load(path)
    if loaded.schema is None:
        raise HarnessError(f"reward column schema: {path}: {loaded.error}")
    return loaded.schema, path


def _exact(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise HarnessError(
        f"reward column exact: expected a string or a list of strings, got {value!r}"
    )


def _refuse(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise HarnessError(f"reward column refuse: expected true, false or null, got {value!r}")


def _cell(columns: Mapping[str, Any], name: str, index: int) -> object:
    values = columns.get(name)
    return None if values is None else values[index]


def _example(prompt: object, columns: Mapping[str, Any], index: int) -> GoldenExample:
    """A golden example rebuilt from one dataset row, so the metric sees what it always sees."""
    schema, schema_path = _schema(_cell(columns, "schema", index))
    reference = _cell(columns, "reference", index)
    golden_id = _cell(columns, "golden_id", index)
    return GoldenExample(
        id=str(golden_id) if golden_id is not None else f"row-{index}",
        messages=_messages(prompt),
        reference=reference if isinstance(reference, str) else None,
        expect=Expectation(
            schema_path=schema_path,
            schema=schema,
            refuse=_refuse(_cell(columns, "refuse", index)),
            exact=_exact(_cell(columns, "exact", index)),
        ),
        tags=(),
        source=Location(_SOURCE, index + 1),
        fingerprint="",
    )


def _score(
    metric: str, prompts: Sequence[Any], completions: Sequence[Any], columns: Mapping[str, Any]
) -> list[float | None]:
    """Run one registered metric over a batch; ``None`` where it does not apply."""
    spec = get_metric(metric)
    rewards: list[float | None] = []
    for index, (prompt, completion) in enumerate(zip(prompts, completions, strict=True)):
        example = _example(prompt, columns, index)
        result = spec.compute(Completion(example.id, completion_text(completion), 0.0), example)
        rewards.append(result.value if result.applicable else None)
    return rewards


def schema_valid_reward(
    prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
) -> list[float | None]:
    """1.0 when the completion is JSON valid against the row's ``schema``, else 0.0."""
    return _score("schema_valid", prompts, completions, kwargs)


def exact_match_reward(
    prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
) -> list[float | None]:
    """1.0 when the normalised completion equals an ``exact`` answer (or the ``reference``)."""
    return _score("exact_match", prompts, completions, kwargs)


def refusal_reward(
    prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
) -> list[float | None]:
    """1.0 when the completion refuses exactly when the row's ``refuse`` says it should."""
    return _score("refusal_accuracy", prompts, completions, kwargs)


def grpo_rows(examples: Sequence[GoldenExample]) -> list[dict[str, Any]]:
    """GRPO dataset rows for golden examples: a conversational prompt plus expectation columns."""
    return [
        {
            "prompt": [m.to_dict() for m in ex.messages],
            "golden_id": ex.id,
            "schema": str(ex.expect.schema_path) if ex.expect.schema_path else None,
            "exact": list(ex.expect.exact) if ex.expect.exact is not None else None,
            "reference": ex.reference,
            "refuse": ex.expect.refuse,
        }
        for ex in examples
    ]


__all__ = [
    "completion_text",
    "exact_match_reward",
    "grpo_rows",
    "refusal_reward",
    "schema_valid_reward",
]
