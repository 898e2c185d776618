"""The metric registry: declared semantics, lookups, registration rules, public API."""

from __future__ import annotations

import dataclasses
import math
import types

import pytest

import harness.metrics
from harness._types import Completion, GoldenExample
from harness.errors import HarnessError
from harness.metrics import (
    MetricKind,
    MetricResult,
    UnknownMetricError,
    _registry,
    get_metric,
    list_metrics,
    register_metric,
)

from .conftest import CompletionFactory, ExampleFactory

# name -> (higher_is_better, kind): what gates and reports rely on.
DECLARED = {
    "answer_match": (True, MetricKind.PASS_FAIL),
    "exact_match": (True, MetricKind.PASS_FAIL),
    "json_valid": (True, MetricKind.PASS_FAIL),
    "schema_valid": (True, MetricKind.PASS_FAIL),
    "json_match": (True, MetricKind.PASS_FAIL),
    "json_field_accuracy": (True, MetricKind.CONTINUOUS),
    "rouge1": (True, MetricKind.CONTINUOUS),
    "rouge2": (True, MetricKind.CONTINUOUS),
    "rougeL": (True, MetricKind.CONTINUOUS),
    "refusal_accuracy": (True, MetricKind.PASS_FAIL),
    "refusal_recall": (True, MetricKind.PASS_FAIL),
    "over_refusal": (False, MetricKind.PASS_FAIL),
    "latency": (False, MetricKind.CONTINUOUS),
    "length": (None, MetricKind.CONTINUOUS),
}

PUBLIC = {
    "Aggregate",
    "JsonPolicy",
    "LatencySummary",
    "MetricKind",
    "MetricResult",
    "MetricSpec",
    "Percentiles",
    "RefusalRates",
    "UnknownMetricError",
    "abstention",
    "aggregate",
    "answer_match",
    "exact_match",
    "get_metric",
    "groundedness",
    "json_field_accuracy",
    "json_match",
    "json_valid",
    "judge",
    "latency",
    "latency_summary",
    "length",
    "list_metrics",
    "normalize_answer",
    "refusal_accuracy",
    "refusal_rates",
    "refusal_recall",
    "over_refusal",
    "register_answer_match",
    "register_metric",
    "retrieval_recall",
    "rouge1",
    "rouge2",
    "rougeL",
    "schema_valid",
}


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A copy of the registry, so that test registrations do not leak."""
    registry = dict(_registry._REGISTRY)
    monkeypatch.setattr(_registry, "_REGISTRY", registry)
    return registry  # type: ignore[return-value]


def test_all_is_exactly_the_public_api() -> None:
    assert set(harness.metrics.__all__) == PUBLIC
    assert len(harness.metrics.__all__) == len(PUBLIC)
    exposed = {
        name
        for name, value in vars(harness.metrics).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert exposed == PUBLIC


def test_every_public_object_has_a_docstring() -> None:
    for name in PUBLIC:
        assert getattr(harness.metrics, name).__doc__, name


@pytest.mark.parametrize(("name", "declared"), sorted(DECLARED.items()))
def test_registry_knows_direction_and_kind(
    name: str, declared: tuple[bool | None, MetricKind]
) -> None:
    spec = get_metric(name)
    assert spec.name == name
    assert (spec.higher_is_better, spec.kind) == declared
    assert spec.aggregation
    assert spec.description
    assert spec.fn is getattr(harness.metrics, name)


def test_list_metrics_is_sorted_and_complete() -> None:
    names = [spec.name for spec in list_metrics()]
    assert names == sorted(names)
    assert set(DECLARED) <= set(names)


def test_unknown_metric_lists_known_names() -> None:
    with pytest.raises(UnknownMetricError) as info:
        get_metric("exact_mtch")
    message = str(info.value)
    assert message.startswith("unknown metric 'exact_mtch' (known metrics: ")
    assert "exact_match" in message and "rougeL" in message
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, HarnessError)


def test_declared_options_and_compute(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    spec = get_metric("exact_match")
    assert spec.options["casefold"] is False
    assert spec.options["canonical_numbers"] is True
    example = make_example(exact=["Paris"])
    assert spec.compute(make_completion("PARIS"), example).passed is False
    assert spec.compute(make_completion("PARIS"), example, casefold=True).passed is True
    with pytest.raises(HarnessError, match=r"unknown option\(s\) case_fold .*known options: "):
        spec.compute(make_completion("PARIS"), example, case_fold=True)
    assert get_metric("length").options == {}


@pytest.mark.usefixtures("isolated_registry")
def test_register_custom_metric(
    make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    @register_metric(name="shouts", higher_is_better=False, kind=MetricKind.PASS_FAIL)
    def shouts(
        completion: Completion, example: GoldenExample, *, threshold: int = 1
    ) -> MetricResult:
        """Pass when the output has at least ``threshold`` exclamation marks."""
        return MetricResult.pass_fail(completion.text.count("!") >= threshold)

    spec = get_metric("shouts")
    assert spec.fn is shouts
    assert spec.options == {"threshold": 1}
    assert spec.aggregation == "pass rate (mean of 1/0) with a 95% Wilson interval"
    assert spec.description == "Pass when the output has at least ``threshold`` exclamation marks."
    assert spec.compute(make_completion("hey!!"), make_example(), threshold=3).passed is False


@pytest.mark.usefixtures("isolated_registry")
def test_name_clash_is_an_error() -> None:
    def other(completion: Completion, example: GoldenExample) -> MetricResult:
        """Another metric."""
        return MetricResult(value=0.0)

    with pytest.raises(HarnessError, match="'exact_match' is already registered by"):
        register_metric(name="exact_match", higher_is_better=True, kind=MetricKind.PASS_FAIL)(other)


@pytest.mark.usefixtures("isolated_registry")
def test_reregistering_the_same_function_is_allowed() -> None:
    spec = get_metric("length")
    register_metric(name="length", higher_is_better=None, kind=MetricKind.CONTINUOUS)(spec.fn)
    assert get_metric("length").fn is spec.fn


def _positional_option(
    completion: Completion, example: GoldenExample, strict: bool = True
) -> MetricResult:
    return MetricResult(value=0.0)


def _option_without_default(
    completion: Completion, example: GoldenExample, *, strict: bool
) -> MetricResult:
    return MetricResult(value=0.0)


def _one_argument(completion: Completion) -> MetricResult:
    return MetricResult(value=0.0)


@pytest.mark.usefixtures("isolated_registry")
@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_positional_option, "exactly \\(completion, example\\) positionally"),
        (_option_without_default, "option 'strict' must be keyword-only with a default"),
        (_one_argument, "exactly \\(completion, example\\) positionally"),
    ],
)
def test_bad_signatures_are_rejected(fn: object, message: str) -> None:
    decorate = register_metric(name="bad", higher_is_better=True, kind=MetricKind.CONTINUOUS)
    with pytest.raises(TypeError, match=message):
        decorate(fn)  # type: ignore[type-var]
    with pytest.raises(UnknownMetricError):
        get_metric("bad")


def test_metric_result_constructors() -> None:
    assert MetricResult.pass_fail(True, reason="ignored when passing") == MetricResult(
        value=1.0, passed=True
    )
    failed = MetricResult.pass_fail(False, reason="why", details={"k": 1})
    assert (failed.value, failed.passed, failed.reason, failed.details) == (
        0.0,
        False,
        "why",
        {"k": 1},
    )
    skipped = MetricResult.not_applicable("no schema")
    assert skipped.applicable is False and skipped.passed is None and skipped.reason == "no schema"
    assert skipped.value is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        failed.value = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_value_that_is_no_finite_number_is_kept_as_none(value: float) -> None:
    # As results.json stores it (JSON has no NaN), so a result read back equals the one computed.
    assert MetricResult(value=value).value is None
    assert MetricResult(value=0.5).value == 0.5


def test_results_are_hashable_despite_details() -> None:
    # details (a dict, unhashable) stay out of the hash, so results can be set members.
    first = MetricResult.pass_fail(False, details={"k": [1]})
    same = MetricResult.pass_fail(False, details={"k": [1]})
    other_details = MetricResult.pass_fail(False, details={"k": [2]})
    assert hash(first) == hash(same) == hash(other_details)
    assert len({first, same, other_details, MetricResult.pass_fail(True)}) == 3


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_every_metric_honours_its_kind(
    name: str, make_example: ExampleFactory, make_completion: CompletionFactory
) -> None:
    spec = get_metric(name)
    example = make_example(
        reference='{"a": 1}',
        exact=['{"a": 1}'],
        schema={"type": "object"},
        # refusal_recall applies to should-refuse examples only, over_refusal to the others.
        refuse=name == "refusal_recall",
    )
    result = spec.compute(make_completion('{"a": 1}', completion_tokens=3), example)
    assert isinstance(result, MetricResult)
    assert result.applicable is True
    if spec.kind is MetricKind.PASS_FAIL:
        assert isinstance(result.passed, bool)
        # value counts what the metric counts; passed means good, so they agree
        # when higher is better and are opposite when lower is better.
        good_value = 1.0 if spec.higher_is_better is not False else 0.0
        assert result.value == (good_value if result.passed else 1.0 - good_value)
    else:
        assert result.passed is None
        assert isinstance(result.value, float)


def test_a_renamed_metric_points_to_its_new_name() -> None:
    with pytest.raises(UnknownMetricError, match="renamed 'refusal_accuracy'"):
        get_metric("refusal")
