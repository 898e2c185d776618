"""Every validation rule, each with a bad file: the one-line message and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

GOOD = {
    "id": "a",
    "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
}
PERSON_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"name": {"type": "string"}},
}


def line(**overrides: object) -> str:
    """A JSONL line: the good example with some keys replaced (None deletes)."""
    obj: dict[str, object] = dict(GOOD)
    for key, value in overrides.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    return json.dumps(obj)


def msgs(*pairs: object) -> list[object]:
    return list(pairs)


U = {"role": "user", "content": "hi"}
A = {"role": "assistant", "content": "hello"}

# (case id, file bytes, expected message fragment: "LINE: FIELD: problem")
CASES: list[tuple[str, bytes, str]] = [
    (
        "invalid-json",
        b'{"id": "a", "messages": [}\n',
        ":1: json: invalid JSON: Expecting value at column 26",
    ),
    ("trailing-comma", b'{"id": "a",}\n', ":1: json: invalid JSON: Expecting property name"),
    (
        "nan",
        b'{"id": "a", "x": NaN}\n',
        ":1: json: NaN is not valid JSON (use null or a finite number)",
    ),
    ("infinity", b'{"id": "a", "x": Infinity}\n', ":1: json: Infinity is not valid JSON"),
    ("array-line", b"[1, 2]\n", ":1: line: expected a JSON object, got array"),
    ("string-line", b'"hello"\n', ":1: line: expected a JSON object, got string"),
    ("missing-messages", line(messages=None).encode(), ":1: messages: missing"),
    (
        "messages-not-list",
        line(messages={"role": "user"}).encode(),
        ":1: messages: expected a list, got object",
    ),
    ("messages-empty", line(messages=[]).encode(), ":1: messages: is empty"),
    (
        "message-not-object",
        line(messages=["hi", A]).encode(),
        ":1: messages[0]: expected an object, got string",
    ),
    (
        "missing-role",
        line(messages=[{"content": "hi"}, A]).encode(),
        ":1: messages[0].role: missing",
    ),
    (
        "missing-content",
        line(messages=[{"role": "user"}, A]).encode(),
        ":1: messages[0].content: missing",
    ),
    (
        "unknown-role",
        line(messages=[{"role": "human", "content": "hi"}, A]).encode(),
        ":1: messages[0].role: unknown role 'human' (use one of: system, user, assistant)",
    ),
    (
        "role-not-string",
        line(messages=[{"role": 1, "content": "hi"}, A]).encode(),
        ":1: messages[0].role: expected a string, got number",
    ),
    (
        "empty-content",
        line(messages=[{"role": "user", "content": "  "}, A]).encode(),
        ":1: messages[0].content: is empty",
    ),
    (
        "content-not-string",
        line(messages=[{"role": "user", "content": ["hi"]}, A]).encode(),
        ":1: messages[0].content: expected a string, got array",
    ),
    (
        "message-extra-key",
        line(messages=[{"role": "user", "content": "hi", "name": "x"}, A]).encode(),
        ":1: messages[0].name: unknown key",
    ),
    (
        "system-not-first",
        line(messages=[U, {"role": "system", "content": "s"}, A]).encode(),
        ":1: messages[1].role: a system message may only come first",
    ),
    (
        "no-reference",
        line(messages=[U]).encode(),
        ":1: messages: the last message must be the assistant's reference answer",
    ),
    (
        "no-user",
        line(messages=[{"role": "system", "content": "s"}, A]).encode(),
        ":1: messages: no user message before the answer",
    ),
    (
        "duplicate-id",
        (line() + "\n" + line()).encode(),
        ":2: id: duplicate id 'a', first used on line 1",
    ),
    ("id-not-string", line(id=7).encode(), ":1: id: expected a string, got number"),
    ("id-empty", line(id="").encode(), ":1: id: is empty"),
    ("tags-not-list", line(tags="x").encode(), ":1: tags: expected a list of strings, got string"),
    (
        "tag-not-string",
        line(tags=["ok", 3]).encode(),
        ":1: tags[1]: expected a non-empty string, got number",
    ),
    (
        "expect-not-object",
        line(expect=["refuse"]).encode(),
        ":1: expect: expected an object, got array",
    ),
    (
        "expect-unknown-key",
        line(expect={"refusal": True}).encode(),
        ":1: expect.refusal: unknown key (allowed keys: answerable, exact, refuse, reject, schema, "
        "tags; did you mean refuse?)",
    ),
    (
        "refuse-not-bool",
        line(expect={"refuse": "yes"}).encode(),
        ':1: expect.refuse: expected true or false, got string "yes"',
    ),
    (
        "exact-number",
        line(expect={"exact": 4}).encode(),
        ":1: expect.exact: expected a string or list of strings, got number",
    ),
    (
        "exact-list-of-numbers",
        line(expect={"exact": ["4", 4]}).encode(),
        ":1: expect.exact[1]: expected a non-empty string, got number",
    ),
    ("exact-empty-list", line(expect={"exact": []}).encode(), ":1: expect.exact: is an empty list"),
    (
        "reject-number",
        line(expect={"exact": "4", "reject": 5}).encode(),
        ":1: expect.reject: expected a string or list of strings, got number "
        '(give a string or a list of wrong answers, e.g. ["Sydney", "Melbourne"])',
    ),
    (
        "reject-list-of-numbers",
        line(expect={"exact": "4", "reject": ["5", 5]}).encode(),
        ":1: expect.reject[1]: expected a non-empty string, got number",
    ),
    (
        "reject-empty-list",
        line(expect={"exact": "4", "reject": []}).encode(),
        ":1: expect.reject: is an empty list",
    ),
    (
        "reject-empty-string",
        line(expect={"reject": " "}).encode(),
        ":1: expect.reject: is an empty string",
    ),
    (
        "reject-also-accepted",
        line(expect={"exact": ["Paris", "paris"], "reject": ["Lyon", " PARIS "]}).encode(),
        ":1: expect.reject[1]: ' PARIS ' is also in expect.exact (an answer is either accepted "
        "or rejected; remove it from one list)",
    ),
    (
        "schema-missing-file",
        line(expect={"schema": "nope.json"}).encode(),
        ":1: expect.schema: nope.json: schema file not found",
    ),
    (
        "schema-not-string",
        line(expect={"schema": 5}).encode(),
        ":1: expect.schema: expected a path string, got number",
    ),
    (
        "schema-not-json",
        line(expect={"schema": "broken.json"}).encode(),
        ":1: expect.schema: broken.json: schema file is not JSON",
    ),
    (
        "schema-invalid",
        line(expect={"schema": "invalid.json"}).encode(),
        ":1: expect.schema: invalid.json: not a valid JSON Schema at type",
    ),
    (
        "schema-bad-ref",
        line(expect={"schema": "badref.json"}).encode(),
        ":1: expect.schema: badref.json: unresolvable $ref '#/$defs/missing'",
    ),
    (
        "schema-remote-ref",
        line(expect={"schema": "remote.json"}).encode(),
        ":1: expect.schema: remote.json: $ref 'https://example.com/s.json' points to the network",
    ),
    ("unknown-top-key", line(answer="x").encode(), ":1: answer: unknown key"),
    (
        "metadata-not-object",
        line(metadata=3).encode(),
        ":1: metadata: expected an object, got number",
    ),
    (
        "non-utf8",
        b'{"id": "a", "messages": [{"role": "user", "content": "caf\xe9"}]}\n',
        ":1: encoding: invalid UTF-8 byte 0xe9",
    ),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ": file: looks binary (contains NUL bytes)"),
    ("empty-file", b"", ": file: is empty"),
    ("blank-file", b"\n\n  \n", ": file: is empty"),
]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "broken.json").write_text('{"type": ', encoding="utf-8")
    (tmp_path / "invalid.json").write_text(json.dumps({"type": 12}), encoding="utf-8")
    (tmp_path / "badref.json").write_text(
        json.dumps({"$ref": "#/$defs/missing", "$defs": {}}), encoding="utf-8"
    )
    (tmp_path / "remote.json").write_text(
        json.dumps({"$ref": "https://example.com/s.json"}), encoding="utf-8"
    )
    (tmp_path / "person.json").write_text(json.dumps(PERSON_SCHEMA), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_file_gives_one_line_error_and_exit_2(
    data_dir: Path, content: bytes, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = data_dir / "bad.jsonl"
    path.write_bytes(content)
    assert main(["data", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith(str(path)), first
    assert expected in first, f"{expected!r} not in {first!r}"
    assert "(" in first and first.endswith(")"), "every error says how to fix it"
    assert "Traceback" not in err


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "validate", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl: file: does not exist (check the path)" in capsys.readouterr().err


def test_directory_given_as_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "validate", str(tmp_path)]) == 2
    assert f"{tmp_path}: file: is a directory, expected a JSONL file" in capsys.readouterr().err


def test_line_over_size_bound(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.jsonl"
    big = line(messages=[{"role": "user", "content": "x" * 1_100_000}, A])
    path.write_text(line(id="ok") + "\n" + big + "\n", encoding="utf-8")
    assert main(["data", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: line: is 1,100,1" in err and "over the 1,048,576-byte limit" in err


def test_all_errors_in_a_file_are_reported_together_and_capped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(f'{{"id": "x{i}"' for i in range(30)) + "\n", encoding="utf-8")
    assert main(["data", "validate", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert sum(": json: invalid JSON" in e for e in err) == 20
    assert f"{path}: ... and 10 more error(s) (30 in all)" in err
    assert err[-1] == "30 error(s) in 1 file(s); nothing was loaded"


def test_errors_of_several_files_are_all_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, good = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "good.jsonl"
    a.write_text("[]\n", encoding="utf-8")
    b.write_text(line(expect={"refuse": 1}) + "\n", encoding="utf-8")
    good.write_text(line() + "\n", encoding="utf-8")
    assert main(["data", "validate", str(a), str(good), str(b)]) == 2
    out = capsys.readouterr()
    assert f"{a}:1: line:" in out.err and f"{b}:1: expect.refuse:" in out.err
    assert f"{good}: 1 examples OK" in out.out


def test_good_file_validates(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = data_dir / "good.jsonl"
    rows = [
        line(id="p1", expect={"schema": "person.json"}, tags=["t"]),
        line(id="p2", expect={"refuse": False, "exact": ["hello", "hi"], "reject": "bye"}),
        json.dumps({"messages": [U, {"role": "assistant", "content": "derived id"}]}),
    ]
    path.write_text("\n".join(rows) + "\n\n", encoding="utf-8")
    assert main(["data", "validate", "--no-warnings", str(path)]) == 0
    assert f"{path}: 3 examples OK" in capsys.readouterr().out


def test_allow_missing_reference(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text(line(messages=[U]) + "\n", encoding="utf-8")
    assert main(["data", "validate", "--allow-missing-reference", str(path)]) == 0


def test_cli_process_prints_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": NaN}\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "data", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        f"{path}:1: json: NaN is not valid JSON (use null or a finite number)"
    )
    assert "Traceback" not in proc.stderr
