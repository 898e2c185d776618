"""The scorecard drill-down lists groundedness's unsupported claims, escaped."""

from __future__ import annotations

import dataclasses

from harness.metrics import MetricResult
from harness.scorecard import render_scorecard
from tests.test_scorecard import HOSTILE, make_results


def test_unsupported_spans_are_listed_and_escaped() -> None:
    results = make_results(hostile_output="fine")
    first = results.examples[0]
    span = f"it opens at 07:00 {HOSTILE}"
    metrics = dict(first.metrics)
    metrics["groundedness"] = MetricResult(
        value=0.5,
        passed=False,
        reason="1 of 2 claim(s) unsupported: number(s) not in the context: 07:00",
        details={
            "abstained": False,
            "claims": 2,
            "unsupported": [span],
            "why": ["number(s) not in the context: 07:00"],
        },
    )
    results.examples[0] = dataclasses.replace(first, metrics=metrics)
    html = render_scorecard(results)
    assert '<ul class="unsupported"' in html
    assert "<q>it opens at 07:00 &lt;script&gt;alert(" in html
    assert '<span class="why">number(s) not in the context: 07:00</span>' in html
    assert HOSTILE not in html


def test_no_list_without_unsupported_spans() -> None:
    assert '<ul class="unsupported"' not in render_scorecard(make_results())
