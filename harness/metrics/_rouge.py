"""ROUGE-1, ROUGE-2 and ROUGE-L F-measure against the reference, via ``rouge_score``."""

from __future__ import annotations

import contextlib
import functools
import sys
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from harness._types import Completion, GoldenExample
from harness.metrics._registry import MetricKind, MetricResult, register_metric

if TYPE_CHECKING:
    from rouge_score.rouge_scorer import RougeScorer


@functools.lru_cache(maxsize=8)
def _scorer(rouge_type: str, stem: bool) -> RougeScorer:
    """A cached scorer: building one loads NLTK's stemmer, which is slow."""
    # Imported here: rouge_score pulls in NLTK, a quarter of a second of import time.
    with _scipy_stats_on_first_use():
        from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer([rouge_type], use_stemmer=stem)


@contextlib.contextmanager
def _scipy_stats_on_first_use() -> Iterator[None]:
    """Import NLTK (through rouge_score) without importing ``scipy.stats`` (0.6-0.9 s).

    NLTK's package import reaches ``nltk.metrics.association``, whose only use of
    scipy is ``from scipy.stats import fisher_exact`` (ROUGE never calls it); its
    other scipy.stats imports fail either way and fall back (``betai`` and ``norm``
    are gone from scipy). While rouge_score is imported, ``scipy.stats`` is a
    stand-in whose ``fisher_exact`` imports the real one when first called, so
    NLTK behaves as before; the real module is imported as usual afterwards.
    """
    if "scipy.stats" in sys.modules:
        yield
        return

    def fisher_exact(*args: Any, **kwargs: Any) -> Any:
        """scipy.stats.fisher_exact, imported on the first call."""
        from scipy.stats import fisher_exact as real

        return real(*args, **kwargs)

    stand_in = types.ModuleType("scipy.stats", "Stands in for scipy.stats while NLTK imports.")
    stand_in.fisher_exact = fisher_exact  # type: ignore[attr-defined]
    sys.modules["scipy.stats"] = stand_in
    try:
        yield
    finally:
        if sys.modules.get("scipy.stats") is stand_in:
            del sys.modules["scipy.stats"]


def _rouge(
    rouge_type: str, completion: Completion, example: GoldenExample, stem: bool
) -> MetricResult:
    """Score the output against the reference with one ROUGE variant."""
    if example.reference is None:
        return MetricResult.not_applicable("example has no reference answer")
    score = _scorer(rouge_type, stem).score(example.reference, completion.text)[rouge_type]
    return MetricResult(
        value=float(score.fmeasure),
        details={"precision": float(score.precision), "recall": float(score.recall)},
    )


@register_metric(
    name="rouge1",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    applies_to="examples with a reference answer",
)
def rouge1(completion: Completion, example: GoldenExample, *, stem: bool = True) -> MetricResult:
    """ROUGE-1 (unigram overlap) F-measure against the reference.

    ``rouge_score``'s tokenizer lowercases and keeps only ASCII letters and digits,
    so text in other scripts scores 0.
    """
    return _rouge("rouge1", completion, example, stem)


@register_metric(
    name="rouge2",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    applies_to="examples with a reference answer",
)
def rouge2(completion: Completion, example: GoldenExample, *, stem: bool = True) -> MetricResult:
    """ROUGE-2 (bigram overlap) F-measure against the reference."""
    return _rouge("rouge2", completion, example, stem)


@register_metric(
    name="rougeL",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    applies_to="examples with a reference answer",
)
def rougeL(completion: Completion, example: GoldenExample, *, stem: bool = True) -> MetricResult:
    """ROUGE-L (longest common subsequence) F-measure against the reference."""
    return _rouge("rougeL", completion, example, stem)
