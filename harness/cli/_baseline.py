"""``harness baseline save NAME``: keep a run as a committed baseline, ``baselines/NAME.json``.

Regression gates read a baseline with ``pytest suites/ --harness-baseline
baselines/NAME.json``. ``reports/`` is not committed, so a baseline kept
there is gone on a fresh clone (and in CI); ``baselines/`` is committed.
Saving again under the same name replaces the baseline: that is how a
released run is promoted.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._io import in_project
from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.results import Results

BASELINE_DIR = "baselines"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def add_parser(sub: Any) -> None:
    """Register ``harness baseline save``."""
    p = sub.add_parser(
        "baseline",
        help="keep a run's results.json as a committed baseline",
        description="Keep runs as baselines for regression gates, in baselines/ of the project.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    save = actions.add_parser(
        "save",
        help="write baselines/NAME.json from a results.json (replaces one of that name)",
        description="Validate a results file and write it to baselines/NAME.json in the "
        "project (the folder of pyproject.toml), to be committed; regression gates then "
        "read it with --harness-baseline baselines/NAME.json.",
    )
    save.add_argument("name", metavar="NAME", help="the baseline's name, e.g. release")
    save.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="the run to keep (default: results.json in [tool.harness] report_dir)",
    )
    save.set_defaults(func=cmd_save)


def baseline_path(root: Path, name: str) -> Path:
    """Where baseline ``name`` of the project at ``root`` lives; a bad name is an error."""
    if not _NAME.fullmatch(name) or name.endswith(".json"):
        raise HarnessError(
            f"baseline name {name!r}: expected letters, digits, '.', '_' or '-', without "
            "a folder or '.json' (e.g. release)"
        )
    return root / BASELINE_DIR / f"{name}.json"


def cmd_save(args: argparse.Namespace) -> int:
    """Validate the run, write it as the named baseline and say how to use it."""
    from harness.config import load_config
    from harness.results import read_results, write_results

    config = load_config()
    target = baseline_path(config.root, args.name)
    source: Path = args.source if args.source is not None else config.report_dir / "results.json"
    # Paths as the README writes them: relative to the working directory when inside it.
    shown_source, shown_target = in_project(source, Path.cwd()), in_project(target, Path.cwd())
    results = read_results(source)
    if not results.examples:
        raise HarnessError(
            f"{shown_source}: the run evaluated no example, so it cannot serve as a baseline "
            "(run the suites first: pytest suites/)"
        )
    _relative_paths(results, config.root)
    try:
        write_results(results, target)
    except OSError as exc:
        raise HarnessError(f"{shown_target}: cannot write the baseline ({exc.strerror})") from None
    suites = ", ".join(results.suites())
    print(
        f"{shown_target}: saved from {shown_source} (variants {', '.join(results.variants())}; "
        f"suites {suites}; split {results.metadata.split}; {len(results.examples)} example records)"
    )
    print(f"commit it; regression gates then use --harness-baseline {shown_target}")
    return 0


def _relative_paths(results: Results, root: Path) -> None:
    """Name golden files relative to the project, as runs do now, so no clone sees another's home."""
    for suite, info in results.metadata.suites.items():
        results.metadata.suites[suite] = dataclasses.replace(info, path=in_project(info.path, root))
    for i, record in enumerate(results.examples):
        expected = dict(record.expected)
        if isinstance(expected.get("schema"), str):
            expected["schema"] = in_project(expected["schema"], root)
        source = in_project(record.source, root)
        results.examples[i] = dataclasses.replace(record, source=source, expected=expected)
