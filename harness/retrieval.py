"""BM25 retrieval over a passage corpus, for variants with ``retrieval = {corpus, k}``.

A corpus is a directory of ``*.jsonl`` files (read in file-name order) or one
``.jsonl`` file; each line is one passage::

    {"id": "handbook-03", "title": "Staff handbook", "text": "One passage, 40-150 words."}

Ids are unique across the corpus. :func:`load_corpus` reports every bad line
at once, as ``file:line: field: what is wrong (how to fix)``.

The index is BM25 from the ``bm25s`` package over each passage's title and
text (lower-cased word tokens, English stop words removed, no stemming). It is
built once per corpus and settings and kept for the life of the process;
``bm25s`` (about a second to import) is loaded only when an index is first built.
:meth:`Retriever.retrieve` is deterministic: highest score first, ties in
corpus order, and a passage that shares no word with the query is never returned.

A variant inserts the passages it retrieved, with their ids, and the question
into the last user turn through a template holding ``{passages}`` and
``{question}`` (:func:`render_prompt`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._validation import json_kind
from harness.errors import ConfigError, DataError, DataIssue, HarnessError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DEFAULT_RAG_TEMPLATE",
    "DEFAULT_RETRIEVAL_K",
    "NO_PASSAGES",
    "RAG_PLACEHOLDERS",
    "Bm25Settings",
    "Passage",
    "RetrievalSettings",
    "Retriever",
    "corpus_digest",
    "fill_template",
    "get_retriever",
    "load_corpus",
    "read_template",
    "render_prompt",
]

#: The template a ``retrieval`` table uses when it names none.
DEFAULT_RAG_TEMPLATE = Path(__file__).parent / "resources" / "rag.txt"
#: Passages retrieved per question when a ``retrieval`` table gives no ``k``.
DEFAULT_RETRIEVAL_K = 4
#: Placeholders a retrieval template must contain.
RAG_PLACEHOLDERS = ("passages", "question")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_KEYS = ("id", "title", "text")
# Ids travel into prompts, results.json and HTML anchors: keep them to one plain token.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
#: What the template shows in place of passages when none matched the question.
NO_PASSAGES = "(no passage matched the question)"


@dataclass(frozen=True)
class Passage:
    """One corpus passage: a unique id, the title of its document, and its text."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Bm25Settings:
    """How the BM25 index scores: ``bm25s`` method and parameters, and the stop words."""

    method: str = "lucene"
    k1: float = 1.5
    b: float = 0.75
    stopwords: str = "en"

    def describe(self) -> str:
        """A one-line description for results.json, e.g. ``lucene k1=1.5 b=0.75 stopwords=en``."""
        return f"{self.method} k1={self.k1} b={self.b} stopwords={self.stopwords}"


def _corpus_files(path: Path) -> tuple[list[Path], list[DataIssue]]:
    """The JSONL files of a corpus path (sorted, so corpus order never depends on the disk)."""
    fix = "give a directory of .jsonl passage files or one .jsonl file"
    if not path.exists():
        return [], [DataIssue(str(path), None, "corpus", "does not exist", fix)]
    if path.is_dir():
        files = sorted(p for p in path.glob("*.jsonl") if p.is_file())
        if not files:
            return [], [DataIssue(str(path), None, "corpus", "holds no .jsonl files", fix)]
        return files, []
    if path.suffix != ".jsonl":
        return [], [DataIssue(str(path), None, "corpus", "is not a .jsonl file", fix)]
    return [path], []


def load_corpus(path: Path | str) -> tuple[Passage, ...]:
    """Read a corpus (a directory of ``*.jsonl`` files, or one file) into passages, in order.

    Raises :class:`~harness.errors.DataError` listing every problem as
    ``file:line: field: what is wrong (how to fix)``.
    """
    files, issues = _corpus_files(Path(path))
    passages: list[Passage] = []
    first_seen: dict[str, str] = {}
    for file in files:
        shown = str(file)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            issues.append(
                DataIssue(
                    shown, None, "file", f"is not UTF-8 text ({exc.reason})", "save it as UTF-8"
                )
            )
            continue
        except OSError as exc:
            issues.append(
                DataIssue(shown, None, "file", f"cannot be read: {exc.strerror}", "check it")
            )
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue  # blank lines (and the final newline) carry nothing
            passage = _parse_line(line, shown, number, issues)
            if passage is None:
                continue
            where = f"{shown}:{number}"
            if passage.id in first_seen:
                issues.append(
                    DataIssue(
                        shown,
                        number,
                        "id",
                        f"duplicate id {passage.id!r} (first at {first_seen[passage.id]})",
                        "give every passage an id unique across the corpus",
                    )
                )
                continue
            first_seen[passage.id] = where
            passages.append(passage)
    if not issues and not passages:
        issues.append(
            DataIssue(
                str(path), None, "corpus", "holds no passages", 'add lines {"id", "title", "text"}'
            )
        )
    if issues:
        raise DataError(issues)
    return tuple(passages)


def _parse_line(line: str, shown: str, number: int, issues: list[DataIssue]) -> Passage | None:
    """One passage from one JSONL line, or ``None`` with its problems added to ``issues``."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        issues.append(
            DataIssue(
                shown,
                number,
                "line",
                f"not valid JSON ({exc.msg})",
                "write one JSON object per line",
            )
        )
        return None
    if not isinstance(raw, dict):
        issues.append(
            DataIssue(
                shown,
                number,
                "line",
                f"expected a JSON object, got {json_kind(raw)}",
                'write {"id": ..., "title": ..., "text": ...}',
            )
        )
        return None
    before = len(issues)
    for key in sorted(set(raw) - set(_KEYS)):
        issues.append(
            DataIssue(shown, number, key, "unknown field", f"allowed: {', '.join(_KEYS)}")
        )
    values: dict[str, str] = {}
    for key in _KEYS:
        value = raw.get(key)
        if key not in raw:
            issues.append(DataIssue(shown, number, key, "missing", f"add a non-empty {key} string"))
        elif not isinstance(value, str) or not value.strip():
            got = "an empty string" if isinstance(value, str) else json_kind(value)
            issues.append(
                DataIssue(
                    shown, number, key, f"expected a non-empty string, got {got}", f"give the {key}"
                )
            )
        else:
            values[key] = value
    if "id" in values and not _ID.fullmatch(values["id"]):
        issues.append(
            DataIssue(
                shown,
                number,
                "id",
                f"{values['id']!r} is not a plain id",
                "use letters, digits, '.', '_', ':' or '-', e.g. handbook-03",
            )
        )
    if len(issues) > before:
        return None
    return Passage(id=values["id"], title=values["title"], text=values["text"])


def corpus_digest(passages: Sequence[Passage]) -> str:
    """sha256 of a corpus's passages in order, so results say exactly what was searched."""
    payload = json.dumps(
        [[p.id, p.title, p.text] for p in passages], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Retriever:
    """A BM25 index over passages; :meth:`retrieve` returns the top ``k`` for a query.

    Build one through :func:`get_retriever` to share the index within the process.
    """

    def __init__(self, passages: Sequence[Passage], settings: Bm25Settings | None = None) -> None:
        if not passages:
            raise HarnessError("retrieval: the corpus has no passages to index")
        # Imported here: bm25s pulls in scipy and numba, about a second of import time.
        import bm25s

        self.passages = tuple(passages)
        self.settings = settings or Bm25Settings()
        self._bm25s = bm25s
        tokens = bm25s.tokenize(
            [f"{p.title}\n{p.text}" for p in self.passages],
            stopwords=self.settings.stopwords,
            show_progress=False,
        )
        self._index = bm25s.BM25(
            k1=self.settings.k1, b=self.settings.b, method=self.settings.method
        )
        self._index.index(tokens, show_progress=False)
        self._memo: dict[tuple[str, int], tuple[Passage, ...]] = {}
        self._lock = threading.Lock()

    def scores(self, query: str) -> np.ndarray[Any, Any]:
        """The BM25 score of every passage for ``query``, in corpus order (0 where no word matches)."""
        import numpy as np

        words = self._bm25s.tokenize(
            [query], stopwords=self.settings.stopwords, return_ids=False, show_progress=False
        )[0]
        if not words:
            return np.zeros(len(self.passages), dtype=np.float32)
        scores: np.ndarray[Any, Any] = self._index.get_scores(list(words))
        return scores

    def retrieve(self, query: str, k: int) -> list[Passage]:
        """The ``k`` best passages for ``query``: highest score first, ties in corpus order.

        Passages sharing no word with the query (score 0) are left out, so fewer
        than ``k`` come back when few match.
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be an integer >= 1, got {k!r}")
        key = (query, k)
        with self._lock:
            found = self._memo.get(key)
        if found is None:
            import numpy as np

            scores = self.scores(query)
            # lexsort sorts by its last key first: score descending, then corpus position.
            order = np.lexsort((np.arange(len(scores)), -scores))[:k]
            found = tuple(self.passages[i] for i in order if scores[i] > 0)
            with self._lock:
                self._memo[key] = found
        return list(found)


_RETRIEVERS: dict[tuple[str, Bm25Settings], Retriever] = {}
_RETRIEVERS_LOCK = threading.Lock()


def get_retriever(
    passages: Sequence[Passage], settings: Bm25Settings | None = None, *, digest: str | None = None
) -> Retriever:
    """The process-wide retriever for a corpus and settings, built on first use.

    ``digest`` is :func:`corpus_digest` of ``passages`` when the caller has it already.
    """
    settings = settings or Bm25Settings()
    key = (digest or corpus_digest(passages), settings)
    with _RETRIEVERS_LOCK:
        retriever = _RETRIEVERS.get(key)
        if retriever is None:
            retriever = _RETRIEVERS[key] = Retriever(passages, settings)
    return retriever


def read_template(path: Path, where: str, needed: Sequence[str] = RAG_PLACEHOLDERS) -> str:
    """A prompt template's text; a :class:`ConfigError` naming ``where`` if unusable.

    Unusable: unreadable, or lacking one of the ``needed`` placeholders.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{where}: cannot read {path} ({exc.strerror or exc}; paths are relative to "
            "pyproject.toml)"
        ) from None
    missing = [p for p in needed if p not in _PLACEHOLDER.findall(text)]
    if missing:
        raise ConfigError(
            f"{where}: {path} lacks {', '.join('{' + m + '}' for m in missing)} "
            f"(the template needs {' and '.join('{' + m + '}' for m in needed)})"
        )
    return text


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{name}`` that ``values`` has filled in; other braces stay text.

    One pass, so a ``{answer}`` inside a question or passage is text, not a placeholder.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def render_prompt(template: str, question: str, passages: Sequence[Passage]) -> str:
    """The template with ``{passages}`` (each with its id and title) and ``{question}`` filled in."""
    blocks = "\n\n".join(f"[{p.id}] {p.title}\n{p.text}" for p in passages) or NO_PASSAGES
    return fill_template(template, {"passages": blocks, "question": question}).strip()


@dataclass(frozen=True)
class RetrievalSettings:
    """A variant's ``retrieval`` table, resolved: the corpus, ``k`` and the prompt template."""

    corpus_path: Path
    passages: tuple[Passage, ...] = field(repr=False)
    corpus_sha256: str
    template: str = field(repr=False)
    k: int = DEFAULT_RETRIEVAL_K
    template_path: Path = DEFAULT_RAG_TEMPLATE
    bm25: Bm25Settings = Bm25Settings()

    @classmethod
    def load(
        cls,
        corpus: Path,
        k: int = DEFAULT_RETRIEVAL_K,
        template_path: Path = DEFAULT_RAG_TEMPLATE,
        *,
        where: str = "retrieval",
    ) -> RetrievalSettings:
        """Read and check the corpus and the template (no index is built yet)."""
        passages = load_corpus(corpus)
        return cls(
            corpus_path=corpus.resolve(),
            passages=passages,
            corpus_sha256=corpus_digest(passages),
            k=k,
            template=read_template(template_path, f"{where}.template"),
            template_path=template_path.resolve(),
        )

    @property
    def template_sha256(self) -> str:
        """sha256 of the template text."""
        return hashlib.sha256(self.template.encode("utf-8")).hexdigest()

    def retrieve(self, question: str) -> tuple[Passage, ...]:
        """The top ``k`` passages for a question (the index is built on first use)."""
        retriever = get_retriever(self.passages, self.bm25, digest=self.corpus_sha256)
        return tuple(retriever.retrieve(question, self.k))

    def describe(self) -> Mapping[str, Any]:
        """What results.json records about the retrieval: paths, digests, k and the method."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            bm25s_version = version("bm25s")
        except PackageNotFoundError:
            bm25s_version = "unknown"
        return {
            "corpus": str(self.corpus_path),
            "corpus_sha256": self.corpus_sha256,
            "passages": len(self.passages),
            "k": self.k,
            "template": str(self.template_path),
            "template_sha256": self.template_sha256,
            "retriever": f"bm25s {bm25s_version} {self.bm25.describe()}",
        }
