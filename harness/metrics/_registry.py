"""Metric results, declared metric semantics and the registry that holds them.

Gates and reports read direction, kind and aggregation from a :class:`MetricSpec`;
nothing downstream guesses whether a bigger number is better.
"""

from __future__ import annotations

import enum
import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from harness._types import Completion, GoldenExample
from harness.errors import HarnessError


class MetricKind(enum.StrEnum):
    """How a metric's per-example values are read and aggregated."""

    PASS_FAIL = "pass_fail"
    CONTINUOUS = "continuous"


@dataclass(frozen=True)
class MetricResult:
    """The outcome of one metric on one example, as computed and as stored in results.json.

    ``passed`` always means "good for this example", whatever the metric's
    direction. ``value`` is what the metric counts: 1.0/0.0 for pass/fail
    metrics, equal to ``passed`` when higher is better and to "the counted
    event happened" when lower is better (``over_refusal``: value 1.0 and
    ``passed=False`` for a wrongful refusal). A metric that does not apply to
    an example returns ``applicable=False`` with ``value`` None, so that a result
    that should have been skipped can never pass for a real score.
    """

    value: float | None
    """None when the metric does not apply or gave no finite number (NaN, infinity)."""
    passed: bool | None = None
    reason: str | None = None
    applicable: bool = True
    details: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # JSON has no NaN: a value that is no finite number is stored, and read, as None.
        if self.value is not None and not math.isfinite(self.value):
            object.__setattr__(self, "value", None)

    @classmethod
    def pass_fail(
        cls,
        passed: bool,
        *,
        reason: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> MetricResult:
        """A pass/fail result: value 1.0 when passed, else 0.0; ``reason`` is kept on failure."""
        return cls(
            value=1.0 if passed else 0.0,
            passed=passed,
            reason=None if passed else reason,
            details=dict(details or {}),
        )

    @classmethod
    def event(
        cls,
        occurred: bool,
        *,
        reason: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> MetricResult:
        """A lower-is-better pass/fail result: value 1.0 when the bad event occurred.

        ``passed`` is ``not occurred``, so failure lists, improved/regressed
        lists and paired tests read it like any other metric's verdict.
        """
        return cls(
            value=1.0 if occurred else 0.0,
            passed=not occurred,
            reason=reason if occurred else None,
            details=dict(details or {}),
        )

    @classmethod
    def not_applicable(
        cls, reason: str, *, details: Mapping[str, object] | None = None
    ) -> MetricResult:
        """A result for an example the metric does not apply to."""
        return cls(
            value=None,
            passed=None,
            reason=reason,
            details=dict(details or {}),
            applicable=False,
        )


# ``fn(completion, example, *, option=default, ...) -> MetricResult``; options differ per
# metric, so the precise signature is checked at registration rather than by the type.
MetricFn = Callable[..., MetricResult]
_F = TypeVar("_F", bound=MetricFn)


_DEFAULT_AGGREGATION = {
    MetricKind.PASS_FAIL: "pass rate (mean of 1/0) with a 95% Wilson interval",
    MetricKind.CONTINUOUS: "mean with a 95% bootstrap (BCa) interval",
}


@dataclass(frozen=True)
class MetricSpec:
    """A registered metric: its function and the semantics gates and reports rely on.

    ``higher_is_better`` is ``None`` for diagnostics that have no good direction
    (e.g. length). ``options`` maps each keyword-only option to its default.
    ``applies_to`` says which examples get a result; the others are not applicable
    (``None``: not declared).
    """

    name: str
    fn: MetricFn = field(compare=False)
    higher_is_better: bool | None
    kind: MetricKind
    aggregation: str
    options: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    applies_to: str | None = None

    @property
    def description(self) -> str:
        """The first line of the metric function's docstring."""
        doc = inspect.getdoc(self.fn) or ""
        return doc.splitlines()[0] if doc else ""

    def compute(
        self, completion: Completion, example: GoldenExample, **options: object
    ) -> MetricResult:
        """Run the metric, rejecting options it does not declare (e.g. a config typo)."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise HarnessError(
                f"metric {self.name!r}: unknown option(s) {', '.join(unknown)} "
                f"(known options: {known})"
            )
        return self.fn(completion, example, **options)


class UnknownMetricError(HarnessError, KeyError):
    """No metric is registered under the requested name."""

    def __str__(self) -> str:
        # KeyError would show the message wrapped in quotes.
        return str(self.args[0]) if self.args else ""


_REGISTRY: dict[str, MetricSpec] = {}
# Old names, so a suite or gate written for an earlier release gets a pointer, not a list.
_RENAMED = {"refusal": "refusal_accuracy"}


def _qualified(fn: MetricFn) -> str:
    """``module.qualname`` of a function, to tell a re-import from a name clash."""
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _declared_options(name: str, fn: MetricFn) -> dict[str, object]:
    """Check the metric signature and return its keyword-only options with defaults."""
    params = list(inspect.signature(fn).parameters.values())
    positional = [
        p
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) != 2:
        raise TypeError(
            f"metric {name!r} must take exactly (completion, example) positionally, "
            f"got {len(positional)} positional parameter(s)"
        )
    options: dict[str, object] = {}
    for p in params:
        if p in positional:
            continue
        if p.kind is not inspect.Parameter.KEYWORD_ONLY or p.default is inspect.Parameter.empty:
            raise TypeError(
                f"metric {name!r}: option {p.name!r} must be keyword-only with a default"
            )
        options[p.name] = p.default
    return options


def register_metric(
    *,
    name: str,
    higher_is_better: bool | None,
    kind: MetricKind,
    aggregation: str | None = None,
    applies_to: str | None = None,
) -> Callable[[_F], _F]:
    """Register a metric function under ``name`` with its declared semantics."""

    def decorate(fn: _F) -> _F:
        options = _declared_options(name, fn)
        previous = _REGISTRY.get(name)
        # A module re-import registers the same function again; anything else is a clash.
        if previous is not None and _qualified(previous.fn) != _qualified(fn):
            raise HarnessError(
                f"metric {name!r} is already registered by {_qualified(previous.fn)}; "
                "choose another name"
            )
        _REGISTRY[name] = MetricSpec(
            name=name,
            fn=fn,
            higher_is_better=higher_is_better,
            kind=kind,
            aggregation=aggregation or _DEFAULT_AGGREGATION[kind],
            options=options,
            applies_to=applies_to,
        )
        return fn

    return decorate


def get_metric(name: str) -> MetricSpec:
    """The spec registered under ``name``; raises :class:`UnknownMetricError` if none.

    ``base:ARG`` names a metric that declares a ``name`` option with that option
    bound (``judge:helpful`` is the ``judge`` metric of the judge ``helpful``).
    """
    base, sep, arg = name.partition(":")
    if sep and arg and base in _REGISTRY and "name" in _REGISTRY[base].options:
        spec = _REGISTRY[base]
        bound = functools.partial(spec.fn, name=arg)
        bound.__doc__ = spec.fn.__doc__  # a partial's own docstring says nothing of the metric
        return replace(
            spec,
            name=name,
            fn=bound,
            options={k: v for k, v in spec.options.items() if k != "name"},
        )
    try:
        return _REGISTRY[name]
    except KeyError:
        if name in _RENAMED:
            raise UnknownMetricError(
                f"unknown metric {name!r}: it was renamed {_RENAMED[name]!r} (use the new name)"
            ) from None
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise UnknownMetricError(f"unknown metric {name!r} (known metrics: {known})") from None


def list_metrics() -> list[MetricSpec]:
    """Every registered metric spec, sorted by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
