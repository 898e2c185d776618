"""Agreement of ``classify_refusal`` with labelled completions, in three classes, and its speed.

Reads labelled JSONL files (one completion per line with ``id``, ``prompt``,
``completion``, ``label`` in ``comply`` / ``partial`` / ``refuse``, ``style``
and ``voice``; default ``tests/data/refusal_dev.jsonl``) and prints:

* three-class agreement, agreement per human label (the share of that label's
  items given the same class) and the 3x3 confusion matrix;
* binary agreement, where a partial refusal counts as a refusal on both sides
  (the default of ``detect_refusal``);
* the same per split, per style and per voice, and the ids that disagree;
* mean / p99 milliseconds per item.

Each item is put in a stable split by a hash of its id: 70% "tune" and 30%
"holdout". A gap between the two shows rules fitted to particular examples
rather than to the phenomenon. Every number is given twice: with the prompt
passed as context (how the harness calls it) and with the completion alone.

Run from the repository root::

    .venv/bin/python bench/refusal_agreement.py
    .venv/bin/python bench/refusal_agreement.py --data 'tests/data/*.jsonl' --repeat 20
    .venv/bin/python bench/refusal_agreement.py --detector old_refusal.py  # compare a copy
    .venv/bin/python bench/refusal_agreement.py --per-file --data a.jsonl b.jsonl  # one row each
    .venv/bin/python bench/refusal_agreement.py --method rules  # the rules without the classifier
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import importlib.util
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness._refusal import RefusalMethod, classify_refusal  # noqa: E402  (path set up above)
from harness.stats import percentile  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "data" / "refusal_dev.jsonl"
HOLDOUT_PERCENT = 30
LABELS = ("comply", "partial", "refuse")

Classifier = Callable[[str, "str | None"], str]


@dataclass(frozen=True)
class Item:
    """One labelled completion."""

    id: str
    prompt: str
    completion: str
    label: str
    style: str
    voice: str


class DataFileError(Exception):
    """A data file that cannot be read as labelled completions."""


def load(path: Path) -> list[Item]:
    """Parse one labelled JSONL file; a bad line raises DataFileError naming file:line."""
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise DataFileError(f"{path}:{number}: not valid JSON ({exc})") from None
            label = row.get("label")
            if label not in LABELS:
                raise DataFileError(
                    f"{path}:{number}:label: expected one of {', '.join(LABELS)}, got {label!r}; "
                    "relabel the line"
                )
            missing = [key for key in ("id", "completion") if not isinstance(row.get(key), str)]
            if missing:
                raise DataFileError(f"{path}:{number}:{missing[0]}: expected a string")
            items.append(
                Item(
                    id=row["id"],
                    prompt=row.get("prompt") or "",
                    completion=row["completion"],
                    label=label,
                    style=row.get("style") or "-",
                    voice=row.get("voice") or "-",
                )
            )
    return items


def expand(patterns: list[str]) -> list[Path]:
    """The files named by ``--data``: paths or glob patterns, in order, without repeats."""
    paths: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise DataFileError(f"--data {pattern}: no file matches; check the pattern")
        for match in matches:
            path = Path(match).resolve()
            if not path.is_file():
                raise DataFileError(f"--data {match}: no such file")
            if path not in paths:
                paths.append(path)
    return paths


def split(item_id: str) -> str:
    """The stable tune/holdout split of an id: the same on every machine and run."""
    bucket = int(hashlib.sha256(item_id.encode("utf-8")).hexdigest(), 16) % 100
    return "holdout" if bucket < HOLDOUT_PERCENT else "tune"


def binary(label: str) -> bool:
    """The binary view: partial counts as refusal."""
    return label != "comply"


def rate(hits: list[bool]) -> str:
    """Agreement as ``0.975 (39/40)``."""
    if not hits:
        return "n/a"
    return f"{sum(hits) / len(hits):.3f} ({sum(hits)}/{len(hits)})"


def load_classifier(path: Path | None, method: RefusalMethod = "learned") -> Classifier:
    """The classifier under test: this checkout's, or one loaded from a module file.

    A module file with only ``detect_refusal`` (the earlier two-class API) is
    mapped to ``refuse`` / ``comply``, so before-and-after numbers come from one script.
    """
    if path is None:
        return lambda completion, prompt: classify_refusal(completion, prompt, method=method).value
    spec = importlib.util.spec_from_file_location("refusal_under_test", path)
    if spec is None or spec.loader is None:
        raise DataFileError(f"--detector {path}: not a Python module file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    if hasattr(module, "classify_refusal"):
        return lambda completion, prompt: str(module.classify_refusal(completion, prompt).value)
    return lambda completion, prompt: (
        "refuse" if module.detect_refusal(completion, prompt) else "comply"
    )


def confusion(pairs: list[tuple[str, str]]) -> list[str]:
    """The 3x3 confusion matrix (rows: human label, columns: predicted) as text lines."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for gold, predicted in pairs:
        counts[gold, predicted] += 1
    lines = ["  human \\ predicted " + "".join(f"{label:>9}" for label in LABELS)]
    for gold in LABELS:
        row = "".join(f"{counts[gold, predicted]:>9}" for predicted in LABELS)
        lines.append(f"  {gold:<19}{row}")
    return lines


def report(items: list[Item], classify: Classifier, *, use_prompt: bool) -> list[str]:
    """Print agreement tables for one calling mode; return the disagreeing ids."""
    pairs: list[tuple[str, str]] = []
    groups: dict[str, dict[str, list[tuple[str, str]]]] = {
        "split": defaultdict(list),
        "style": defaultdict(list),
        "voice": defaultdict(list),
    }
    wrong: list[str] = []
    for item in items:
        predicted = classify(item.completion, item.prompt if use_prompt else None)
        pair = (item.label, predicted)
        pairs.append(pair)
        groups["split"][split(item.id)].append(pair)
        groups["style"][item.style].append(pair)
        groups["voice"][item.voice].append(pair)
        if predicted != item.label:
            wrong.append(f"{item.id}({item.label[0]}->{predicted[0]})")

    def three(group: list[tuple[str, str]]) -> str:
        return rate([gold == predicted for gold, predicted in group])

    def two(group: list[tuple[str, str]]) -> str:
        return rate([binary(gold) == binary(predicted) for gold, predicted in group])

    mode = "with prompt" if use_prompt else "completion only"
    print(f"\n== agreement, {mode} ==")
    print(f"{'':<10} {'3-class':<20} binary (partial = refuse)")
    print(f"{'overall':<10} {three(pairs):<20} {two(pairs)}")
    for name in ("tune", "holdout"):
        group = groups["split"][name]
        print(f"{name:<10} {three(group):<20} {two(group)}")
    print("\nper human label (share given the same class; binary: same side):")
    for label in LABELS:
        group = [pair for pair in pairs if pair[0] == label]
        print(f"  {label:<8} {three(group):<20} {two(group)}")
    for name in ("tune", "holdout"):
        print(f"\nconfusion matrix, {name}:")
        print("\n".join(confusion(groups["split"][name])))
    print("\nconfusion matrix, all:")
    print("\n".join(confusion(pairs)))
    for key in ("style", "voice"):
        print(f"\nper {key}:")
        for name in sorted(groups[key]):
            group = groups[key][name]
            print(f"  {name:<22} {three(group):<20} {two(group)}")
    print(f"\ndisagreeing ids ({len(wrong)}): {', '.join(wrong) if wrong else 'none'}")
    return wrong


def per_file(files: list[tuple[str, list[Item]]], classify: Classifier) -> None:
    """Print one row per data file: binary and three-class agreement, with and without prompt.

    Leave-one-file-out thinking needs each file's own figure: a change that helps
    only the file whose errors were studied fits that writer, not the phenomenon.
    """
    print(f"\n{'file':<34} {'n':>4} {'binary':>7} {'3-class':>8} {'bin-alone':>10} {'3c-alone':>9}")
    for name, items in files:
        cells = []
        for use_prompt in (True, False):
            pairs = [
                (item.label, classify(item.completion, item.prompt if use_prompt else None))
                for item in items
            ]
            cells.append(sum(binary(g) == binary(p) for g, p in pairs) / len(pairs))
            cells.append(sum(g == p for g, p in pairs) / len(pairs))
        print(
            f"{name:<34} {len(items):>4} {cells[0]:>7.3f} {cells[1]:>8.3f} "
            f"{cells[2]:>10.3f} {cells[3]:>9.3f}"
        )


def timing(items: list[Item], classify: Classifier, repeat: int) -> None:
    """Print mean and p99 milliseconds per item.

    Each item is timed ``repeat`` times and its median kept, so a busy machine
    (another job on the same cores) does not show up as detector cost.
    """
    per_item: list[list[float]] = [[] for _ in items]
    for _ in range(repeat):
        for index, item in enumerate(items):
            start = time.perf_counter()
            classify(item.completion, item.prompt)
            per_item[index].append((time.perf_counter() - start) * 1000)
    medians = sorted(statistics.median(samples) for samples in per_item)
    p99 = percentile(medians, 99)
    print(f"\n== speed ({len(items)} items x {repeat} runs, median per item) ==")
    print(f"mean {statistics.fmean(medians):.3f} ms/item   p99 {p99:.3f} ms/item")
    print(f"max  {medians[-1]:.3f} ms/item")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 0 (it reports, the tests gate), 2 on bad input."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data",
        nargs="+",
        default=[str(DEFAULT_DATA)],
        help="labelled JSONL files or glob patterns (quote a glob to pass it through)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over the set")
    parser.add_argument(
        "--per-file",
        action="store_true",
        help="print only one agreement row per data file (no detailed tables, no timing)",
    )
    parser.add_argument(
        "--detector", type=Path, help="compare a copy of the detector module instead"
    )
    parser.add_argument(
        "--method",
        choices=("learned", "rules"),
        default="learned",
        help="classify_refusal's method: the shipped classifier (default) or the rules alone",
    )
    args = parser.parse_args(argv)

    try:
        paths = expand(args.data)
        loaded = [(path, load(path)) for path in paths]
        items = [item for _, rows in loaded for item in rows]
        classify = load_classifier(args.detector, args.method)
    except (DataFileError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not items:
        print("error: --data: the files hold no labelled items", file=sys.stderr)
        return 2
    if args.per_file:
        per_file([(path.name, rows) for path, rows in loaded if rows], classify)
        return 0
    for path in paths:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    counts = {label: sum(item.label == label for item in items) for label in LABELS}
    holdout = sum(split(item.id) == "holdout" for item in items)
    print(
        f"{len(items)} items: "
        + " / ".join(f"{counts[label]} {label}" for label in LABELS)
        + f"; {len(items) - holdout} tune / {holdout} holdout"
    )
    report(items, classify, use_prompt=True)
    report(items, classify, use_prompt=False)
    timing(items, classify, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
