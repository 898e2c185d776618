"""Train the refusal classifier shipped in ``harness/resources/refusal_classifier.json``.

Reads labelled completions (JSONL rows with ``prompt``, ``completion`` and
``label`` in comply / partial / refuse), computes each reply's features with
``harness._refusal.refusal_features`` (the same function ``classify_refusal``
uses), and fits two L2-regularised logistic regressions with SciPy's L-BFGS:
``refusal`` (partial or refuse vs comply) on every row and ``refuse`` (refuse vs
partial) on the refusals. Deterministic: no random state, sorted output.

The defaults are the files the detector may be trained on; the never-tuned sets
named in ``bench/RESULTS.md`` must stay out of ``--files``::

    .venv/bin/python tools/train_refusal_classifier.py          # writes the package file
    .venv/bin/python tools/train_refusal_classifier.py --check  # fails if it is stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness._refusal import refusal_features  # noqa: E402  (path set up above)
from harness._refusal_model import HASH_DIM, WEIGHTS_PATH  # noqa: E402

DATA = ROOT / "tests" / "data"
TRAINING_FILES = (
    "refusal_dev.jsonl",
    *(f"refusal_holdout_{x}.jsonl" for x in "abcdefghijklmno"),
)
# Chosen by leave-one-file-out over the development files (bench/refusal_lofo.py)
# before any never-tuned set was scored: strong enough that no single writer's
# phrasing dominates.
L2 = 10.0

Matrix = NDArray[np.float64]


def load_rows(paths: Sequence[Path]) -> list[dict[str, str]]:
    """Every labelled row of ``paths``, in file order."""
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def design(rows: Sequence[dict[str, str]]) -> Matrix:
    """The feature matrix: dense rule features, then one column per hash bucket."""
    feats = [refusal_features(r["completion"], r.get("prompt") or None) for r in rows]
    width = len(feats[0][0]) if feats else 0
    x = np.zeros((len(rows), width + HASH_DIM))
    for i, (dense, grams) in enumerate(feats):
        x[i, :width] = dense
        x[i, [width + g for g in grams]] = 1.0
    return x


def fit(x: Matrix, y: Matrix, l2: float = L2) -> Matrix:
    """L2-regularised logistic regression (the first column is an unpenalised bias)."""

    def objective(w: Matrix) -> tuple[float, Matrix]:
        z = x @ w
        p = 1 / (1 + np.exp(-z))
        loss = float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * np.sum(w[1:] ** 2))
        grad = x.T @ (p - y)
        grad[1:] += l2 * w[1:]
        return loss, grad

    start = np.zeros(x.shape[1])
    result = minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return np.asarray(result.x)


def train(rows: Sequence[dict[str, str]], l2: float = L2) -> tuple[Matrix, Matrix]:
    """The ``refusal`` and ``refuse`` weight vectors for ``rows``."""
    x = design(rows)
    labels = np.array([r["label"] for r in rows])
    refusal = fit(x, (labels != "comply").astype(float), l2)
    mask = labels != "comply"
    refuse = fit(x[mask], (labels[mask] == "refuse").astype(float), l2)
    return refusal, refuse


def _model_json(w: Matrix, width: int) -> dict[str, object]:
    # Five significant digits move no verdict of the training data (checked by
    # tests/test_refusal_classifier.py) and keep the file a few hundred kB.
    return {
        "dense": [float(f"{v:.5g}") for v in w[:width]],
        "grams": [float(f"{v:.5g}") for v in w[width:]],
    }


def weights_json(paths: Sequence[Path], l2: float = L2) -> str:
    """The package file's text for a model trained on ``paths``."""
    rows = load_rows(paths)
    refusal, refuse = train(rows, l2)
    width = refusal.shape[0] - HASH_DIM
    payload = {
        "about": "refusal classifier of harness._refusal_model; written by "
        "tools/train_refusal_classifier.py, do not edit",
        "hash_dim": HASH_DIM,
        "l2": l2,
        "training": [
            {
                "file": p.name,
                "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            }
            for p in paths
        ],
        "rows": len(rows),
        "models": {"refusal": _model_json(refusal, width), "refuse": _model_json(refuse, width)},
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) the shipped weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", default=list(TRAINING_FILES))
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is stale")
    args = parser.parse_args(argv)
    paths = [p if p.is_file() else DATA / p for p in map(Path, args.files)]
    text = weights_json(paths)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run {Path(__file__).relative_to(ROOT)}", file=sys.stderr)
            return 1
        print(f"{args.out} matches its training data")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text) // 1024} kB) from {len(paths)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
