"""JSON metrics: parses, validates against the example's schema, matches the reference."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from harness._types import Completion, GoldenExample
from harness.errors import HarnessError
from harness.metrics._registry import MetricKind, MetricResult, register_metric

# Schema messages quote the failing instance, which can be the whole output.
_MAX_MESSAGE = 300
_MAX_LISTED = 20
_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\r?\n(?P<body>.*?)```", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class JsonPolicy(enum.StrEnum):
    """Where a JSON value is looked for in a completion."""

    STRICT = "strict"
    """The whole output, stripped of surrounding whitespace, is one JSON value."""
    LENIENT = "lenient"
    """The whole output, else the first fenced block, else the first object/array."""


class _NonStandardConstant(ValueError):
    """NaN, Infinity or -Infinity: accepted by Python's json, not by the JSON spec."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_constant(name: str) -> object:
    """``parse_constant`` hook that refuses NaN/Infinity."""
    raise _NonStandardConstant(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


@dataclass(frozen=True)
class _Parsed:
    """A JSON value found in a text, and where it came from."""

    value: object
    source: str


class _JsonError(Exception):
    """The text holds no acceptable JSON value; the message says why and where."""


def _position(text: str, pos: int) -> str:
    """``line L, column C (char P)`` for a 0-based offset into ``text``."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column} (char {pos})"


def _describe(error: ValueError, text: str) -> str:
    """A one-line parse error with its position in ``text``."""
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at {_position(text, error.pos)}"
    if isinstance(error, _NonStandardConstant):
        # The hook gets no offset; the first bare occurrence is where the parser stopped
        # (an earlier one inside a string literal is possible but rare).
        found = re.search(rf"(?<![\w\"]){re.escape(error.name)}(?![\w\"])", text)
        where = f" at {_position(text, found.start())}" if found else ""
        return f"{error.name} is not valid JSON{where}"
    return str(error)


def _parse_whole(text: str) -> object:
    """Parse ``text``, less surrounding whitespace, as exactly one JSON value.

    Raises ValueError; error offsets index into ``text`` itself, so positions in
    reasons match what the model wrote.
    """
    value, end = _DECODER.raw_decode(text, len(text) - len(text.lstrip()))
    tail = text[end:]
    if tail.strip():
        raise json.JSONDecodeError("Extra data", text, len(text) - len(tail.lstrip()))
    return value


def _policy(policy: JsonPolicy | str) -> JsonPolicy:
    """``policy`` as a JsonPolicy; a config typo is a HarnessError naming the choices."""
    try:
        return JsonPolicy(policy)
    except ValueError:
        choices = ", ".join(p.value for p in JsonPolicy)
        raise HarnessError(f"unknown JSON policy {policy!r} (choose one of: {choices})") from None


def _extract(text: str, policy: JsonPolicy | str = JsonPolicy.STRICT) -> _Parsed:
    """Extract one JSON value from ``text`` under ``policy``; raise _JsonError if none."""
    policy = _policy(policy)
    if not text.strip():
        raise _JsonError("invalid JSON: the output is empty")
    try:
        return _Parsed(_parse_whole(text), "whole")
    except ValueError as error:
        if policy is JsonPolicy.STRICT:
            raise _JsonError(f"invalid JSON: {_describe(error, text)}") from None
    for fence in _FENCE.finditer(text):
        try:
            return _Parsed(_parse_whole(fence["body"]), "fence")
        except ValueError:
            continue
    scan_error: str | None = None
    for start in (i for i, ch in enumerate(text) if ch in "{["):
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except ValueError as error:
            if scan_error is None:
                scan_error = _describe(error, text)
            continue
        return _Parsed(value, "scan")
    if scan_error is None:
        raise _JsonError("no JSON object or array found in the output")
    raise _JsonError(f"no parseable JSON object or array; the first candidate fails: {scan_error}")


@register_metric(
    name="json_valid",
    higher_is_better=True,
    kind=MetricKind.PASS_FAIL,
    applies_to="every example",
)
def json_valid(
    completion: Completion, example: GoldenExample, *, policy: JsonPolicy | str = JsonPolicy.STRICT
) -> MetricResult:
    """Pass when the output holds a JSON value under the extraction ``policy``."""
    try:
        parsed = _extract(completion.text, policy)
    except _JsonError as error:
        return MetricResult.pass_fail(False, reason=str(error))
    return MetricResult.pass_fail(True, details={"extracted_from": parsed.source})


def _json_path(parts: Iterable[str | int]) -> str:
    """A JSONPath string such as ``$.address.city`` or ``$.items[0]["first name"]``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def _short(message: str) -> str:
    """``message`` cut to a readable length."""
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


@register_metric(
    name="schema_valid",
    higher_is_better=True,
    kind=MetricKind.PASS_FAIL,
    applies_to="examples with expect.schema",
)
def schema_valid(
    completion: Completion, example: GoldenExample, *, policy: JsonPolicy | str = JsonPolicy.STRICT
) -> MetricResult:
    """Pass when the output's JSON validates against the example's schema (formats checked)."""
    schema = example.expect.schema
    if schema is None:
        return MetricResult.not_applicable("example has no expect.schema")
    try:
        parsed = _extract(completion.text, policy)
    except _JsonError as error:
        return MetricResult.pass_fail(False, reason=str(error))
    from jsonschema.exceptions import best_match
    from referencing.exceptions import Unresolvable

    from harness._jsonschema import schema_validator

    schema_path = example.expect.schema_path
    validator = schema_validator(schema, schema_path.parent if schema_path else Path("."))
    try:
        errors = sorted(
            # Any parsed JSON is a valid instance; the stubs' instance type is narrower.
            validator.iter_errors(cast("Any", parsed.value)),
            key=lambda e: tuple(str(p) for p in e.absolute_path),
        )
    except Unresolvable as error:
        # The loader checks every $ref, so this is a broken data set, not a model failure.
        raise HarnessError(
            f"{example.source}: expect.schema: cannot resolve $ref {error.ref!r} in "
            f"{schema_path} (point $ref at a definition in the schema or a local file)"
        ) from error
    details: dict[str, object] = {"extracted_from": parsed.source}
    if not errors:
        return MetricResult.pass_fail(True, details=details)
    listed = [f"{_json_path(tuple(e.absolute_path))}: {_short(e.message)}" for e in errors]
    details["errors"] = listed[:_MAX_LISTED]
    details["error_count"] = len(errors)
    best = best_match(errors)
    assert best is not None  # errors is non-empty
    reason = f"schema violation at {_json_path(tuple(best.absolute_path))}: {_short(best.message)}"
    if len(errors) > 1:
        reason += f" (+{len(errors) - 1} more)"
    return MetricResult.pass_fail(False, reason=reason, details=details)


def _json_equal(a: object, b: object) -> bool:
    """JSON equality: objects unordered, arrays ordered, true/false never equal to 1/0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        # JSON has one number type: 1 and 1.0 are the same value.
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _leaves(value: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, object]]:
    """Flatten JSON into (path, leaf) pairs; an empty object or array is itself a leaf."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from _leaves(child, (*path, index))
    else:
        yield _json_path(path), value


def _compare(
    completion: Completion, example: GoldenExample, policy: JsonPolicy | str
) -> MetricResult:
    """json_match's result; an applicable one holds the field accuracy in its details."""
    if example.reference is None:
        return MetricResult.not_applicable("example has no reference answer")
    try:
        expected = _parse_whole(example.reference)
    except ValueError as error:
        # A free-text reference in a mixed suite: json_match simply does not apply.
        reason = f"reference is not JSON ({_describe(error, example.reference)})"
        return MetricResult.not_applicable(reason)
    reference_leaves = dict(_leaves(expected))
    try:
        parsed = _extract(completion.text, policy)
    except _JsonError as error:
        failed = {"field_accuracy": 0.0, "fields": len(reference_leaves)}
        return MetricResult.pass_fail(False, reason=str(error), details=failed)
    output_leaves = dict(_leaves(parsed.value))
    missing = [p for p in reference_leaves if p not in output_leaves]
    wrong = [
        p
        for p in reference_leaves
        if p in output_leaves and not _json_equal(reference_leaves[p], output_leaves[p])
    ]
    extra = [p for p in output_leaves if p not in reference_leaves]
    correct = len(reference_leaves) - len(missing) - len(wrong)
    accuracy = correct / len(reference_leaves)
    details: dict[str, object] = {
        "field_accuracy": accuracy,
        "fields": len(reference_leaves),
        "correct_fields": correct,
        "missing_fields": missing[:_MAX_LISTED],
        "wrong_fields": wrong[:_MAX_LISTED],
        "extra_fields": extra[:_MAX_LISTED],
        "extracted_from": parsed.source,
    }
    if _json_equal(expected, parsed.value):
        return MetricResult.pass_fail(True, details=details)
    reason = f"{correct}/{len(reference_leaves)} reference fields match"
    if wrong:
        p = wrong[0]
        got = json.dumps(output_leaves[p], ensure_ascii=False)
        want = json.dumps(reference_leaves[p], ensure_ascii=False)
        reason += f"; first wrong field {p}: expected {_short(want)}, got {_short(got)}"
    elif missing:
        reason += f"; first missing field {missing[0]}"
    elif extra:
        reason += f"; unexpected field {extra[0]}"
    return MetricResult.pass_fail(False, reason=reason, details=details)


@register_metric(
    name="json_match",
    higher_is_better=True,
    kind=MetricKind.PASS_FAIL,
    applies_to="examples whose reference answer is JSON",
)
def json_match(
    completion: Completion, example: GoldenExample, *, policy: JsonPolicy | str = JsonPolicy.STRICT
) -> MetricResult:
    """Pass when the output's JSON equals the reference's (key order and layout ignored)."""
    return _compare(completion, example, policy)


@register_metric(
    name="json_field_accuracy",
    higher_is_better=True,
    kind=MetricKind.CONTINUOUS,
    applies_to="examples whose reference answer is JSON",
)
def json_field_accuracy(
    completion: Completion, example: GoldenExample, *, policy: JsonPolicy | str = JsonPolicy.STRICT
) -> MetricResult:
    """The fraction of the reference's leaf fields that the output's JSON gets right."""
    match = _compare(completion, example, policy)
    if not match.applicable:
        return match
    return MetricResult(
        value=match.details["field_accuracy"], reason=match.reason, details=match.details
    )
