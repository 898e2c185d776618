"""Human ratings as metrics: ``human_pass`` and ``human_score``, read from a ratings store.

``harness review import … --store PATH`` appends every accepted rating to a
ratings store, one JSON object per line. A suite run finds the store at
``review/ratings.jsonl`` beside the golden file (``golden/review/ratings.jsonl``
for the project's suites) or at ``$HARNESS_REVIEW_STORE``. A rating is matched
by example id **and** the SHA-256 of the answer text it rated, so it counts only
while the model still gives that very answer; a changed answer is "not rated".
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness._types import Completion, GoldenExample
from harness.errors import HarnessError
from harness.metrics._registry import MetricKind, MetricResult, register_metric

#: Environment variable naming the ratings store for every suite (overrides the default path).
REVIEW_STORE_ENV = "HARNESS_REVIEW_STORE"
#: The store's place relative to a golden file's folder.
DEFAULT_STORE = Path("review") / "ratings.jsonl"
#: The four rubric criteria rated 1-5.
CRITERIA = ("correct", "helpful", "format", "tone")
SCORE_MIN, SCORE_MAX = 1, 5


def answer_digest(text: str) -> str:
    """The SHA-256 hex digest of an answer text: what a rating is tied to."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Rating:
    """One rater's rating of one answer (scores 1-5, a pass/fail verdict, a comment)."""

    suite: str
    variant: str
    example_id: str
    answer_sha256: str
    rater: str
    correct: int
    helpful: int
    format: int
    tone: int
    passed: bool
    comment: str = ""
    source: str = ""  # ``file:line`` of the CSV row it came from

    @property
    def score(self) -> float:
        """The mean of the four criteria: this rater's overall 1-5 score."""
        return sum(self.scores) / len(CRITERIA)

    @property
    def scores(self) -> tuple[int, int, int, int]:
        """The 1-5 scores in :data:`CRITERIA` order."""
        return (self.correct, self.helpful, self.format, self.tone)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(suite, variant, example id, rater): one rating per rater and item."""
        return (self.suite, self.variant, self.example_id, self.rater)

    def to_json(self) -> dict[str, object]:
        """The JSON object stored in results.json and in a ratings store."""
        return {("pass" if k == "passed" else k): v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, object], where: str = "rating") -> Rating:
        """Rebuild a rating from its JSON object; :class:`HarnessError` names what is wrong."""

        def score(name: str) -> int:
            value = _field(data, name, where)
            if type(value) is not int or not SCORE_MIN <= value <= SCORE_MAX:
                raise HarnessError(f"{where}: {name}: expected an integer 1-5, got {value!r}")
            return value

        def text(name: str) -> str:
            value = _field(data, name, where)
            if not isinstance(value, str) or not value:
                raise HarnessError(f"{where}: {name}: expected a non-empty string")
            return value

        verdict = _field(data, "pass", where)
        if not isinstance(verdict, bool):
            raise HarnessError(f"{where}: pass: expected true or false, got {verdict!r}")
        names = ("suite", "variant", "example_id", "answer_sha256", "rater")
        values: dict[str, Any] = {name: text(name) for name in names}
        values.update({name: score(name) for name in CRITERIA})
        return cls(
            **values,
            passed=verdict,
            comment=str(data.get("comment") or ""),
            source=str(data.get("source") or ""),
        )


def _field(data: dict[str, object], name: str, where: str) -> object:
    if name not in data:
        raise HarnessError(f"{where}: {name}: missing (import the ratings again)")
    return data[name]


def human_verdict(ratings: list[Rating]) -> bool:
    """The human verdict on one answer: passed by a strict majority of its raters (a tie fails)."""
    return sum(r.passed for r in ratings) * 2 > len(ratings)


def read_store(path: Path) -> list[Rating]:
    """Every rating in a ratings store (JSON lines); a missing store holds none."""
    if not path.is_file():
        return []
    ratings = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HarnessError(
                f"{path}:{n}: not JSON ({exc.msg}); fix or remove the line"
            ) from None
        if not isinstance(data, dict):
            raise HarnessError(f"{path}:{n}: expected a JSON object (fix or remove the line)")
        ratings.append(Rating.from_json(data, f"{path}:{n}"))
    return ratings


# (path, mtime_ns, size) -> ratings by (example id, answer digest); reread when the file changes.
_STORES: dict[Path, tuple[tuple[int, int], dict[tuple[str, str], list[Rating]]]] = {}


def store_path(example: GoldenExample) -> Path:
    """The ratings store a suite run reads for ``example``."""
    override = os.environ.get(REVIEW_STORE_ENV)
    if override:
        return Path(override)
    return Path(example.source.path).parent / DEFAULT_STORE


def ratings_for(example: GoldenExample, answer: str) -> list[Rating]:
    """The stored ratings of this very answer to ``example`` (matched by id and answer digest)."""
    path = store_path(example).resolve()
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        return []
    cached = _STORES.get(path)
    if cached is None or cached[0] != stamp:
        index: dict[tuple[str, str], list[Rating]] = {}
        # One rating per rater and answer: a rater's later line replaces an earlier one.
        latest: dict[tuple[str, str, str], Rating] = {}
        for r in read_store(path):
            latest[(r.example_id, r.answer_sha256, r.rater)] = r
        for r in latest.values():
            index.setdefault((r.example_id, r.answer_sha256), []).append(r)
        cached = (stamp, index)
        _STORES[path] = cached
    return list(cached[1].get((example.id, answer_digest(answer)), []))


def human_pass_result(ratings: list[Rating]) -> MetricResult:
    """The ``human_pass`` result of one answer's ratings (not applicable when unrated)."""
    if not ratings:
        return MetricResult.not_applicable("not rated by a person (or the answer changed)")
    yes = sum(r.passed for r in ratings)
    return MetricResult.pass_fail(
        human_verdict(ratings),
        reason=f"{yes} of {len(ratings)} rater(s) passed it",
        details={"raters": [r.rater for r in ratings], "passed_by": yes},
    )


def human_score_result(ratings: list[Rating]) -> MetricResult:
    """The ``human_score`` result of one answer's ratings (not applicable when unrated)."""
    if not ratings:
        return MetricResult.not_applicable("not rated by a person (or the answer changed)")
    details: dict[str, object] = {
        c: sum(r.scores[i] for r in ratings) / len(ratings) for i, c in enumerate(CRITERIA)
    }
    details["raters"] = len(ratings)
    return MetricResult(value=sum(r.score for r in ratings) / len(ratings), details=details)


@register_metric(
    name="human_pass",
    higher_is_better=True,
    kind=MetricKind.PASS_FAIL,
    applies_to="answers a person rated (`harness review import`), while the answer is unchanged",
)
def human_pass(completion: Completion, example: GoldenExample) -> MetricResult:
    """Passed by a strict majority of the people who rated this very answer (a tie fails)."""
    return human_pass_result(ratings_for(example, completion.text))


@register_metric(
    name="human_score",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    aggregation="mean 1-5 rating with a 95% bootstrap (BCa) interval",
    applies_to="answers a person rated (`harness review import`), while the answer is unchanged",
)
def human_score(completion: Completion, example: GoldenExample) -> MetricResult:
    """Mean 1-5 human rating (correct, helpful, format, tone) of this very answer over raters."""
    return human_score_result(ratings_for(example, completion.text))
