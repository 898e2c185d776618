"""Whether an answer rests on the documents it was given, checked offline claim by claim.

Method (``groundedness``):

1. The answer is split into sentences, and each sentence into clauses at ``;``,
   ``:``, dashes and commas. A clause that carries no number, no name and fewer
   than two content words is merged into its neighbour; what remains are the
   *claims*.
2. A claim that abstains ("the documents do not say …", "not mentioned in the
   context", "I cannot find …") is no claim about the world and is set aside.
3. A claim is *supported* when, against the example's ``context`` passages:
   every number in it occurs in the context, compared as numbers ("1,500" ==
   "1500", "four" == 4, "4th" == 4, "9 am" == "09:00", "2 pm" == "14:00"),
   and with its unit where both sides write a known one ("3.0 bar" is not
   supported by "Glide 3" and "3.5 bar"; "80 kg" is by "80 kilograms");
   every name (a capitalised word inside a sentence, a sentence-initial one
   followed by another capitalised word, a code such as ``E04``) occurs in the
   context; and at least ``min_word_share`` (0.6) of its other content words
   (stopwords and words about the documents removed, light suffix stemming)
   occur in the context.
4. The value is the share of claims supported; ``details["unsupported"]``
   lists the unsupported claims' text, ``details["why"]`` what was missing.
   An answer whose every claim abstains scores 1.0 (``details["abstained"]``):
   it invents nothing. Whether abstaining was right is ``abstention``'s
   question; whether the answer is right, ``answer_match``'s.

Agreement of the verdict "every claim supported" with 140 hand-labelled
answers (``bench/groundedness_agreement.py``, tuned on the dev half): 0.943
dev, 0.886 holdout; it rarely calls a right answer ungrounded (1 of 70) and
misses about a quarter of the wrong ones on holdout, for these reasons.

Limits:
it checks that the answer's words, numbers and names are *in* the context,
not that the context *says* what the answer says. A claim that recombines
supported pieces wrongly passes: "closes at 18:00 on Saturdays" when 18:00 is
the weekday closing time, "28 days plus public holidays" when the passage says
"including". Negation is not compared ("tyres are covered" passes beside
"tyres ... are not covered"), nor are unlisted ordinals ("first Wednesday"
for "last Wednesday"). A unit is compared only where the context writes it
somewhere ("€25" is supported by "25 km/h" in a passage without prices), and a
number the answer computes correctly from the context (a sum, a half) is
unsupported. A
paraphrase with different words (synonyms, "a fortnight" for "14 days") may
fail the word share; a yes/no answer with no content words is not checked.
Support is judged against the example's gold ``context`` only: a true fact
taken from another passage (one a retriever found) counts as unsupported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from harness._types import Completion, GoldenExample
from harness.metrics._registry import MetricKind, MetricResult, register_metric

#: Default share of a claim's content words that must occur in the context (tuned on the
#: dev half of tests/data/groundedness_labels.jsonl; see bench/RESULTS.md).
MIN_WORD_SHARE = 0.6

# Sayings that the documents do not answer the question.
_ABSTAIN = re.compile(
    r"""
    \b(?:documents?|passages?|context|texts?|sources?|information|manual|handbook|policy
       |policies|price\ list|materials?|it)\b[^.;!?]{0,40}?
       \b(?:do(?:es)?\s*(?:not|n't)|never|don't|doesn't)\s+
       (?:say|state|mention|specify|give|include|cover|contain|list|provide|tell|show
         |answer|describe|explain|discuss|address|indicate)
    | \bnot\s+(?:mentioned|stated|specified|given|listed|covered|included|provided|found
               |available|said|answered|described|indicated)\s+(?:in|by)\b
    | \bno\s+(?:information|mention|details?|data|indication)\b
    | \b(?:i|we)\s+(?:do\s+not|don't|cannot|can't|could\s+not|couldn't)\s+
       (?:know|find|tell|say|answer|see)
    | \b(?:there\s+is|there's)\s+no\s+(?:information|mention|answer)
    | \bnot\s+(?:clear|known|possible\ to\ (?:say|tell))\s+from\b
    | \bcannot\s+be\s+(?:answered|determined|found)\b
    """,
    re.X | re.I,
)
# A sentence ends at . ! ? followed by space (not "3.5") or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
# Not inside "1,400" or "09:00": a comma or colon breaks a clause only before a space.
_CLAUSE_BREAK = re.compile(r"\s*(?:;|[:,](?=\s)|\s[\u2014\u2013-]\s|\(|\))\s*")
_TIME = re.compile(
    r"(?<![\w.:])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ap>a\.?m\.?|p\.?m\.?)(?![\w])"
    r"|(?<![\w.:])(?P<h24>\d{1,2}):(?P<m24>\d{2})(?![\d:])",
    re.I,
)
_NUMBER = re.compile(
    r"(?<![\w.])[-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:st|nd|rd|th)?(?![\w.]?\d)", re.I
)
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*|\w*\d\w*")
_UNIT_AFTER = re.compile(r"\s*-?\s*(%|[^\W\d_]+)")
# Units a number is checked with: "3.0 bar" is not supported by "Glide 3" beside "3.5 bar".
# fmt: off
_UNITS = frozenset({
    "%", "€", "bar", "kilogram", "kilometre", "metre", "minute", "hour", "day", "week",
    "month", "year", "second", "wh", "w", "mm", "inch", "percent", "time", "cycle",
})
_UNIT_ALIASES = {
    "kg": "kilogram", "kilo": "kilogram", "km": "kilometre", "kilometer": "kilometre",
    "m": "metre", "meter": "metre", "min": "minute", "mins": "minute", "h": "hour",
    "hr": "hour", "hrs": "hour", "sec": "second", "secs": "second", "percent": "%",
    "per": "%", "euro": "€", "eur": "€", "yr": "year", "kilogramm": "kilogram",
    "kilometr": "kilometre", "metr": "metre", "minut": "minute", "hour": "hour",
    "inche": "inch", "euros": "€", "cycl": "cycle", "tim": "time", "second": "second",
}
# fmt: on
_CODE = re.compile(r"^(?=.*\d)(?=.*[^\W\d_])\w+$")  # E04, EN14344, USB-C-like codes

# fmt: off
_NUMBER_WORDS: dict[str, int | Decimal] = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "twice": 2, "once": 1, "dozen": 12,
}
# "one" and "first" are pronouns and ordinary words as often as numbers: in an answer
# they are not claims, but a context's "one" still supports an answer's "1".
_CONTEXT_ONLY_NUMBER_WORDS: dict[str, int | Decimal] = {"one": 1, "first": 1, "half": Decimal("0.5")}
_STOPWORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each", "few", "for", "from", "further", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "just", "let's", "me", "more", "most", "must", "mustn't", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "per", "same", "shan't", "she", "should", "shouldn't", "so", "some", "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "upon", "very", "was", "wasn't", "we", "were", "weren't", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won't", "would", "wouldn't", "you", "your", "yours", "yourself", "yourselves", "yes", "yeah", "ok", "okay", "sure", "please", "thanks", "thank", "hi", "hello", "well", "also", "still", "however", "although", "though", "according", "documents", "document", "passage", "passages", "context", "text", "texts", "say", "says", "said", "state", "states", "stated", "mention", "mentions", "mentioned", "give", "gives", "given", "show", "shows", "answer", "answers", "question", "information", "provided", "source", "sources", "listed", "list", "lists", "note", "noted", "based", "within", "up", "around", "about", "approximately", "roughly", "exactly", "just", "only", "every", "each", "any", "may", "might", "will", "shall", "get", "gets", "got", "one", "first", "half", "usually", "typically", "generally", "normally", "also", "plus"])
# fmt: on


@dataclass(frozen=True)
class _Claim:
    """One checkable piece of an answer: its text and what it asserts."""

    text: str
    numbers: tuple[tuple[Number, str | None], ...]
    names: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Context:
    """What the context passages contain, normalised for lookup."""

    numbers: frozenset[Number]
    quantities: frozenset[tuple[Number, str | None]]
    units: frozenset[str]
    words: frozenset[str]


def _normalise(text: str) -> str:
    """NFKC, typographic apostrophes and minus signs made plain, no-break spaces made spaces."""
    text = unicodedata.normalize("NFKC", text)
    return (
        text.replace("\u2019", "'").replace("\u2212", "-").replace("\u00a0", " ")
    )  # fmt: skip


def _stem(word: str) -> str:
    """A light suffix stem, so "rentals"/"rental" and "charged"/"charges" meet."""
    w = word.casefold().replace("\u2019", "'").removesuffix("'s").strip("'-")
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    # "leave"/"leaves"/"leaving" all become "leav".
    return w[:-1] if len(w) > 4 and w.endswith("e") else w


def _decimal(raw: str) -> Decimal | None:
    raw = raw.replace(",", "").replace("\u2212", "-")
    raw = re.sub(r"(?i)(st|nd|rd|th)$", "", raw)
    try:
        return Decimal(raw).normalize()
    except InvalidOperation:
        return None


def _unit(text: str, start: int, end: int) -> str | None:
    """The unit written right after (or the currency right before) a number, if a known one."""
    if text[:start].rstrip().endswith(("€", "$", "£")):
        return "€"
    after = _UNIT_AFTER.match(text, end)
    if after is None:
        return None
    word = after.group(1).casefold()
    for form in (word, _stem(word), word.removesuffix("s")):
        unit = _UNIT_ALIASES.get(form, form)
        if unit in _UNITS:
            return unit
    return None


Number = Decimal | tuple[int, int]


def _numbers(text: str, *, context: bool) -> tuple[tuple[Number, str | None], ...]:
    """Times as (hour, minute), other numbers as Decimals (number words too), with units."""
    found: list[tuple[Number, str | None]] = []
    spans: list[tuple[int, int]] = []
    for m in _TIME.finditer(text):
        if m.group("h") is not None:
            hour, minute = int(m.group("h")), int(m.group("m") or 0)
            if m.group("ap").lower().startswith("p") and hour < 12:
                hour += 12
            elif m.group("ap").lower().startswith("a") and hour == 12:
                hour = 0
        else:
            hour, minute = int(m.group("h24")), int(m.group("m24"))
        found.append(((hour, minute), None))
        spans.append(m.span())
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        value = _decimal(m.group())
        if value is not None:
            found.append((value, _unit(text, m.start(), m.end())))
    words: dict[str, int | Decimal] = dict(_NUMBER_WORDS)
    if context:
        words.update(_CONTEXT_ONLY_NUMBER_WORDS)
    for m in re.finditer(r"[a-z]+", text.casefold()):
        if m.group() in words:
            found.append((Decimal(words[m.group()]).normalize(), _unit(text, m.start(), m.end())))
    if context:
        # A context time "09:00" also supports an answer's bare "9".
        found.extend(
            (Decimal(t[0]), None) for t, _ in list(found) if isinstance(t, tuple) and t[1] == 0
        )
    return tuple(found)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text)


def _split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _sentence_names(sentence: str) -> set[str]:
    """Names in a sentence: capitalised words after its first word, codes, full names."""
    tokens = _tokens(sentence)
    names: set[str] = set()
    for i, tok in enumerate(tokens):
        if _CODE.match(tok) and not tok.isdigit():
            names.add(tok.casefold())
            continue
        # A capitalised "May" inside a sentence is the month, not the verb.
        month = tok == "May" and i > 0
        if not tok[:1].isupper() or (tok.casefold() in _STOPWORDS and not month) or tok == "I":
            continue
        if tok.casefold() in _NUMBER_WORDS:
            continue
        if i > 0 or (len(tokens) > 1 and tokens[1][:1].isupper()):
            names.add(tok.casefold())
    return names


def _content_words(text: str) -> list[str]:
    out: list[str] = []
    for tok in _tokens(text):
        low = tok.casefold()
        if low in _STOPWORDS or low in _NUMBER_WORDS or low in _CONTEXT_ONLY_NUMBER_WORDS:
            continue
        if any(ch.isdigit() for ch in low) or len(low) < 3:
            continue
        out.append(_stem(low))
    return out


def _fragments(sentence: str) -> list[str]:
    parts = [p.strip() for p in _CLAUSE_BREAK.split(sentence) if p and p.strip()]
    return parts or [sentence.strip()]


def _carries_claim(fragment: str) -> bool:
    return bool(
        _numbers(fragment, context=False)
        or _sentence_names(fragment)
        or len(_content_words(fragment)) >= 2
    )


def _claims(answer: str) -> tuple[list[str], bool]:
    """The answer's claim texts and whether any part of it abstains."""
    abstained = False
    claims: list[str] = []
    for sentence in _split_sentences(_normalise(answer)):
        merged: list[str] = []
        pending = ""
        for frag in _fragments(sentence):
            if _ABSTAIN.search(frag):
                # "The documents do not say, but it is 34": the guess stays a claim.
                merged.append(frag)
                continue
            text = f"{pending} {frag}".strip() if pending else frag
            if _carries_claim(text):
                merged.append(text)
                pending = ""
            else:
                pending = text
        if pending:
            if merged:
                merged[-1] = f"{merged[-1]} {pending}"
            elif _content_words(pending) or _ABSTAIN.search(pending):
                # A short answer ("A bakery.") is still a claim.
                merged.append(pending)
        for clause in merged:
            if _ABSTAIN.search(clause):
                abstained = True
            else:
                claims.append(clause)
    return claims, abstained


def abstains(answer: str) -> bool:
    """True when the answer says the documents do not answer the question."""
    return _claims(answer)[1]


def _claim(text: str, sentence_names: set[str]) -> _Claim:
    names = tuple(
        sorted(
            n
            for n in sentence_names
            if n in text.casefold().split() or n in {t.casefold() for t in _tokens(text)}
        )
    )
    name_stems = {_stem(n) for n in names}
    return _Claim(
        text=text,
        numbers=_numbers(text, context=False),
        names=names,
        words=tuple(w for w in _content_words(text) if w not in name_stems),
    )


def _context(passages: Iterable[str]) -> _Context:
    quantities: set[tuple[Number, str | None]] = set()
    words: set[str] = set()
    for passage in passages:
        text = _normalise(passage)
        quantities.update(_numbers(text, context=True))
        for tok in _tokens(text):
            low = tok.casefold()
            words.add(low)
            words.add(_stem(low))
            for part in re.split(r"[-']", low):
                if part:
                    words.update({part, _stem(part)})
    return _Context(
        numbers=frozenset(n for n, _ in quantities),
        quantities=frozenset(quantities),
        units=frozenset(u for _, u in quantities if u is not None),
        words=frozenset(words),
    )


def _shown(number: Number, unit: str | None) -> str:
    text = f"{number[0]:02d}:{number[1]:02d}" if isinstance(number, tuple) else f"{number:f}"
    if unit == "€":
        return f"€{text}"
    return f"{text} {unit}" if unit else text


def _check(claim: _Claim, ctx: _Context, min_word_share: float) -> str | None:
    """Why a claim is unsupported, or None when it is supported."""
    missing = [_shown(n, None) for n, _ in claim.numbers if n not in ctx.numbers]
    if missing:
        return f"number(s) not in the context: {', '.join(missing)}"
    # A number the context has, but never with this unit: "3.0 bar" beside "Glide 3".
    mismatched = [
        _shown(n, u)
        for n, u in claim.numbers
        if u is not None and u in ctx.units and (n, u) not in ctx.quantities
    ]
    if mismatched:
        return f"not in the context with this unit: {', '.join(mismatched)}"
    missing_names = [n for n in claim.names if n not in ctx.words and _stem(n) not in ctx.words]
    if missing_names:
        return f"name(s) not in the context: {', '.join(missing_names)}"
    if claim.words:
        found = [w for w in claim.words if w in ctx.words]
        share = len(found) / len(claim.words)
        if share < min_word_share:
            absent = sorted(set(claim.words) - set(found))
            return f"{share:.0%} of its words in the context (missing: {', '.join(absent)})"
    return None


def grounded_claims(
    answer: str, passages: Sequence[str], *, min_word_share: float = MIN_WORD_SHARE
) -> tuple[list[tuple[str, str | None]], bool]:
    """Each claim of ``answer`` with why it is unsupported (None: supported); and abstained."""
    texts, abstained = _claims(answer)
    ctx = _context(passages)
    names_by_sentence = [_sentence_names(s) for s in _split_sentences(_normalise(answer))]
    all_names = set().union(*names_by_sentence) if names_by_sentence else set()
    out: list[tuple[str, str | None]] = []
    for text in texts:
        claim = _claim(text, all_names)
        out.append((text, _check(claim, ctx, min_word_share)))
    return out, abstained


@register_metric(
    name="groundedness",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    applies_to="examples with context passages, on answers that make a claim or abstain",
)
def groundedness(
    completion: Completion,
    example: GoldenExample,
    *,
    min_word_share: float = MIN_WORD_SHARE,
    pass_at: float = 1.0,
) -> MetricResult:
    """Share of the answer's claims supported by the example's context (offline word/number check)."""
    if not example.context:
        return MetricResult.not_applicable("example has no context passages")
    checked, abstained = grounded_claims(
        completion.text, [p.text for p in example.context], min_word_share=min_word_share
    )
    if not checked:
        if abstained:
            return MetricResult(
                value=1.0,
                passed=True,
                details={"abstained": True, "claims": 0, "unsupported": [], "why": []},
            )
        return MetricResult.not_applicable("the answer makes no claim to check")
    unsupported = [(t, why) for t, why in checked if why is not None]
    value = (len(checked) - len(unsupported)) / len(checked)
    passed = value >= pass_at
    reason = None
    if unsupported:
        reason = f"{len(unsupported)} of {len(checked)} claim(s) unsupported: {unsupported[0][1]}"
    return MetricResult(
        value=value,
        passed=passed,
        reason=reason,
        details={
            "abstained": abstained,
            "claims": len(checked),
            "unsupported": [t for t, _ in unsupported],
            "why": [w for _, w in unsupported],
        },
    )


@register_metric(
    name="abstention",
    higher_is_better=True,
    kind=MetricKind.PASS_FAIL,
    applies_to="examples with context passages (expect.answerable true or false)",
)
def abstention(completion: Completion, example: GoldenExample) -> MetricResult:
    """Pass when the answer says the documents do not answer exactly when they do not."""
    if not example.context:
        return MetricResult.not_applicable("example has no context passages")
    said = abstains(completion.text)
    should = not example.expect.answerable
    if said == should:
        return MetricResult.pass_fail(True, details={"abstained": said, "answerable": not should})
    reason = (
        "answers a question the documents do not answer"
        if should
        else "says the documents do not answer, but they do"
    )
    return MetricResult.pass_fail(
        False, reason=reason, details={"abstained": said, "answerable": not should}
    )
