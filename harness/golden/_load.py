"""Parse golden chat JSONL once, strictly, into frozen :class:`GoldenExample` records.

Every problem is collected as a :class:`DataIssue` naming file, line and field,
so a person sees all the errors in a file at once; :func:`load_golden` raises a
single :class:`DataError` carrying them. Nothing here imports a model library:
data is known good before any model is loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from harness._jsonschema import SchemaStore
from harness._types import ContextPassage, Expectation, GoldenExample, Location, Message, Role
from harness._validation import JSON, expected, json_kind, problem, validation_issues
from harness.errors import DataError, DataIssue

#: Lines longer than this are rejected: a golden example is a chat, not a corpus.
MAX_LINE_BYTES = 1_048_576
#: How many issues one error message shows before it says "... and N more".
MAX_ISSUES_SHOWN = 20

_ROLES = ", ".join(r.value for r in Role)
_PASSAGES = 'give a list of {"id": "...", "text": "..."} passages'
_EXACT = 'give a string or a list of accepted strings, e.g. ["4", "four"]'
_REJECT = 'give a string or a list of wrong answers, e.g. ["Sydney", "Melbourne"]'
_BOOL = "write true or false without quotes"
#: How to fix each field (``[]``: any list item; ``.*``: any unknown key of that mapping).
_HINTS = {
    "context": _PASSAGES,
    "context[].*": "a passage has id and text",
    "context[].id": "add the passage id",
    "context[].text": "add the passage text",
    "expect": 'e.g. "expect": {"refuse": true}',
    "expect.answerable": _BOOL,
    "expect.refuse": _BOOL,
    "expect.exact": _EXACT,
    "expect.reject": _REJECT,
    "expect.schema": "give the schema file's path relative to this file",
    "expect.tags": 'tags are short strings, e.g. ["a"]',
    "id": 'write it as "id": "…", or leave the key out for an id derived from the content',
    "messages": 'add "messages": [{"role": "user", "content": "..."}, ...]',
    "messages[]": 'write {"role": "...", "content": "..."}',
    "messages[].*": "a message has role and content",
    "messages[].role": f"use one of: {_ROLES}",
    "messages[].content": "give the message text as a string",
    "metadata": "use a JSON object",
    "tags": 'tags are short strings, e.g. ["a"]',
}


def _filled(fix: str) -> AfterValidator:
    """A list that must hold at least one item; ``fix`` says what to add."""

    def check(items: list[Any]) -> list[Any]:
        if not items:
            raise problem("is empty", fix)
        return items

    return AfterValidator(check)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise problem("is empty")
    return value


def _string(what: str) -> BeforeValidator:
    """A string with some text in it; anything else is reported as ``expected {what}``."""

    def check(value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            raise expected(what)
        return value

    return BeforeValidator(check)


def _string_list(value: object) -> object:
    if value is not None and not isinstance(value, list):
        raise expected("a list of strings")
    return value or []


def _answers(value: object) -> object:
    """``expect.exact`` or ``expect.reject``: one string or a list of them."""
    if not isinstance(value, str | list):
        raise expected("a string or list of strings")
    if not (value.strip() if isinstance(value, str) else value):
        raise problem(f"is an empty {'string' if isinstance(value, str) else 'list'}")
    return [value] if isinstance(value, str) else value


def _role(value: object) -> object:
    if not isinstance(value, str):
        raise expected("a string")
    if value not in tuple(Role):
        raise problem(f"unknown role {value!r}")
    return Role(value)


_Text = Annotated[str, AfterValidator(_not_blank)]
_NonEmpty = Annotated[str, _string("a non-empty string")]
_Tags = Annotated[list[_NonEmpty], BeforeValidator(_string_list)]
_Answers = Annotated[list[_NonEmpty] | None, BeforeValidator(_answers)]


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


class _Record(BaseModel):
    # strict: JSON's true is not the string "true", nor 1; fields are alphabetical, the
    # order in which "allowed keys" lists them.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MessageRecord(_Record):
    """One chat message of a golden line."""

    content: _Text
    role: Annotated[Role, BeforeValidator(_role)]


class PassageRecord(_Record):
    """One ``context`` passage the answer must rest on."""

    id: _NonEmpty
    text: _NonEmpty


class ExpectRecord(_Record):
    """A golden line's ``expect`` block."""

    answerable: bool = True
    exact: _Answers = None
    refuse: bool | None = None
    reject: _Answers = None
    schema_path: Annotated[str | None, _string("a path string")] = Field(None, alias="schema")
    tags: _Tags = []

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        """No answer may be both accepted and rejected (compared ignoring case and spaces)."""
        accepted = {_fold(a) for a in self.exact or ()}
        for i, wrong in enumerate(self.reject or ()):
            if _fold(wrong) in accepted:
                fix = "an answer is either accepted or rejected; remove it from one list"
                raise problem(f"{wrong!r} is also in expect.exact", fix, at=("reject", i))
        return self


class GoldenRecord(_Record):
    """One line of a golden JSONL file, as written."""

    context: Annotated[list[PassageRecord], _filled("add a passage or leave the key out")] = []
    expect: ExpectRecord = ExpectRecord.model_validate({})
    id: _Text = ""  # "": derived from the content
    messages: Annotated[list[MessageRecord], _filled("add a user message and the answer")]
    metadata: dict[str, Any] = {}
    tags: _Tags = []

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Rules across fields: system message first, passage ids unique, unanswerable needs context."""
        for i, message in enumerate(self.messages):
            if message.role is Role.SYSTEM and i != 0:
                fix = "move it to the start or merge it"
                raise problem("a system message may only come first", fix, ("messages", i, "role"))
        first: dict[str, int] = {}
        for i, passage in enumerate(self.context):
            if passage.id in first:
                raise problem(
                    f"duplicate passage id {passage.id!r}, first used at context[{first[passage.id]}]",
                    "name each passage once per example",
                    ("context", i, "id"),
                )
            first[passage.id] = i
        if not self.expect.answerable and not self.context:
            raise problem(
                "false, but the example has no context it could be unanswerable from",
                "add the context passages or remove expect.answerable",
                ("expect", "answerable"),
            )
        return self


@dataclass(frozen=True)
class GoldenFile:
    """A parsed golden file: its examples in file order plus a content fingerprint.

    The fingerprint covers every example's content (not line order), so two
    runs compared pairwise can prove they used the same data.
    """

    path: Path
    examples: tuple[GoldenExample, ...]
    fingerprint: str
    raw_lines: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The suite name: the file name without ``.jsonl``."""
        return self.path.name.removesuffix(".jsonl")

    def __len__(self) -> int:
        return len(self.examples)

    def __iter__(self) -> Iterator[GoldenExample]:
        return iter(self.examples)


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN/Infinity by default; they are not JSON.
    raise ValueError(f"{name} is not valid JSON")


def canonical_json(value: object) -> str:
    """Deterministic JSON text (sorted keys, no spaces) for hashing."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    """The sha256 of UTF-8 text, hex encoded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def derive_id(messages: Sequence[Mapping[str, Any]]) -> str:
    """A stable id from content, for examples that give none."""
    return "ex-" + sha256_hex(canonical_json(list(messages)))[:12]


class _FileParser:
    """Collects every issue in one file while parsing it."""

    def __init__(
        self, path: Path, *, require_reference: bool, schemas: SchemaStore, max_line_bytes: int
    ) -> None:
        self.path = path
        self.shown = str(path)
        self.require_reference = require_reference
        self.schemas = schemas
        self.max_line_bytes = max_line_bytes
        self.issues: list[DataIssue] = []
        self.raw_lines: dict[str, str] = {}  # each example's line as written, by id

    def issue(self, line: int | None, fld: str, problem: str, fix: str) -> None:
        self.issues.append(DataIssue(self.shown, line, fld, problem, fix))

    def read_lines(self) -> list[tuple[int, bytes]] | None:
        path = self.path
        if not path.exists():
            self.issue(None, "file", "does not exist", "check the path")
            return None
        if path.is_dir():
            self.issue(
                None, "file", "is a directory, expected a JSONL file", "pass the .jsonl files in it"
            )
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.issue(None, "file", f"cannot be read: {exc.strerror}", "check its permissions")
            return None
        if not data.strip():
            self.issue(None, "file", "is empty", "add one JSON object per line")
            return None
        if b"\x00" in data[:65536]:
            self.issue(
                None, "file", "looks binary (contains NUL bytes)", "give a UTF-8 JSONL text file"
            )
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]  # tolerate a UTF-8 byte-order mark
        return list(enumerate(data.split(b"\n"), start=1))

    def parse(self) -> list[GoldenExample]:
        lines = self.read_lines()
        if lines is None:
            return []
        examples: list[GoldenExample] = []
        first_line_of_id: dict[str, int] = {}
        for lineno, raw in lines:
            if len(raw) > self.max_line_bytes:
                self.issue(
                    lineno,
                    "line",
                    f"is {len(raw):,} bytes, over the {self.max_line_bytes:,}-byte limit",
                    "shorten the example or split it",
                )
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.issue(
                    lineno,
                    "encoding",
                    f"invalid UTF-8 byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}",
                    "save the file as UTF-8",
                )
                continue
            if not text.strip():
                continue  # blank lines are allowed (a trailing newline, spacing)
            example = self._parse_line(lineno, text)
            if example is None:
                continue
            first = first_line_of_id.get(example.id)
            if first is not None:
                self.issue(
                    lineno,
                    "id",
                    f"duplicate id {example.id!r}, first used on line {first}",
                    "make ids unique within the file",
                )
                continue
            first_line_of_id[example.id] = lineno
            self.raw_lines[example.id] = text
            examples.append(example)
        return examples

    def _parse_line(self, lineno: int, text: str) -> GoldenExample | None:
        try:
            obj = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            self.issue(
                lineno,
                "json",
                f"invalid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}",
                "write one JSON object per line; check quotes, commas and brackets",
            )
            return None
        except ValueError as exc:
            self.issue(lineno, "json", str(exc), "use null or a finite number")
            return None
        if not isinstance(obj, dict):
            self.issue(
                lineno,
                "line",
                f"expected a JSON object, got {json_kind(obj)}",
                'each line must be one {"messages": [...]} object',
            )
            return None
        try:
            record = GoldenRecord.model_validate(obj)
        except ValidationError as err:
            self.issues.extend(
                validation_issues(
                    err,
                    where=self.shown,
                    line_of=lambda _: lineno,
                    hints=_HINTS,
                    model=GoldenRecord,
                    words=JSON,
                )
            )
            return None
        expect = self._expectation(lineno, record.expect)
        if expect is None:
            return None
        messages = tuple(Message(m.role, m.content) for m in record.messages)
        context = tuple(ContextPassage(c.id, c.text) for c in record.context)
        ex_id = record.id or derive_id([m.to_dict() for m in messages])
        reference: str | None = None
        prompt = messages
        if messages[-1].role is Role.ASSISTANT:
            reference = messages[-1].content
            prompt = messages[:-1]
        elif self.require_reference:
            self.issue(
                lineno,
                "messages",
                "the last message must be the assistant's reference answer",
                'end with {"role": "assistant", "content": "..."}',
            )
            return None
        if not any(m.role is Role.USER for m in prompt):
            self.issue(
                lineno,
                "messages",
                "no user message before the answer",
                'add a {"role": "user", ...} message',
            )
            return None
        all_tags = tuple(dict.fromkeys(record.tags + record.expect.tags))
        fingerprint = sha256_hex(
            canonical_json(
                {
                    "id": ex_id,
                    "messages": [m.to_dict() for m in messages],
                    "expect": {
                        "schema": None
                        if expect.schema is None
                        else sha256_hex(canonical_json(expect.schema)),
                        "refuse": expect.refuse,
                        "exact": None if expect.exact is None else list(expect.exact),
                        # Only when present, so examples without it keep their fingerprints.
                        **({"reject": list(expect.reject)} if expect.reject is not None else {}),
                        **({"answerable": False} if not expect.answerable else {}),
                    },
                    "tags": list(all_tags),
                    **(
                        {"context": [{"id": c.id, "text": c.text} for c in context]}
                        if context
                        else {}
                    ),
                }
            )
        )
        return GoldenExample(
            id=ex_id,
            messages=prompt,
            reference=reference,
            expect=expect,
            tags=all_tags,
            source=Location(self.path, lineno),
            fingerprint=fingerprint,
            context=context,
        )

    def _expectation(self, lineno: int, raw: ExpectRecord) -> Expectation | None:
        """The validated ``expect`` block, with its schema file loaded (relative to this file)."""
        schema_path: Path | None = None
        schema: dict[str, object] | None = None
        if raw.schema_path is not None:
            schema_path = (self.path.parent / raw.schema_path).resolve()
            loaded = self.schemas.load(schema_path)
            if loaded.error is not None:
                text = f"{raw.schema_path}: {loaded.error}"
                self.issue(lineno, "expect.schema", text, loaded.fix)
                return None
            schema = loaded.schema
        return Expectation(
            schema_path=schema_path,
            schema=schema,
            refuse=raw.refuse,
            exact=None if raw.exact is None else tuple(raw.exact),
            reject=None if raw.reject is None else tuple(raw.reject),
            answerable=raw.answerable,
        )


def file_fingerprint(examples: Iterable[GoldenExample]) -> str:
    """A fingerprint of a set of examples, independent of their order."""
    return sha256_hex("\n".join(sorted(e.fingerprint for e in examples)))


def check_golden(
    path: str | Path,
    *,
    require_reference: bool = True,
    schemas: SchemaStore | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> tuple[GoldenFile | None, list[DataIssue]]:
    """Parse a golden file and return it with every issue found (never raises for bad data).

    The file is ``None`` when any issue was found.
    """
    p = Path(path)
    parser = _FileParser(
        p,
        require_reference=require_reference,
        schemas=schemas if schemas is not None else SchemaStore(),
        max_line_bytes=max_line_bytes,
    )
    examples = parser.parse()
    if parser.issues:
        return None, parser.issues
    return GoldenFile(p, tuple(examples), file_fingerprint(examples), parser.raw_lines), []


def load_golden(
    path: str | Path, *, require_reference: bool = True, max_line_bytes: int = MAX_LINE_BYTES
) -> GoldenFile:
    """Parse one golden JSONL file; raise :class:`DataError` listing every issue."""
    golden, issues = check_golden(
        path, require_reference=require_reference, max_line_bytes=max_line_bytes
    )
    if golden is None:
        raise DataError(issues, cap=MAX_ISSUES_SHOWN)
    return golden


def load_many(paths: Sequence[str | Path], *, require_reference: bool = True) -> list[GoldenFile]:
    """Parse several files, sharing schema loads; raise one :class:`DataError` for all."""
    schemas = SchemaStore()
    files: list[GoldenFile] = []
    issues: list[DataIssue] = []
    for path in paths:
        golden, found = check_golden(path, require_reference=require_reference, schemas=schemas)
        issues.extend(found)
        if golden is not None:
            files.append(golden)
    if issues:
        raise DataError(issues, cap=MAX_ISSUES_SHOWN)
    return files
