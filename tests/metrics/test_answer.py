"""answer_match: answers read as people write them, and the ways a lenient match goes wrong."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from harness._types import Completion
from harness.errors import HarnessError
from harness.golden import load_golden
from harness.metrics import (
    MetricKind,
    _registry,
    answer_match,
    exact_match,
    get_metric,
    register_answer_match,
)

from .conftest import CompletionFactory, ExampleFactory

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
CAPITAL_FR = {"exact": ["Paris"], "reject": ["Lyon", "Marseille"]}
CAPITAL_AU = {"exact": ["Canberra"], "reject": ["Sydney", "Melbourne"]}


def verdict(
    make_example: ExampleFactory,
    make_completion: CompletionFactory,
    output: str,
    expect: dict[str, list[str]],
    **options: object,
) -> bool | None:
    example = make_example(exact=expect.get("exact"), reject=expect.get("reject"))
    return answer_match(make_completion(output), example, **options).passed


@pytest.mark.parametrize(
    "output",
    [
        "Paris",
        "Paris.",
        "The capital of France is Paris.",
        "paris",
        "PARIS!",
        "**Paris**",
        "It's Paris, of course.",
        "Paris (the city of light).",
        "Answer: Paris",
        "No, it's Paris.",
    ],
)
def test_sentences_punctuation_and_case_pass(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str
) -> None:
    assert verdict(make_example, make_completion, output, CAPITAL_FR) is True


@pytest.mark.parametrize(
    "output",
    [
        "Parisian",  # part of a word
        "Lyon",
        "",
        "The capital of France is a large city.",
        "Par is",
    ],
)
def test_missing_or_partial_word_fails(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str
) -> None:
    example = make_example(exact=["Paris"])
    result = answer_match(make_completion(output), example)
    assert result.passed is False and result.value == 0.0
    assert result.reason == "expected 'Paris' as a word or phrase in the output"


@pytest.mark.parametrize(
    "output",
    [
        "not Paris",
        "Not Paris.",
        "It is not Paris, it is Lyon.",
        "It isn't Paris.",
        "It’s never Paris.",
        "Neither Paris nor Lyon.",
        "Paris is not the capital.",
        "Paris isn't right.",
    ],
)
def test_negated_mentions_do_not_count(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str
) -> None:
    example = make_example(exact=["Paris"])
    result = answer_match(make_completion(output), example)
    assert result.passed is False, output
    assert "'Paris' (negated)" in str(result.reason)
    assert result.details["ignored"] == ["'Paris' (negated)"]


@pytest.mark.parametrize(
    ("output", "passed"),
    [
        # A rejected answer named only to be denied is no second answer.
        ("Paris, not Lyon.", True),
        ("Not Lyon but Paris.", True),
        ("Canberra rather than Sydney.", True),
        ("Sydney is not the capital; Canberra is.", True),
        ("The capital is Canberra (not Sydney).", True),
        # Named as the answer, it fails, even beside the right one.
        ("Canberra or Sydney", False),
        ("Sydney", False),
        ("It is not Canberra, it is Sydney.", False),
    ],
)
def test_denied_and_named_rejected_answers(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str, passed: bool
) -> None:
    expect = CAPITAL_AU if "anberra" in output or "ydney" in output else CAPITAL_FR
    assert verdict(make_example, make_completion, output, expect) is passed, output


def test_answer_naming_two_candidates_fails_with_both_in_details(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["Paris"], reject=["Lyon"])
    result = answer_match(make_completion("Paris or Lyon"), example)
    assert result.passed is False
    assert result.reason == "names rejected answer(s) 'Lyon' beside accepted 'Paris'"
    assert result.details["matched"] == "Paris"
    assert result.details["rejected_found"] == ["Lyon"]
    alone = answer_match(make_completion("Lyon."), example)
    assert alone.reason == "names rejected answer(s) 'Lyon'"


@pytest.mark.parametrize(
    ("output", "passed"),
    [
        # A list fails when it names any rejected answer ...
        ("Paris, Lyon and Rome", False),
        ("Marseille, Paris", False),
        # ... and passes when the others are in neither list: reject lists say what is wrong.
        ("Paris, London and Rome", True),
        ("London, Rome and Berlin", False),
    ],
)
def test_lists(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str, passed: bool
) -> None:
    assert verdict(make_example, make_completion, output, CAPITAL_FR) is passed


@pytest.mark.parametrize(
    ("output", "answer"),
    [
        ("It weighs 3.5 kg.", "3.5"),
        ("3.5kg", "3.5"),
        ("3.50 kg", "3.5 kg"),
        ("1,000", "1000"),
        ("1000.0 grams", "1,000"),
        ("There are 10\u202f000 square metres.", "10000"),
        ("About 1,000,000 people.", "1000000"),
        ("four", "4"),
        ("Fifty-six.", "56"),
        ("one hundred and five", "105"),
        ("The answer is 42.", "forty-two"),
        ("-7", "-7"),
        ("\u22127", "-7"),
        (".75", "0.75"),
        ("100°C", "100"),
        ("€30", "30"),
        ("144 ÷ 12 = 12", "12"),
        ("144 divided by 12 is 12.", "12"),
        ("H₂O", "H2O"),
    ],
)
def test_numbers_compare_as_numbers(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str, answer: str
) -> None:
    result = answer_match(make_completion(output), make_example(exact=[answer]))
    assert result.passed is True, result.reason


@pytest.mark.parametrize(
    ("output", "answer"),
    [
        ("3.55 kg", "3.5"),
        ("35", "3.5"),
        ("10000", "1000"),
        ("1.2.3", "1"),  # a version, not a number
        ("v2", "2"),
        ("H2O", "2"),
        ("7", "-7"),
        ("144 divided by 12 is 11.", "12"),  # the 12 is the question repeated
        ("6 × 7 = 43", "7"),
        ("one two", "3"),  # two numbers, not a sum
    ],
)
def test_numbers_that_differ_fail(
    make_example: ExampleFactory, make_completion: CompletionFactory, output: str, answer: str
) -> None:
    result = answer_match(make_completion(output), make_example(exact=[answer]))
    assert result.passed is False, output


def test_operand_is_reported(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = answer_match(make_completion("144 / 12 = 11"), make_example(exact=["12"]))
    assert result.details["ignored"] == ["'12' (an operand)"]


def test_number_words_can_be_switched_off(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["4"])
    assert answer_match(make_completion("four"), example).passed is True
    assert answer_match(make_completion("four"), example, number_words=False).passed is False


def test_tolerance(make_example: ExampleFactory, make_completion: CompletionFactory) -> None:
    example = make_example(exact=["3.14159"])
    output = make_completion("Pi is about 3.14.")
    assert answer_match(output, example).passed is False
    assert answer_match(output, example, abs_tol=0.01).passed is True
    assert answer_match(output, example, abs_tol=0.001).passed is False
    assert answer_match(output, example, rel_tol=0.001).passed is True
    big = make_example(exact=["1000"])
    assert answer_match(make_completion("1001"), big, rel_tol=0.001).passed is True
    assert answer_match(make_completion("1002"), big, rel_tol=0.001).passed is False
    # Tolerance is for numbers only: words still have to be the same words.
    assert (
        answer_match(
            make_completion("3.14 apples"), make_example(exact=["3.14 pears"]), abs_tol=1
        ).passed
        is False
    )


@pytest.mark.parametrize("bad", [-0.1, math.inf, math.nan])
def test_bad_tolerance_is_an_error(
    make_example: ExampleFactory, make_completion: CompletionFactory, bad: float
) -> None:
    with pytest.raises(HarnessError, match=r"option abs_tol must be a finite number >= 0"):
        answer_match(make_completion("1"), make_example(exact=["1"]), abs_tol=bad)


def test_multi_word_references(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    expect = {"exact": ["Leonardo da Vinci", "da Vinci"], "reject": ["Michelangelo"]}
    assert verdict(make_example, make_completion, "It was painted by Leonardo da Vinci.", expect)
    assert verdict(make_example, make_completion, "Da Vinci painted it", expect)
    assert not verdict(make_example, make_completion, "Leonardo painted it", expect)
    assert not verdict(make_example, make_completion, "da Vinci and Michelangelo", expect)
    # The words must be in order and adjacent; punctuation between them does not matter.
    ocean = {"exact": ["Pacific Ocean"]}
    assert verdict(make_example, make_completion, "the Pacific, Ocean!", ocean)
    assert not verdict(make_example, make_completion, "Ocean Pacific", ocean)
    assert not verdict(make_example, make_completion, "the Pacific", ocean)


def test_longer_overlapping_mention_wins(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    # A rejected answer that contains the right one.
    texas = {"exact": ["Paris"], "reject": ["Paris, Texas"]}
    assert not verdict(make_example, make_completion, "Paris, Texas", texas)
    assert verdict(make_example, make_completion, "Paris, France", texas)
    # An accepted answer that contains a rejected one.
    wales = {"exact": ["New South Wales"], "reject": ["Wales"]}
    assert verdict(make_example, make_completion, "It is in New South Wales.", wales)
    assert not verdict(make_example, make_completion, "It is in Wales.", wales)


def test_case_sensitive_when_asked(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["NaCl"])
    assert answer_match(make_completion("nacl"), example).passed is True
    assert answer_match(make_completion("nacl"), example, casefold=False).passed is False
    assert answer_match(make_completion("It is NaCl."), example, casefold=False).passed is True


def test_extract_picks_the_answer_first(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["12"])
    reasoning = make_completion("We have 12 eggs and eat 3. The answer is 9.")
    assert answer_match(reasoning, example).passed is True  # the lenient read is fooled
    extracted = answer_match(reasoning, example, extract=r"answer is (.+)")
    assert extracted.passed is False
    assert extracted.details["extracted"] == "9."
    good = answer_match(
        make_completion("So... THE ANSWER IS 12."), example, extract=r"answer is (.+)"
    )
    assert good.passed is True and good.details["extracted"] == "12."
    missing = answer_match(make_completion("12"), example, extract=r"answer is (.+)")
    assert missing.passed is False
    assert missing.reason == "extract pattern 'answer is (.+)' found no answer in the output"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"answer is .+", "has 0 capturing groups, expected exactly 1"),
        (r"(answer) is (.+)", "has 2 capturing groups, expected exactly 1"),
        (r"answer is (.+", "is not a valid regular expression"),
    ],
)
def test_bad_extract_is_an_error(
    make_example: ExampleFactory, make_completion: CompletionFactory, pattern: str, message: str
) -> None:
    with pytest.raises(HarnessError, match=message):
        answer_match(make_completion("x"), make_example(exact=["x"]), extract=pattern)


def test_reference_is_the_answer_without_exact(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference="Blue")
    assert answer_match(make_completion("The sky is blue."), example).passed is True
    none = answer_match(make_completion("anything"), make_example())
    assert none.applicable is False and none.passed is None and none.value is None


def test_reports_the_matched_text(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["Mount Everest", "Everest"])
    result = answer_match(make_completion("It's Mt. EVEREST, in Nepal."), example)
    assert result.passed is True
    assert result.details["matched"] == "Everest"
    assert result.details["matched_text"] == "EVEREST"


def test_reads_answers_that_exact_match_misses(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(exact=["Paris"])
    output = make_completion("The capital of France is Paris.")
    assert exact_match(output, example).passed is False
    assert answer_match(output, example).passed is True


def test_registered_with_its_semantics() -> None:
    spec = get_metric("answer_match")
    assert (spec.higher_is_better, spec.kind) == (True, MetricKind.PASS_FAIL)
    assert spec.options == {
        "extract": None,
        "casefold": True,
        "number_words": True,
        "rel_tol": 0.0,
        "abs_tol": 0.0,
    }


def test_register_answer_match_for_a_suite(
    make_example: ExampleFactory,
    make_completion: CompletionFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))
    spec = register_answer_match("final_answer", extract=r"answer is (.+)")
    assert get_metric("final_answer") is spec
    assert spec.higher_is_better is True and spec.kind is MetricKind.PASS_FAIL
    assert spec.applies_to == get_metric("answer_match").applies_to
    assert spec.options["extract"] == r"answer is (.+)"
    assert spec.description == "answer_match with extract='answer is (.+)'."
    example = make_example(exact=["12"])
    assert spec.compute(make_completion("12 ... the answer is 9"), example).passed is False
    assert spec.compute(make_completion("the answer is 12"), example).passed is True
    # Registering again (a re-imported suite module) is no clash; another metric's name is.
    register_answer_match("final_answer", extract=r"answer is (.+)")
    with pytest.raises(HarnessError, match="already registered"):
        register_answer_match("exact_match")
    with pytest.raises(HarnessError, match="capturing groups"):
        register_answer_match("broken", extract="no group")


def test_exact_qa_accepted_answers_pass_and_rejected_ones_fail() -> None:
    examples = load_golden(GOLDEN / "exact_qa.jsonl").examples
    assert sum(ex.expect.reject is not None for ex in examples) >= len(examples) // 2
    for ex in examples:
        assert ex.expect.exact is not None
        for answer in ex.expect.exact:
            for output in (answer, f"The answer is {answer}."):
                result = answer_match(Completion(ex.id, output, 0.0), ex)
                assert result.passed is True, f"{ex.id}: {output!r}: {result.reason}"
        for wrong in ex.expect.reject or ():
            alone = answer_match(Completion(ex.id, wrong, 0.0), ex)
            assert alone.passed is False, f"{ex.id}: rejected {wrong!r} passes"
            both = answer_match(Completion(ex.id, f"{ex.expect.exact[0]} or {wrong}", 0.0), ex)
            assert both.passed is False, f"{ex.id}: naming {wrong!r} as well passes"
            denied = answer_match(Completion(ex.id, f"{ex.expect.exact[0]}, not {wrong}", 0.0), ex)
            assert denied.passed is True, f"{ex.id}: denying {wrong!r} fails: {denied.reason}"


def test_unanswerable_example_without_exact_is_not_applicable() -> None:
    import dataclasses

    from harness._types import Expectation
    from harness.metrics import answer_match
    from tests.metrics.conftest import build_completion, build_example

    example = dataclasses.replace(
        build_example(reference="The documents do not say."),
        expect=Expectation(answerable=False),
    )
    result = answer_match(build_completion("The documents do not say."), example)
    assert not result.applicable and "unanswerable" in (result.reason or "")
    with_exact = dataclasses.replace(example, expect=Expectation(answerable=False, exact=("no",)))
    assert answer_match(build_completion("no"), with_exact).passed is True
