"""Release gates for JSON extraction: valid JSON, schema compliance, correct fields."""

SUITE = "json_extraction"
TOKENS = 208  # the longest reference record is 193 tokens (an order with many items)


def test_json_valid(evaluate):
    evaluate(SUITE, max_new_tokens=TOKENS).check("json_valid >= 0.95")


def test_schema_compliance(evaluate):
    evaluate(SUITE, max_new_tokens=TOKENS).check("schema_valid >= 0.95")


def test_field_accuracy(evaluate):
    evaluate(SUITE, max_new_tokens=TOKENS).check("json_field_accuracy >= 0.90")


def test_no_regression(evaluate, baseline):
    evaluate(SUITE, max_new_tokens=TOKENS).check_regression(
        baseline, ["schema_valid", "json_match", "json_field_accuracy"], tolerance=0.02
    )
