"""Agreement of the ``groundedness`` metric's verdict with hand labels, per split.

Reads ``tests/data/groundedness_labels.jsonl`` (one model-style answer per line
with ``context`` passages, ``question``, ``answer``, a hand label ``grounded``
or ``ungrounded``, the ``kind`` of answer and the ``split``, ``dev`` or
``holdout``) and prints, for each split: accuracy of the thresholded verdict
(grounded when the metric's value >= ``--pass-at``, default 1.0, i.e. every
claim supported), agreement per human label, the confusion counts, and the
items that disagree with the metric's reason. Rules and ``min_word_share``
were tuned on ``dev`` only; ``holdout`` is the figure to quote.

Run from the repository root::

    .venv/bin/python bench/groundedness_agreement.py
    .venv/bin/python bench/groundedness_agreement.py --min-word-share 0.6 --split dev
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness._types import (  # noqa: E402  (path set up above)
    Completion,
    ContextPassage,
    Expectation,
    GoldenExample,
    Location,
    Message,
    Role,
)
from harness.metrics import get_metric  # noqa: E402
from harness.metrics._grounded import MIN_WORD_SHARE  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "data" / "groundedness_labels.jsonl"
LABELS = ("grounded", "ungrounded")


def load(path: Path) -> list[dict[str, object]]:
    """The labelled items, one JSON object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def verdict(item: dict[str, object], *, min_word_share: float, pass_at: float) -> tuple[str, str]:
    """The metric's label for one item and its reason."""
    context = tuple(ContextPassage(c["id"], c["text"]) for c in item["context"])  # type: ignore[attr-defined, index]
    example = GoldenExample(
        id=str(item["id"]),
        messages=(Message(Role.USER, str(item["question"])),),
        reference=None,
        expect=Expectation(),
        tags=(),
        source=Location(Path("labels"), 0),
        fingerprint="",
        context=context,
    )
    result = get_metric("groundedness").compute(
        Completion(str(item["id"]), str(item["answer"]), 0.0),
        example,
        min_word_share=min_word_share,
        pass_at=pass_at,
    )
    if not result.applicable:
        return "grounded", f"not applicable: {result.reason}"
    return ("grounded" if result.passed else "ungrounded"), result.reason or ""


def report(
    items: list[dict[str, object]], name: str, *, min_word_share: float, pass_at: float, show: bool
) -> float:
    """Print agreement on one split; return its accuracy."""
    confusion: Counter[tuple[str, str]] = Counter()
    wrong: list[str] = []
    for item in items:
        got, why = verdict(item, min_word_share=min_word_share, pass_at=pass_at)
        confusion[(str(item["label"]), got)] += 1
        if got != item["label"]:
            wrong.append(
                f"  {item['id']} [{item['kind']}] human {item['label']}, metric {got}: "
                f"{item['answer']!r} ({why})"
            )
    n = len(items)
    right = sum(v for (h, g), v in confusion.items() if h == g)
    print(f"{name}: accuracy {right / n:.3f} ({right}/{n})")
    for label in LABELS:
        total = sum(v for (h, _), v in confusion.items() if h == label)
        same = confusion[(label, label)]
        print(f"  human {label}: metric agrees on {same}/{total} ({same / max(total, 1):.3f})")
    if show and wrong:
        print("  disagreements:")
        print("\n".join(wrong))
    return right / n


def main(argv: list[str] | None = None) -> int:
    """Print agreement per split."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--min-word-share", type=float, default=MIN_WORD_SHARE)
    parser.add_argument("--pass-at", type=float, default=1.0)
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="all")
    parser.add_argument("--quiet", action="store_true", help="do not list disagreements")
    args = parser.parse_args(argv)
    items = load(args.data)
    splits = ("dev", "holdout") if args.split == "all" else (args.split,)
    print(
        f"groundedness verdict (value >= {args.pass_at}, min_word_share "
        f"{args.min_word_share}) vs hand labels, {args.data.name}"
    )
    for split in splits:
        chosen = [i for i in items if i["split"] == split]
        report(
            chosen,
            split,
            min_word_share=args.min_word_share,
            pass_at=args.pass_at,
            show=not args.quiet,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
