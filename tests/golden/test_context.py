"""The optional ``context`` passages and ``expect.answerable``: parsing, errors, fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness._types import ContextPassage
from harness.cli import main
from harness.golden import load_golden

U = {"role": "user", "content": "When does the pool open?"}
A = {"role": "assistant", "content": "At 07:00."}
PASSAGE = {"id": "hours-01", "text": "The pool opens at 07:00 on weekdays."}


def line(**fields: object) -> str:
    """A JSONL line: a good example with extra or replaced top-level keys."""
    return json.dumps({"id": "a", "messages": [U, A], **fields})


def test_context_and_answerable_are_parsed(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    second = {"id": "hours-02", "text": "It closes at 21:00."}
    path.write_text(
        line(context=[PASSAGE, second])
        + "\n"
        + json.dumps(
            {"id": "b", "messages": [U, A], "context": [PASSAGE], "expect": {"answerable": False}}
        )
        + "\n"
        + json.dumps({"id": "c", "messages": [U, A]})
        + "\n",
        encoding="utf-8",
    )
    a, b, c = load_golden(path).examples
    assert a.context == (
        ContextPassage("hours-01", PASSAGE["text"]),
        ContextPassage("hours-02", "It closes at 21:00."),
    )
    assert a.expect.answerable is True
    assert b.expect.answerable is False
    assert c.context == () and c.expect.answerable is True


def test_context_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    def fingerprint(text: str, **expect: object) -> str:
        path = tmp_path / "g.jsonl"
        ctx = [{"id": "hours-01", "text": text}]
        path.write_text(line(context=ctx, expect=expect) + "\n", encoding="utf-8")
        return load_golden(path).examples[0].fingerprint

    base = fingerprint("The pool opens at 07:00.")
    assert fingerprint("The pool opens at 08:00.") != base
    assert fingerprint("The pool opens at 07:00.", answerable=False) != base
    assert fingerprint("The pool opens at 07:00.", answerable=True) == base


def test_examples_without_context_keep_their_fingerprint(tmp_path: Path) -> None:
    # The fingerprint of an example without context must not change with this field's
    # arrival, or every stored baseline would stop pairing with new runs.
    path = tmp_path / "g.jsonl"
    path.write_text(line() + "\n", encoding="utf-8")
    from harness.golden._load import canonical_json, sha256_hex

    expected = sha256_hex(
        canonical_json(
            {
                "id": "a",
                "messages": [U, A],
                "expect": {"schema": None, "refuse": None, "exact": None},
                "tags": [],
            }
        )
    )
    assert load_golden(path).examples[0].fingerprint == expected


CASES: list[tuple[str, str, str]] = [
    (
        "context-not-list",
        line(context="the pool opens at 7"),
        ':1: context: expected a list, got string (give a list of {"id": "...", "text": "..."}',
    ),
    ("context-empty", line(context=[]), ":1: context: is empty"),
    (
        "passage-not-object",
        line(context=["text"]),
        ":1: context[0]: expected an object, got string",
    ),
    ("passage-missing-id", line(context=[{"text": "x"}]), ":1: context[0].id: missing"),
    (
        "passage-missing-text",
        line(context=[{"id": "hours-01"}]),
        ":1: context[0].text: missing (add the passage text)",
    ),
    (
        "passage-empty-text",
        line(context=[{"id": "hours-01", "text": "  "}]),
        ":1: context[0].text: expected a non-empty string, got an empty string",
    ),
    (
        "passage-id-number",
        line(context=[{"id": 3, "text": "x"}]),
        ":1: context[0].id: expected a non-empty string, got number",
    ),
    (
        "passage-unknown-key",
        line(context=[{"id": "hours-01", "text": "x", "title": "Hours"}]),
        ":1: context[0].title: unknown key (a passage has id and text)",
    ),
    (
        "passage-duplicate-id",
        line(context=[PASSAGE, {"id": "hours-01", "text": "other"}]),
        ":1: context[1].id: duplicate passage id 'hours-01', first used at context[0]",
    ),
    (
        "answerable-string",
        line(context=[PASSAGE], expect={"answerable": "no"}),
        ':1: expect.answerable: expected true or false, got string "no" (write true or false',
    ),
    (
        "unanswerable-without-context",
        line(expect={"answerable": False}),
        ":1: expect.answerable: false, but the example has no context",
    ),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_context_gives_one_line_error_and_exit_2(
    tmp_path: Path, content: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content + "\n", encoding="utf-8")
    assert main(["data", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    first = err.strip().splitlines()[0]
    assert first.startswith(str(path)), first
    assert expected in first, f"{expected!r} not in {first!r}"
    assert "Traceback" not in err
