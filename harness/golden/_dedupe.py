"""Exact and near-duplicate detection.

Method: each example's text (prompt turns and answer) is normalised (NFKC,
casefold, punctuation dropped, whitespace collapsed). Exact duplicates share
the normalised text. Near duplicates are found with MinHash (128
permutations, datasketch) over word 3-shingles and LSH at the Jaccard
threshold, and each candidate pair is confirmed with the exact Jaccard
similarity of the shingle sets, so LSH only finds candidates and never
decides. The first occurrence in file order is kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness._types import GoldenExample, Role

#: Default Jaccard similarity (word 3-shingles) at which two examples are near duplicates.
NEAR_DUPLICATE_THRESHOLD = 0.8
NUM_PERM = 128
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Casefolded, punctuation-free, whitespace-collapsed text."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def example_text(example: GoldenExample, *, system: bool = True, answer: bool = True) -> str:
    """The normalised text of an example's prompt and answer, for comparisons.

    ``system=False`` leaves the system message out, ``answer=False`` the reference.
    """
    parts = [m.content for m in example.messages if system or m.role is not Role.SYSTEM]
    if answer and example.reference is not None:
        parts.append(example.reference)
    return normalise_text("\n".join(parts))


def shingles(text: str, k: int = 3) -> set[str]:
    """Word k-shingles of normalised text (the whole text when it is shorter)."""
    words = text.split()
    if len(words) <= k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def minhash(items: set[str]) -> Any:
    """The MinHash of a shingle set (:data:`NUM_PERM` permutations, seed 1)."""
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, seed=1)
    # One vectorised update per text: a training run checks every example before it starts.
    mh.update_batch([item.encode("utf-8") for item in items])
    return mh


def nearest(
    lsh: Any, mh: Any, sh: set[str], kept: Mapping[str, set[str]], threshold: float
) -> tuple[float, str] | None:
    """``(similarity, key)`` of the LSH candidate nearest ``sh`` by exact Jaccard (ties: the first)."""
    scored = [(jaccard(sh, kept[key]), key) for key in lsh.query(mh)]
    return max((s for s in scored if s[0] >= threshold), key=lambda s: s[0], default=None)


@dataclass(frozen=True)
class Duplicate:
    """An example that duplicates an earlier one."""

    dropped: GoldenExample
    kept: GoldenExample
    kind: str  # "exact" or "near"
    similarity: float


def find_duplicates(
    examples: Sequence[GoldenExample], threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> list[Duplicate]:
    """Every example that duplicates an earlier one, exactly or nearly."""
    from datasketch import MinHashLSH

    dups: list[Duplicate] = []
    seen_exact: dict[str, GoldenExample] = {}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    kept_shingles: dict[str, set[str]] = {}
    kept_by_key: dict[str, GoldenExample] = {}
    for idx, ex in enumerate(examples):
        text = example_text(ex)
        if text in seen_exact:
            dups.append(Duplicate(ex, seen_exact[text], "exact", 1.0))
            continue
        seen_exact[text] = ex
        sh = shingles(text)
        mh = minhash(sh)
        match = nearest(lsh, mh, sh, kept_shingles, threshold)
        if match is not None:
            dups.append(Duplicate(ex, kept_by_key[match[1]], "near", round(match[0], 4)))
            continue
        key = str(idx)
        lsh.insert(key, mh)
        kept_shingles[key] = sh
        kept_by_key[key] = ex
    return dups
