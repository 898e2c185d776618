"""Parsing into frozen records: ids, references, fingerprints, sources."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from harness._types import Expect, Role
from harness.errors import DataError
from harness.golden import load_golden, load_many
from harness.golden._load import canonical_json, sha256_hex


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def chat(user: str, answer: str, **extra: object) -> dict[str, object]:
    return {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ],
        **extra,
    }


def test_parses_into_frozen_examples_with_source_and_reference(tmp_path: Path) -> None:
    path = write(
        tmp_path / "qa.jsonl",
        [chat("2+2?", "4", id="q1", expect={"exact": ["4", "four"]}, tags=["math"])],
    )
    golden = load_golden(path)
    assert golden.name == "qa" and len(golden) == 1
    ex = golden.examples[0]
    assert ex.id == "q1"
    assert [m.role for m in ex.messages] == [Role.SYSTEM, Role.USER]
    assert ex.reference == "4"
    assert ex.expect.exact == ("4", "four") and ex.expect.kinds == {Expect.EXACT}
    assert ex.tags == ("math",)
    assert str(ex.source) == f"{path}:1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.id = "other"  # type: ignore[misc]


def test_ids_derived_from_content_are_stable(tmp_path: Path) -> None:
    a = load_golden(write(tmp_path / "a.jsonl", [chat("hi", "hello"), chat("yo", "hey")]))
    b = load_golden(write(tmp_path / "b.jsonl", [chat("yo", "hey"), chat("hi", "hello")]))
    assert {e.id for e in a} == {e.id for e in b}
    assert all(e.id.startswith("ex-") for e in a)


def test_fingerprints_follow_content_not_order(tmp_path: Path) -> None:
    rows = [chat("hi", "hello", id="1"), chat("yo", "hey", id="2")]
    a = load_golden(write(tmp_path / "a.jsonl", rows))
    b = load_golden(write(tmp_path / "b.jsonl", rows[::-1]))
    c = load_golden(write(tmp_path / "c.jsonl", [rows[0], chat("yo", "hey!", id="2")]))
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint
    assert a.examples[0].fingerprint == c.examples[0].fingerprint
    assert a.examples[1].fingerprint != c.examples[1].fingerprint


def test_reject_is_parsed_and_fingerprinted_only_when_present(tmp_path: Path) -> None:
    plain = chat("Capital of Australia?", "Canberra", id="q", expect={"exact": "Canberra"})
    rejecting = {**plain, "expect": {"exact": "Canberra", "reject": ["Sydney", "Melbourne"]}}
    one = {**plain, "expect": {"exact": "Canberra", "reject": "Sydney"}}
    a = load_golden(write(tmp_path / "a.jsonl", [plain])).examples[0]
    b = load_golden(write(tmp_path / "b.jsonl", [rejecting])).examples[0]
    c = load_golden(write(tmp_path / "c.jsonl", [one])).examples[0]
    assert a.expect.reject is None
    assert b.expect.reject == ("Sydney", "Melbourne")
    assert c.expect.reject == ("Sydney",)
    assert b.expect.kinds == {Expect.EXACT}
    # Grading changes with the reject list, so the fingerprint does; without one it is
    # what it was before the key existed.
    assert len({a.fingerprint, b.fingerprint, c.fingerprint}) == 3
    before = {"schema": None, "refuse": None, "exact": ["Canberra"]}
    assert a.fingerprint == sha256_hex(
        canonical_json(
            {
                "id": "q",
                "messages": plain["messages"],
                "expect": before,
                "tags": [],
            }
        )
    )


def test_schema_is_resolved_relative_to_the_file_and_parsed(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    schema = {
        "type": "object",
        "$defs": {"n": {"type": "string"}},
        "properties": {"name": {"$ref": "#/$defs/n"}},
    }
    (tmp_path / "schemas" / "p.json").write_text(json.dumps(schema), encoding="utf-8")
    sub = tmp_path / "suite"
    sub.mkdir()
    golden = load_golden(
        write(sub / "x.jsonl", [chat("a", "{}", expect={"schema": "../schemas/p.json"})])
    )
    ex = golden.examples[0]
    assert ex.expect.schema == schema
    assert ex.expect.schema_path == (tmp_path / "schemas" / "p.json").resolve()


def test_schema_ref_to_a_local_file_resolves(tmp_path: Path) -> None:
    (tmp_path / "defs.json").write_text(
        json.dumps({"$defs": {"n": {"type": "string"}}}), encoding="utf-8"
    )
    (tmp_path / "s.json").write_text(json.dumps({"$ref": "defs.json#/$defs/n"}), encoding="utf-8")
    golden = load_golden(write(tmp_path / "x.jsonl", [chat("a", "b", expect={"schema": "s.json"})]))
    assert golden.examples[0].expect.schema is not None


def test_load_many_raises_one_error_for_all_files(tmp_path: Path) -> None:
    good = write(tmp_path / "good.jsonl", [chat("a", "b")])
    bad1 = tmp_path / "bad1.jsonl"
    bad1.write_text("[]\n", encoding="utf-8")
    bad2 = tmp_path / "bad2.jsonl"
    bad2.write_text("", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_many([good, bad1, bad2])
    assert len(info.value.issues) == 2
    assert str(info.value).splitlines()[0].startswith(f"{bad1}:1: line:")


def test_bom_and_crlf_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(chat("a", "b")) + "\r\n").encode() * 1)
    assert len(load_golden(path)) == 1
