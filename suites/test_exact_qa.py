"""Release gates for short exact answers."""

SUITE = "exact_qa"
TOKENS = 24  # answers are a word or a number


def test_answer_match(evaluate):
    # The prompts ask for "as few words as possible", not for one exact string, so the
    # gate asks whether the answer names the right thing (and no rejected one).
    # exact_match is still computed and shown in the results and the scorecard as the
    # strict format check, but not gated: "The capital of France is Paris." is a right
    # answer in a wrong format, and a gate on format cannot tell a model that knows
    # from one that does not. Measured 2026-11-29, embedded 135M model through hf, first 30
    # examples of the test split: answer_match 0.43 (13/30; capitals right, most
    # arithmetic wrong; every verdict checked by hand), exact_match 0.00. 0.80 is the release bar for a model
    # that knows these facts, so the gate is red for the embedded model, as it should be.
    evaluate(SUITE, max_new_tokens=TOKENS).check("answer_match >= 0.80")


def test_no_regression(evaluate, baseline):
    evaluate(SUITE, max_new_tokens=TOKENS).check_regression(
        baseline, ["answer_match"], tolerance=0.02
    )
