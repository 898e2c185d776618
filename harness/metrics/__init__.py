"""Metrics: pure functions of (completion, example) with declared semantics.

Every metric is registered with its direction, kind and aggregation, so gates and
reports read them from :func:`get_metric` instead of guessing.
"""

from __future__ import annotations

# Registers human_pass and human_score (ratings from `harness review import`).
from harness.metrics import _human as _human
from harness.metrics._aggregate import Aggregate, aggregate
from harness.metrics._answer import answer_match, register_answer_match
from harness.metrics._exact import exact_match, normalize_answer
from harness.metrics._grounded import abstention, groundedness
from harness.metrics._json import (
    JsonPolicy,
    json_field_accuracy,
    json_match,
    json_valid,
    schema_valid,
)
from harness.metrics._judge import judge
from harness.metrics._latency import LatencySummary, Percentiles, latency, latency_summary
from harness.metrics._length import length
from harness.metrics._refusal import (
    RefusalRates,
    over_refusal,
    refusal_accuracy,
    refusal_rates,
    refusal_recall,
)
from harness.metrics._registry import (
    MetricKind,
    MetricResult,
    MetricSpec,
    UnknownMetricError,
    get_metric,
    list_metrics,
    register_metric,
)
from harness.metrics._retrieval import retrieval_recall
from harness.metrics._rouge import rouge1, rouge2, rougeL

__all__ = [
    "Aggregate",
    "JsonPolicy",
    "LatencySummary",
    "MetricKind",
    "MetricResult",
    "MetricSpec",
    "Percentiles",
    "RefusalRates",
    "UnknownMetricError",
    "abstention",
    "aggregate",
    "answer_match",
    "exact_match",
    "get_metric",
    "groundedness",
    "json_field_accuracy",
    "json_match",
    "json_valid",
    "judge",
    "latency",
    "latency_summary",
    "length",
    "list_metrics",
    "normalize_answer",
    "over_refusal",
    "refusal_accuracy",
    "refusal_rates",
    "refusal_recall",
    "register_answer_match",
    "register_metric",
    "retrieval_recall",
    "rouge1",
    "rouge2",
    "rougeL",
    "schema_valid",
]
