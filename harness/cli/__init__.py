"""The ``harness`` command line: ``harness data …``, ``harness models …``, ``harness metrics``, ….

User mistakes print one line per problem and exit 2, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from harness.errors import HarnessError


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, one sub-command group per area."""
    from harness.cli import (
        _baseline,
        _compare,
        _data,
        _metrics,
        _models,
        _report,
        _review,
        _serve,
    )

    parser = argparse.ArgumentParser(
        prog="harness", description="golden-harness: golden eval suites for fine-tuning LLMs"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _data.add_parser(sub)
    _models.add_parser(sub)
    _metrics.add_parser(sub)
    _compare.add_parser(sub)
    _report.add_parser(sub)
    _baseline.add_parser(sub)
    _review.add_parser(sub)
    _serve.add_parser(sub)
    # Other packages (``training``: train, export) add sub-commands through entry points,
    # so this package never imports them.
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group="golden_harness.commands"), key=lambda e: e.name):
        entry.load()(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("golden-harness")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``harness`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        # Flushed here, so a closed pipe is caught below and not at interpreter exit.
        sys.stdout.flush()
    except HarnessError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`harness data stats --json | head`): stop quietly, as
        # `cat` does. Python's exit flush would fail again, so stdout goes to devnull.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by the pipe
    return code
