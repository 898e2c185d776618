"""``harness metrics``: the metric reference, generated from the metric registry."""

from __future__ import annotations

import argparse
import re
from typing import Any

from harness.metrics import MetricKind, MetricSpec, list_metrics

NOT_DECLARED = "not declared (see meaning)"
#: The committed page; ``tests/test_metrics_reference.py`` fails when it and the registry differ.
REFERENCE_PAGE = "docs/metrics.md"

_HEADER = f"""# Metrics reference

Generated from the metric registry by `harness metrics --markdown > {REFERENCE_PAGE}`;
a test fails when this page and the registry differ, so it cannot go stale.

- **direction**: which way is better. Gates, paired tests and reports read it from
  the registry. For every pass/fail metric an example's `passed` means "good for
  this example"; for a lower-is-better one the rate shown is the share of examples
  where the bad event happened (e.g. `over_refusal`).
- **applies to**: the examples that get a result. The others are *not applicable*:
  they are left out of `n` and of the rate, never counted as a pass or a fail.
- **aggregation**: how per-example results become the number in a gate, the
  terminal table and the scorecard.

"""


def add_parser(sub: Any) -> None:
    """Register ``harness metrics``."""
    p = sub.add_parser(
        "metrics",
        help="what each metric means: direction, kind, the examples it applies to",
        description="List the registered metrics with their meaning, direction and applicability.",
    )
    p.add_argument(
        "--markdown",
        action="store_true",
        help=f"print the reference page ({REFERENCE_PAGE}) instead of a plain list",
    )
    p.set_defaults(func=cmd_metrics)


def direction(spec: MetricSpec) -> str:
    """``higher is better``, ``lower is better`` or ``no direction (diagnostic)``."""
    if spec.higher_is_better is None:
        return "no direction (diagnostic)"
    return "higher is better" if spec.higher_is_better else "lower is better"


def _kind(spec: MetricSpec) -> str:
    return "pass/fail" if spec.kind is MetricKind.PASS_FAIL else "continuous"


def _markdown_text(text: str) -> str:
    # Docstrings use reST literals (``x``); a table cell must not hold a bare "|".
    return re.sub(r"``([^`]+)``", r"`\1`", text).replace("|", "\\|")


def render_reference(specs: list[MetricSpec] | None = None) -> str:
    """The reference page (Markdown) of the built-in metrics, or of ``specs``."""
    if specs is None:
        # Metrics registered by user code or tests are theirs to document.
        specs = [s for s in list_metrics() if s.fn.__module__.startswith("harness.")]
    rows = [
        "| metric | meaning | direction | kind | applies to | aggregation |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for spec in specs:
        cells = [
            f"`{spec.name}`",
            _markdown_text(spec.description),
            direction(spec),
            _kind(spec),
            _markdown_text(spec.applies_to or NOT_DECLARED),
            _markdown_text(spec.aggregation),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return _HEADER + "\n".join(rows) + "\n"


def cmd_metrics(args: argparse.Namespace) -> int:
    """Print the metric reference: a plain list, or the Markdown page."""
    if args.markdown:
        print(render_reference(), end="")
        return 0
    for spec in list_metrics():
        print(f"{spec.name}  ({_kind(spec)}, {direction(spec)})")
        print(f"    {spec.description}")
        print(f"    applies to: {spec.applies_to or NOT_DECLARED}")
    return 0


__all__ = ["add_parser", "direction", "render_reference"]
