"""Load and check JSON Schema files referenced by golden examples, once each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlparse
from urllib.request import url2pathname

import jsonschema
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012


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


def _retrieve_local(uri: str) -> Resource[Any]:
    # Only local files: nothing may be fetched from the network at run time.
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
    path = Path(url2pathname(parsed.path))
    try:
        contents = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NoSuchResource(ref=uri) from exc  # type: ignore[call-arg]
    return Resource.from_contents(contents, default_specification=DRAFT202012)


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
        cls = validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            cls.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            return LoadedSchema(
                None,
                f"not a valid JSON Schema at {where}: {exc.message}",
                "check it against the JSON Schema specification",
            )
        base = path.resolve().as_uri()
        resource = Resource.from_contents(schema, default_specification=DRAFT202012)
        empty: Registry[Any] = Registry(retrieve=_retrieve_local)  # type: ignore[call-arg]
        registry = empty.with_resource(base, resource)
        resolver = registry.resolver(base_uri=base)
        for ref in _iter_refs(schema):
            target, _ = urldefrag(ref)
            if urlparse(target).scheme in ("http", "https"):
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
