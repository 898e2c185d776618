"""Warnings and statistics over parsed golden files (``harness data validate|stats``)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness._types import Role
from harness.errors import DataIssue
from harness.golden._dedupe import find_duplicates
from harness.golden._load import GoldenFile
from harness.stats import percentile

#: References shorter than this many characters are flagged unless an exact answer is expected.
SHORT_ANSWER_CHARS = 3
#: A length is an outlier beyond median + this many scaled MADs (a robust z-score).
OUTLIER_MADS = 6.0


def _issue(golden: GoldenFile, line: int | None, fld: str, problem: str, fix: str) -> DataIssue:
    return DataIssue(str(golden.path), line, fld, problem, fix)


def find_warnings(golden: GoldenFile, near_threshold: float = 0.8) -> list[DataIssue]:
    """Things that are legal but usually a mistake: short answers, outliers, near duplicates."""
    warnings: list[DataIssue] = []
    for ex in golden.examples:
        ref = ex.reference
        if ref is not None and len(ref.strip()) < SHORT_ANSWER_CHARS and ex.expect.exact is None:
            warnings.append(
                _issue(
                    golden,
                    ex.source.line,
                    "messages[-1].content",
                    f"very short answer {ref.strip()!r}",
                    "check it, or add expect.exact if a short answer is intended",
                )
            )
    systems = Counter(
        ex.messages[0].content if ex.messages and ex.messages[0].role is Role.SYSTEM else None
        for ex in golden.examples
    )
    if len(systems) > 1:
        parts = [
            f"{n} with {'no system prompt' if s is None else repr(s[:30] + ('…' if len(s) > 30 else ''))}"
            for s, n in systems.most_common(4)
        ]
        warnings.append(
            _issue(
                golden,
                None,
                "messages[0]",
                f"inconsistent system prompts: {len(systems)} variants ({'; '.join(parts)})",
                "use one system prompt per suite, or none, unless the variety is intended",
            )
        )
    lengths = [sum(len(m.content) for m in ex.messages) + len(ex.reference or "") for ex in golden]
    if len(lengths) >= 10:
        med = statistics.median(lengths)
        mad = statistics.median(abs(x - med) for x in lengths) * 1.4826 or 1.0
        for ex, n in zip(golden.examples, lengths, strict=True):
            if abs(n - med) / mad > OUTLIER_MADS:
                warnings.append(
                    _issue(
                        golden,
                        ex.source.line,
                        "messages",
                        f"length outlier: {n:,} characters against a median of {med:,.0f}",
                        "check for pasted junk or a truncated example",
                    )
                )
    for dup in find_duplicates(golden.examples, threshold=near_threshold):
        warnings.append(
            _issue(
                golden,
                dup.dropped.source.line,
                "messages",
                f"{dup.kind} duplicate of {dup.kept.id!r} (line {dup.kept.source.line}, "
                f"Jaccard {dup.similarity:.2f})",
                "remove it with `harness data dedupe`",
            )
        )
    return warnings


@dataclass
class LengthStats:
    """Distribution of one length measure."""

    n: int
    mean: float
    p50: float
    p90: float
    max: int

    @classmethod
    def of(cls, values: Sequence[int]) -> LengthStats:
        """Summarise a list of lengths."""
        if not values:
            return cls(0, 0.0, 0.0, 0.0, 0)
        p50, p90 = percentile(values, 50), percentile(values, 90)
        return cls(len(values), statistics.fmean(values), p50, p90, max(values))


@dataclass
class FileStats:
    """What `harness data stats` reports for one file."""

    path: str
    examples: int
    fingerprint: str
    chars: dict[str, LengthStats] = field(default_factory=dict)
    tokens: dict[str, LengthStats] | None = None
    tags: dict[str, int] = field(default_factory=dict)
    expectations: dict[str, int] = field(default_factory=dict)


def file_stats(golden: GoldenFile, count_tokens: Callable[[str], int] | None = None) -> FileStats:
    """Counts, per-role lengths (characters, and tokens when a tokenizer is given), tags, kinds."""
    by_role: dict[str, list[str]] = {r.value: [] for r in Role}
    for ex in golden.examples:
        for m in ex.messages:
            by_role[m.role.value].append(m.content)
        if ex.reference is not None:
            by_role[Role.ASSISTANT.value].append(ex.reference)

    def lengths(measure: Callable[[str], int]) -> dict[str, LengthStats]:
        return {r: LengthStats.of([measure(t) for t in ts]) for r, ts in by_role.items() if ts}

    tags = Counter(t for ex in golden.examples for t in ex.tags)
    kinds = Counter(k.value for ex in golden.examples for k in ex.expect.kinds)
    return FileStats(
        path=str(golden.path),
        examples=len(golden),
        fingerprint=golden.fingerprint,
        chars=lengths(len),
        tokens=None if count_tokens is None else lengths(count_tokens),
        tags=dict(tags.most_common()),
        expectations=dict(sorted(kinds.items())),
    )
