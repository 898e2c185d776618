"""Leakage between training and eval data: exact and near duplicates across the two sides.

An eval example leaks when a training example shows the model the same input.
*Exact*: the normalised prompt (every turn but the system message, which
training files and suites often word differently) is identical. *Near*: the
Jaccard similarity of word 3-shingles of prompt and answer reaches the
threshold, found with the same MinHash/LSH machinery as
:func:`~harness.golden.find_duplicates` and confirmed by the exact Jaccard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness._types import GoldenExample
from harness.golden._dedupe import (
    NEAR_DUPLICATE_THRESHOLD,
    NUM_PERM,
    example_text,
    minhash,
    nearest,
    shingles,
)
from harness.golden._load import load_golden


@dataclass(frozen=True)
class Leak:
    """A training example that repeats an eval example, exactly or nearly."""

    train: GoldenExample
    eval: GoldenExample
    kind: str  # "exact" or "near"
    similarity: float

    def __str__(self) -> str:
        what = (
            "exact duplicate"
            if self.kind == "exact"
            else f"near duplicate (Jaccard {self.similarity:.2f})"
        )
        return (
            f"{self.train.source}: {what} of eval example {self.eval.id!r} at {self.eval.source} "
            f"(training id {self.train.id!r})"
        )


def find_leakage(
    train_examples: Iterable[GoldenExample],
    eval_examples: Iterable[GoldenExample],
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> list[Leak]:
    """Each training example that repeats an eval example (exact first, else its nearest match)."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    from datasketch import MinHashLSH

    evals = list(eval_examples)
    by_prompt: dict[str, GoldenExample] = {}
    for ex in evals:
        by_prompt.setdefault(example_text(ex, system=False, answer=False), ex)
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    eval_shingles: dict[str, set[str]] = {}
    for idx, ex in enumerate(evals):
        sh = eval_shingles[str(idx)] = shingles(example_text(ex, system=False))
        lsh.insert(str(idx), minhash(sh))
    leaks: list[Leak] = []
    for ex in train_examples:
        same = by_prompt.get(example_text(ex, system=False, answer=False))
        if same is not None:
            leaks.append(Leak(ex, same, "exact", 1.0))
            continue
        sh = shingles(example_text(ex, system=False))
        match = nearest(lsh, minhash(sh), sh, eval_shingles, threshold)
        if match is not None:
            leaks.append(Leak(ex, evals[int(match[1])], "near", round(match[0], 4)))
    return leaks


def find_file_leakage(
    train_files: Sequence[str | Path],
    eval_files: Sequence[str | Path],
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> list[Leak]:
    """:func:`find_leakage` between every training file (e.g. a run's data and mix files) and every eval file.

    Files are parsed strictly first, so bad data is a :class:`~harness.errors.DataError`
    naming file and line before anything is compared.
    """
    train = [ex for f in train_files for ex in load_golden(f, require_reference=False).examples]
    evals = [ex for f in eval_files for ex in load_golden(f, require_reference=False).examples]
    return find_leakage(train, evals, threshold)


def suite_files(golden_dir: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """The eval suites of a project: every ``*.jsonl`` directly in its golden directory."""
    skip = {Path(p).resolve() for p in exclude}
    if not golden_dir.is_dir():
        return []
    return sorted(p for p in golden_dir.glob("*.jsonl") if p.resolve() not in skip)
