"""``harness review import``: unblind validated ratings and merge them into results.json.

All-or-nothing: every row of every file is checked (:mod:`harness.review._ratings`),
then each rating is matched to its example in the results file and to the very
answer it rated (by SHA-256). Any problem and nothing is written.

Re-importing is idempotent: a rating identical to one already merged (same rater,
item, scores, verdict and comment) is skipped, so importing the same file twice
changes nothing. A rater's *different* rating of an item already merged is
refused: which of the two counts is for a person to decide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from harness._io import atomic_write_text
from harness.metrics import get_metric
from harness.metrics._aggregate import aggregate
from harness.metrics._human import (
    Rating,
    answer_digest,
    human_pass_result,
    human_score_result,
    read_store,
)
from harness.results import Results, ReviewImport, ReviewRating, Reviews, utc_now
from harness.review._ratings import ReviewInputError, ReviewKey, read_ratings

HUMAN_METRICS = ("human_pass", "human_score")


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: rows read, ratings added, identical ones skipped, raters."""

    rows: int
    added: int
    unchanged: int
    raters: tuple[str, ...]
    new: tuple[Rating, ...] = ()


def stored_ratings(results: Results) -> list[Rating]:
    """The ratings already merged into ``results``."""
    raw = results.reviews.get("ratings") or []
    return [Rating.from_json(dict(r), f"reviews.ratings[{i}]") for i, r in enumerate(raw)]


def current_ratings(
    results: Results, ratings: Sequence[Rating]
) -> dict[tuple[str, str, str], list[Rating]]:
    """Ratings of the answers the results still hold, by (suite, variant, example id)."""
    digests = {
        (e.suite, e.variant, e.example_id): answer_digest(e.output) for e in results.examples
    }
    out: dict[tuple[str, str, str], list[Rating]] = {}
    for r in ratings:
        k = (r.suite, r.variant, r.example_id)
        if digests.get(k) == r.answer_sha256:
            out.setdefault(k, []).append(r)
    return out


def import_ratings(
    results: Results,
    results_path: Path,
    files: Sequence[Path],
    key: ReviewKey,
) -> ImportOutcome:
    """Validate every row, then merge into ``results`` in memory (the caller writes it).

    Raises :class:`ReviewInputError` listing every problem, leaving ``results`` untouched.
    """
    rows, problems = read_ratings(files, key)
    outputs = {(e.suite, e.variant, e.example_id): e.output for e in results.examples}
    existing = {r.key: r for r in stored_ratings(results)}
    new: list[Rating] = []
    unchanged = 0
    for row in rows:
        rating = row.unblind(key)
        where = f"{row.source}: item"
        output = outputs.get((rating.suite, rating.variant, rating.example_id))
        if output is None:
            problems.append(
                f"{where}: {row.item} is {rating.suite}/{rating.example_id} of a variant "
                f"{results_path} does not hold (import into the results file it was exported from)"
            )
            continue
        if answer_digest(output) != rating.answer_sha256:
            problems.append(
                f"{where}: the answer to {rating.suite}/{rating.example_id} in {results_path} "
                "is not the one that was rated (export a new sheet from these results)"
            )
            continue
        before = existing.get(rating.key)
        if before is not None:
            # Same rater and item (the key); where each was read from does not count.
            if replace(before, source="") == replace(rating, source=""):
                unchanged += 1
                continue
            problems.append(
                f"{row.source}: rater: {rating.rater!r} already rated {row.item} differently "
                f"in an earlier import ({before.source}); remove one of the two ratings"
            )
            continue
        new.append(rating)
    if problems:
        raise ReviewInputError(problems)
    ratings = [*existing.values(), *new]
    imports = [
        ReviewImport(
            file=str(path),
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            sheet=key.sheet,
            rows=sum(1 for r in rows if r.source.rpartition(":")[0] == str(path)),
            added=sum(1 for r in new if r.source.rpartition(":")[0] == str(path)),
            imported_at=utc_now(),
        )
        for path in files
    ]
    results.reviews = Reviews(
        ratings=[cast(ReviewRating, r.to_json()) for r in ratings],
        imports=[*results.reviews.get("imports", []), *imports],
    )
    apply_human_metrics(results, ratings)
    return ImportOutcome(
        rows=len(rows),
        added=len(new),
        unchanged=unchanged,
        raters=tuple(sorted({r.rater for r in rows})),
        new=tuple(new),
    )


def apply_human_metrics(results: Results, ratings: Sequence[Rating]) -> None:
    """Set ``human_pass``/``human_score`` on every example of each rated suite and variant.

    Rated answers get values; the other examples of those (suite, variant) pairs
    are "not applicable", so gates and paired comparisons read them like any metric.
    """
    by_answer = current_ratings(results, ratings)
    pairs = {(r.suite, r.variant) for r in ratings}
    for suite, variant in sorted(pairs):
        records = [e for e in results.examples if (e.suite, e.variant) == (suite, variant)]
        for name, compute in (
            ("human_pass", human_pass_result),
            ("human_score", human_score_result),
        ):
            computed = []
            for e in records:
                res = compute(by_answer.get((suite, variant, e.example_id), []))
                computed.append(res)
                e.metrics[name] = replace(res, details=json.loads(json.dumps(dict(res.details))))
            agg = aggregate(get_metric(name), computed, suite=suite, variant=variant)
            results.aggregates = [
                a
                for a in results.aggregates
                if (a.suite, a.variant, a.metric) != (suite, variant, name)
            ]
            results.aggregates.append(agg)


def append_to_store(store: Path, ratings: Sequence[Rating]) -> int:
    """Add ratings to a ratings store (JSON lines) unless an identical one is there; the count added."""
    # A rating counts once wherever it was read from.
    have = {replace(r, source="") for r in read_store(store)}
    lines = []
    for r in ratings:
        if replace(r, source="") not in have:
            have.add(replace(r, source=""))
            lines.append(json.dumps(r.to_json(), ensure_ascii=False))
    if lines:
        old = store.read_text(encoding="utf-8") if store.is_file() else ""
        if old and not old.endswith("\n"):
            old += "\n"
        atomic_write_text(store, old + "\n".join(lines) + "\n")
    return len(lines)
