"""The one JSON Schema loader: files checked at load time resolve as the validator resolves them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from referencing.exceptions import Unresolvable

from harness._jsonschema import SchemaStore, schema_validator


def _write(path: Path, content: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_relative_refs_resolve_next_to_the_file_that_holds_them(tmp_path: Path) -> None:
    _write(tmp_path / "defs" / "geo.json", {"type": "number", "maximum": 90})
    _write(
        tmp_path / "defs" / "address.json",
        {"type": "object", "properties": {"lat": {"$ref": "geo.json"}}},
    )
    path = _write(
        tmp_path / "person.json",
        {"type": "object", "properties": {"address": {"$ref": "defs/address.json"}}},
    )
    loaded = SchemaStore().load(path)
    assert loaded.error is None and loaded.schema is not None
    validator = schema_validator(loaded.schema, path.parent)
    [error] = validator.iter_errors({"address": {"lat": 120}})
    assert error.message == "120 is greater than the maximum of 90"
    assert list(validator.iter_errors({"address": {"lat": 12}})) == []


def test_a_relative_ref_under_a_remote_id_is_refused_at_load_time(tmp_path: Path) -> None:
    # The $id makes "defs.json" mean https://example.com/defs.json, for the
    # validator and the loader alike: refused up front, not at evaluation time.
    _write(tmp_path / "defs.json", {"type": "string"})
    schema = {"$id": "https://example.com/s.json", "$ref": "defs.json"}
    loaded = SchemaStore().load(_write(tmp_path / "s.json", schema))
    assert loaded.error == "unresolvable $ref 'defs.json'"
    with pytest.raises(Unresolvable):
        list(schema_validator(schema, tmp_path).iter_errors("x"))


def test_formats_are_checked() -> None:
    validator = schema_validator({"type": "string", "format": "ipv4"}, Path("."))
    assert list(validator.iter_errors("10.0.0.1")) == []
    [error] = validator.iter_errors("not an address")
    assert error.validator == "format"
