"""What a collected test will evaluate, read from its source before it runs.

A suite test asks for its completions with ``evaluate(SUITE, max_new_tokens=TOKENS)``.
Read statically, the calls of every selected test tell the session, before the
first test runs, which suites it will need on which variants, so an engine that
batches continuously (vLLM) can be handed all of them in one pass instead of
one suite at a time (each suite's few long answers then no longer finish alone
at the end of its own call).

Only calls whose arguments are literals or module-level names bound to literals
are planned; anything else (a computed suite name, ``*args``) is left to run as
it comes. A plan only says what to generate first: each ``evaluate`` call still
asks for exactly its own requests, so a wrong plan costs time, never a verdict.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: The fixture whose calls are planned.
FIXTURE = "evaluate"


@dataclass(frozen=True)
class PlannedCall:
    """One ``evaluate(suite, limit=..., max_new_tokens=...)`` call found in a test."""

    suite: str
    limit: int | None = None
    max_new_tokens: int | None = None


def planned_calls(function: Callable[..., Any], namespace: Mapping[str, Any]) -> list[PlannedCall]:
    """The ``evaluate`` calls of ``function`` whose arguments resolve in ``namespace``.

    ``namespace`` is the test module's globals. Returns ``[]`` when the source
    cannot be read or parsed (a built or generated function).
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == FIXTURE
    ]
    found: list[PlannedCall] = []
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):  # in source order
        call = _resolve(node, namespace)
        if call is not None and call not in found:
            found.append(call)
    return found


_UNRESOLVED = object()


def _value(node: ast.expr, namespace: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return namespace.get(node.id, _UNRESOLVED)
    return _UNRESOLVED


def _resolve(node: ast.Call, namespace: Mapping[str, Any]) -> PlannedCall | None:
    """The call's arguments as ``evaluate`` would receive them, or None if one is not static."""
    if len(node.args) > 1 or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    values: dict[str, Any] = {}
    if node.args:
        values["suite"] = _value(node.args[0], namespace)
    for keyword in node.keywords:
        if keyword.arg is None:  # **kwargs
            return None
        values[keyword.arg] = _value(keyword.value, namespace)
    suite, limit, tokens = (values.pop(k, None) for k in ("suite", "limit", "max_new_tokens"))
    if values or not isinstance(suite, str):
        return None
    for number in (limit, tokens):
        if number is not None and (type(number) is not int):
            return None
    return PlannedCall(suite, limit, tokens)
