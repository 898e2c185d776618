"""Whether an answer names the right thing, read the way people write answers.

``answer_match`` is quasi-exact matching in the spirit of HELM's
``quasi_exact_match`` and the answer-extraction filters of lm-evaluation-harness:
"The capital of France is Paris." answers "Paris", but "Parisian", "not Paris"
and "Paris or Lyon" (with Lyon rejected) do not. ``exact_match`` stays the
strict format check beside it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from harness._types import Completion, GoldenExample
from harness.errors import HarnessError
from harness.metrics._registry import (
    MetricKind,
    MetricResult,
    MetricSpec,
    get_metric,
    register_metric,
)

# A number that stands on its own ("1,000", "-3.5", ".75", "3.5" in "3.5kg"); digits
# glued to preceding letters ("H2O", "v2") belong to the word, and "1.2.3" is no number.
_NUMBER = (
    r"(?<![\w.])[-+\u2212]?"
    r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?!\d|\.\d)"
)
_TOKEN = re.compile(rf"(?P<num>{_NUMBER})|(?P<word>\w+)")
# "10 000" with a no-break or thin space is one number; NFKC would make it two.
_DIGIT_GROUP_SPACE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")
# Punctuation that ends a clause: a negation does not reach past it.
_CLAUSE_BREAK = frozenset(",;:.!?()[]{}\u2014\u2013\n")
_CLAUSE_WORDS = frozenset({"but", "however", "although", "though", "whereas"})
# A mention preceded (in its clause, at most _NEGATION_REACH words before) by one of
# these is a denial, not an answer: "not Paris", "not the Atlantic", "neither Paris nor
# Lyon". "no" counts only right before the mention: "No it's Paris" is an interjection.
_NEGATIONS = frozenset({"not", "never", "neither", "nor", "cannot", "unlike"})
_NEGATION_PAIRS = frozenset({("rather", "than"), ("instead", "of"), ("other", "than")})
_NEGATION_REACH = 2
# "Sydney is not …", "Sydney isn't …": a mention followed by these and a negation.
# fmt: off
_AUXILIARIES = frozenset({
    "is", "was", "are", "were", "s", "does", "did", "do", "would", "will", "could",
    "should", "has", "have", "had", "be", "been", "can", "ca", "isn", "wasn", "aren",
    "weren", "doesn", "didn", "don", "won", "wouldn", "couldn", "shouldn", "hasn",
    "haven", "hadn",
})
# fmt: on
# A number next to an operator is an operand of an expression the answer repeats
# ("144 divided by 12 is 11" does not answer 12). Minus is left out: a hyphen also
# writes ranges ("1939 - 1945"), and a difference rarely equals an operand.
_OPERATOR_SYMBOLS = frozenset("+\u00d7*/\u00f7^")
_OPERATOR_BEFORE = frozenset({"plus", "times", "x", "over", "by"})
_OPERATOR_AFTER = frozenset(
    {"plus", "times", "x", "over", "divided", "multiplied", "squared", "cubed"}
)

# fmt: off
_UNITS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
])}
_TENS = {w: 10 * i for i, w in enumerate([
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
], start=2)}
# fmt: on
_SCALES = {"thousand": 1000, "million": 1_000_000}


@dataclass(frozen=True)
class _Token:
    """A word (casefolded unless asked not to) or a number, with where it sits."""

    text: str
    number: Decimal | None
    start: int
    end: int
    clause: int
    gap: str  # the raw text between the previous token and this one


def _tokenize(text: str, *, casefold: bool, number_words: bool) -> list[_Token]:
    """Words and numbers of ``text``, each with its clause index."""
    tokens: list[_Token] = []
    clause = 0
    last = 0
    for match in _TOKEN.finditer(text):
        gap = text[last : match.start()]
        last = match.end()
        raw = match.group()
        if any(ch in _CLAUSE_BREAK for ch in gap):
            clause += 1
        if match["num"] is not None:
            number = Decimal(raw.replace(",", "").replace("\u2212", "-"))
            tokens.append(_Token(str(number), number, match.start(), match.end(), clause, gap))
            continue
        word = raw.casefold() if casefold else raw
        if word.casefold() in _CLAUSE_WORDS:
            clause += 1
        # "isn't" is "isn" + "t": read the "t" as the negation it is.
        if (
            word in ("t", "T")
            and gap in ("'", "\u2019")
            and tokens
            and tokens[-1].text[-1:] in "nN"
        ):
            word = "not"
        tokens.append(_Token(word, None, match.start(), match.end(), clause, gap))
    return _merge_number_words(tokens) if number_words else tokens


def _merge_number_words(tokens: list[_Token]) -> list[_Token]:
    """Replace runs like "fifty-six" or "one hundred and five" by one number token."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        value, end = _read_number_words(tokens, i)
        if end > i:
            first, final = tokens[i], tokens[end - 1]
            number = Decimal(value)
            out.append(_Token(str(number), number, first.start, final.end, first.clause, first.gap))
            i = end
        else:
            out.append(tokens[i])
            i += 1
    return out


def _read_number_words(tokens: Sequence[_Token], i: int) -> tuple[int, int]:
    """The value of the number words starting at ``i`` and the index after them."""
    total = current = 0
    last = ""  # kind of the previous word: unit (0-9), teen (10-19), ten, scale
    end = j = i
    while j < len(tokens):
        token = tokens[j]
        word = token.text.casefold()
        if j > i and (token.gap.strip() not in ("", "-") or token.clause != tokens[i].clause):
            break
        if word == "and" and last == "scale" and j + 1 < len(tokens):
            j += 1  # "one hundred and five"; not consumed unless a number follows
            continue
        if word in _UNITS and _UNITS[word] < 10:
            if last in ("unit", "teen") or (last == "ten" and _UNITS[word] == 0):
                break
            current += _UNITS[word]
            last = "unit"
        elif word in _UNITS:
            if last in ("unit", "teen", "ten"):
                break
            current += _UNITS[word]
            last = "teen"
        elif word in _TENS:
            if last in ("unit", "teen", "ten"):
                break
            current += _TENS[word]
            last = "ten"
        elif word == "hundred":
            if last not in ("unit", "teen", "ten"):
                break
            current *= 100
            last = "scale"
        elif word in _SCALES:
            if not last or (last == "scale" and current == 0):
                break
            total += current * _SCALES[word]
            current = 0
            last = "scale"
        else:
            break
        j += 1
        end = j
    return total + current, end


@dataclass(frozen=True)
class _Mention:
    """One place where a candidate answer occurs in the output."""

    accepted: bool
    index: int  # into the accepted or the rejected list
    start: int  # token indices, end exclusive
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


def _same(a: _Token, b: _Token, rel_tol: Decimal, abs_tol: Decimal) -> bool:
    """Equal words, or numbers equal within the tolerance (as in :func:`math.isclose`)."""
    if a.number is None or b.number is None:
        return a.number is None and b.number is None and a.text == b.text
    if a.number == b.number:
        return True
    return abs(a.number - b.number) <= max(rel_tol * max(abs(a.number), abs(b.number)), abs_tol)


def _find(
    answer: Sequence[_Token],
    candidate: Sequence[_Token],
    rel_tol: Decimal,
    abs_tol: Decimal,
) -> list[int]:
    """Start indices where ``candidate`` occurs in ``answer`` as a whole-token phrase."""
    n = len(candidate)
    return [
        s
        for s in range(len(answer) - n + 1)
        if all(_same(answer[s + k], candidate[k], rel_tol, abs_tol) for k in range(n))
    ]


def _negated(tokens: Sequence[_Token], start: int, end: int) -> bool:
    """Whether the mention tokens[start:end] is denied within its clause."""
    clause = tokens[start].clause
    for k in range(max(0, start - _NEGATION_REACH), start):
        if tokens[k].clause != clause:
            continue
        word = tokens[k].text.casefold()
        if word in _NEGATIONS or (word == "no" and k == start - 1):
            return True
        if k + 1 < start and (tokens[k].text.casefold(), tokens[k + 1].text.casefold()) in (
            _NEGATION_PAIRS
        ):
            return True
    # "Sydney is not the capital": up to two auxiliaries, then a negation.
    k = end
    while k < len(tokens) and k < end + 3 and tokens[k].clause == tokens[end - 1].clause:
        word = tokens[k].text.casefold()
        if word in ("not", "never"):
            return True
        if word not in _AUXILIARIES:
            break
        k += 1
    return False


def _is_operator_gap(gap: str) -> bool:
    """A gap that is one operator symbol, like " + " or "×" ("**" around bold text is not)."""
    symbol = gap.strip()
    return len(symbol) == 1 and symbol in _OPERATOR_SYMBOLS


def _operand(tokens: Sequence[_Token], start: int, end: int) -> bool:
    """Whether a mention that starts or ends with a number is an operand of an expression."""
    first, final = tokens[start], tokens[end - 1]
    if first.number is not None and start > 0:
        before = tokens[start - 1]
        if _is_operator_gap(first.gap) or before.text.casefold() in _OPERATOR_BEFORE:
            return True
    if final.number is not None and end < len(tokens):
        after = tokens[end]
        if _is_operator_gap(after.gap) or after.text.casefold() in _OPERATOR_AFTER:
            return True
    return False


@functools.lru_cache(maxsize=64)
def _compile_extract(pattern: str, casefold: bool) -> re.Pattern[str]:
    """The ``extract`` regex, checked to have exactly one capturing group."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE if casefold else 0)
    except re.error as exc:
        raise HarnessError(
            f"metric 'answer_match': option extract {pattern!r} is not a valid regular "
            f'expression: {exc} (e.g. extract=r"answer is (.+)")'
        ) from None
    if compiled.groups != 1:
        raise HarnessError(
            f"metric 'answer_match': option extract {pattern!r} has {compiled.groups} "
            "capturing groups, expected exactly 1 (wrap the answer part in one (...) "
            "and make other groups non-capturing with (?:...))"
        )
    return compiled


def _tolerance(name: str, value: float) -> Decimal:
    """A tolerance option as a Decimal; negative or non-finite values are errors."""
    tol = Decimal(str(value))
    if not tol.is_finite() or tol < 0:
        raise HarnessError(
            f"metric 'answer_match': option {name} must be a finite number >= 0, got {value!r}"
        )
    return tol


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _normalise(text: str) -> str:
    """NFKC ("H₂O" is "H2O", full-width letters are letters), keeping spaced digit groups."""
    return unicodedata.normalize("NFKC", _DIGIT_GROUP_SPACE.sub("", text))


@register_metric(
    name="answer_match",
    higher_is_better=True,
    kind=MetricKind.PASS_FAIL,
    applies_to="examples with expect.exact or a reference answer (unless unanswerable)",
)
def answer_match(
    completion: Completion,
    example: GoldenExample,
    *,
    extract: str | None = None,
    casefold: bool = True,
    number_words: bool = True,
    rel_tol: float = 0.0,
    abs_tol: float = 0.0,
) -> MetricResult:
    """Pass when the output names an accepted answer as a whole word or phrase, and no rejected one.

    Accepted answers are ``expect.exact`` (else the reference); rejected ones are
    ``expect.reject``. Output and answers are compared as sequences of words and
    numbers, so punctuation and (with ``casefold``) case do not matter and
    "Parisian" does not contain "Paris". Numbers compare as numbers: "1,000" ==
    "1000.0", "3.5 kg" contains 3.5, and with ``number_words`` "four" == 4 (words
    up to the millions); ``rel_tol``/``abs_tol`` widen equality as in
    :func:`math.isclose`.

    Rules, in order:

    * ``extract`` (a regex with one group, searched in the output) picks the
      answer out of a longer output first; no match fails.
    * A mention denied in its clause does not count: "not Paris", "It is not
      Paris, it is Lyon", "Sydney isn't the capital", "Canberra rather than
      Sydney". So "Paris, not Lyon" passes with Lyon rejected: the rejected
      answer is named only to be denied.
    * A number written as an operand ("144 divided by 12 is 11", "6 × 7") is
      the question repeated, not an answer.
    * Where an accepted and a rejected mention overlap, the longer wins
      ("Paris, Texas" rejected beats "Paris" accepted).
    * Any rejected answer that is still named fails the example, even beside
      an accepted one: "Paris or Lyon" and the list "Paris, Lyon and Rome" fail
      when Lyon is rejected. A list naming only answers outside both lists plus
      an accepted one passes: write plausible wrong answers into
      ``expect.reject``.
    """
    accepted = example.expect.exact
    if accepted is None and not example.expect.answerable:
        # The reference of an unanswerable question says the documents do not answer it;
        # whether the output says so is the abstention metric's question, not a phrase match.
        return MetricResult.not_applicable("unanswerable example (expect.answerable false)")
    if accepted is None:
        if example.reference is None:
            return MetricResult.not_applicable("example has neither expect.exact nor a reference")
        accepted = (example.reference,)
    rejected = example.expect.reject or ()
    rel, absolute = _tolerance("rel_tol", rel_tol), _tolerance("abs_tol", abs_tol)
    text = _normalise(completion.text)
    extracted: str | None = None
    if extract is not None:
        found = _compile_extract(extract, casefold).search(text)
        if found is None:
            return MetricResult.pass_fail(
                False,
                reason=f"extract pattern {extract!r} found no answer in the output",
                details={"extract": extract, "extracted": None},
            )
        extracted = text = found.group(1) or ""

    def tokens_of(value: str) -> list[_Token]:
        return _tokenize(_normalise(value), casefold=casefold, number_words=number_words)

    answer = tokens_of(text)
    wanted = [tokens_of(a) for a in accepted]
    unwanted = [tokens_of(r) for r in rejected]
    mentions: list[_Mention] = []
    for is_accepted, candidates in ((True, wanted), (False, unwanted)):
        for index, candidate in enumerate(candidates):
            if candidate:
                mentions.extend(
                    _Mention(is_accepted, index, s, s + len(candidate))
                    for s in _find(answer, candidate, rel, absolute)
                )
    # A mention inside a longer mention of the other list is part of that answer.
    mentions = [
        m
        for m in mentions
        if not any(
            o.accepted != m.accepted and o.start <= m.start and m.end <= o.end and o.size > m.size
            for o in mentions
        )
    ]
    counted: list[_Mention] = []
    ignored: dict[str, None] = {}  # ordered and without repeats
    for m in mentions:
        name = (accepted if m.accepted else rejected)[m.index]
        if _negated(answer, m.start, m.end):
            ignored[f"{name!r} (negated)"] = None
        elif _operand(answer, m.start, m.end):
            ignored[f"{name!r} (an operand)"] = None
        else:
            counted.append(m)
    hits = [m for m in counted if m.accepted]
    wrong = list(dict.fromkeys(rejected[m.index] for m in counted if not m.accepted))
    details: dict[str, object] = {
        "extract": extract,
        "extracted": extracted,
        "matched": accepted[hits[0].index] if hits else None,
        "matched_text": text[answer[hits[0].start].start : answer[hits[0].end - 1].end]
        if hits
        else None,
        "rejected_found": wrong,
        "ignored": list(ignored),
    }
    if wrong:
        beside = f" beside accepted {accepted[hits[0].index]!r}" if hits else ""
        return MetricResult.pass_fail(
            False, reason=f"names rejected answer(s) {_quoted(wrong)}{beside}", details=details
        )
    if hits:
        return MetricResult.pass_fail(True, details=details)
    if not any(wanted):
        return MetricResult.not_applicable(
            "the accepted answers contain no words or numbers to look for", details=details
        )
    expected = repr(accepted[0]) if len(accepted) == 1 else f"one of {_quoted(accepted)}"
    if ignored:
        why = f"only mentions that do not count: {', '.join(ignored)}"
        return MetricResult.pass_fail(False, reason=f"expected {expected}; {why}", details=details)
    return MetricResult.pass_fail(
        False, reason=f"expected {expected} as a word or phrase in the output", details=details
    )


def register_answer_match(
    name: str,
    *,
    extract: str | None = None,
    casefold: bool = True,
    number_words: bool = True,
    rel_tol: float = 0.0,
    abs_tol: float = 0.0,
) -> MetricSpec:
    """Register ``answer_match`` under ``name`` with other defaults, e.g. a suite's ``extract``.

    Gates and reports name metrics only, so a suite whose outputs need an
    extraction regex or a tolerance registers its own configured metric (at
    import of the suite module) and gates on that name. Registering the same
    name again replaces the configuration.
    """
    if extract is not None:
        _compile_extract(extract, casefold)  # a bad pattern fails here, not at the first example
    _tolerance("rel_tol", rel_tol)
    _tolerance("abs_tol", abs_tol)
    # The partial's keyword defaults become the registered metric's option defaults.
    configured = functools.partial(
        answer_match,
        extract=extract,
        casefold=casefold,
        number_words=number_words,
        rel_tol=rel_tol,
        abs_tol=abs_tol,
    )
    defaults = get_metric("answer_match").options
    shown = ", ".join(f"{k}={v!r}" for k, v in configured.keywords.items() if v != defaults[k])
    configured.__doc__ = f"answer_match with {shown or 'default options'}."
    # The qualified name identifies this registration, so a re-import is not a clash.
    configured.__module__ = __name__
    configured.__qualname__ = f"register_answer_match.<{name}>"  # type: ignore[attr-defined]
    register_metric(
        name=name,
        higher_is_better=True,
        kind=MetricKind.PASS_FAIL,
        applies_to=get_metric("answer_match").applies_to,
    )(configured)
    return get_metric(name)
