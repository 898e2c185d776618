"""``harness data validate|stats|dedupe|split``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness._io import atomic_write_text
from harness.errors import DataIssue, HarnessError
from harness.golden import (
    NEAR_DUPLICATE_THRESHOLD,
    GoldenFile,
    SplitRatios,
    check_golden,
    file_stats,
    find_duplicates,
    find_warnings,
    load_golden,
    split_examples,
)
from harness.golden._load import MAX_ISSUES_SHOWN
from harness.golden._schema import SchemaStore


def add_parser(sub: Any) -> None:
    """Register ``harness data``."""
    p = sub.add_parser("data", help="check, describe, dedupe and split golden data")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    v = dsub.add_parser("validate", help="report every error (exit 2) and warning in JSONL files")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument(
        "--allow-missing-reference",
        action="store_true",
        help="accept examples that do not end with an assistant answer",
    )
    v.add_argument("--no-warnings", action="store_true", help="report errors only")
    v.add_argument(
        "--near-threshold",
        type=float,
        default=NEAR_DUPLICATE_THRESHOLD,
        help=f"Jaccard similarity for near-duplicate warnings (default {NEAR_DUPLICATE_THRESHOLD})",
    )
    v.set_defaults(func=cmd_validate)

    s = dsub.add_parser("stats", help="counts, lengths, tags and expectation kinds")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--json", action="store_true", help="print JSON instead of tables")
    s.add_argument(
        "--no-tokens", action="store_true", help="skip token counts (no tokenizer is loaded)"
    )
    s.set_defaults(func=cmd_stats)

    d = dsub.add_parser(
        "dedupe",
        help="drop exact and near duplicates into a new file (MinHash/LSH over word 3-shingles, "
        "confirmed by exact Jaccard)",
    )
    d.add_argument("path", metavar="PATH")
    d.add_argument("-o", "--output", required=True, type=Path, help="the deduplicated file")
    d.add_argument(
        "--threshold",
        type=float,
        default=NEAR_DUPLICATE_THRESHOLD,
        help=f"Jaccard similarity at or above which examples are near duplicates "
        f"(default {NEAR_DUPLICATE_THRESHOLD})",
    )
    d.add_argument(
        "--report", type=Path, help="where to write the report (default: OUTPUT.dedupe.json)"
    )
    d.add_argument("--force", action="store_true", help="overwrite existing output files")
    d.set_defaults(func=cmd_dedupe)

    sp = dsub.add_parser("split", help="deterministic hash-based train/val/test split")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument(
        "--out-dir",
        type=Path,
        help="where to write NAME.{train,val,test}.jsonl (default: beside PATH)",
    )
    sp.add_argument("--ratios", default="80,10,10", help="train,val,test (default 80,10,10)")
    sp.add_argument("--seed", default="", help="salt for the hash (default: none)")
    sp.add_argument("--force", action="store_true", help="overwrite existing split files")
    sp.set_defaults(func=cmd_split)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate every file; all errors of all files are printed before exiting 2."""
    schemas = SchemaStore()
    errors: list[DataIssue] = []
    n_warnings = 0
    for raw in args.paths:
        golden, issues = check_golden(
            raw, require_reference=not args.allow_missing_reference, schemas=schemas
        )
        if golden is None:
            for issue in issues[:MAX_ISSUES_SHOWN]:
                _err(str(issue))
            if len(issues) > MAX_ISSUES_SHOWN:
                _err(
                    f"{raw}: ... and {len(issues) - MAX_ISSUES_SHOWN} more error(s) ({len(issues)} in all)"
                )
            errors.extend(issues)
            continue
        warnings = [] if args.no_warnings else find_warnings(golden, args.near_threshold)
        for w in warnings:
            _err(f"warning: {w}")
        n_warnings += len(warnings)
        print(
            f"{golden.path}: {len(golden)} examples OK"
            f"{f', {len(warnings)} warning(s)' if warnings else ''}"
            f" (fingerprint {golden.fingerprint[:12]})"
        )
    if errors:
        files = len({e.path for e in errors})
        _err(f"{len(errors)} error(s) in {files} file(s); nothing was loaded")
        return 2
    return 0


def _token_counter() -> Callable[[str], int] | None:
    from harness import models

    if not models.is_prepared():
        _err(
            "note: token counts skipped, the embedded model is not prepared (harness models prepare)"
        )
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(models.embedded_dir()))
    return lambda text: len(tok(text, add_special_tokens=False).input_ids)


def cmd_stats(args: argparse.Namespace) -> int:
    """Print statistics for each file (errors first, like validate)."""
    goldens = [load_golden(p, require_reference=False) for p in args.paths]
    counter = None if args.no_tokens else _token_counter()
    stats = [file_stats(g, counter) for g in goldens]
    if args.json:
        print(json.dumps([asdict(s) for s in stats], indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for st in stats:
        table = Table(title=f"{st.path} — {st.examples} examples", title_justify="left")
        for col in (
            "role",
            "n",
            "chars mean",
            "p50",
            "p90",
            "max",
            "tokens mean",
            "p50",
            "p90",
            "max",
        ):
            table.add_column(col, justify="right" if col != "role" else "left")
        for role, ch in st.chars.items():
            tk = st.tokens.get(role) if st.tokens else None
            table.add_row(
                role,
                str(ch.n),
                f"{ch.mean:.0f}",
                f"{ch.p50:.0f}",
                f"{ch.p90:.0f}",
                str(ch.max),
                *(
                    (f"{tk.mean:.0f}", f"{tk.p50:.0f}", f"{tk.p90:.0f}", str(tk.max))
                    if tk
                    else ("-", "-", "-", "-")
                ),
            )
        console.print(table)
        kinds = ", ".join(f"{k}: {n}" for k, n in st.expectations.items()) or "none"
        tags = ", ".join(f"{k}: {n}" for k, n in list(st.tags.items())[:15]) or "none"
        console.print(f"expectations: {kinds}")
        console.print(f"tags: {tags}\n", markup=False)
    return 0


def _check_output(path: Path, inputs: list[Path], force: bool) -> None:
    for inp in inputs:
        if path.resolve() == inp.resolve():
            raise HarnessError(f"{path}: output would overwrite the input (choose another path)")
    if path.exists() and not force:
        raise HarnessError(f"{path}: already exists (pass --force to overwrite)")


def _write_lines(path: Path, golden: GoldenFile, ids: list[str]) -> None:
    atomic_write_text(path, "".join(golden.raw_lines[i].rstrip("\r") + "\n" for i in ids))


def cmd_dedupe(args: argparse.Namespace) -> int:
    """Write a deduplicated copy and a JSON report of what was dropped."""
    if not 0.0 < args.threshold <= 1.0:
        raise HarnessError(f"--threshold: {args.threshold} is not in (0, 1]")
    golden = load_golden(args.path, require_reference=False)
    report_path: Path = args.report or args.output.with_name(args.output.name + ".dedupe.json")
    _check_output(args.output, [golden.path], args.force)
    _check_output(report_path, [golden.path, args.output], args.force)
    dups = find_duplicates(golden.examples, threshold=args.threshold)
    dropped = {d.dropped.id for d in dups}
    kept = [e.id for e in golden.examples if e.id not in dropped]
    _write_lines(args.output, golden, kept)
    report = {
        "input": str(golden.path),
        "output": str(args.output),
        "method": "exact: identical normalised text; near: MinHash (128 permutations) + LSH over "
        "word 3-shingles of normalised text, confirmed by exact Jaccard",
        "threshold": args.threshold,
        "examples_in": len(golden),
        "examples_out": len(kept),
        "dropped": [
            {
                "id": d.dropped.id,
                "line": d.dropped.source.line,
                "duplicate_of": d.kept.id,
                "duplicate_of_line": d.kept.source.line,
                "kind": d.kind,
                "jaccard": d.similarity,
            }
            for d in dups
        ],
    }
    report_path.write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    exact = sum(d.kind == "exact" for d in dups)
    print(
        f"{golden.path}: kept {len(kept)} of {len(golden)} "
        f"(dropped {exact} exact, {len(dups) - exact} near duplicate(s) at Jaccard >= "
        f"{args.threshold}) -> {args.output}; report: {report_path}"
    )
    return 0


def cmd_split(args: argparse.Namespace) -> int:
    """Write NAME.train/val/test.jsonl; an example's split depends only on its id."""
    ratios = SplitRatios.parse(args.ratios)
    golden = load_golden(args.path, require_reference=False)
    out_dir: Path = args.out_dir or golden.path.parent
    targets = {name: out_dir / f"{golden.name}.{name}.jsonl" for name in ("train", "val", "test")}
    for target in targets.values():
        _check_output(target, [golden.path], args.force)
    parts = split_examples(golden.examples, ratios, args.seed)
    for name, target in targets.items():
        _write_lines(target, golden, [e.id for e in parts[name]])
    counts = ", ".join(f"{name} {len(parts[name])}" for name in targets)
    print(f"{golden.path}: {counts} -> {out_dir}")
    return 0


__all__ = ["add_parser"]
