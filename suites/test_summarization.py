"""Release gates for one-sentence summaries (ROUGE-L F1 against the reference)."""

SUITE = "summarization"
TOKENS = 80  # one sentence


def test_rouge_l(evaluate):
    evaluate(SUITE, max_new_tokens=TOKENS).check("rougeL >= 0.30")


def test_no_regression(evaluate, baseline):
    evaluate(SUITE, max_new_tokens=TOKENS).check_regression(baseline, ["rougeL"], tolerance=0.02)
