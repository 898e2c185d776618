"""Human review both ways: a blinded sample out (sheet + offline form), ratings back in.

``export_review`` writes ``sheet.csv``, ``form.html`` and ``key.json``;
``import_ratings`` validates rating files against the key and merges them into a
results file, where ``human_pass`` and ``human_score`` become ordinary metric
values; ``review_summary`` computes what the scorecard shows.
"""

from __future__ import annotations

from harness.metrics._human import Rating, answer_digest
from harness.review._export import Export, ReviewItem, export_review, parse_per
from harness.review._merge import ImportOutcome, append_to_store, import_ratings
from harness.review._ratings import ReviewInputError, ReviewKey, load_key, read_ratings
from harness.review._rubric import DEFAULT_RUBRIC, load_rubric
from harness.review._stats import ReviewSummary, krippendorff_alpha, review_summary

__all__ = [
    "DEFAULT_RUBRIC",
    "Export",
    "ImportOutcome",
    "Rating",
    "ReviewInputError",
    "ReviewItem",
    "ReviewKey",
    "ReviewSummary",
    "answer_digest",
    "append_to_store",
    "export_review",
    "import_ratings",
    "krippendorff_alpha",
    "load_key",
    "load_rubric",
    "parse_per",
    "read_ratings",
    "review_summary",
]
