"""Checks ``harness train`` runs on its data before any model loads: leakage and truncation.

* **Leakage**: a training example that repeats an eval example (exact or near
  duplicate, :func:`harness.golden.find_leakage`) makes the suite measure
  memory, not skill. An exact duplicate stops the run (exit 2) naming both
  file:line; near duplicates are warned about.
* **Truncation**: an answer cut at ``max_length`` teaches the model to stop
  mid-answer (an unclosed JSON object, say). Such examples stop the run unless
  the config says ``truncation: allow``. Only the tokenizer is needed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harness._types import GoldenExample
from harness.errors import DataError, DataIssue
from harness.golden import NEAR_DUPLICATE_THRESHOLD, Leak, find_file_leakage, suite_files

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from training.config import TrainConfig

#: Near-duplicate warnings printed before the rest is counted.
MAX_WARNINGS_SHOWN = 5


class LeakageError(DataError):
    """Training data repeats eval examples exactly; the message names both sides."""


def check_leakage(
    train_files: Sequence[Path],
    eval_files: Sequence[Path] | None = None,
    *,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    source: str = "train",
) -> list[Leak]:
    """Refuse exact duplicates of eval examples in ``train_files``; return the near ones.

    ``eval_files`` defaults to the project's suites (the ``*.jsonl`` files of
    its golden directory); a training file that is itself one of them is not
    compared with itself.
    """
    if eval_files is None:
        from harness.config import load_config

        project = load_config()
        suites = suite_files(project.golden_dir or project.root / "golden", exclude=train_files)
    else:
        suites = [
            f for f in eval_files if Path(f).resolve() not in {p.resolve() for p in train_files}
        ]
    if not suites or not train_files:
        return []
    leaks = find_file_leakage(train_files, suites, threshold=threshold)
    exact = [leak for leak in leaks if leak.kind == "exact"]
    if exact:
        raise LeakageError(
            [
                DataIssue(
                    str(leak.train.source.path),
                    leak.train.source.line,
                    "messages",
                    f"exact duplicate of eval example {leak.eval.id!r} at {leak.eval.source}",
                    f"remove it from the training data; {source} must not train on eval examples",
                )
                for leak in exact
            ]
        )
    return leaks


def warn_near_duplicates(leaks: Sequence[Leak]) -> None:
    """Print near duplicates between training and eval data as warnings (stderr)."""
    near = [leak for leak in leaks if leak.kind == "near"]
    for leak in near[:MAX_WARNINGS_SHOWN]:
        print(f"warning: {leak}", file=sys.stderr)
    if len(near) > MAX_WARNINGS_SHOWN:
        print(
            f"warning: ... and {len(near) - MAX_WARNINGS_SHOWN} more near duplicate(s) of eval "
            "examples (harness data leakage lists them all)",
            file=sys.stderr,
        )


def check_truncation(
    examples: Sequence[GoldenExample],
    rows: Sequence[Mapping[str, str]],
    tokenizer: PreTrainedTokenizerBase,
    config: TrainConfig,
) -> int:
    """Refuse answers that ``max_length`` would cut (unless ``truncation: allow``); return how many are cut.

    Rows are tokenized as the trainer tokenizes them. A prompt that fills
    ``max_length`` trains nothing at all, so it is refused even with
    ``truncation: allow``.
    """
    limit = config.max_length
    cut = []  # (example, prompt tokens, prompt + answer tokens) of each row max_length cuts
    for ex, row in zip(examples, rows, strict=True):
        text = row["prompt"] + row["completion"]
        total = len(tokenizer(text, add_special_tokens=False)["input_ids"])
        if total > limit:
            prompt = len(tokenizer(row["prompt"], add_special_tokens=False)["input_ids"])
            cut.append((ex, prompt, total))
    refused = [c for c in cut if c[1] >= limit] if config.truncation == "allow" else cut
    if refused:
        longest = max(total for _, _, total in cut)
        raise DataError(
            [
                DataIssue(
                    str(ex.source.path),
                    ex.source.line,
                    "messages",
                    (
                        f"the prompt alone has {prompt} tokens, max_length is {limit}: "
                        "nothing would be trained"
                        if prompt >= limit
                        else f"the assistant answer would be cut: {total} tokens "
                        f"(prompt {prompt}) > max_length {limit}"
                    ),
                    f"raise max_length in {config.source} to at least {longest}, shorten the "
                    "example"
                    + ("" if config.truncation == "allow" else ", or set truncation: allow"),
                )
                for ex, prompt, total in refused
            ]
        )
    return len(cut)


__all__ = [
    "MAX_WARNINGS_SHOWN",
    "LeakageError",
    "check_leakage",
    "check_truncation",
    "warn_near_duplicates",
]
