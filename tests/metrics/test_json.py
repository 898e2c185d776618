"""json_valid, schema_valid, json_match and json_field_accuracy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.errors import HarnessError
from harness.metrics import (
    JsonPolicy,
    json_field_accuracy,
    json_match,
    json_valid,
    schema_valid,
)

from .conftest import CompletionFactory, ExampleFactory

PERSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "address"],
    "properties": {
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "address": {
            "type": "object",
            "required": ["city"],
            "properties": {
                "city": {"type": "string"},
                "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            },
        },
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}

# --- json_valid: strict vs lenient extraction -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '  \n{"a": [1, 2, {"b": null}]}\n  ',
        "[]",
        '"just a string"',
        "42",
        '{\n    "name": "Zoë",\n    "city": "Kraków"\n}',
    ],
)
def test_strict_accepts_a_whole_json_value(
    make_example: ExampleFactory, make_completion: CompletionFactory, text: str
) -> None:
    result = json_valid(make_completion(text), make_example())
    assert result.passed is True, result.reason
    assert result.details["extracted_from"] == "whole"


def test_strict_rejects_trailing_text_with_position(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = json_valid(make_completion('{"a": 1}\nHope this helps!'), make_example())
    assert result.passed is False
    assert result.reason == "invalid JSON: Extra data at line 2, column 1 (char 9)"


def test_lenient_accepts_trailing_text(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = json_valid(
        make_completion('{"a": 1}\nHope this helps!'), make_example(), policy="lenient"
    )
    assert result.passed is True
    assert result.details["extracted_from"] == "scan"


def test_strict_parse_error_reports_line_and_column(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = json_valid(make_completion('{\n  "a": 1,\n  "b": }'), make_example())
    assert result.passed is False
    assert result.reason == "invalid JSON: Expecting value at line 3, column 8 (char 19)"


def test_lenient_finds_json_after_prose(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    text = 'Sure! Here is the {requested} record: {"name": "Ana"} -- enjoy'
    assert json_valid(make_completion(text), make_example()).passed is False
    result = json_valid(make_completion(text), make_example(), policy=JsonPolicy.LENIENT)
    assert result.passed is True


def test_lenient_prefers_a_fenced_block(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    text = 'Use [brackets] like this:\n```json\n{"name": "Ana"}\n```\nDone.'
    example = make_example(reference='{"name": "Ana"}')
    assert json_valid(make_completion(text), example).passed is False
    result = json_match(make_completion(text), example, policy="lenient")
    assert result.passed is True, result.reason
    assert result.details["extracted_from"] == "fence"


def test_lenient_plain_fence(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    text = "```\n[1, 2, 3]\n```"
    result = json_valid(make_completion(text), make_example(), policy="lenient")
    assert result.passed is True
    assert result.details["extracted_from"] == "fence"


@pytest.mark.parametrize("policy", ["strict", "lenient"])
@pytest.mark.parametrize(
    ("text", "constant"),
    [('{"x": NaN}', "NaN"), ("[Infinity]", "Infinity"), ('{"x": -Infinity}', "-Infinity")],
)
def test_nan_and_infinity_are_not_json(
    make_example: ExampleFactory,
    make_completion: CompletionFactory,
    policy: str,
    text: str,
    constant: str,
) -> None:
    result = json_valid(make_completion(text), make_example(), policy=policy)
    assert result.passed is False
    assert result.reason is not None
    assert f"{constant} is not valid JSON at line 1" in result.reason


def test_nan_position_is_reported(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = json_valid(make_completion('{"a": 1,\n "b": NaN}'), make_example())
    assert result.reason == "invalid JSON: NaN is not valid JSON at line 2, column 7 (char 15)"


@pytest.mark.parametrize("policy", ["strict", "lenient"])
@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_output_is_invalid(
    make_example: ExampleFactory, make_completion: CompletionFactory, policy: str, text: str
) -> None:
    result = json_valid(make_completion(text), make_example(), policy=policy)
    assert result.passed is False
    assert result.reason == "invalid JSON: the output is empty"


def test_lenient_without_any_candidate(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = json_valid(make_completion("no json here"), make_example(), policy="lenient")
    assert result.passed is False
    assert result.reason == "no JSON object or array found in the output"


def test_lenient_reports_first_candidate_error(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = json_valid(make_completion('Result: {"a": 1,}'), make_example(), policy="lenient")
    assert result.passed is False
    assert result.reason is not None
    assert "first candidate fails" in result.reason
    assert "line 1, column 17 (char 16)" in result.reason


def test_unknown_policy_is_a_harness_error(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    with pytest.raises(HarnessError, match=r"unknown JSON policy 'loose'.*strict, lenient"):
        json_valid(make_completion("{}"), make_example(), policy="loose")


# --- schema_valid ------------------------------------------------------------------------


def test_schema_valid_passes(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    output = {"name": "Ana", "email": "ana@example.org", "address": {"city": "Lima"}}
    result = schema_valid(make_completion(json.dumps(output)), make_example(schema=PERSON_SCHEMA))
    assert result.passed is True, result.reason


def test_schema_not_applicable_without_schema(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = schema_valid(make_completion("{}"), make_example())
    assert result.applicable is False
    assert result.passed is None
    assert result.value is None


def test_schema_nested_failure_shows_path(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    output = {"name": "Ana", "address": {"city": 5}}
    result = schema_valid(make_completion(json.dumps(output)), make_example(schema=PERSON_SCHEMA))
    assert result.passed is False
    assert result.reason == "schema violation at $.address.city: 5 is not of type 'string'"


def test_schema_array_index_in_path(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    output = {"name": "Ana", "address": {"city": "Lima"}, "tags": ["a", 2]}
    result = schema_valid(make_completion(json.dumps(output)), make_example(schema=PERSON_SCHEMA))
    assert result.reason == "schema violation at $.tags[1]: 2 is not of type 'string'"


def test_schema_missing_required_field(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = schema_valid(
        make_completion('{"name": "Ana", "address": {}}'), make_example(schema=PERSON_SCHEMA)
    )
    assert result.reason == "schema violation at $.address: 'city' is a required property"


def test_schema_format_is_checked(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    output = {"name": "Ana", "email": "not-an-email", "address": {"city": "Lima"}}
    result = schema_valid(make_completion(json.dumps(output)), make_example(schema=PERSON_SCHEMA))
    assert result.passed is False
    assert result.reason == "schema violation at $.email: 'not-an-email' is not a 'email'"


def test_schema_lists_every_error_sorted_by_path(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    output = {"name": 1, "address": {"city": "Lima", "zip": "abc"}, "extra": True}
    result = schema_valid(make_completion(json.dumps(output)), make_example(schema=PERSON_SCHEMA))
    assert result.passed is False
    assert result.details["error_count"] == 3
    errors = result.details["errors"]
    assert isinstance(errors, list)
    assert [e.split(":")[0] for e in errors] == ["$", "$.address.zip", "$.name"]
    assert result.reason is not None and result.reason.endswith("(+2 more)")


def test_schema_uses_declared_draft(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    # In draft-04 exclusiveMaximum is a boolean modifier; in 2020-12 it is a number.
    draft4 = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "maximum": 10,
        "exclusiveMaximum": True,
    }
    assert schema_valid(make_completion("10"), make_example(schema=draft4)).passed is False
    assert schema_valid(make_completion("9.5"), make_example(schema=draft4)).passed is True


def test_schema_valid_reports_parse_errors(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    result = schema_valid(make_completion("{'name': 'Ana'}"), make_example(schema=PERSON_SCHEMA))
    assert result.passed is False
    assert result.reason is not None and result.reason.startswith(
        "invalid JSON: Expecting property"
    )


def test_schema_valid_lenient_fenced(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    text = '```json\n{"name": "Ana", "address": {"city": "Lima"}}\n```'
    example = make_example(schema=PERSON_SCHEMA)
    assert schema_valid(make_completion(text), example).passed is False
    assert schema_valid(make_completion(text), example, policy="lenient").passed is True


# --- json_match and json_field_accuracy ---------------------------------------------------

REFERENCE = (
    '{"name": "Ana", "age": null, "address": {"city": "Lima", "zip": "15001"}, "tags": ["a", "b"]}'
)


def test_pretty_printed_reordered_answer_matches(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    pretty = json.dumps(
        {
            "tags": ["a", "b"],
            "address": {"zip": "15001", "city": "Lima"},
            "age": None,
            "name": "Ana",
        },
        indent=4,
    )
    assert "\n    " in pretty
    example = make_example(reference=REFERENCE)
    result = json_match(make_completion(pretty), example)
    assert result.passed is True
    assert result.value == 1.0
    assert result.details["field_accuracy"] == 1.0
    assert json_field_accuracy(make_completion(pretty), example).value == 1.0


def test_field_accuracy_counts_leaf_fields(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    # 6 leaves: name, age, address.city, address.zip, tags[0], tags[1]; 2 wrong, 1 missing.
    output = '{"name": "Ana", "age": 0, "address": {"city": "Cusco"}, "tags": ["a", "b"]}'
    example = make_example(reference=REFERENCE)
    result = json_match(make_completion(output), example)
    assert result.passed is False
    assert result.value == 0.0
    assert result.details["field_accuracy"] == pytest.approx(3 / 6)
    assert result.details["wrong_fields"] == ["$.age", "$.address.city"]
    assert result.details["missing_fields"] == ["$.address.zip"]
    assert (
        result.reason == "3/6 reference fields match; first wrong field $.age: expected null, got 0"
    )
    sibling = json_field_accuracy(make_completion(output), example)
    assert sibling.value == pytest.approx(0.5)
    assert sibling.passed is None


def test_bool_is_not_a_number_but_int_equals_float(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference='{"ok": true, "n": 1}')
    assert json_match(make_completion('{"ok": 1, "n": 1}'), example).passed is False
    assert json_match(make_completion('{"ok": true, "n": 1.0}'), example).passed is True


def test_extra_fields_fail_the_match_but_keep_accuracy(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference='{"a": 1}')
    result = json_match(make_completion('{"a": 1, "b": 2}'), example)
    assert result.passed is False
    assert result.details["field_accuracy"] == 1.0
    assert result.details["extra_fields"] == ["$.b"]
    assert result.reason == "1/1 reference fields match; unexpected field $.b"


def test_array_order_matters(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference="[1, 2, 3]")
    result = json_match(make_completion("[3, 2, 1]"), example)
    assert result.passed is False
    assert result.details["field_accuracy"] == pytest.approx(1 / 3)


def test_unicode_keys_and_values(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference='{"größe": "日本", "first name": "Zoë"}')
    assert json_match(make_completion('{"first name":"Zoë","größe":"日本"}'), example).passed
    result = json_match(make_completion('{"first name":"Zoe","größe":"日本"}'), example)
    assert result.details["wrong_fields"] == ['$["first name"]']


def test_unparseable_output_scores_zero(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference=REFERENCE)
    result = json_match(make_completion("Ana, no age, Lima"), example)
    assert result.passed is False
    assert result.reason is not None and result.reason.startswith("invalid JSON")
    sibling = json_field_accuracy(make_completion(""), example)
    assert sibling.applicable is True
    assert sibling.value == 0.0


def test_json_match_not_applicable_cases(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    no_reference = json_match(make_completion("{}"), make_example())
    assert no_reference.applicable is False
    free_text = json_field_accuracy(make_completion("{}"), make_example(reference="Lima"))
    assert free_text.applicable is False
    assert free_text.reason is not None and "reference is not JSON" in free_text.reason


def test_json_match_lenient_with_trailing_text(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    example = make_example(reference='{"a": [1, {"b": 2}]}')
    text = '{"a": [1, {"b": 2}]} <- there you go'
    assert json_match(make_completion(text), example).passed is False
    assert json_match(make_completion(text), example, policy="lenient").passed is True


def _write(path: Path, content: dict[str, Any]) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content), encoding="utf-8")
    return content


def test_schema_refs_resolve_relative_to_the_schema_file(
    tmp_path: Path, make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    _write(tmp_path / "defs" / "geo.json", {"type": "number", "minimum": -90, "maximum": 90})
    _write(
        tmp_path / "defs" / "address.json",
        {"type": "object", "required": ["city"], "properties": {"lat": {"$ref": "geo.json"}}},
    )
    schema = _write(
        tmp_path / "person.json",
        {"type": "object", "properties": {"address": {"$ref": "defs/address.json"}}},
    )
    example = make_example(schema=schema, schema_path=tmp_path / "person.json")
    good = schema_valid(make_completion('{"address": {"city": "Lima", "lat": -12}}'), example)
    assert good.passed is True, good.reason
    bad = schema_valid(make_completion('{"address": {"city": "Lima", "lat": 120}}'), example)
    assert bad.reason == "schema violation at $.address.lat: 120 is greater than the maximum of 90"


def test_unresolvable_ref_is_a_data_error(
    tmp_path: Path, make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    schema = {"type": "object", "properties": {"a": {"$ref": "missing.json"}}}
    example = make_example(schema=schema, schema_path=tmp_path / "s.json")
    with pytest.raises(
        HarnessError, match=r"golden/test\.jsonl:1: expect\.schema: .*missing\.json"
    ):
        schema_valid(make_completion('{"a": 1}'), example)
