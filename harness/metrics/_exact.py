"""Exact match against one or more accepted answers, after configurable normalisation."""

from __future__ import annotations

import re
import unicodedata

from harness._types import Completion, GoldenExample
from harness.metrics._registry import MetricKind, MetricResult, register_metric

_WHITESPACE = re.compile(r"\s+")
# A decimal number that is a token of its own: "1,000", "-3.50", "+7". Digits glued to
# letters ("v2", "100kg") and dotted versions ("1.2.3") are left alone; comma groups must
# be exactly three digits so that a list like "1,2" is not read as one number.
_NUMBER = re.compile(
    r"(?<![\w.])(?<!\d,)(?P<sign>[-+]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?!\w|\.\d|,\d)"
)


def _canonical_number(match: re.Match[str]) -> str:
    """One spelling per value: no grouping commas, no "+" sign, no needless zeros."""
    # lstrip rather than int(): int() refuses numbers over 4300 digits.
    integer = match["int"].replace(",", "").lstrip("0") or "0"
    frac = (match["frac"] or "").rstrip("0").rstrip(".")
    sign = "-" if match["sign"] == "-" and (integer != "0" or frac) else ""
    return f"{sign}{integer}{frac}"


def _without_punctuation(text: str) -> str:
    """Drop Unicode punctuation (category P*), keeping the "." and "-" inside numbers."""
    pieces: list[str] = []
    last = 0
    for match in _NUMBER.finditer(text):
        pieces.append(_strip_punct(text[last : match.start()]))
        pieces.append(match.group())
        last = match.end()
    pieces.append(_strip_punct(text[last:]))
    return "".join(pieces)


def _strip_punct(text: str) -> str:
    """Remove every Unicode punctuation character."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))


def normalize_answer(
    text: str,
    *,
    strip: bool = True,
    casefold: bool = False,
    collapse_whitespace: bool = True,
    remove_punctuation: bool = False,
    canonical_numbers: bool = True,
    ignore_trailing_period: bool = True,
) -> str:
    """Normalise an answer for exact comparison (see :func:`exact_match` for the options)."""
    # NFC first: canonically equivalent strings ("é" vs "e" + combining accent) are equal.
    out = unicodedata.normalize("NFC", text)
    if collapse_whitespace:
        out = _WHITESPACE.sub(" ", out)
    if strip:
        out = out.strip()
    if casefold:
        out = out.casefold()
    if ignore_trailing_period and out.endswith(".") and not out.endswith(".."):
        # "Paris." answers "Paris"; an ellipsis is content, not sentence punctuation.
        out = out[:-1].rstrip() if strip else out[:-1]
    if canonical_numbers:
        out = _NUMBER.sub(_canonical_number, out)
    if remove_punctuation:
        out = _without_punctuation(out)
        if collapse_whitespace:
            out = _WHITESPACE.sub(" ", out)
        if strip:
            out = out.strip()
    return out


@register_metric(
    name="exact_match",
    higher_is_better=True,
    kind=MetricKind.PASS_FAIL,
    applies_to="examples with expect.exact or a reference answer",
)
def exact_match(
    completion: Completion,
    example: GoldenExample,
    *,
    strip: bool = True,
    casefold: bool = False,
    collapse_whitespace: bool = True,
    remove_punctuation: bool = False,
    canonical_numbers: bool = True,
    ignore_trailing_period: bool = True,
) -> MetricResult:
    """Pass when the normalised output equals one of the accepted answers.

    Accepted answers are ``example.expect.exact``, or the reference when the example
    lists none. Numbers are canonicalised ("1,000" == "1000" == "1000.0"); number
    words are not ("four" != "4").
    """
    accepted = example.expect.exact
    if accepted is None:
        if example.reference is None:
            return MetricResult.not_applicable("example has neither expect.exact nor a reference")
        accepted = (example.reference,)
    options = {
        "strip": strip,
        "casefold": casefold,
        "collapse_whitespace": collapse_whitespace,
        "remove_punctuation": remove_punctuation,
        "canonical_numbers": canonical_numbers,
        "ignore_trailing_period": ignore_trailing_period,
    }
    got = normalize_answer(completion.text, **options)
    normalized = [normalize_answer(answer, **options) for answer in accepted]
    matched = next((i for i, answer in enumerate(normalized) if answer == got), None)
    details: dict[str, object] = {
        "normalized_output": got,
        "normalized_accepted": normalized,
        "matched_index": matched,
    }
    if matched is not None:
        return MetricResult.pass_fail(True, details=details)
    if len(normalized) == 1:
        expected = f"expected {normalized[0]!r}"
    else:
        expected = f"expected one of {normalized!r}"
    return MetricResult.pass_fail(
        False, reason=f"{expected}, got {got!r} (normalised)", details=details
    )
