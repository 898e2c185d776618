"""Generate the JSON extraction golden files from seeded entity pools and text styles.

Writes ``golden/json_extraction.jsonl`` (the eval suite) and
``golden/train/json_extraction.jsonl`` (the demo fine-tune's training set).
Standard library only; run from anywhere::

    python tools/generate_extraction.py            # rewrites the two files under golden/
    python tools/generate_extraction.py --out DIR  # writes them under DIR instead

Every run writes byte-identical files: all randomness comes from seeded
``random.Random`` instances and nothing depends on the clock or the machine.
``tests/test_golden_files.py`` checks that the committed files match, so edit the
pieces here and rerun rather than editing those two files by hand.

What comes from where:

* ``extraction/pieces.py``: people and orders composed from split entity pools
  and sixteen person / nine order text styles (eval and train share no names,
  companies, cities, products or order numbers);
* ``extraction/unseen.py``: eval-only examples (tag ``unseen-template``) in noisy
  free-form texts, prompt layouts and instructions that training never uses.

Every other file under ``golden/`` is written by hand and is its own source.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from extraction import pieces, unseen

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

EVAL_PEOPLE, EVAL_ORDERS = 88, 38
# Unseen-template examples: 60 of 186, a third of the suite, enough for the seen/unseen
# slices to have intervals narrower than the gap they are meant to show.
UNSEEN_PEOPLE, UNSEEN_ORDERS = 36, 24
#: A tag on more than this share of a suite's examples slices nothing and is dropped.
MAX_TAG_SHARE = 0.8
TRAIN_PEOPLE, TRAIN_ORDERS = 302, 130


def eval_extraction() -> list[dict[str, Any]]:
    """The extraction eval suite: template examples with an unseen-template one after every two."""
    seen = pieces.build_extraction("eval", EVAL_PEOPLE, EVAL_ORDERS, "schemas", "", seed=20240611)
    new = unseen.build_unseen(UNSEEN_PEOPLE, UNSEEN_ORDERS, "schemas", seed=20261129)
    # Interleaved, so any prefix (--harness-limit) holds both kinds; ids stay what they were.
    merged: list[dict[str, Any]] = []
    for k, row in enumerate(seen):
        merged.append(row)
        if k % 2 == 1 and new:
            merged.append(new.pop(0))
    merged.extend(new)
    return drop_unslicing_tags(merged)


def drop_unslicing_tags(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Remove tags carried by almost every example: as slices they compare nothing."""
    counts: dict[str, int] = {}
    for row in rows:
        for tag in row["tags"]:
            counts[tag] = counts.get(tag, 0) + 1
    broad = {t for t, n in counts.items() if n > MAX_TAG_SHARE * len(rows)}
    return [{**row, "tags": [t for t in row["tags"] if t not in broad]} for row in rows]


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write one compact JSON object per line (UTF-8, LF); return the line count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    return len(lines)


def build(out: Path) -> dict[str, int]:
    """Write both extraction files under ``out``; return line counts by relative path."""
    files = {
        "json_extraction.jsonl": eval_extraction(),
        "train/json_extraction.jsonl": pieces.build_extraction(
            "train", TRAIN_PEOPLE, TRAIN_ORDERS, "../schemas", "train-", seed=7
        ),
    }
    return {name: write_jsonl(out / name, rows) for name, rows in files.items()}


def main(argv: list[str] | None = None) -> int:
    """Command line: write the files, print one count per file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GOLDEN, help="root to write (default: golden/)")
    args = parser.parse_args(argv)
    for name, count in build(args.out).items():
        print(f"{count:5d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
