"""``harness compare BASELINE CANDIDATE``: did the candidate run regress against the baseline?"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness._format import format_number, format_p
from harness.errors import HarnessError


def add_parser(sub: Any) -> None:
    """Register ``harness compare``."""
    p = sub.add_parser(
        "compare",
        help="paired regression check of a candidate results.json against a baseline",
        description="Exit 0 when nothing regressed, 1 on a significant drop larger than its "
        "tolerance, 2 when the two runs cannot be compared.",
    )
    p.add_argument("baseline", type=Path, metavar="BASELINE", help="the baseline results.json")
    p.add_argument("candidate", type=Path, metavar="CANDIDATE", help="the candidate results.json")
    p.add_argument(
        "--tolerance",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="absolute drop a metric may take without failing, in metric units "
        "(repeatable; default 0.0)",
    )
    p.add_argument(
        "--alpha", type=float, default=0.05, help="significance level (default 0.05, one-sided)"
    )
    p.add_argument("--variant", metavar="NAME", help="compare only this variant of both runs")
    p.add_argument(
        "--baseline-variant", metavar="NAME", help="the baseline's variant to compare against"
    )
    p.add_argument("--candidate-variant", metavar="NAME", help="the candidate's variant to compare")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="GATE",
        help="also a threshold gate on the candidate, e.g. 'human_pass >= 0.8', decided on "
        "each suite and (candidate) variant that recorded the metric (repeatable)",
    )
    p.set_defaults(func=cmd_compare)


def parse_tolerances(specs: Sequence[str]) -> dict[str, float]:
    """``["schema_valid=0.02", ...]`` to ``{"schema_valid": 0.02}``; HarnessError on a bad one."""
    out: dict[str, float] = {}
    for spec in specs:
        metric, sep, raw = spec.partition("=")
        metric = metric.strip()
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not sep or not metric or not math.isfinite(value) or value < 0:
            raise HarnessError(
                f"--tolerance {spec!r}: expected METRIC=VALUE with VALUE a number >= 0 "
                "(e.g. --tolerance schema_valid=0.02)"
            )
        if metric in out:
            raise HarnessError(f"--tolerance: metric {metric!r} is given twice")
        out[metric] = value
    return out


def _variant_pairs(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    if args.variant and (args.baseline_variant or args.candidate_variant):
        raise HarnessError(
            "--variant: use either --variant or --baseline-variant/--candidate-variant, not both"
        )
    if args.variant:
        return [(args.variant, args.variant)]
    if args.baseline_variant or args.candidate_variant:
        base = args.baseline_variant or args.candidate_variant
        new = args.candidate_variant or args.baseline_variant
        return [(base, new)]
    return None


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare two results files and print the table; exit 0, 1 or 2."""
    from harness.compare import compare_runs
    from harness.results import read_results
    from harness.review._gates import decide_checks, parse_checks

    checks = parse_checks(args.check)
    tolerances = parse_tolerances(args.tolerance)
    if not 0 < args.alpha < 1:
        raise HarnessError(f"--alpha: must be between 0 and 1, got {args.alpha}")
    pairs = _variant_pairs(args)
    baseline = read_results(args.baseline)
    candidate = read_results(args.candidate)
    outcome = compare_runs(
        baseline,
        candidate,
        tolerances,
        args.alpha,
        variant_pairs=pairs,
        scorecard=str(args.candidate.parent / "scorecard.html"),
    )
    decided = decide_checks(
        checks,
        candidate,
        variants=None if pairs is None else [new for _, new in pairs],
        scorecard=str(args.candidate.parent / "scorecard.html"),
    )
    exit_code = max(outcome.exit_code, 1 if any(not g.passed for g in decided) else 0)
    if args.json:
        data = outcome.to_json()
        if decided:
            data["checks"] = [asdict(g) for g in decided]
            data["exit_code"] = exit_code
        print(json.dumps(data, indent=2))
    if outcome.unusable:
        raise HarnessError("\n".join(f"cannot compare: {reason}" for reason in outcome.unusable))
    if args.json:
        return exit_code

    from rich.console import Console
    from rich.table import Table

    table = Table(caption=f"baseline {args.baseline}\ncandidate {args.candidate}")
    # Names wrap rather than being cut to "…"; numbers and verdicts stay on one line.
    for col in ("suite", "variant", "metric"):
        table.add_column(col, overflow="fold")
    for col in ("baseline", "candidate", "delta", "p"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for row in outcome.rows:
        test = row.decision.test
        variant = (
            row.variant
            if row.baseline_variant == row.variant
            else f"{row.baseline_variant} -> {row.variant}"
        )
        style = {"regression": "bold red", "within tolerance": "yellow"}.get(row.verdict, "green")
        table.add_row(
            row.suite,
            variant,
            row.metric,
            format_number(test.reference_mean),
            format_number(test.new_mean),
            format_number(test.delta, signed=True),
            format_p(test.p_value),
            f"[{style}]{row.verdict}[/]",
        )
    console = Console()
    if not console.is_terminal:
        # CI logs and pipes have no width; rich's 80 columns would fold every name.
        console = Console(width=max(console.width, 120))
    console.print(table)
    for note in outcome.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    for row in outcome.regressions:
        # Plain print: messages hold brackets that rich would read as markup.
        print(row.gate.message)
    n_bad = len(outcome.regressions)
    if n_bad:
        print(f"REGRESSION: {n_bad} of {len(outcome.rows)} checks dropped significantly")
    else:
        print(f"no regression in {len(outcome.rows)} checks (alpha {args.alpha:g})")
    for gate in decided:
        print(gate.message)
    return exit_code
