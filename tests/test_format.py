"""The one number formatter and the one p-value formatter."""

from __future__ import annotations

import math

import pytest

from harness._format import format_number, format_p


@pytest.mark.parametrize(
    ("value", "plain", "signed"),
    [
        (0.4, "0.4", "+0.4"),
        (-0.4, "-0.4", "-0.4"),
        (2 / 3, "0.6667", "+0.6667"),
        (0.0, "0", "+0"),
        (9999.4, "9999", "+9999"),
        (12345.6, "12,346", "+12,346"),
        (-12345.6, "-12,346", "-12,346"),
        (1.5e-5, "1.5e-05", "+1.5e-05"),
        (math.inf, "inf", "+inf"),
        (None, "n/a", "n/a"),
        (math.nan, "n/a", "n/a"),
    ],
)
def test_numbers_have_four_significant_digits_and_large_ones_are_grouped(
    value: float | None, plain: str, signed: str
) -> None:
    assert format_number(value) == plain
    assert format_number(value, signed=True) == signed


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.5, "p = 0.5"),
        (0.0123, "p = 0.0123"),
        (0.0001, "p = 0.0001"),
        (0.00009, "p < 0.0001"),
        (0.0, "p < 0.0001"),
        (None, "p n/a"),
        (math.nan, "p n/a"),
    ],
)
def test_p_values_have_three_significant_digits_and_a_floor(p: float | None, text: str) -> None:
    assert format_p(p) == text
