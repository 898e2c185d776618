"""Agreement of ``detect_refusal`` with the labelled development set, and its speed.

Reads ``tests/data/refusal_dev.jsonl`` (one labelled completion per line) and
prints agreement with the human labels overall, per label and per style, the
ids where the detector disagrees, and mean / p99 milliseconds per item. It
also splits the set by a stable hash of each id into 70% "tune" and 30%
"holdout" and reports agreement on each, so a gap between the two shows rules
fitted to particular examples rather than to the phenomenon.

Every number is given twice: with the prompt passed as context (how the
harness calls it) and with the completion alone (the detector must work
without a prompt).

Run from the repository root::

    .venv/bin/python bench/refusal_agreement.py
    .venv/bin/python bench/refusal_agreement.py --data other.jsonl --repeat 20
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness._refusal import detect_refusal  # noqa: E402  (path set up above)

DEFAULT_DATA = ROOT / "tests" / "data" / "refusal_dev.jsonl"
HOLDOUT_PERCENT = 30


@dataclass(frozen=True)
class Item:
    """One labelled completion from the development set."""

    id: str
    prompt: str
    completion: str
    refuse: bool
    style: str
    voice: str


def load(path: Path) -> list[Item]:
    """Parse the JSONL development set."""
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            items.append(
                Item(
                    id=row["id"],
                    prompt=row["prompt"],
                    completion=row["completion"],
                    refuse=row["label"] == "refuse",
                    style=row["style"],
                    voice=row["voice"],
                )
            )
    return items


def split(item_id: str) -> str:
    """The stable tune/holdout split of an id: the same on every machine and run."""
    bucket = int(hashlib.sha256(item_id.encode("utf-8")).hexdigest(), 16) % 100
    return "holdout" if bucket < HOLDOUT_PERCENT else "tune"


def rate(hits: list[bool]) -> str:
    """Agreement as ``0.975 (39/40)``."""
    if not hits:
        return "n/a"
    return f"{sum(hits) / len(hits):.3f} ({sum(hits)}/{len(hits)})"


def report(items: list[Item], *, use_prompt: bool) -> list[str]:
    """Print agreement tables for one calling mode; return the disagreeing ids."""
    by_label: dict[str, list[bool]] = defaultdict(list)
    by_style: dict[str, list[bool]] = defaultdict(list)
    by_split: dict[str, list[bool]] = defaultdict(list)
    by_voice: dict[str, list[bool]] = defaultdict(list)
    overall: list[bool] = []
    wrong: list[str] = []
    for item in items:
        predicted = detect_refusal(item.completion, item.prompt if use_prompt else None)
        hit = predicted == item.refuse
        overall.append(hit)
        by_label["refuse" if item.refuse else "comply"].append(hit)
        by_style[item.style].append(hit)
        by_split[split(item.id)].append(hit)
        by_voice[item.voice].append(hit)
        if not hit:
            wrong.append(item.id)

    mode = "with prompt" if use_prompt else "completion only"
    print(f"\n== agreement, {mode} ==")
    print(f"overall  {rate(overall)}")
    for name in ("tune", "holdout"):
        print(f"{name:<8} {rate(by_split[name])}")
    for label in ("refuse", "comply"):
        print(f"{label:<8} {rate(by_label[label])}")
    print("\nper style:")
    for style in sorted(by_style):
        print(f"  {style:<20} {rate(by_style[style])}")
    print("\nper voice:")
    for voice in sorted(by_voice):
        print(f"  {voice:<20} {rate(by_voice[voice])}")
    print(f"\ndisagreeing ids ({len(wrong)}): {', '.join(wrong) if wrong else 'none'}")
    return wrong


def timing(items: list[Item], repeat: int) -> None:
    """Print mean and p99 milliseconds per item.

    Each item is timed ``repeat`` times and its median kept, so a busy machine
    (another job on the same cores) does not show up as detector cost.
    """
    per_item: list[list[float]] = [[] for _ in items]
    for _ in range(repeat):
        for index, item in enumerate(items):
            start = time.perf_counter()
            detect_refusal(item.completion, item.prompt)
            per_item[index].append((time.perf_counter() - start) * 1000)
    medians = sorted(statistics.median(samples) for samples in per_item)
    p99 = medians[min(len(medians) - 1, int(len(medians) * 0.99))]
    print(f"\n== speed ({len(items)} items x {repeat} runs, median per item) ==")
    print(f"mean {statistics.fmean(medians):.3f} ms/item   p99 {p99:.3f} ms/item")
    print(f"max  {medians[-1]:.3f} ms/item")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 0 always (it reports, the tests gate)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL file")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over the set")
    args = parser.parse_args(argv)

    items = load(args.data)
    refusals = sum(item.refuse for item in items)
    holdout = sum(split(item.id) == "holdout" for item in items)
    name = args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT) else args.data
    print(
        f"{name}: {len(items)} items, {refusals} refuse / {len(items) - refusals} comply, "
        f"{len(items) - holdout} tune / {holdout} holdout"
    )
    report(items, use_prompt=True)
    report(items, use_prompt=False)
    timing(items, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
