"""Release gates for grounded answers: right, nothing invented, abstaining when unanswerable."""

SUITE = "grounded_qa"
TOKENS = 64  # references are one short sentence; a longer answer has more room to invent

# The questions are about Kestrel Lane Cycles, an invented shop (golden/corpus/), so only a
# variant that reads the documents (one with `retrieval`) can pass; a closed-book variant
# can only guess or abstain. The bars are for a model that reads the passages.
# Measured 2026-11-30, embedded 135M model through hf, first 20 examples of the test split
# (17 answerable, 3 not), every verdict read by hand:
#   base (closed book): answer_match 0.00 (0/17, invented founders, addresses, phone
#     numbers), abstention 0.85 (it never abstains: right on the 17, wrong on the 3),
#     groundedness 0.14;
#   rag (BM25, k = 4): answer_match 0.53 (9/17), abstention 0.80, groundedness 0.68
#     (invented years and sums, facts from a retrieved passage other than the gold one),
#     retrieval_recall 1.00.
# Both are red, as a 135M model should be.


def test_answers_are_right(evaluate):
    # Answerable questions only (answer_match is not applicable to unanswerable ones).
    evaluate(SUITE, max_new_tokens=TOKENS).check("answer_match >= 0.80")


def test_abstains_exactly_when_the_documents_do_not_say(evaluate):
    # About 18% of the questions are unanswerable, so a model that never abstains scores
    # about 0.82 (0.85 on the first 20): the bar sits above that.
    evaluate(SUITE, max_new_tokens=TOKENS).check("abstention >= 0.90")


def test_answers_rest_on_the_documents(evaluate):
    # Mean share of supported claims (harness/metrics/_grounded.py: offline word, number
    # and name check against the gold passages; its verdict agrees with hand labels on 0.886
    # of a holdout set, bench/RESULTS.md).
    evaluate(SUITE, max_new_tokens=TOKENS).check("groundedness >= 0.90")


def test_no_regression(evaluate, baseline):
    evaluate(SUITE, max_new_tokens=TOKENS).check_regression(
        baseline, ["answer_match", "abstention", "groundedness"], tolerance=0.03
    )
