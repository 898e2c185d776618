"""``harness data validate|stats|dedupe|leakage|split``."""

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
from harness._jsonschema import SchemaStore
from harness.errors import DataIssue, HarnessError
from harness.golden import (
    NEAR_DUPLICATE_THRESHOLD,
    GoldenFile,
    SplitRatios,
    check_golden,
    file_stats,
    find_duplicates,
    find_file_leakage,
    find_warnings,
    split_examples,
)
from harness.golden._load import MAX_ISSUES_SHOWN
from harness.stats import percentile


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
    s.add_argument(
        "--max-length",
        type=int,
        metavar="N",
        help="also count the examples a fine-tune with max_length N would cut (prompt as the "
        "chat template renders it + answer + end token)",
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
        "--report", type=Path, help="where to write the report (default: OUTPUT.dedupe.json)"
    )
    d.add_argument("--force", action="store_true", help="overwrite existing output files")
    d.set_defaults(func=cmd_dedupe)

    lk = dsub.add_parser(
        "leakage",
        help="exact and near duplicates between a training file and eval suites "
        "(exit 1 on any exact duplicate)",
    )
    lk.add_argument("train_file", metavar="TRAIN_FILE")
    lk.add_argument("suite_files", nargs="+", metavar="SUITE_FILE")
    lk.set_defaults(func=cmd_leakage)
    for cmd in (d, lk):
        cmd.add_argument(
            "--threshold",
            type=float,
            default=NEAR_DUPLICATE_THRESHOLD,
            help=f"Jaccard similarity at or above which examples are near duplicates "
            f"(default {NEAR_DUPLICATE_THRESHOLD})",
        )

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


def _print_issues(raw: str, issues: list[DataIssue]) -> None:
    """One file's errors, the first MAX_ISSUES_SHOWN of them, then a count."""
    for issue in issues[:MAX_ISSUES_SHOWN]:
        _err(str(issue))
    if len(issues) > MAX_ISSUES_SHOWN:
        _err(
            f"{raw}: ... and {len(issues) - MAX_ISSUES_SHOWN} more error(s) ({len(issues)} in all)"
        )


def _load_all(
    paths: list[str],
    *,
    require_reference: bool,
    each: Callable[[GoldenFile], None] = lambda _: None,
) -> list[GoldenFile]:
    """Load every file, printing each bad file's errors and passing each good one to ``each``.

    After the last file, any error raises one summary (exit 2), so every error of
    every file is printed before the command stops.
    """
    schemas = SchemaStore()
    goldens: list[GoldenFile] = []
    errors: list[DataIssue] = []
    for raw in paths:
        golden, issues = check_golden(raw, require_reference=require_reference, schemas=schemas)
        if golden is None:
            _print_issues(raw, issues)
            errors.extend(issues)
        else:
            goldens.append(golden)
            each(golden)
    if errors:
        files = len({e.path for e in errors})
        raise HarnessError(f"{len(errors)} error(s) in {files} file(s); nothing was loaded")
    return goldens


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate every file; all errors of all files are printed before exiting 2."""

    def report(golden: GoldenFile) -> None:
        warnings = [] if args.no_warnings else find_warnings(golden, args.near_threshold)
        for w in warnings:
            _err(f"warning: {w}")
        print(
            f"{golden.path}: {len(golden)} examples OK"
            f"{'' if args.no_warnings else f', {len(warnings)} warning(s)'}"
            f" (fingerprint {golden.fingerprint[:12]})"
        )

    _load_all(args.paths, require_reference=not args.allow_missing_reference, each=report)
    return 0


def _tokenizer() -> Any:
    from harness import models

    if not models.is_prepared():
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(models.embedded_dir()))


def _token_counter(tok: Any) -> Callable[[str], int] | None:
    if tok is None:
        _err(
            "note: token counts skipped, the embedded model is not prepared (harness models prepare)"
        )
        return None
    return lambda text: len(tok(text, add_special_tokens=False).input_ids)


def _fit_report(golden: GoldenFile, tok: Any, max_length: int) -> dict[str, Any]:
    """How many examples a fine-tune with ``max_length`` would cut, as the trainer tokenizes them.

    The prompt is the chat template with the generation cue, followed by the
    answer and the end token: the text the SFT trainer sees.
    """
    totals: list[int] = []
    cut: list[dict[str, Any]] = []
    for ex in golden.examples:
        if ex.reference is None:
            continue
        prompt = tok.apply_chat_template(
            [m.to_dict() for m in ex.messages], add_generation_prompt=True, tokenize=False
        )
        total = len(tok(prompt + ex.reference + tok.eos_token, add_special_tokens=False).input_ids)
        totals.append(total)
        if total > max_length:
            cut.append({"source": str(ex.source), "id": ex.id, "tokens": total})
    return {
        "max_length": max_length,
        "examples": len(totals),
        "cut": len(cut),
        "longest": max(totals, default=0),
        "p90": percentile(totals, 90) if totals else 0,
        "cut_examples": cut,
    }


def cmd_stats(args: argparse.Namespace) -> int:
    """Print statistics for each file (errors first, like validate)."""
    if args.max_length is not None and args.max_length < 1:
        raise HarnessError(f"--max-length: must be at least 1, got {args.max_length}")
    if args.max_length is not None and args.no_tokens:
        raise HarnessError("--max-length counts tokens: drop --no-tokens")
    goldens = _load_all(args.paths, require_reference=False)
    tok = None if args.no_tokens else _tokenizer()
    if args.max_length is not None and tok is None:
        raise HarnessError(
            "--max-length: needs the embedded model's tokenizer (run: harness models prepare)"
        )
    counter = None if args.no_tokens else _token_counter(tok)
    stats = [file_stats(g, counter) for g in goldens]
    fits = [_fit_report(g, tok, args.max_length) for g in goldens] if args.max_length else []
    if args.json:
        data = [asdict(s) for s in stats]
        for entry, fit in zip(data, fits, strict=False):
            entry["max_length"] = fit
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for st in stats:
        table = Table(title=f"{st.path} — {st.examples} examples", title_justify="left")
        table.add_column("role")
        for col in ("n", "chars mean", "p50", "p90", "max", "tokens mean", "p50", "p90", "max"):
            table.add_column(col, justify="right")
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
    for golden, fit in zip(goldens, fits, strict=False):
        print(
            f"{golden.path}: max_length {fit['max_length']}: {fit['cut']} of {fit['examples']} "
            f"answers would be cut (prompt + answer + end token; longest {fit['longest']} "
            f"tokens, p90 {fit['p90']:.0f})"
        )
        for item in fit["cut_examples"][:MAX_ISSUES_SHOWN]:
            print(f"  {item['source']}: {item['id']}: {item['tokens']} tokens")
        if fit["cut"] > MAX_ISSUES_SHOWN:
            print(f"  ... and {fit['cut'] - MAX_ISSUES_SHOWN} more")
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
    (golden,) = _load_all([args.path], require_reference=False)
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


def cmd_leakage(args: argparse.Namespace) -> int:
    """List training examples that repeat eval examples; exit 1 on any exact duplicate."""
    if not 0.0 < args.threshold <= 1.0:
        raise HarnessError(f"--threshold: {args.threshold} is not in (0, 1] (e.g. 0.8)")
    leaks = find_file_leakage([args.train_file], args.suite_files, threshold=args.threshold)
    for leak in leaks:
        print(leak)
    exact = sum(leak.kind == "exact" for leak in leaks)
    verdict = (
        "; remove them from the training file (eval examples must stay unseen)" if exact else ""
    )
    print(
        f"{args.train_file}: {exact} exact, {len(leaks) - exact} near duplicate(s) of "
        f"{len(args.suite_files)} eval file(s) at Jaccard >= {args.threshold}{verdict}",
        file=sys.stderr,
    )
    return 1 if exact else 0


def cmd_split(args: argparse.Namespace) -> int:
    """Write NAME.train/val/test.jsonl; an example's split depends only on its id."""
    ratios = SplitRatios.parse(args.ratios)
    (golden,) = _load_all([args.path], require_reference=False)
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
