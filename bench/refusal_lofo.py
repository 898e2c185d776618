"""How the shipped refusal classifier generalises: train on some labelled files, score others.

Each labelled file was written independently, by a different writer with
different model voices, so training on some files and scoring another measures
how the classifier carries to phrasing it never saw. Two modes:

* ``--test FILES``: train on ``--files`` (default: the files the shipped model is
  trained on), score each test file and all of them together;
* without ``--test``: leave one of ``--files`` out at a time.

Each row compares ``rules`` (``classify_refusal(method="rules")``) with the
learned classifier trained as ``tools/train_refusal_classifier.py`` trains the
shipped one, in binary agreement (partial counts as refusal), three-class
agreement and the share of compliant replies kept as compliance.

The rules were written while reading the development files, so their column is
optimistic on those; the classifier columns are honest held-out numbers.

Run from the repository root (about a minute per model on 2 cores)::

    .venv/bin/python bench/refusal_lofo.py --files refusal_dev.jsonl \\
        refusal_holdout_{a,b,c,d,e,f,g,h}.jsonl --test refusal_holdout_{i,j,k,l}.jsonl
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from train_refusal_classifier import (  # noqa: E402
    DATA,
    TRAINING_FILES,
    design,
    load_rows,
    train,
)

from harness._refusal import classify_refusal  # noqa: E402  (path set up above)


def scores(train_files: Sequence[str], test_files: Sequence[str]) -> str:
    """One table row: rules vs the classifier trained on ``train_files``."""
    rows = load_rows([DATA / f for f in test_files])
    refusal, refuse = train(load_rows([DATA / f for f in train_files]))
    x = design(rows)
    p = 1 / (1 + np.exp(-x @ refusal))
    q = 1 / (1 + np.exp(-x @ refuse))
    learned = np.where(p < 0.5, "comply", np.where(q >= 0.5, "refuse", "partial"))
    rules = np.array([classify_refusal(r["completion"], r["prompt"], method="rules") for r in rows])
    labels = np.array([r["label"] for r in rows])
    comply = labels == "comply"
    cells = []
    for pred in (rules, learned):
        binary = float(((pred != "comply") == ~comply).mean())
        three = float((pred == labels).mean())
        kept = float((pred[comply] == "comply").mean())
        cells.append(f"{binary:.3f} {three:.3f} {kept:.3f}")
    return f"{len(rows):5d}  " + "   ".join(cells)


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", nargs="+", default=list(TRAINING_FILES))
    parser.add_argument("--test", nargs="+", help="score these files instead of leaving one out")
    args = parser.parse_args(argv)
    print(f"{'scored':28}{'n':>5}  {'rules: bin 3c kept':>19}   {'learned: bin 3c kept':>20}")
    if args.test:
        for name in args.test:
            print(f"{name:28}" + scores(args.files, [name]), flush=True)
        if len(args.test) > 1:
            print(f"{'all of them':28}" + scores(args.files, args.test))
        return 0
    for name in args.files:
        rest = [f for f in args.files if f != name]
        print(f"{name:28}" + scores(rest, [name]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
