"""The one JSON Schema loader: schema files read and checked once, validators built one way.

A ``$ref`` resolves as the validator resolves it at evaluation time: against the
schema's ``$id`` when it has one, else against the folder of the schema file, so
``defs/address.json`` next to ``person.json`` is found and a file it refers to is
found next to it. Only local files: nothing is fetched from the network at run time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlparse

# jsonschema and referencing (~0.07 s of imports) are imported by the functions that use
# them: most runs load golden files with no schema, and validate none.
if TYPE_CHECKING:
    from jsonschema.protocols import Validator
    from referencing import Registry, Resource

__all__ = ["LoadedSchema", "SchemaStore", "schema_validator"]


def _retrieve_local(directory: str, uri: str) -> Resource[Any]:
    """A ``$ref``'d schema file: a ``file:`` URI, or a path relative to ``directory``."""
    from urllib.request import url2pathname

    from referencing import Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT202012

    parsed = urlparse(uri)
    if parsed.scheme == "file":
        path = Path(url2pathname(parsed.path))
    elif not parsed.scheme and not parsed.netloc:
        path = Path(directory) / url2pathname(parsed.path)
    else:
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
    try:
        contents = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NoSuchResource(ref=uri) from exc  # type: ignore[call-arg]
    return Resource.from_contents(contents, default_specification=DRAFT202012)


def _registry(directory: str) -> Registry[Any]:
    from referencing import Registry

    # ``retrieve`` is an attrs alias that mypy's attrs plugin does not see.
    return Registry(retrieve=functools.partial(_retrieve_local, directory))  # type: ignore[call-arg]


@functools.lru_cache(maxsize=64)
def _compiled(schema_json: str, directory: str) -> Validator:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.validators import validator_for

    schema = json.loads(schema_json)
    cls = validator_for(schema, default=Draft202012Validator)
    return cls(schema, registry=_registry(directory), format_checker=FormatChecker())


def schema_validator(schema: Mapping[str, Any], directory: Path) -> Validator:
    """A validator for ``schema`` (by its ``$schema``, default draft 2020-12, formats checked).

    ``directory`` is the folder of the schema file, against which relative
    ``$ref``s resolve. Validators are cached by the schema's canonical JSON.
    """
    return _compiled(json.dumps(schema, sort_keys=True), str(directory))


@dataclass(frozen=True)
class LoadedSchema:
    """A schema file's content, or why it cannot be used."""

    schema: dict[str, Any] | None
    error: str | None = None
    fix: str = ""


def _iter_refs(node: object) -> list[str]:
    refs: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                refs.append(value)
            elif key not in ("const", "enum", "default", "examples"):
                refs.extend(_iter_refs(value))
    elif isinstance(node, list):
        for item in node:
            refs.extend(_iter_refs(item))
    return refs


class SchemaStore:
    """Parses each schema file once and remembers the outcome."""

    def __init__(self) -> None:
        self._cache: dict[Path, LoadedSchema] = {}

    def load(self, path: Path) -> LoadedSchema:
        """Load, meta-validate and resolve the ``$ref``s of one schema file."""
        if path not in self._cache:
            self._cache[path] = self._load(path)
        return self._cache[path]

    def _load(self, path: Path) -> LoadedSchema:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError
        from jsonschema.validators import validator_for
        from referencing import Resource
        from referencing.exceptions import NoSuchResource, Unresolvable
        from referencing.jsonschema import DRAFT202012

        if not path.exists():
            return LoadedSchema(
                None, "schema file not found", "check the path; it is relative to the golden file"
            )
        if path.is_dir():
            return LoadedSchema(None, "is a directory", "point to a .json schema file")
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            return LoadedSchema(None, "schema file is not UTF-8 text", "save it as UTF-8 JSON")
        except json.JSONDecodeError as exc:
            return LoadedSchema(
                None,
                f"schema file is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
                "fix the schema file's JSON",
            )
        if not isinstance(schema, dict):
            return LoadedSchema(None, "schema must be a JSON object", "write the schema as {...}")
        cls = validator_for(schema, default=Draft202012Validator)
        try:
            cls.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            return LoadedSchema(
                None,
                f"not a valid JSON Schema at {where}: {exc.message}",
                "check it against the JSON Schema specification",
            )
        # The root the validator starts from (see jsonschema's resolver_with_root).
        root = Resource.from_contents(schema, default_specification=DRAFT202012)
        resolver = _registry(str(path.resolve().parent)).resolver_with_root(root)
        for ref in _iter_refs(schema):
            if urlparse(urldefrag(ref)[0]).scheme in ("http", "https"):
                return LoadedSchema(
                    None,
                    f"$ref {ref!r} points to the network",
                    "inline the referenced schema or use a local file",
                )
            try:
                resolver.lookup(ref)
            except (Unresolvable, NoSuchResource):
                return LoadedSchema(
                    None,
                    f"unresolvable $ref {ref!r}",
                    "point $ref at a definition in this schema or a local file",
                )
        return LoadedSchema(schema)
