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
from typing import Any

from harness._types import ContextPassage, Expectation, GoldenExample, Location, Message, Role
from harness.errors import DataError, DataIssue
from harness.golden._schema import SchemaStore

#: Lines longer than this are rejected: a golden example is a chat, not a corpus.
MAX_LINE_BYTES = 1_048_576
#: How many issues one error message shows before it says "... and N more".
MAX_ISSUES_SHOWN = 20

_TOP_KEYS = frozenset({"id", "messages", "expect", "tags", "metadata", "context"})
_MESSAGE_KEYS = frozenset({"role", "content"})
_EXPECT_KEYS = frozenset({"schema", "refuse", "exact", "reject", "tags", "answerable"})
_CONTEXT_KEYS = frozenset({"id", "text"})
_ROLES = ", ".join(r.value for r in Role)


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


def _type_name(value: object) -> str:
    """JSON's name for a Python value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


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
                f"expected a JSON object, got {_type_name(obj)}",
                'each line must be one {"messages": [...]} object',
            )
            return None
        n_before = len(self.issues)
        for key in sorted(set(obj) - _TOP_KEYS):
            self.issue(lineno, key, "unknown key", f"allowed keys: {', '.join(sorted(_TOP_KEYS))}")
        messages = self._messages(lineno, obj)
        expect = self._expect(lineno, obj)
        tags = self._tags(lineno, obj.get("tags"), "tags")
        context = self._context(lineno, obj)
        ex_id = self._id(lineno, obj)
        if "metadata" in obj and not isinstance(obj["metadata"], dict):
            self.issue(
                lineno,
                "metadata",
                f"expected an object, got {_type_name(obj['metadata'])}",
                "use a JSON object",
            )
        if len(self.issues) > n_before or messages is None or expect is None or context is None:
            return None
        if ex_id is None:
            ex_id = derive_id([m.to_dict() for m in messages])
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
        all_tags = tuple(dict.fromkeys(tags + expect[1]))
        fingerprint = sha256_hex(
            canonical_json(
                {
                    "id": ex_id,
                    "messages": [m.to_dict() for m in messages],
                    "expect": {
                        "schema": None
                        if expect[0].schema is None
                        else sha256_hex(canonical_json(expect[0].schema)),
                        "refuse": expect[0].refuse,
                        "exact": None if expect[0].exact is None else list(expect[0].exact),
                        # Only when present, so examples without it keep their fingerprints.
                        **(
                            {"reject": list(expect[0].reject)}
                            if expect[0].reject is not None
                            else {}
                        ),
                        **({"answerable": False} if not expect[0].answerable else {}),
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
            expect=expect[0],
            tags=all_tags,
            source=Location(self.path, lineno),
            fingerprint=fingerprint,
            context=context,
        )

    def _id(self, lineno: int, obj: Mapping[str, Any]) -> str | None:
        if "id" not in obj:
            return None
        value = obj["id"]
        if not isinstance(value, str):
            self.issue(
                lineno, "id", f"expected a string, got {_type_name(value)}", 'write it as "id": "…"'
            )
            return None
        if not value.strip():
            self.issue(lineno, "id", "is empty", "give a non-empty id or leave the key out")
            return None
        return value

    def _context(self, lineno: int, obj: Mapping[str, Any]) -> tuple[ContextPassage, ...] | None:
        """The optional ``context``: passages ``{"id", "text"}`` the answer must rest on."""
        if "context" not in obj:
            return ()
        raw = obj["context"]
        fix = 'give a list of {"id": "...", "text": "..."} passages'
        if not isinstance(raw, list):
            self.issue(lineno, "context", f"expected a list, got {_type_name(raw)}", fix)
            return None
        if not raw:
            self.issue(
                lineno, "context", "is empty", "add at least one passage or leave the key out"
            )
            return None
        out: list[ContextPassage] = []
        first_index: dict[str, int] = {}
        ok = True
        for i, item in enumerate(raw):
            fld = f"context[{i}]"
            if not isinstance(item, dict):
                self.issue(lineno, fld, f"expected an object, got {_type_name(item)}", fix)
                ok = False
                continue
            for key in sorted(set(item) - _CONTEXT_KEYS):
                self.issue(lineno, f"{fld}.{key}", "unknown key", "a passage has id and text")
                ok = False
            values: dict[str, str] = {}
            for key in ("id", "text"):
                if key not in item:
                    self.issue(lineno, f"{fld}.{key}", "missing", f"add the passage {key}")
                    ok = False
                    continue
                value = item[key]
                if not isinstance(value, str) or not value.strip():
                    got = "an empty string" if isinstance(value, str) else _type_name(value)
                    self.issue(
                        lineno,
                        f"{fld}.{key}",
                        f"expected a non-empty string, got {got}",
                        f"give the passage {key} as text",
                    )
                    ok = False
                    continue
                values[key] = value
            if len(values) < 2:
                continue
            first = first_index.get(values["id"])
            if first is not None:
                self.issue(
                    lineno,
                    f"{fld}.id",
                    f"duplicate passage id {values['id']!r}, first used at context[{first}]",
                    "name each passage once per example",
                )
                ok = False
                continue
            first_index[values["id"]] = i
            out.append(ContextPassage(values["id"], values["text"]))
        return tuple(out) if ok else None

    def _messages(self, lineno: int, obj: Mapping[str, Any]) -> tuple[Message, ...] | None:
        if "messages" not in obj:
            self.issue(
                lineno,
                "messages",
                "missing",
                'add "messages": [{"role": "user", "content": "..."}, ...]',
            )
            return None
        raw = obj["messages"]
        if not isinstance(raw, list):
            self.issue(
                lineno,
                "messages",
                f"expected a list, got {_type_name(raw)}",
                "give a list of {role, content} objects",
            )
            return None
        if not raw:
            self.issue(lineno, "messages", "is empty", "add at least a user message and the answer")
            return None
        out: list[Message] = []
        ok = True
        for i, msg in enumerate(raw):
            fld = f"messages[{i}]"
            if not isinstance(msg, dict):
                self.issue(
                    lineno,
                    fld,
                    f"expected an object, got {_type_name(msg)}",
                    'write {"role": "...", "content": "..."}',
                )
                ok = False
                continue
            for key in sorted(set(msg) - _MESSAGE_KEYS):
                self.issue(lineno, f"{fld}.{key}", "unknown key", "a message has role and content")
                ok = False
            role_ok = self._role(lineno, fld, msg)
            content = self._content(lineno, fld, msg)
            if role_ok is None or content is None:
                ok = False
                continue
            if role_ok is Role.SYSTEM and i != 0:
                self.issue(
                    lineno,
                    f"{fld}.role",
                    "a system message may only come first",
                    "move it to the start or merge it",
                )
                ok = False
                continue
            out.append(Message(role_ok, content))
        return tuple(out) if ok else None

    def _role(self, lineno: int, fld: str, msg: Mapping[str, Any]) -> Role | None:
        if "role" not in msg:
            self.issue(lineno, f"{fld}.role", "missing", f"add one of: {_ROLES}")
            return None
        role = msg["role"]
        if not isinstance(role, str):
            self.issue(
                lineno,
                f"{fld}.role",
                f"expected a string, got {_type_name(role)}",
                f"use one of: {_ROLES}",
            )
            return None
        try:
            return Role(role)
        except ValueError:
            self.issue(lineno, f"{fld}.role", f"unknown role {role!r}", f"use one of: {_ROLES}")
            return None

    def _content(self, lineno: int, fld: str, msg: Mapping[str, Any]) -> str | None:
        if "content" not in msg:
            self.issue(lineno, f"{fld}.content", "missing", "add the message text as a string")
            return None
        content = msg["content"]
        if not isinstance(content, str):
            self.issue(
                lineno,
                f"{fld}.content",
                f"expected a string, got {_type_name(content)}",
                "give the message text as a string",
            )
            return None
        if not content.strip():
            self.issue(lineno, f"{fld}.content", "is empty", "write the message text")
            return None
        return content

    def _tags(self, lineno: int, value: object, fld: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.issue(
                lineno, fld, f"expected a list of strings, got {_type_name(value)}", 'e.g. ["a"]'
            )
            return ()
        tags: list[str] = []
        for i, tag in enumerate(value):
            if not isinstance(tag, str) or not tag.strip():
                self.issue(
                    lineno,
                    f"{fld}[{i}]",
                    f"expected a non-empty string, got {_type_name(tag)}",
                    "tags are short strings",
                )
                continue
            tags.append(tag)
        return tuple(tags)

    def _expect(
        self, lineno: int, obj: Mapping[str, Any]
    ) -> tuple[Expectation, tuple[str, ...]] | None:
        raw = obj.get("expect", {})
        if not isinstance(raw, dict):
            self.issue(
                lineno,
                "expect",
                f"expected an object, got {_type_name(raw)}",
                'e.g. "expect": {"refuse": true}',
            )
            return None
        ok = True
        for key in sorted(set(raw) - _EXPECT_KEYS):
            self.issue(
                lineno,
                f"expect.{key}",
                "unknown key",
                f"allowed keys: {', '.join(sorted(_EXPECT_KEYS))}",
            )
            ok = False
        refuse = raw.get("refuse")
        if "refuse" in raw and not isinstance(refuse, bool):
            self.issue(
                lineno,
                "expect.refuse",
                f"expected true or false, got {_type_name(refuse)} {json.dumps(refuse)}",
                "write true or false without quotes",
            )
            ok = False
        answerable = raw.get("answerable", True)
        if not isinstance(answerable, bool):
            self.issue(
                lineno,
                "expect.answerable",
                f"expected true or false, got {_type_name(answerable)} {json.dumps(answerable)}",
                "write true or false without quotes",
            )
            ok = False
        elif not answerable and "context" not in obj:
            self.issue(
                lineno,
                "expect.answerable",
                "false, but the example has no context it could be unanswerable from",
                "add the context passages or remove expect.answerable",
            )
            ok = False
        exact = self._answers(lineno, raw, "exact")
        if "exact" in raw and exact is None:
            ok = False
        reject = self._answers(lineno, raw, "reject")
        if "reject" in raw and (reject is None or not self._disjoint(lineno, exact, reject)):
            ok = False
        schema_path: Path | None = None
        schema: dict[str, object] | None = None
        if "schema" in raw:
            value = raw["schema"]
            if not isinstance(value, str) or not value.strip():
                self.issue(
                    lineno,
                    "expect.schema",
                    f"expected a path string, got {_type_name(value)}",
                    "give the schema file's path relative to this file",
                )
                ok = False
            else:
                schema_path = (self.path.parent / value).resolve()
                loaded = self.schemas.load(schema_path)
                if loaded.error is not None:
                    self.issue(lineno, "expect.schema", f"{value}: {loaded.error}", loaded.fix)
                    ok = False
                else:
                    schema = loaded.schema
        tags = self._tags(lineno, raw.get("tags"), "expect.tags")
        if not ok:
            return None
        return (
            Expectation(
                schema_path=schema_path,
                schema=schema,
                refuse=refuse if isinstance(refuse, bool) else None,
                exact=exact,
                reject=reject,
                answerable=answerable if isinstance(answerable, bool) else True,
            ),
            tags,
        )

    def _answers(self, lineno: int, raw: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
        """``expect.exact`` (accepted answers) or ``expect.reject`` (wrong ones)."""
        if key not in raw:
            return None
        value = raw[key]
        fld = f"expect.{key}"
        fix = (
            'give a string or a list of accepted strings, e.g. ["4", "four"]'
            if key == "exact"
            else 'give a string or a list of wrong answers, e.g. ["Sydney", "Melbourne"]'
        )
        if isinstance(value, str):
            if not value.strip():
                self.issue(lineno, fld, "is an empty string", fix)
                return None
            return (value,)
        if isinstance(value, list):
            if not value:
                self.issue(lineno, fld, "is an empty list", fix)
                return None
            bad = [i for i, v in enumerate(value) if not isinstance(v, str) or not v.strip()]
            if bad:
                self.issue(
                    lineno,
                    f"{fld}[{bad[0]}]",
                    f"expected a non-empty string, got {_type_name(value[bad[0]])}",
                    fix,
                )
                return None
            return tuple(value)
        self.issue(
            lineno,
            fld,
            f"expected a string or list of strings, got {_type_name(value)}",
            fix,
        )
        return None

    def _disjoint(
        self, lineno: int, exact: tuple[str, ...] | None, reject: tuple[str, ...]
    ) -> bool:
        """No answer may be both accepted and rejected (compared ignoring case and spaces)."""
        accepted = {" ".join(a.casefold().split()) for a in exact or ()}
        for i, wrong in enumerate(reject):
            if " ".join(wrong.casefold().split()) in accepted:
                self.issue(
                    lineno,
                    f"expect.reject[{i}]",
                    f"{wrong!r} is also in expect.exact",
                    "an answer is either accepted or rejected; remove it from one list",
                )
                return False
        return True


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
    raw_lines: dict[str, str] = {}
    text_lines = p.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8").split("\n")
    for ex in examples:
        raw_lines[ex.id] = text_lines[ex.source.line - 1]
    return (
        GoldenFile(
            path=p,
            examples=tuple(examples),
            fingerprint=file_fingerprint(examples),
            raw_lines=raw_lines,
        ),
        [],
    )


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
