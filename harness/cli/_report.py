"""``harness report``: re-render a scorecard from a results file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.errors import HarnessError


def add_parser(sub: Any) -> None:
    """Register ``harness report``."""
    p = sub.add_parser(
        "report",
        help="re-render scorecard.html from a results.json",
        description="Re-render the self-contained HTML scorecard of a results file.",
    )
    p.add_argument("results", type=Path, metavar="RESULTS", help="a results.json file")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="where to write the scorecard (default: scorecard.html beside RESULTS)",
    )
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Read and validate the results file, write the scorecard, print its path."""
    # Imported here so that `harness --help` does not load Jinja.
    from harness.results import read_results
    from harness.scorecard import write_scorecard

    source: Path = args.results
    target: Path = args.output if args.output is not None else source.parent / "scorecard.html"
    if target.is_dir():
        raise HarnessError(f"{target}: is a directory (name the HTML file to write)")
    results = read_results(source)
    try:
        written = write_scorecard(results, target)
    except OSError as exc:
        raise HarnessError(f"{target}: cannot write the scorecard ({exc.strerror})") from None
    print(written)
    return 0
