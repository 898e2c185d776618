"""rouge1, rouge2, rougeL: known F-measures with and without stemming."""

from __future__ import annotations

import pytest

from harness.metrics import get_metric, rouge1, rouge2, rougeL
from harness.metrics._rouge import _scorer

from .conftest import CompletionFactory, ExampleFactory

REFERENCE = "The cats are running quickly"
OUTPUT = "the cat ran quickly"


def _f(overlap: int, n_out: int, n_ref: int) -> float:
    precision, recall = overlap / n_out, overlap / n_ref
    return 2 * precision * recall / (precision + recall) if overlap else 0.0


# Porter stems: reference -> the cat are run quickli; output -> the cat ran quickli.
@pytest.mark.parametrize(
    ("metric", "stem", "expected"),
    [
        (rouge1, True, _f(3, 4, 5)),  # the, cat, quickli
        (rouge1, False, _f(2, 4, 5)),  # the, quickly
        (rouge2, True, _f(1, 3, 4)),  # "the cat"
        (rouge2, False, 0.0),  # "the cats" != "the cat"
        (rougeL, True, _f(3, 4, 5)),  # LCS: the cat quickli
        (rougeL, False, _f(2, 4, 5)),  # LCS: the quickly
    ],
)
def test_known_values(
    make_example: ExampleFactory,
    make_completion: CompletionFactory,
    metric: object,
    stem: bool,
    expected: float,
) -> None:
    assert callable(metric)
    result = metric(make_completion(OUTPUT), make_example(reference=REFERENCE), stem=stem)
    assert result.value == pytest.approx(expected)
    assert result.passed is None
    assert result.applicable is True


def test_stemming_is_on_by_default(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = rouge1(make_completion(OUTPUT), make_example(reference=REFERENCE))
    assert result.value == pytest.approx(2 / 3)
    assert result.details["precision"] == pytest.approx(3 / 4)
    assert result.details["recall"] == pytest.approx(3 / 5)


def test_identical_text_scores_one(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference=REFERENCE)
    for metric in (rouge1, rouge2, rougeL):
        assert metric(make_completion(REFERENCE), example).value == pytest.approx(1.0)


def test_rougeL_respects_order(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference="a b c d")
    reversed_output = make_completion("d c b a")
    assert rouge1(reversed_output, example).value == pytest.approx(1.0)
    assert rougeL(reversed_output, example).value == pytest.approx(0.25)


def test_empty_output_scores_zero(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = rouge1(make_completion(""), make_example(reference=REFERENCE))
    assert result.value == 0.0


def test_not_applicable_without_reference(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = rougeL(make_completion("text"), make_example(exact=["text"]))
    assert result.applicable is False
    assert result.value is None


def test_scorers_are_cached() -> None:
    assert _scorer("rouge1", True) is _scorer("rouge1", True)
    assert _scorer("rouge1", True) is not _scorer("rouge1", False)


def test_rouge_is_continuous_and_higher_is_better() -> None:
    for name in ("rouge1", "rouge2", "rougeL"):
        spec = get_metric(name)
        assert spec.higher_is_better is True
        assert spec.kind.name == "CONTINUOUS"
        assert spec.options == {"stem": True}


_FRESH_PROCESS = """
import json, sys
from harness.golden import load_golden
from harness.metrics._rouge import _scorer
refs = [e.reference for e in load_golden("golden/summarization.jsonl").examples if e.reference]
scorer = _scorer("rougeL", True)
scores = [scorer.score(a, b)["rougeL"].fmeasure for a, b in zip(refs, refs[1:] + refs[:1])]
imported = "scipy.stats" in sys.modules
table = [[8, 2], [1, 5]]
forwarded = sys.modules["nltk.metrics.association"].fisher_exact(table)
import scipy.stats
real = scipy.stats.fisher_exact(table)
print(json.dumps([scores, imported, float(forwarded.pvalue), float(real.pvalue)]))
"""


def test_rouge_imports_no_scipy_stats_and_scores_as_rouge_score() -> None:
    import json
    import subprocess
    import sys

    from rouge_score.rouge_scorer import RougeScorer

    from harness.golden import load_golden

    done = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS], capture_output=True, text=True, check=True
    )
    scores, imported, forwarded, real = json.loads(done.stdout.strip().splitlines()[-1])
    assert imported is False, "scoring ROUGE imported scipy.stats"
    assert forwarded == real, "NLTK's fisher_exact reaches the real scipy.stats"
    # This process imports NLTK the usual way: the same scores, bit for bit.
    examples = load_golden("golden/summarization.jsonl").examples
    refs = [e.reference for e in examples if e.reference]
    scorer = RougeScorer(["rougeL"], use_stemmer=True)
    expected = [
        scorer.score(a, b)["rougeL"].fmeasure
        for a, b in zip(refs, refs[1:] + refs[:1], strict=True)
    ]
    assert len(refs) > 50 and scores == expected
