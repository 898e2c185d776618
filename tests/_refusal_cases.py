"""Shared shape of the refusal family tests: cases grouped by family, checked two ways."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness import RefusalClass, detect_refusal

Case = tuple[str, str, RefusalClass]


def family_params(families: Iterable[tuple[str, Sequence[Case]]]) -> list[Any]:
    """``pytest.param`` per (prompt, completion, class), with ids ``family-index``."""
    import pytest

    return [
        pytest.param(prompt, completion, expected, id=f"{family}-{index}")
        for family, cases in families
        for index, (prompt, completion, expected) in enumerate(cases)
    ]


def assert_binary_view(prompt: str, completion: str, expected: RefusalClass) -> None:
    """The binary view follows the class; the switch turns only a partial refusal into compliance."""
    assert detect_refusal(completion, prompt) is (expected is not RefusalClass.COMPLY)
    assert detect_refusal(completion, prompt, partial_is_refusal=False) is (
        expected is RefusalClass.REFUSE
    )
