"""Deterministic, hash-based splits: train/val/test of a training file, dev/test of a suite.

An example's split depends only on its id and the seed, never on the other
examples: adding examples never moves an existing one to another split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from harness._types import GoldenExample
from harness.errors import HarnessError

SPLIT_NAMES = ("train", "val", "test")

#: The split of one eval example: ``dev`` selects (checkpoints, prompts), ``test`` decides.
SuiteSplit = Literal["dev", "test"]
#: What a run evaluates: one split of each suite, or all of it.
RunSplit = Literal["dev", "test", "all"]
RUN_SPLITS: tuple[str, ...] = get_args(RunSplit)
#: Salt of the dev/test hash, so a suite's dev part is independent of its train/val/test buckets.
DEV_TEST_SEED = "dev-test"


@dataclass(frozen=True)
class SplitRatios:
    """Fractions for train, val and test; they sum to 1."""

    train: float = 0.8
    val: float = 0.1
    test: float = 0.1

    @classmethod
    def parse(cls, text: str) -> SplitRatios:
        """Parse ``"80,10,10"`` (percentages or fractions) into ratios."""
        try:
            parts = [float(p) for p in text.split(",")]
        except ValueError:
            raise HarnessError(
                f"--ratios: {text!r} is not three numbers (write e.g. 80,10,10)"
            ) from None
        if len(parts) != 3 or any(p < 0 for p in parts) or sum(parts) <= 0:
            raise HarnessError(
                f"--ratios: {text!r} must be three non-negative numbers (e.g. 80,10,10)"
            )
        total = sum(parts)
        return cls(parts[0] / total, parts[1] / total, parts[2] / total)


def bucket(example_id: str, seed: str = "") -> float:
    """A uniform number in [0, 1) derived from the id alone."""
    digest = hashlib.sha256(f"{seed}\x00{example_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(example_id: str, ratios: SplitRatios = SplitRatios(), seed: str = "") -> str:
    """The split ('train', 'val' or 'test') of one example id."""
    b = bucket(example_id, seed)
    if b < ratios.train:
        return "train"
    if b < ratios.train + ratios.val:
        return "val"
    return "test"


def split_examples(
    examples: Iterable[GoldenExample], ratios: SplitRatios = SplitRatios(), seed: str = ""
) -> dict[str, list[GoldenExample]]:
    """Group examples by split, keeping file order within each split."""
    out: dict[str, list[GoldenExample]] = {name: [] for name in SPLIT_NAMES}
    for ex in examples:
        out[assign_split(ex.id, ratios, seed)].append(ex)
    return out


def split_of(example_id: str, *, dev_fraction: float) -> SuiteSplit:
    """The dev/test split of one eval example id: ``dev`` with probability ``dev_fraction``."""
    if not 0.0 < dev_fraction < 1.0:
        raise HarnessError(
            f"dev_fraction: expected a number between 0 and 1 (exclusive), got {dev_fraction!r}"
        )
    return "dev" if bucket(example_id, DEV_TEST_SEED) < dev_fraction else "test"


def select_split(
    examples: Iterable[GoldenExample], split: str, *, dev_fraction: float
) -> tuple[GoldenExample, ...]:
    """The examples of one run split (``dev``, ``test`` or ``all``), in file order."""
    if split not in RUN_SPLITS:
        raise HarnessError(f"split: expected one of {', '.join(RUN_SPLITS)}, got {split!r}")
    if split == "all":
        return tuple(examples)
    return tuple(ex for ex in examples if split_of(ex.id, dev_fraction=dev_fraction) == split)
