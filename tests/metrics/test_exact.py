"""exact_match: normalisation options, accepted answers, reasons."""

from __future__ import annotations

import pytest

from harness.metrics import exact_match, normalize_answer

from .conftest import CompletionFactory, ExampleFactory


@pytest.mark.parametrize(
    ("output", "answer"),
    [
        ("Paris", "Paris"),
        ("  Paris \n", "Paris"),
        ("Paris.", "Paris"),
        ("New   York\tCity", "New York City"),
        ("1,000", "1000"),
        ("1000.0", "1000"),
        ("1,000.00", "1000"),
        ("The total is 1,000.", "The total is 1000"),
        ("-0.50", "-0.5"),
        ("+7", "7"),
        ("0042", "42"),
        ("1,000,000 and 2,000", "1000000 and 2000"),
        # NFC: a precomposed é equals e + combining acute.
        ("Caf\u00e9", "Cafe\u0301"),
    ],
)
def test_default_normalisation_matches(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str, answer: str
) -> None:
    result = exact_match(make_completion(output), make_example(exact=[answer]))
    assert result.passed is True
    assert result.value == 1.0
    assert result.reason is None


@pytest.mark.parametrize(
    ("output", "answer"),
    [
        ("paris", "Paris"),  # case matters unless casefold=True
        ("four", "4"),  # number words are not numbers
        ("Paris!", "Paris"),  # only a trailing period is ignored by default
        ("1,2", "12"),  # not a thousands grouping
        ("1.2.3", "123"),  # a version, not a number
        ("v2.0", "v2"),  # digits glued to letters stay as they are
        ("Paris...", "Paris"),  # an ellipsis is kept
        ("", "Paris"),
        ("1000", "10000"),
    ],
)
def test_default_normalisation_rejects(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str, answer: str
) -> None:
    result = exact_match(make_completion(output), make_example(exact=[answer]))
    assert result.passed is False
    assert result.value == 0.0
    assert result.reason is not None


def test_casefold_handles_unicode(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["STRASSE"])
    assert exact_match(make_completion("Straße"), example).passed is False
    assert exact_match(make_completion("Straße"), example, casefold=True).passed is True


def test_remove_punctuation_keeps_numbers(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["its 3.5 - not -2"])
    output = make_completion("It's 3.5 — not -2!")
    assert exact_match(output, example, casefold=True).passed is False
    result = exact_match(output, example, casefold=True, remove_punctuation=True)
    assert result.passed is True, result.reason


def test_options_can_be_switched_off(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    assert exact_match(make_completion("1,000"), make_example(exact=["1000"])).passed is True
    off = exact_match(
        make_completion("1,000"), make_example(exact=["1000"]), canonical_numbers=False
    )
    assert off.passed is False
    period = exact_match(
        make_completion("Paris."), make_example(exact=["Paris"]), ignore_trailing_period=False
    )
    assert period.passed is False
    spaced = exact_match(make_completion(" Paris "), make_example(exact=["Paris"]), strip=False)
    assert spaced.passed is False
    tabs = exact_match(
        make_completion("New\tYork"), make_example(exact=["New York"]), collapse_whitespace=False
    )
    assert tabs.passed is False


def test_any_accepted_answer_passes(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["NYC", "New York", "New York City"], reference="ignored")
    result = exact_match(make_completion("New York."), example)
    assert result.passed is True
    assert result.details["matched_index"] == 1


def test_exact_answers_take_precedence_over_reference(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["42"], reference="The answer is 42.")
    assert exact_match(make_completion("42"), example).passed is True
    assert exact_match(make_completion("The answer is 42."), example).passed is False


def test_falls_back_to_reference(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference="Blue.")
    assert exact_match(make_completion("Blue"), example).passed is True
    assert exact_match(make_completion("Red"), example).passed is False


def test_not_applicable_without_answer(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = exact_match(make_completion("anything"), make_example())
    assert result.applicable is False
    assert result.passed is None
    assert result.value is None
    assert result.reason is not None and "expect.exact" in result.reason


def test_reason_shows_normalised_values(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    one = exact_match(make_completion("  1,500. "), make_example(exact=["1,000"]))
    assert one.reason == "expected '1000', got '1500' (normalised)"
    several = exact_match(make_completion("Lyon"), make_example(exact=["Paris.", "paris"]))
    assert several.reason == "expected one of ['Paris', 'paris'], got 'Lyon' (normalised)"
    assert several.details["normalized_output"] == "Lyon"


def test_normalize_answer_is_idempotent() -> None:
    once = normalize_answer("  It's  1,000.50 dollars. ", casefold=True, remove_punctuation=True)
    assert once == "its 1000.5 dollars"
    assert normalize_answer(once, casefold=True, remove_punctuation=True) == once


def test_huge_numbers_do_not_break_canonicalisation() -> None:
    digits = "0" + "9" * 5000
    assert normalize_answer(digits) == "9" * 5000
