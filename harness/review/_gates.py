"""Threshold gates decided on a results file, per suite and variant (``--check SPEC``).

``harness review import --check "human_pass >= 0.8"`` records the decisions in
results.json, so the scorecard shows their verdicts; ``harness compare --check``
decides them on the candidate. Both go through :class:`harness.gates.ThresholdGate`,
the gate a suite's ``evaluate(...).check(...)`` uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.errors import HarnessError
from harness.gates import ThresholdGate, errored_gate
from harness.results import GateRecord, Results


def parse_checks(specs: Sequence[str]) -> list[ThresholdGate]:
    """Parse every ``--check`` before anything is read, so a typo stops the command first."""
    return [ThresholdGate.parse(spec) for spec in specs]


def decide_checks(
    gates: Sequence[ThresholdGate],
    results: Results,
    *,
    variants: Sequence[str] | None = None,
    scorecard: str = "scorecard.html",
) -> list[GateRecord]:
    """Each gate on every (suite, variant) of ``results`` that recorded its metric.

    A gate whose metric no suite and variant holds is decided once as an error (a
    failed gate), never skipped: asking for ``human_pass`` on a run nobody rated fails.
    """
    records: list[GateRecord] = []
    for gate in gates:
        pairs = dict.fromkeys(
            (e.suite, e.variant)
            for e in results.examples
            if gate.metric in e.metrics and (variants is None or e.variant in variants)
        )
        if not pairs:
            why = f"no suite and variant of the results recorded {gate.metric!r}"
            records.append(
                _errored(gate, "*", "*" if variants is None else ",".join(variants), why)
            )
        for suite, variant in pairs:
            try:
                records.append(gate.evaluate(results, suite, variant, scorecard=scorecard))
            except HarnessError as exc:
                records.append(_errored(gate, suite, variant, str(exc)))
    return records


def _errored(gate: ThresholdGate, suite: str, variant: str, why: str) -> GateRecord:
    return errored_gate(
        gate.label,
        gate.metric,
        "threshold",
        suite,
        variant,
        why,
        op=gate.op,
        threshold=gate.threshold,
    )


def record_checks(results: Results, records: Sequence[GateRecord]) -> None:
    """Put gate decisions into ``results``, replacing earlier ones of the same gate and pair."""
    keys = {(g.gate, g.suite, g.variant) for g in records}
    results.gates = [g for g in results.gates if (g.gate, g.suite, g.variant) not in keys]
    results.gates.extend(records)
