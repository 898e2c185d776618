"""One way to turn a pydantic ``ValidationError`` into ``file:line: field: what is wrong (how to fix)``.

Models raise :func:`expected` for a value of the wrong kind and :func:`problem`
for anything else, so their words reach the person unchanged.
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from harness.errors import DataIssue

Loc = tuple[str | int, ...]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_kind(value: object) -> str:
    """JSON's name for a value's type: null, boolean, number, string, array or object."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else "boolean"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def _json_got(value: object, scalar: bool) -> str:
    """A JSON value's type; where a scalar was due, its text too (``string "yes"``)."""
    if isinstance(value, str) and not value.strip():
        return "an empty string"
    if scalar and isinstance(value, int | float | str):
        return f"{json_kind(value)} {_short(json.dumps(value, ensure_ascii=False))}"
    return json_kind(value)


def _yaml_got(value: object, scalar: bool = False) -> str:
    """A YAML value with its type's article and its value (``a string 'x'``, ``a mapping {}``)."""
    if value is None:
        return "null"
    name = {"object": "mapping", "array": "list"}.get(json_kind(value), json_kind(value))
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} {_short(repr(value))}"


@dataclass(frozen=True)
class Words:
    """How one file format names things in messages: mappings, allowed keys, given values."""

    mapping: str
    allowed: str
    #: Describes a given value; ``scalar``: a boolean, number or choice was expected.
    got: Callable[[object, bool], str]
    #: What a key that must be there and is not is.
    missing: str = "missing"


#: Golden JSONL: "expected an object, got array".
JSON = Words(mapping="an object", allowed="allowed keys", got=_json_got)
#: A YAML config: "expected a mapping, got a list [8]".
YAML = Words(mapping="a mapping", allowed="allowed", got=_yaml_got)
#: TOML (``[tool.harness]``): "expected a table, got 3".
TOML = Words(
    mapping="a table", allowed="allowed", got=lambda v, _: _short(repr(v)), missing="required"
)


def expected(what: str) -> PydanticCustomError:
    """The error for a value of the wrong kind: ``expected {what}, got ...`` (the value is added)."""
    return PydanticCustomError("expected", "expected {what}", {"what": what})


def problem(text: str, fix: str | None = None, at: Loc = ()) -> PydanticCustomError:
    """Any other error, worded by the model; ``at`` names a part below the field that failed."""
    return PydanticCustomError("problem", text, {"fix": fix, "at": at})


# Pydantic's own error types in plain words; a "{mapping}" is the format's word for it.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "{mapping}",
    "model_type": "{mapping}",
    "model_attributes_type": "{mapping}",
    "dataclass_type": "{mapping}",
}
_SCALAR = {k for k, v in _EXPECTED.items() if v in ("an integer", "a number", "true or false")}
_BOUNDS = {
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be below {lt}",
    "less_than_equal": "must be at most {le}",
}


def dotted(loc: Loc) -> str:
    """A location as people write it: ``messages[0].role``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(model: type[BaseModel] | None, loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping found at ``loc``, if any."""
    for part in loc:
        if isinstance(part, str):  # an index is a list item, whose type _unwrap took already
            fields = model.model_fields if model is not None else {}
            info = next((f for n, f in fields.items() if part in (n, f.alias)), None)
            model = _unwrap(info.annotation) if info is not None else None
    return model


def _unwrap(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``X | None``, ``list[X]``, ``Annotated[X, ...]`` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_unwrap, typing.get_args(annotation))), None)


def _hint(hints: Mapping[str, str], loc: Loc) -> str | None:
    """The fix for a field: by its name, with list indices as ``[]``, else its list's fix."""
    field = re.sub(r"\[\d+\]", "[]", dotted(loc))
    while field and field not in hints and field.endswith("[]"):
        field = field.removesuffix("[]")
    return hints.get(dotted(loc)) or hints.get(field)


def _words_for(
    err: ErrorDetails,
    loc: Loc,
    hints: Mapping[str, str],
    model: type[BaseModel] | None,
    words: Words,
) -> tuple[str, str]:
    """What is wrong and how to fix it, for one pydantic error."""
    kind, ctx = err["type"], err.get("ctx") or {}
    value = err.get("input")
    fix = ctx.get("fix") or _hint(hints, loc)
    if kind == "extra_forbidden":
        # A hint for "parent.*" words the fix for any unknown key of that mapping.
        fix = _hint(hints, (*loc[:-1], "*"))
        at = _model_at(model, loc[:-1])
        allowed = [i.alias or n for n, i in at.model_fields.items()] if at is not None else []
        if allowed and fix is None:
            fix = f"{words.allowed}: {', '.join(allowed)}"
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        # A model may name its keys (``key_noun = "budget"``): "unknown budget".
        return f"unknown {getattr(at, 'key_noun', 'key')}", (fix or "remove it") + (
            f"; did you mean {close[0]}?" if close else ""
        )
    if kind == "missing":
        return words.missing, fix or "add it"
    if kind in _BOUNDS:
        return (
            f"{_BOUNDS[kind].format(**ctx)}, got {words.got(value, True)}",
            fix or "change the value",
        )
    if kind in ("too_short", "string_too_short") and ctx.get("min_length") == 1:
        # min_length=1 on a str or list
        return "is empty", fix or "add at least one item"
    if kind in _EXPECTED:
        wanted = _EXPECTED[kind].format(mapping=words.mapping)
    elif kind == "expected":
        wanted = str(ctx["what"])
    elif kind == "literal_error":
        wanted = str(ctx.get("expected", "")).replace("'", "")
    else:
        # problem() and value errors: the model's own words (pydantic prefixes "Value error, ").
        return err["msg"].removeprefix("Value error, "), fix or "see this field's documentation"
    scalar = kind in _SCALAR or kind == "literal_error"
    return f"expected {wanted}, got {words.got(value, scalar)}", fix or f"give {wanted}"


def validation_issues(
    err: ValidationError,
    *,
    where: str,
    line_of: Callable[[Loc], int | None] | None = None,
    hints: Mapping[str, str] | None = None,
    model: type[BaseModel] | None = None,
    words: Words = TOML,
) -> list[DataIssue]:
    """Each error of ``err`` as a :class:`DataIssue`, unknown keys first.

    ``line_of`` maps an error's location (``("messages", 0, "role")``) to a line;
    ``hints`` maps a field (``messages[].role`` for every item) to how to fix it;
    ``model`` (the class validated) lists the keys allowed where one is unknown;
    ``words`` is the file format's vocabulary (:data:`JSON`, :data:`YAML`, :data:`TOML`).
    """
    issues: list[DataIssue] = []
    # Unknown keys first: a misspelt key explains the "missing" error that follows it.
    errors = sorted(err.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
    for e in errors:
        ctx = e.get("ctx") or {}
        loc: Loc = (*e["loc"], *ctx.get("at", ()))
        what, fix = _words_for(e, loc, hints or {}, model, words)
        line = line_of(loc) if line_of is not None else None
        issues.append(DataIssue(where, line, dotted(loc) or "(root)", what, fix))
    return issues


def validation_lines(err: ValidationError, *, where: str, **options: Any) -> list[str]:
    """One ``{where}:{line}: {field}: {what is wrong} ({how to fix})`` line per error."""
    return [str(issue) for issue in validation_issues(err, where=where, **options)]
