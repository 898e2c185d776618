"""groundedness and abstention: supported claims, wrong numbers/names/dates, abstaining, limits."""

from __future__ import annotations

import dataclasses
import math

import pytest

from harness._types import ContextPassage, Expectation, GoldenExample
from harness.metrics import MetricKind, get_metric
from harness.metrics._grounded import abstains, grounded_claims
from tests.metrics.conftest import build_completion, build_example

HOURS = (
    "The Kestrel Lane shop (12 Kestrel Lane) is open Monday to Friday from 08:30 to 18:00 "
    "and on Saturday from 09:00 to 17:00. It is closed on Sundays."
)
FOUNDING = (
    "Kestrel Lane Cycles was founded on 14 April 2009 by Odile Pennant and Ruben "
    "Achterberg in a former bakery. The first year the shop sold 310 bicycles."
)
TYRES = (
    "The Glide 3 has 28 x 1.75 inch tyres. The recommended pressure is 3.5 bar for riders "
    "under 80 kilograms and 4.0 bar for heavier riders."
)
PRICES = "A basic service costs €49. Parts ordered online are sent for €4.95, free over €1,000."


def example(*passages: str, answerable: bool = True) -> GoldenExample:
    base = build_example(reference="x")
    return dataclasses.replace(
        base,
        context=tuple(ContextPassage(f"p-{i}", text) for i, text in enumerate(passages)),
        expect=Expectation(answerable=answerable),
    )


def score(answer: str, *passages: str, **options: object):  # type: ignore[no-untyped-def]
    return get_metric("groundedness").compute(
        build_completion(answer), example(*passages), **options
    )


def test_declared_semantics() -> None:
    spec = get_metric("groundedness")
    assert spec.kind is MetricKind.CONTINUOUS and spec.higher_is_better is True
    assert get_metric("abstention").kind is MetricKind.PASS_FAIL


@pytest.mark.parametrize(
    "answer",
    [
        "The shop is open on Saturday from 09:00 to 17:00.",
        "On Saturdays it opens at 9 am and closes at 5 pm.",  # times compared as times
        "It was founded on 14 April 2009 by Odile Pennant and Ruben Achterberg.",
        "A basic service costs 49 euros.",
        "Free on orders over 1000 euros.",  # "1,000" == "1000"
        "3.5 bar for riders under 80 kg.",  # unit alias: kg == kilograms
        "A bakery.",  # a one-word answer is still a claim
    ],
)
def test_supported_answers_score_one(answer: str) -> None:
    passages = (HOURS, FOUNDING, TYRES, PRICES)
    result = score(answer, *passages)
    assert result.value == 1.0 and result.passed, result.details
    assert result.details["unsupported"] == []


@pytest.mark.parametrize(
    ("answer", "span", "why"),
    [
        ("The shop is open on Saturday from 09:00 to 16:00.", "16:00", "16:00"),
        ("It was founded on 14 April 2008.", "2008", "2008"),
        ("It was founded by Odile Pennant and Teodor Vasile.", "Teodor Vasile", "teodor"),
        ("It was founded on 14 March 2009.", "March", "march"),
        ("It was founded on 14 May 2009.", "May", "may"),  # the month, not the verb
        ("A basic service costs €59.", "€59", "59"),
        ("Use 3.0 bar if you are light.", "3.0 bar", "3 bar"),  # "Glide 3" is no pressure
    ],
)
def test_wrong_numbers_names_and_dates_are_unsupported(answer: str, span: str, why: str) -> None:
    result = score(answer, HOURS, FOUNDING, TYRES, PRICES)
    assert result.value < 1.0 and result.passed is False
    unsupported = result.details["unsupported"]
    assert any(span in u for u in unsupported), unsupported
    assert any(why in w for w in result.details["why"]), result.details["why"]


def test_value_is_the_share_of_supported_claims_and_spans_are_listed() -> None:
    answer = (
        "The first year the shop sold 310 bicycles. "
        "It was founded in a former bakery; it also ran a café for 12 years."
    )
    result = score(answer, FOUNDING)
    assert result.details["claims"] == 3
    assert math.isclose(result.value, 2 / 3)
    assert result.details["unsupported"] == ["it also ran a café for 12 years."]
    assert result.reason is not None and result.reason.startswith("1 of 3 claim(s) unsupported")


def test_an_invented_extra_fact_without_numbers_fails_on_its_words() -> None:
    result = score("The shop is closed on Sundays and serves espresso to cyclists.", HOURS)
    assert result.value < 1.0
    assert "espresso" in result.details["why"][0]


def test_paraphrase_limits_are_what_the_docstring_says() -> None:
    # A paraphrase in other words fails the word share: the metric is lexical.
    assert score("Shoppers may visit it six days weekly.", HOURS).value < 1.0
    # A wrong recombination of supported pieces passes: 18:00 is the weekday closing time.
    assert score("On Saturday it closes at 18:00.", HOURS).value == 1.0
    # Negation is not compared.
    assert score("The shop is open on Sundays.", HOURS).value == 1.0


def test_min_word_share_option_moves_the_verdict() -> None:
    answer = "The shop is open on Saturday with friendly mechanics."  # 2 of 4 words
    assert score(answer, HOURS, min_word_share=0.4).value == 1.0
    assert score(answer, HOURS, min_word_share=0.6).value == 0.0


@pytest.mark.parametrize(
    "answer",
    [
        "The documents do not say how old she was.",
        "This is not mentioned in the context.",
        "There is no information about prizes in the documents.",
        "I cannot find the price of a belt in the documents.",
        "The handbook doesn't mention it.",
    ],
)
def test_abstentions_are_grounded_and_detected(answer: str) -> None:
    assert abstains(answer)
    result = score(answer, FOUNDING)
    assert result.value == 1.0 and result.details["abstained"] is True
    assert result.details["claims"] == 0


def test_abstention_with_a_guess_still_checks_the_guess() -> None:
    result = score("The documents do not say, but she was probably 34 in 2009.", FOUNDING)
    assert result.details["abstained"] is True
    assert result.value == 0.0 and "34" in result.details["why"][0]


def test_not_applicable_without_context_or_without_claims() -> None:
    no_context = get_metric("groundedness").compute(
        build_completion("It opens at 9."), build_example(reference="9")
    )
    assert not no_context.applicable and no_context.value is None
    empty = score("", HOURS)
    assert not empty.applicable and empty.reason == "the answer makes no claim to check"


def test_claims_keep_decimals_and_times_whole() -> None:
    claims, abstained = grounded_claims(
        "It costs €4.95 and opens at 09:00; about 1,400 sold.", [PRICES]
    )
    assert not abstained
    assert [text for text, _ in claims] == [
        "It costs €4.95 and opens at 09:00",
        "about 1,400 sold.",
    ]


@pytest.mark.parametrize(
    ("answer", "answerable", "passed"),
    [
        ("The documents do not say.", False, True),
        ("She was 34.", False, False),
        ("It opens at 09:00 on Saturday.", True, True),
        ("The documents do not mention Saturday hours.", True, False),
    ],
)
def test_abstention_passes_when_abstaining_exactly_on_unanswerable(
    answer: str, answerable: bool, passed: bool
) -> None:
    result = get_metric("abstention").compute(
        build_completion(answer), example(HOURS, answerable=answerable)
    )
    assert result.passed is passed
    assert result.details["answerable"] is answerable


def test_abstention_not_applicable_without_context() -> None:
    result = get_metric("abstention").compute(build_completion("x"), build_example(reference="x"))
    assert not result.applicable


def test_agreement_with_hand_labels_holds_on_both_splits() -> None:
    # bench/groundedness_agreement.py prints the same figures (bench/RESULTS.md).
    import json
    from pathlib import Path

    from bench.groundedness_agreement import verdict

    path = Path(__file__).resolve().parents[1] / "data" / "groundedness_labels.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(items) >= 120
    assert {i["label"] for i in items} == {"grounded", "ungrounded"}
    for split, floor in (("dev", 0.9), ("holdout", 0.85)):
        chosen = [i for i in items if i["split"] == split]
        assert len(chosen) >= 60
        right = sum(verdict(i, min_word_share=0.6, pass_at=1.0)[0] == i["label"] for i in chosen)
        assert right / len(chosen) >= floor, (split, right, len(chosen))
