"""Judges: a configured model variant that grades completions, beside the offline checks.

A judge is just another variant (``[tool.harness.judges.refusal] variant =
"NAME"``): its requests are built from a prompt kept in the repository
(``harness/resources/judges/refusal.txt`` unless the config names another
file), go through the same backends and the same completion cache as any
evaluation, and its answers are parsed into the detector's classes. The
offline detector stays the default; a run without a judge never needs one.

Any other ``[tool.harness.judges.NAME]`` is a rubric judge behind the metric
``judge`` (``judge:NAME`` when several are configured): ``mode = "pointwise"``
asks for a 1-5 score with a reason (``rubric_pointwise.txt``); ``mode =
"pairwise"`` asks which of two answers is better (``rubric_pairwise.txt``)
twice, with the answers swapped, so that a judge that favours a position
cancels out: a verdict that flips with the order is a tie.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness._types import (
    Completion,
    GenerationRequest,
    GoldenExample,
    Message,
    RefusalClass,
    Role,
    SamplingParams,
)
from harness.backends import Backend
from harness.cache import CompletionCache, generate_with_cache
from harness.config import (
    DEFAULT_REFUSAL_PROMPT,
    DEFAULT_RUBRIC_PROMPTS,
    HarnessConfig,
    JudgeSettings,
)
from harness.errors import HarnessError
from harness.results import Results
from harness.retrieval import fill_template

__all__ = [
    "DEFAULT_REFUSAL_PROMPT",
    "DEFAULT_RUBRIC_PROMPTS",
    "JudgeHumanAgreement",
    "JudgeSettings",
    "PairwiseVerdict",
    "RefusalJudgement",
    "RubricVerdict",
    "grades",
    "judge_human_agreement",
    "judge_metric_names",
    "judge_pairwise",
    "judge_pointwise",
    "judge_refusals",
    "judge_summary",
    "pairwise_requests",
    "parse_pairwise",
    "parse_refusal_class",
    "parse_rubric_score",
    "pointwise_request",
    "refusal_judge_request",
    "rubric_judge",
    "rubric_judges",
]

# The first class word in the judge's reply decides; a judge that explains itself
# ("The response is a REFUSE because ...") is still read. Each group is named by its class.
_CLASS_WORD = re.compile(
    r"\b(?:(?P<comply>comply|complies|compliance|complied)|(?P<partial>partial|partially)"
    r"|(?P<refuse>refuse|refuses|refusal|refused))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RefusalJudgement:
    """The judge's reading of one completion: its class (None when unreadable) and raw reply."""

    example_id: str
    judged: RefusalClass | None
    raw: str


def parse_refusal_class(reply: str) -> RefusalClass | None:
    """The class a judge's reply names first, or None when it names none."""
    match = _CLASS_WORD.search(reply)
    return RefusalClass(match.lastgroup) if match and match.lastgroup else None


def refusal_judge_request(
    template: str, example: GoldenExample, completion: Completion, max_new_tokens: int
) -> GenerationRequest:
    """The judge's request for one answer: the template filled in one pass (no re-expansion)."""
    values = {"question": example.last_user_turn or "", "answer": completion.text}
    return _request(f"judge:refusal:{example.id}", template, values, max_new_tokens)


def _request(
    request_id: str, template: str, values: Mapping[str, str], max_new_tokens: int
) -> GenerationRequest:
    """One greedy judge request: the template filled in as the only user turn."""
    return GenerationRequest(
        id=request_id,
        messages=(Message(Role.USER, fill_template(template, values)),),
        sampling=SamplingParams(max_new_tokens=max_new_tokens, temperature=0.0),
    )


def judge_refusals(
    settings: JudgeSettings,
    backend: Backend,
    cache: CompletionCache | None,
    examples: Sequence[GoldenExample],
    completions: Sequence[Completion],
) -> list[RefusalJudgement]:
    """Grade every (example, completion) that states ``expect.refuse`` with the refusal judge.

    Requests go through the completion cache like any evaluation, so a re-run
    costs nothing and a crash loses at most the batch in flight.
    """
    template = settings.template()
    chosen = [
        (e, c) for e, c in zip(examples, completions, strict=True) if e.expect.refuse is not None
    ]
    if not chosen:
        return []
    requests = [refusal_judge_request(template, e, c, settings.max_new_tokens) for e, c in chosen]
    replies = _generate(backend, cache, requests)
    return [
        RefusalJudgement(e.id, parse_refusal_class(r.text), r.text)
        for (e, _), r in zip(chosen, replies, strict=True)
    ]


# --- rubric judges ------------------------------------------------------------------------

#: What a prompt shows where the example has no reference answer.
NO_REFERENCE = "(none given)"
# "Score: 4", "**Score:** 4/5", "score = 4"; a score out of another scale ("4/10") is not read.
_SCORE = re.compile(r"\bscore\b\W{0,4}(?:is\W{0,2})?([0-9]+)(?:\s*/\s*([0-9]+))?", re.IGNORECASE)
_BARE_SCORE = re.compile(r"^\W*([1-5])(?:\s*/\s*5)?\W*$")
_VERDICT = re.compile(
    r"\b(?:verdict|winner|better answer|preferred answer)\b\W{0,4}(?:is\W{0,2})?"
    r"(?:answer\s+)?\b(A|B|tie)\b",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\[\[\s*(A|B|C|tie)\s*\]\]", re.IGNORECASE)
_BARE_VERDICT = re.compile(r"^\W*(?:answer\s+)?(A|B|tie)\W*$", re.IGNORECASE)
_REASON = re.compile(r"\breason\b\W{0,4}(.*?)(?=\n\s*\**\s*(?:score|verdict)\b|\Z)", re.I | re.S)
_REASON_CHARS = 600  # a judge that rambles still fits in the drill-down


@dataclass(frozen=True)
class RubricVerdict:
    """A pointwise judge's reading of one answer: the 1-5 score (None when unreadable)."""

    example_id: str
    score: int | None
    reason: str
    raw: str
    threshold: int = 4


@dataclass(frozen=True)
class PairwiseVerdict:
    """Both orders of a pairwise judgement of one answer against the comparison answer.

    ``first`` is the judge's verdict with the answer shown as A, ``second`` with
    it shown as B (each ``"A"``, ``"B"``, ``"tie"`` or None when unreadable).
    ``skipped`` says why no comparison was asked (no comparison answer).
    """

    example_id: str
    first: str | None
    second: str | None
    reasons: tuple[str, str]
    raw: tuple[str, str]
    skipped: str | None = None

    @property
    def outcome(self) -> str | None:
        """``win``, ``loss`` or ``tie`` for the answer; None when a reply was unreadable.

        Only a verdict that survives swapping the answers counts: A then B is a
        win, B then A a loss; anything else (a tie, or the same position twice,
        which is position bias) is a tie.
        """
        if self.skipped is not None or self.first is None or self.second is None:
            return None
        if (self.first, self.second) == ("A", "B"):
            return "win"
        if (self.first, self.second) == ("B", "A"):
            return "loss"
        return "tie"


def rubric_judges(config: HarnessConfig) -> dict[str, JudgeSettings]:
    """The configured rubric judges (every judge but the refusal judge), by name."""
    return {n: s for n, s in config.judges.items() if s.mode is not None}


def rubric_judge(config: HarnessConfig, name: str = "") -> JudgeSettings:
    """The rubric judge called ``name``, or the only one when ``name`` is empty."""
    judges = rubric_judges(config)
    if not name:
        if len(judges) == 1:
            return next(iter(judges.values()))
        if not judges:
            raise HarnessError(
                "metric 'judge': no rubric judge is configured (add [tool.harness.judges.NAME] "
                'with variant = "VARIANT" and mode = "pointwise" or "pairwise" to pyproject.toml)'
            )
        raise HarnessError(
            f"metric 'judge': several rubric judges are configured ({', '.join(sorted(judges))}); "
            f"name one, e.g. judge:{sorted(judges)[0]}"
        )
    if name not in judges:
        raise HarnessError(
            f"metric 'judge:{name}': no rubric judge {name!r} in [tool.harness.judges] "
            f"(configured: {', '.join(sorted(judges)) or 'none'})"
        )
    return judges[name]


def judge_metric_names(config: HarnessConfig, suite: str | None = None) -> list[str]:
    """The metric names under which the rubric judges' values are recorded.

    ``judge`` when one rubric judge is configured, ``judge:NAME`` for each when
    several; with ``suite``, only the judges that grade that suite.
    """
    judges = rubric_judges(config)
    names = {n: "judge" if len(judges) == 1 else f"judge:{n}" for n in judges}
    return [names[n] for n in sorted(judges) if grades(judges[n], suite)]


def grades(settings: JudgeSettings, suite: str | None) -> bool:
    """Whether a rubric judge grades ``suite`` (any suite when its ``suites`` is empty)."""
    return suite is None or not settings.suites or suite in settings.suites


def pointwise_request(
    settings: JudgeSettings, template: str, example: GoldenExample, completion: Completion
) -> GenerationRequest:
    """The pointwise judge's request for one answer."""
    values = {
        "question": example.last_user_turn or "",
        "answer": completion.text,
        "reference": example.reference or NO_REFERENCE,
    }
    return _request(
        f"judge:{settings.name}:{example.id}", template, values, settings.max_new_tokens
    )


def pairwise_requests(
    settings: JudgeSettings,
    template: str,
    example: GoldenExample,
    answer: str,
    other: str,
    *,
    reference: str | None = None,
) -> tuple[GenerationRequest, GenerationRequest]:
    """Both orders of the pairwise question: the answer as A, then the answer as B."""
    ref = reference or NO_REFERENCE
    question = example.last_user_turn or ""

    def build(a: str, b: str, tag: str) -> GenerationRequest:
        values = {"question": question, "answer_a": a, "answer_b": b, "reference": ref}
        request_id = f"judge:{settings.name}:{example.id}:{tag}"
        return _request(request_id, template, values, settings.max_new_tokens)

    return build(answer, other, "ab"), build(other, answer, "ba")


def parse_rubric_score(reply: str) -> int | None:
    """The 1-5 score a pointwise judge's reply states, or None when it states none.

    The first ``Score: N`` decides; a reply that is only a number is read too.
    A score outside 1-5 or on another scale (``7/10``) is unreadable, not clamped.
    """
    match = _SCORE.search(reply)
    if match:
        value, scale = int(match.group(1)), match.group(2)
        if scale is not None and int(scale) != 5:
            return None
        return value if 1 <= value <= 5 else None
    bare = _BARE_SCORE.match(reply.strip())
    return int(bare.group(1)) if bare else None


def parse_pairwise(reply: str) -> str | None:
    """``"A"``, ``"B"`` or ``"tie"`` from a pairwise judge's reply, or None when it names none.

    Read in order: ``Verdict: X`` (also ``Winner:``/``Better answer:``),
    ``[[X]]`` (``[[C]]`` is a tie), or a reply that is only ``A``, ``B`` or ``tie``.
    """
    for pattern, text in ((_VERDICT, reply), (_BRACKETED, reply), (_BARE_VERDICT, reply.strip())):
        match = pattern.search(text)
        if match:
            word = match.group(1).upper()
            return "tie" if word in ("TIE", "C") else word
    return None


def _reason(reply: str) -> str:
    """The judge's explanation: its ``Reason:`` text, else the reply without the score line."""
    match = _REASON.search(reply)
    text = match.group(1) if match else re.sub(r"(?im)^\W*(score|verdict)\b.*$", "", reply)
    text = " ".join(text.split())
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"


def _generate(
    backend: Backend, cache: CompletionCache | None, requests: Sequence[GenerationRequest]
) -> list[Completion]:
    if not requests:
        return []
    size = int(getattr(backend, "batch_size", 8))
    replies, _ = generate_with_cache(backend, requests, cache, chunk_size=size)
    return replies


def judge_pointwise(
    settings: JudgeSettings,
    backend: Backend,
    cache: CompletionCache | None,
    examples: Sequence[GoldenExample],
    completions: Sequence[Completion],
) -> list[RubricVerdict]:
    """Score every answer 1-5 with a pointwise rubric judge, through the completion cache."""
    template = settings.template()
    requests = [
        pointwise_request(settings, template, e, c)
        for e, c in zip(examples, completions, strict=True)
    ]
    return [
        RubricVerdict(e.id, parse_rubric_score(r.text), _reason(r.text), r.text, settings.threshold)
        for e, r in zip(examples, _generate(backend, cache, requests), strict=True)
    ]


def judge_pairwise(
    settings: JudgeSettings,
    backend: Backend,
    cache: CompletionCache | None,
    examples: Sequence[GoldenExample],
    completions: Sequence[Completion],
    others: Sequence[str | None],
    *,
    skip_reason: str = "no answer to compare with",
    show_reference: bool = True,
) -> list[PairwiseVerdict]:
    """Compare every answer with ``others`` (same order) in both orders, through the cache.

    ``others[i]`` is the comparison answer for example ``i`` (another variant's
    answer, or the golden reference); None skips the example with ``skip_reason``.
    ``show_reference``: also show the example's reference answer as guidance
    (off when the reference itself is the comparison answer).
    """
    template = settings.template()
    requests: list[GenerationRequest] = []
    asked: list[int] = []
    for i, (e, c, other) in enumerate(zip(examples, completions, others, strict=True)):
        if other is None:
            continue
        ref = e.reference if show_reference else None
        requests.extend(pairwise_requests(settings, template, e, c.text, other, reference=ref))
        asked.append(i)
    replies = _generate(backend, cache, requests)
    by_index = {i: (replies[2 * k], replies[2 * k + 1]) for k, i in enumerate(asked)}
    verdicts: list[PairwiseVerdict] = []
    for i, e in enumerate(examples):
        if i not in by_index:
            verdicts.append(
                PairwiseVerdict(e.id, None, None, ("", ""), ("", ""), skipped=skip_reason)
            )
            continue
        ab, ba = by_index[i]
        verdicts.append(
            PairwiseVerdict(
                e.id,
                parse_pairwise(ab.text),
                parse_pairwise(ba.text),
                (_reason(ab.text), _reason(ba.text)),
                (ab.text, ba.text),
            )
        )
    return verdicts


def judge_summary(
    settings: JudgeSettings,
    judge_variant: str,
    fingerprint: str,
    verdicts: Sequence[RubricVerdict | PairwiseVerdict],
) -> dict[str, object]:
    """What results.json records about one rubric judge on one run (which prompt, what came back)."""
    unparsed = [
        v.example_id
        for v in verdicts
        if (isinstance(v, RubricVerdict) and v.score is None)
        or (isinstance(v, PairwiseVerdict) and v.skipped is None and v.outcome is None)
    ]
    summary: dict[str, object] = {
        "judge_variant": judge_variant,
        "judge_fingerprint": fingerprint,
        "mode": settings.mode,
        "prompt": str(settings.prompt_path),
        "prompt_sha256": settings.prompt_digest,
        "n": len(verdicts),
        "unparsed": unparsed,
    }
    if settings.mode == "pointwise":
        summary["threshold"] = settings.threshold
    else:
        summary["reference_variant"] = settings.reference_variant
        outcomes = [v.outcome for v in verdicts if isinstance(v, PairwiseVerdict)]
        summary.update({k: outcomes.count(k) for k in ("win", "tie", "loss")})
    return summary


# --- judge vs human ------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeHumanAgreement:
    """One judge metric against the human ratings of the same answers.

    ``pass_*``: the judge's pass (pointwise: score >= threshold; pairwise: not
    a loss) against the human verdict (a strict majority of raters passed it),
    as a share and as Krippendorff's alpha (nominal). ``score_*``: the judge's
    grade against the mean human 1-5 score, as Spearman's rank correlation and,
    for a pointwise judge (same 1-5 scale), Krippendorff's alpha (interval).
    """

    metric: str
    n: int
    pass_agree: int
    pass_share: float | None
    pass_alpha: float | None
    score_spearman: float | None
    score_alpha: float | None
    disagreements: tuple[str, ...]  # "suite/variant/example id" where pass verdicts differ


def judge_human_agreement(results: Results) -> list[JudgeHumanAgreement]:
    """Each judge metric (``judge``, ``judge:NAME``) against the human ratings in ``results``.

    Only answers that are both judged (an applicable judge value) and rated by
    a person, for the very answer text the results hold, count; a metric with
    no such answer is left out, and no ratings give an empty list.
    """
    import math
    import warnings

    from scipy.stats import spearmanr

    from harness.metrics._human import Rating, answer_digest, human_verdict
    from harness.review._merge import stored_ratings
    from harness.review._stats import krippendorff_alpha

    ratings = stored_ratings(results)
    if not ratings:
        return []
    records = {(e.suite, e.variant, e.example_id): e for e in results.examples}
    rated: dict[tuple[str, str, str], list[Rating]] = {}
    for r in ratings:
        key = (r.suite, r.variant, r.example_id)
        record = records.get(key)
        # A rating counts only for the answer text it rated.
        if record is not None and answer_digest(record.output) == r.answer_sha256:
            rated.setdefault(key, []).append(r)
    metrics = sorted(
        {m for k in rated for m in records[k].metrics if m == "judge" or m.startswith("judge:")}
    )
    out: list[JudgeHumanAgreement] = []
    for metric in metrics:
        rows: list[tuple[str, bool, bool, float, float, float | None]] = []
        for key, found in rated.items():
            value = records[key].metrics.get(metric)
            if value is None or not value.applicable or value.value is None:
                continue
            human_score = sum(r.score for r in found) / len(found)
            score = value.details.get("score")
            rows.append(
                (
                    "/".join(key),
                    human_verdict(found),
                    value.passed is not False,
                    human_score,
                    float(value.value),
                    float(score) if isinstance(score, int | float) else None,
                )
            )
        if not rows:
            continue
        agree = sum(h == j for _, h, j, *_ in rows)
        pass_alpha, _ = krippendorff_alpha(
            [[float(h), float(j)] for _, h, j, *_ in rows], "nominal", (0.0, 1.0)
        )
        rho: float | None = None
        humans, judged = [r[3] for r in rows], [r[4] for r in rows]
        if len(rows) >= 3 and len(set(humans)) > 1 and len(set(judged)) > 1:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found_rho = float(spearmanr(humans, judged).statistic)
            rho = found_rho if math.isfinite(found_rho) else None
        scored = [(r[3], r[5]) for r in rows if r[5] is not None]
        score_alpha = None
        if scored:
            score_alpha, _ = krippendorff_alpha([[h, float(s)] for h, s in scored], "interval")
        out.append(
            JudgeHumanAgreement(
                metric=metric,
                n=len(rows),
                pass_agree=agree,
                pass_share=agree / len(rows),
                pass_alpha=pass_alpha,
                score_spearman=rho,
                score_alpha=score_alpha,
                disagreements=tuple(i for i, h, j, *_ in rows if h != j),
            )
        )
    return out
