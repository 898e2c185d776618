"""``harness review export|import``: human ratings of a blinded sample, out and back in."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.errors import HarnessError


def add_parser(sub: Any) -> None:
    """Register ``harness review export`` and ``harness review import``."""
    p = sub.add_parser(
        "review",
        help="human review: export a blinded sample, import the ratings",
        description="Export a stratified, blinded sample of a run's answers for people to "
        "rate (a CSV sheet and an offline HTML form), and import their ratings back.",
    )
    commands = p.add_subparsers(dest="review_command", required=True, metavar="COMMAND")

    ex = commands.add_parser(
        "export",
        help="write sheet.csv, form.html and key.json for a blinded sample",
        description="Sample answers stratified by --per, shuffle them and replace variant "
        "names by codes. DIR/key.json unblinds them: keep it, never give it to raters.",
    )
    ex.add_argument("results", type=Path, metavar="RESULTS", help="a results.json file")
    ex.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="where to write"
    )
    ex.add_argument("--sample", type=int, default=100, help="items in all (default 100)")
    ex.add_argument(
        "--per",
        default="suite,variant",
        help="strata sampled evenly: suite, variant, both comma-separated (default), or ''",
    )
    ex.add_argument("--seed", type=int, default=0, help="sampling, order and codes (default 0)")
    ex.add_argument("--suites", help="only these suites (comma-separated)")
    ex.add_argument(
        "--rubric", type=Path, help="rubric TOML (default: the harness's own; see its comments)"
    )
    ex.set_defaults(func=cmd_export)

    im = commands.add_parser(
        "import",
        help="validate rating files and merge them into a results.json",
        description="Every row of every file is checked first; any problem and nothing is "
        "merged (exit 2). Importing the same ratings again changes nothing; a rater's "
        "different rating of an item already imported is refused.",
    )
    im.add_argument("ratings", type=Path, nargs="+", metavar="RATINGS.csv", help="rating files")
    im.add_argument(
        "--into", type=Path, required=True, metavar="RESULTS", help="the results.json exported from"
    )
    im.add_argument(
        "--key", type=Path, help="the export's key.json (default: key.json beside the first file)"
    )
    im.add_argument(
        "--store",
        type=Path,
        metavar="PATH",
        help="also append the ratings to this store, which suite runs read for the "
        "human_pass/human_score gates (golden/review/ratings.jsonl for the project's suites)",
    )
    im.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="GATE",
        help="a threshold gate decided on every rated suite and variant and recorded in "
        "RESULTS, e.g. 'human_pass >= 0.8' (repeatable); exit 1 when one fails",
    )
    im.set_defaults(func=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the sample's sheet, form and key; print where."""
    from harness.results import read_results
    from harness.review import export_review, parse_per

    per = parse_per(args.per)
    suites = None
    if args.suites is not None:
        suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    if args.output.exists() and not args.output.is_dir():
        raise HarnessError(f"{args.output}: not a directory (name a folder for the export)")
    results = read_results(args.results)
    export = export_review(
        results,
        args.output,
        sample=args.sample,
        per=per,
        seed=args.seed,
        suites=suites,
        rubric_path=args.rubric,
        results_path=args.results,
    )
    strata = len({tuple(getattr(i, f) for f in per) for i in export.items})
    note = "" if len(export.items) == args.sample else f" (only {len(export.items)} available)"
    print(
        f"{len(export.items)} items{note} from {strata} strata, variants coded "
        f"{', '.join(sorted(export.codes))}: sheet {export.sheet}"
    )
    print(f"  {export.sheet_path}  (for a spreadsheet)")
    print(f"  {export.form_path}  (offline form; Save ratings downloads a CSV)")
    print(f"  {export.key_path}  (the key: keep it, do not give it to raters)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Validate, unblind and merge the ratings; print what changed."""
    from harness.metrics._human import read_store
    from harness.results import read_results, write_results
    from harness.review import append_to_store, import_ratings, load_key
    from harness.review._gates import decide_checks, parse_checks, record_checks

    checks = parse_checks(args.check)
    key_path: Path = args.key if args.key is not None else args.ratings[0].parent / "key.json"
    key = load_key(key_path)
    results = read_results(args.into)
    if args.store is not None:
        read_store(args.store)  # a broken store is reported before anything is written
    outcome = import_ratings(results, args.into, args.ratings, key)
    decided = decide_checks(
        checks,
        results,
        scorecard=str(args.into.parent / "scorecard.html"),
    )
    record_checks(results, decided)
    if outcome.added or decided:
        write_results(results, args.into)
    stored = append_to_store(args.store, outcome.new) if args.store is not None else 0
    print(
        f"{outcome.rows} rating(s) from {len(outcome.raters)} rater(s) "
        f"({', '.join(outcome.raters) or 'none'}): {outcome.added} added, "
        f"{outcome.unchanged} already imported"
        + (f"; {stored} added to {args.store}" if args.store is not None else "")
    )
    for gate in decided:
        print(gate.message)
    if outcome.added or decided:
        print(f"{args.into}: updated; `harness report {args.into}` shows the human review")
    return 1 if any(not g.passed for g in decided) else 0
