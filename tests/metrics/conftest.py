"""Builders for golden examples and completions used by the metric tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness._types import Completion, Expectation, GoldenExample, Location, Message, Role

ExampleFactory = Callable[..., GoldenExample]
CompletionFactory = Callable[..., Completion]


def build_example(
    *,
    reference: str | None = None,
    exact: tuple[str, ...] | list[str] | None = None,
    reject: tuple[str, ...] | list[str] | None = None,
    schema: dict[str, Any] | None = None,
    schema_path: Path | None = None,
    refuse: bool | None = None,
    prompt: str = "What is the answer?",
    example_id: str = "ex-1",
) -> GoldenExample:
    """A GoldenExample with only the fields a test cares about."""
    expect = Expectation(
        schema_path=schema_path or (Path("schemas/test.json") if schema is not None else None),
        schema=schema,
        refuse=refuse,
        exact=tuple(exact) if exact is not None else None,
        reject=tuple(reject) if reject is not None else None,
    )
    return GoldenExample(
        id=example_id,
        messages=(
            Message(Role.SYSTEM, "You are terse."),
            Message(Role.USER, prompt),
        ),
        reference=reference,
        expect=expect,
        tags=(),
        source=Location(Path("golden/test.jsonl"), 1),
        fingerprint=f"fp-{example_id}",
    )


def build_completion(
    text: str = "",
    *,
    latency_s: float = 1.0,
    ttft_s: float | None = None,
    completion_tokens: int | None = None,
    cached: bool = False,
) -> Completion:
    """A Completion with only the fields a test cares about."""
    return Completion(
        request_id="ex-1",
        text=text,
        latency_s=latency_s,
        ttft_s=ttft_s,
        completion_tokens=completion_tokens,
        cached=cached,
    )


@pytest.fixture
def make_example() -> ExampleFactory:
    """Factory for GoldenExample objects (keyword arguments as in build_example)."""
    return build_example


@pytest.fixture
def make_completion() -> CompletionFactory:
    """Factory for Completion objects (arguments as in build_completion)."""
    return build_completion
