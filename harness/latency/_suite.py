"""One variant's pass through the latency suite: measure, decide its budgets, record both."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from harness.config import LatencyProfile, LatencySettings, Variant
from harness.errors import ConfigError, HarnessError
from harness.gates import ThresholdGate
from harness.latency._load import LatencyReport, run_latency
from harness.latency._records import budget_metric, latency_records
from harness.latency._servers import Endpoint
from harness.metrics import MetricResult
from harness.results import GateRecord, SuiteInfo

if TYPE_CHECKING:
    from harness.session import EvalSession

#: The suite name latency records and gates are filed under in results.json.
SUITE = "latency"


def budget_gates(
    report: LatencyReport,
    profile: LatencyProfile,
    *,
    suite: str,
    variant: str,
    scorecard: str = "scorecard.html",
) -> list[GateRecord]:
    """Decide every budget of ``profile`` at every level; each budget must hold at each level.

    Each budget is a :class:`~harness.gates.ThresholdGate` on a percentile of the
    level's per-request timings. A budget whose timing no request reported (e.g.
    TPOT when every answer was a single token) raises
    :class:`~harness.errors.HarnessError`: a gate never passes for lack of data.
    """
    records: list[GateRecord] = []
    for level in report.levels:
        for budget in profile.budgets:
            metric = budget_metric(budget.timing, budget.percentile, level.concurrency)
            values = {
                i: MetricResult(t, applicable=t is not None)
                for i, t in level.timings(budget.timing).items()
            }
            if not any(v.applicable for v in values.values()):
                raise HarnessError(
                    f"latency gate {metric} on {suite}/{variant}: no request reported a "
                    f"{budget.timing} (streamed content and at least two output tokens are "
                    "needed); nothing to decide"
                )
            label = f"{metric} <= {budget.seconds:g} s ({profile.name})"
            gate = ThresholdGate(metric, "<=", budget.seconds, label, percentile=budget.percentile)
            records.append(gate.decide_values(values, suite, variant, scorecard=scorecard))
    return records


def measure_variant(
    session: EvalSession,
    variant: Variant,
    endpoint: Endpoint,
    settings: LatencySettings,
    *,
    suite: str = SUITE,
) -> tuple[LatencyReport, list[GateRecord]]:
    """Measure one variant, add its records and gates to ``session``, and return them.

    Prompts are the first ``settings.requests`` examples of the golden suite
    ``settings.suite``, as the variant sends them (system prompt, few-shot),
    with ``max_new_tokens = settings.max_tokens``.
    """
    from harness.backends.openai import endpoint_fingerprint

    golden = session.golden(settings.suite)
    examples = golden.examples[: settings.requests]
    if not examples:
        raise ConfigError(f"latency: golden suite {settings.suite!r} has no examples")
    sampling = dataclasses.replace(variant.sampling, max_new_tokens=settings.max_tokens)
    prompts = [variant.request(e, sampling) for e in examples]
    report = run_latency(
        endpoint.base_url,
        endpoint.model,
        prompts,
        settings.concurrency,
        settings.max_tokens,
        settings.warmup,
        requests=settings.requests,
        api_key_env=endpoint.api_key_env,
    )
    records, aggregates = latency_records(report, suite, variant.name, {e.id: e for e in examples})
    gates = budget_gates(
        report,
        settings.profile,
        suite=suite,
        variant=variant.name,
        scorecard=session.scorecard_link,
    )
    session.record_measurements(
        suite,
        variant,
        examples=records,
        aggregates=aggregates,
        fingerprint=endpoint_fingerprint(endpoint.model, endpoint.base_url),
        info=SuiteInfo(str(golden.path), golden.fingerprint, len(records)),
        extra={
            **report.to_json(),
            "endpoint": endpoint.description,
            "profile": settings.profile.name,
            "profile_source": settings.profile_source,
            "budgets": {b.key: b.seconds for b in settings.profile.budgets},
        },
    )
    for gate in gates:
        session.record_gate(gate)
    return report, gates
