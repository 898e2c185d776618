"""Leave-one-file-out check of a learned arbiter on top of ``classify_refusal``.

Each development file was written independently, by a different writer with
different model voices, so holding one file out and training on the others
measures how a change generalises to phrasing nobody tuned on. For each file
in turn this trains a logistic regression (binary: any refusal vs compliance)
on the other files and scores the held-out one with:

* ``rules``: ``classify_refusal`` alone;
* ``alone``: the regression's own verdict (probability > 0.5);
* ``over@T``: the rules, with a "comply" overridden to a refusal when the
  regression's probability exceeds ``T`` (the regression can only add refusals).

Two feature sets are tried: a dozen interpretable features computed by the
rules (their class, decline kinds and positions, lecture/redirect share,
content after the decline, lists, code, numbers, overlap of the reply with
the prompt's content words), and the same plus hashed word unigrams and
bigrams of the reply and unigrams of the prompt, with strong L2 regularisation.
Everything is deterministic (no random state) and uses NumPy and SciPy only.

The rules themselves were written while reading all of these files, so the
``rules`` column is optimistic for files the rules were tuned on; the
regression columns are honest held-out numbers for the arbiter.

Run from the repository root::

    .venv/bin/python bench/refusal_lofo.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import _refusal as rules  # noqa: E402  (path set up above)

DATA = ROOT / "tests" / "data"
# Named explicitly: the other labelled files stay out of every tuning step.
DEFAULT_FILES = (
    "refusal_dev.jsonl",
    "refusal_holdout_a.jsonl",
    "refusal_holdout_b.jsonl",
    "refusal_holdout_c.jsonl",
    "refusal_holdout_d.jsonl",
    "refusal_holdout_e.jsonl",
    "refusal_holdout_f.jsonl",
    "refusal_holdout_g.jsonl",
    "refusal_holdout_h.jsonl",
)
HASH_DIM = 2**14
THRESHOLDS = (0.5, 0.85)

Matrix = NDArray[np.float64]


def features(completion: str, prompt: str) -> tuple[list[float], str]:
    """Interpretable features of one reply, computed by the rules, and the rules' class."""
    verdict = rules.classify_refusal(completion, prompt or None).value
    text = (rules._json_strings(completion) or "")[:6000]
    sentences = rules._sentences(text) if text.strip() else []
    count = max(1, len(sentences))
    total = sum(s.content for s in sentences)
    reply = rules._normalise(text)
    asked = rules._content_words(rules._normalise(prompt))
    overlap = len(asked & rules._content_words(reply)) / max(1, len(asked))
    first = next((i for i, s in enumerate(sentences) if s.hard or s.soft), None)
    after = sum(s.content for s in sentences[first + 1 :]) if first is not None else 0
    head = sentences[0] if sentences else None
    values = [
        1.0,
        verdict == "partial",
        verdict == "refuse",
        any(s.hard for s in sentences),
        any(s.soft for s in sentences),
        sum(s.lecture for s in sentences) / count,
        any(s.moral for s in sentences),
        sum(s.redirect for s in sentences) / count,
        sum(s.signal for s in sentences) / count,
        head is not None and head.signal,
        head is not None and (head.hard or head.soft),
        head is not None and head.moral,
        math.log1p(total) / 8,
        math.log1p(after) / 8,
        first / count if first is not None else 1.0,
        any(s.item for s in sentences),
        any(s.code for s in sentences),
        bool(re.search(r"\d", reply)),
        overlap,
        min(len(sentences), 20) / 20,
        bool(rules._EMERGENCY_RE.search(reply)),
        bool(rules._INSTEAD_RE.search(reply)),
    ]
    return [float(v) for v in values], verdict


def hashed(completion: str, prompt: str) -> list[int]:
    """Hashed word unigrams and bigrams of the reply and unigrams of the prompt."""
    words = re.findall(r"[a-z]+", rules._normalise((rules._json_strings(completion) or "")[:1500]))
    grams = [f"c:{w}" for w in words] + [f"c:{a} {b}" for a, b in itertools.pairwise(words)]
    grams += [f"p:{w}" for w in re.findall(r"[a-z]+", rules._normalise(prompt))]
    return sorted({zlib.crc32(g.encode()) % HASH_DIM for g in grams})


def fit(x: Matrix, y: Matrix, l2: float) -> Matrix:
    """L2-regularised logistic regression (the first column is an unpenalised bias)."""

    def objective(w: Matrix) -> tuple[float, Matrix]:
        z = x @ w
        p = 1 / (1 + np.exp(-z))
        loss = float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * np.sum(w[1:] ** 2))
        grad = x.T @ (p - y)
        grad[1:] += l2 * w[1:]
        return loss, grad

    start = np.zeros(x.shape[1])
    return np.asarray(
        minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": 400}).x
    )


def main(argv: list[str] | None = None) -> int:
    """Print the leave-one-file-out table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", default=list(DEFAULT_FILES))
    args = parser.parse_args(argv)
    dense: dict[str, Matrix] = {}
    sparse: dict[str, Matrix] = {}
    labels: dict[str, Matrix] = {}
    verdicts: dict[str, Matrix] = {}
    for name in args.files:
        rows = [json.loads(line) for line in (DATA / name).open(encoding="utf-8") if line.strip()]
        feats = [features(r["completion"], r.get("prompt") or "") for r in rows]
        dense[name] = np.array([f for f, _ in feats])
        verdicts[name] = np.array([v != "comply" for _, v in feats], dtype=float)
        labels[name] = np.array([r["label"] != "comply" for r in rows], dtype=float)
        grams = np.zeros((len(rows), HASH_DIM))
        for i, r in enumerate(rows):
            grams[i, hashed(r["completion"], r.get("prompt") or "")] = 1.0
        sparse[name] = np.hstack([dense[name], grams])
    for title, table, l2 in (("features", dense, 1.0), ("features+ngrams", sparse, 10.0)):
        print(f"\n{title} (L2 {l2:g}): binary agreement [comply kept]")
        heads = ["rules", "alone"] + [f"over@{t:g}" for t in THRESHOLDS]
        print(f"{'held out':28}" + "".join(f"{h:>18}" for h in heads))
        sums = np.zeros(len(heads))
        for name in args.files:
            train = [n for n in args.files if n != name]
            w = fit(
                np.vstack([table[n] for n in train]), np.concatenate([labels[n] for n in train]), l2
            )
            p = 1 / (1 + np.exp(-table[name] @ w))
            y, base = labels[name], verdicts[name]
            preds = [base, (p > 0.5).astype(float)]
            preds += [np.where(base == 1, 1.0, (p > t).astype(float)) for t in THRESHOLDS]
            cells = []
            for i, pred in enumerate(preds):
                acc = float((pred == y).mean())
                kept = float((pred[y == 0] == 0).mean())
                sums[i] += acc
                cells.append(f"{acc:.3f} [{kept:.3f}]")
            print(f"{name:28}" + "".join(f"{c:>18}" for c in cells))
        print(f"{'mean':28}" + "".join(f"{s / len(args.files):>18.3f}" for s in sums))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
