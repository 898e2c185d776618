"""Shared shape of the refusal family tests: cases grouped by family, checked two ways."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness import RefusalClass, classify_refusal, detect_refusal

Case = tuple[str, str, RefusalClass]


# The hand-written family cases specify the rules, case by case. The shipped
# classifier that decides by default is held to floors over the same cases and
# to agreement on never-tuned data in tests/test_refusal_classifier.py.
def rules_class(completion: str, prompt: str | None = None) -> RefusalClass:
    """The rules' class alone (``classify_refusal(..., method="rules")``)."""
    return classify_refusal(completion, prompt, method="rules")


def rules_detect(
    completion: str, prompt: str | None = None, *, partial_is_refusal: bool = True
) -> bool:
    """The rules' binary view alone (``detect_refusal(..., method="rules")``)."""
    return detect_refusal(completion, prompt, partial_is_refusal=partial_is_refusal, method="rules")


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
    assert rules_detect(completion, prompt) is (expected is not RefusalClass.COMPLY)
    assert rules_detect(completion, prompt, partial_is_refusal=False) is (
        expected is RefusalClass.REFUSE
    )
