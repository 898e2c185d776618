"""Release gates for short exact answers."""

SUITE = "exact_qa"
TOKENS = 24  # answers are a word or a number


def test_exact_match(evaluate):
    evaluate(SUITE, max_new_tokens=TOKENS).check("exact_match >= 0.80")


def test_no_regression(evaluate, baseline):
    evaluate(SUITE, max_new_tokens=TOKENS).check_regression(
        baseline, ["exact_match"], tolerance=0.02
    )
