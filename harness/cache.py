"""A persistent completion cache, so re-running a suite does not re-generate.

Completions are stored in one SQLite database (WAL mode) keyed by a hash of
everything that determines the output: backend, model and adapter fingerprints,
prompt messages, sampling settings, JSON schema and the prompt-format version.
Several processes (pytest-xdist workers, a training run's checkpoint gate, a
second terminal) may read and write the same file at once.

:func:`generate_with_cache` is the entry point most code wants: it serves hits
from the cache, sends only the misses to the backend, and stores each batch as
soon as the backend finishes it, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from harness._types import Completion, GenerationRequest, Role, SamplingParams
from harness.backends._base import Backend, CompletingBackend, Finished
from harness.errors import HarnessError

__all__ = [
    "DEFAULT_CACHE_PATH",
    "PROMPT_FORMAT_VERSION",
    "CacheStats",
    "CompletionCache",
    "cache_key",
    "generate_with_cache",
]

PROMPT_FORMAT_VERSION: Final = 1
"""Version of the way chat messages are turned into model input.

Bump it whenever chat formatting changes (chat-template handling, how system
prompts or few-shot turns are inserted, special tokens): every cache key
changes with it, so no completion made under the old formatting is served.
"""

DEFAULT_CACHE_PATH: Final = Path(".harness-cache") / "completions.sqlite3"
"""Where the cache lives unless told otherwise, relative to the working directory."""

# Layout of the hashed payload in `cache_key`; bump when the payload itself changes
# shape, so old keys can never collide with new ones.
_KEY_FORMAT: Final = 1

# Stored in `PRAGMA user_version`; bump with a migration when the table changes.
_SCHEMA_VERSION: Final = 1

# SQLite builds before 3.32 allow at most 999 bound parameters per statement.
_MAX_PARAMS: Final = 500

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS completions (
    key               TEXT PRIMARY KEY,
    request_id        TEXT NOT NULL,
    text              TEXT NOT NULL,
    latency_s         REAL NOT NULL,
    ttft_s            REAL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    finish_reason     TEXT,
    inter_token_s     BLOB NOT NULL,
    created_at        REAL NOT NULL
) WITHOUT ROWID
"""

_COLUMNS: Final = (
    "request_id, text, latency_s, ttft_s, prompt_tokens, completion_tokens, "
    "finish_reason, inter_token_s"
)

# Connections a forked child inherited from its parent. SQLite forbids using them
# across fork, and closing them in the child could delete the parent's WAL files,
# so they are kept referenced here and never touched again.
_INHERITED: list[sqlite3.Connection] = []

_T = TypeVar("_T")


@dataclass(frozen=True)
class CacheStats:
    """How a batch was served by :func:`generate_with_cache`.

    ``hits`` are requests answered without a
    backend call of their own (found in the cache, or a duplicate of another
    request in the same batch), ``misses`` are requests the backend generated,
    and ``written`` counts completions stored. ``hits + misses`` is the batch size.
    """

    hits: int = 0
    misses: int = 0
    written: int = 0


def _canonical_sampling(sampling: SamplingParams) -> dict[str, Any]:
    """Every field of ``sampling``, with float fields coerced so ``0`` and ``0.0`` agree."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(sampling):
        value = getattr(sampling, f.name)
        # Annotations are strings here (postponed evaluation); a new field is
        # picked up automatically, so adding one can never alias two settings.
        if f.type in ("float", float) and isinstance(value, int | float):
            value = float(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def cache_key(
    backend_name: str,
    model_fingerprint: str,
    request: GenerationRequest,
    prompt_format_version: int,
    adapter_fingerprint: str | None = None,
) -> str:
    """The cache key of ``request``: a sha256 hex digest of its canonical JSON.

    The request id is deliberately left out, so two requests with the same
    content share one completion.
    """
    payload = {
        "key_format": _KEY_FORMAT,
        "backend": backend_name,
        "model": model_fingerprint,
        "adapter": adapter_fingerprint,
        "prompt_format": prompt_format_version,
        "messages": [[Role(m.role).value, m.content] for m in request.messages],
        "sampling": _canonical_sampling(request.sampling),
        "json_schema": request.json_schema,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _pack_floats(values: Sequence[float]) -> bytes:
    # Fixed little-endian doubles: exact round trip, portable between machines.
    return struct.pack(f"<{len(values)}d", *values)


def _unpack_floats(blob: bytes) -> tuple[float, ...]:
    return struct.unpack(f"<{len(blob) // 8}d", blob)


def _row_to_completion(row: Sequence[Any]) -> Completion:
    return Completion(
        request_id=row[0],
        text=row[1],
        latency_s=row[2],
        ttft_s=row[3],
        prompt_tokens=row[4],
        completion_tokens=row[5],
        finish_reason=row[6],
        inter_token_s=_unpack_floats(row[7]),
        cached=True,
    )


class CompletionCache:
    """Completions keyed by :func:`cache_key`, in a SQLite database shared across processes.

    The file and its directory are created on first use. Each thread of each
    process gets its own connection, opened on first use and kept until
    :meth:`close` (or the end of a ``with`` block); a forked child opens its
    own instead of reusing the parent's. ``timeout_s`` is how long a write
    waits for another process's write to finish before failing.
    """

    def __init__(
        self, path: str | os.PathLike[str] = DEFAULT_CACHE_PATH, *, timeout_s: float = 30.0
    ) -> None:
        self.path = Path(path)
        self._timeout_s = timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[tuple[int, sqlite3.Connection]] = []
        self._closed = False

    def __repr__(self) -> str:
        return f"CompletionCache({str(self.path)!r})"

    def __reduce__(self) -> tuple[Callable[[Path], CompletionCache], tuple[Path]]:
        # Connections cannot cross process boundaries; a copy reopens by path.
        return (functools.partial(type(self), timeout_s=self._timeout_s), (self.path,))

    # -- connections -------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise ValueError(f"{self!r} is closed")
        pid = os.getpid()
        held: tuple[int, sqlite3.Connection] | None = getattr(self._local, "conn", None)
        if held is not None:
            if held[0] == pid:
                return held[1]
            _INHERITED.append(held[1])
        conn = self._open()
        self._local.conn = (pid, conn)
        with self._lock:
            self._opened.append((pid, conn))
        return conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=self._timeout_s,  # the busy timeout: wait for other writers, don't fail
            # Autocommit; transactions are opened explicitly with BEGIN IMMEDIATE.
            isolation_level=None,
            # Each connection is used only by the thread that opened it, but
            # close() must be able to close every thread's connection.
            check_same_thread=False,
        )
        try:
            self._set_up(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _set_up(self, conn: sqlite3.Connection) -> None:
        # Switching a fresh file to WAL needs an exclusive lock, and SQLite reports
        # a clash there as "database is locked" without calling the busy handler;
        # so when several processes create the file at once, back off and retry.
        deadline = time.monotonic() + self._timeout_s
        delay = 0.005
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL survives a killed process; only a power cut can
                # lose the last commits, which for a cache means regenerating them.
                conn.execute("PRAGMA synchronous=NORMAL")
                # Only a new (or older) file needs the write lock for set-up.
                if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
                    with _transaction(conn):
                        self._create_schema(conn)
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(2 * delay, 0.1)

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        # Re-read inside the transaction: another process may have just done it.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > _SCHEMA_VERSION:
            raise HarnessError(
                f"{self.path}: completion cache schema {version} is newer than this "
                f"golden-harness supports ({_SCHEMA_VERSION}) "
                "(upgrade golden-harness, or delete the file to start afresh)"
            )
        conn.execute(_SCHEMA)
        conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    def close(self) -> None:
        """Close every connection this process opened; the cache is unusable afterwards."""
        pid = os.getpid()
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for owner, conn in opened:
            if owner == pid:
                conn.close()
            else:
                _INHERITED.append(conn)

    def __enter__(self) -> CompletionCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- reads and writes --------------------------------------------------

    def get(self, key: str) -> Completion | None:
        """The stored completion for ``key`` (with ``cached=True``), or ``None``."""
        return self.get_many([key]).get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, Completion]:
        """The stored completions for those of ``keys`` that are present (``cached=True``)."""
        unique = list(dict.fromkeys(keys))
        conn = self._conn()
        found: dict[str, Completion] = {}
        for batch in _batches(unique, _MAX_PARAMS):
            marks = ",".join("?" * len(batch))
            rows = conn.execute(
                f"SELECT key, {_COLUMNS} FROM completions WHERE key IN ({marks})", batch
            ).fetchall()
            for row in rows:
                found[row[0]] = _row_to_completion(row[1:])
        return found

    def put(self, key: str, completion: Completion) -> None:
        """Store ``completion`` under ``key``, replacing any earlier entry."""
        self.put_many([(key, completion)])

    def put_many(self, items: Iterable[tuple[str, Completion]]) -> None:
        """Store several completions in one short transaction (all or none)."""
        now = time.time()
        rows = [
            (
                key,
                c.request_id,
                c.text,
                c.latency_s,
                c.ttft_s,
                c.prompt_tokens,
                c.completion_tokens,
                c.finish_reason,
                _pack_floats(c.inter_token_s),
                now,
            )
            for key, c in items
        ]
        if not rows:
            return
        conn = self._conn()
        with _transaction(conn):
            conn.executemany(
                f"INSERT OR REPLACE INTO completions (key, {_COLUMNS}, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        row = self._conn().execute("SELECT 1 FROM completions WHERE key = ?", (key,)).fetchone()
        return row is not None

    def __len__(self) -> int:
        """Number of completions stored (by every process, not just this one)."""
        count: int = self._conn().execute("SELECT COUNT(*) FROM completions").fetchone()[0]
        return count


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    # Extended codes (SQLITE_BUSY_RECOVERY, …) keep the primary code in the low byte.
    return code is not None and (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception (Ctrl-C included).

    IMMEDIATE takes the write lock up front, so a busy database makes us wait
    in the busy handler; a deferred transaction that later upgrades to a write
    can fail with "database is locked" without waiting.
    """
    if conn.in_transaction:
        # Left open by a Ctrl-C that landed between BEGIN and the try below.
        conn.execute("ROLLBACK")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _batches(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextlib.contextmanager
def _closed_after(iterator: Iterator[_T]) -> Iterator[Iterator[_T]]:
    """The block's iterator, closed after it even when left early (a generator's work stops)."""
    try:
        yield iterator
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _finished(
    backend: Backend, requests: Sequence[GenerationRequest], chunk_size: int
) -> Iterator[Finished]:
    """``(position, completion)`` groups as the backend finishes them, checked for storing.

    A :class:`~harness.backends.CompletingBackend` gets every request in one
    call; any other backend gets ``chunk_size`` at a time.
    """
    if not requests:
        return
    if not isinstance(backend, CompletingBackend):
        for start in range(0, len(requests), chunk_size):
            chunk = requests[start : start + chunk_size]
            yield list(enumerate(_generate_checked(backend, chunk), start))
        return
    seen: set[int] = set()
    with _closed_after(backend.generate_as_completed(requests)) as groups:
        for group in groups:
            for position, completion in group:
                if not isinstance(position, int) or not 0 <= position < len(requests):
                    raise RuntimeError(
                        f"backend {backend.name!r} returned a completion for position "
                        f"{position!r} of {len(requests)} requests"
                    )
                if position in seen:
                    raise RuntimeError(
                        f"backend {backend.name!r} returned request {position} twice"
                    )
                # A misplaced answer would be stored under another prompt's key.
                if completion.request_id != requests[position].id:
                    raise RuntimeError(
                        f"backend {backend.name!r} returned completion "
                        f"{completion.request_id!r} where {requests[position].id!r} was expected"
                    )
                seen.add(position)
            yield group
    if len(seen) != len(requests):
        raise RuntimeError(
            f"backend {backend.name!r} returned {len(seen)} completions "
            f"for {len(requests)} requests"
        )


def _generate_checked(backend: Backend, requests: Sequence[GenerationRequest]) -> list[Completion]:
    """Call the backend and make sure its answer can safely be stored."""
    completions = backend.generate(requests)
    if len(completions) != len(requests):
        raise RuntimeError(
            f"backend {backend.name!r} returned {len(completions)} completions "
            f"for {len(requests)} requests"
        )
    for request, completion in zip(requests, completions, strict=True):
        # A reordered batch would store one prompt's answer under another's key.
        if completion.request_id != request.id:
            raise RuntimeError(
                f"backend {backend.name!r} returned completion {completion.request_id!r} "
                f"where {request.id!r} was expected (completions must keep request order)"
            )
    return completions


def generate_with_cache(
    backend: Backend,
    requests: Sequence[GenerationRequest],
    cache: CompletionCache | None,
    *,
    chunk_size: int = 8,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[Completion], CacheStats]:
    """Complete ``requests``, generating only what ``cache`` does not already hold.

    Misses go to ``backend`` in chunks of ``chunk_size``, or all in one call
    to a :class:`~harness.backends.CompletingBackend`, which hands back each
    batch as it finishes; either way each is stored as soon as it returns, so
    a crash or Ctrl-C loses only the work in flight and a re-run resumes from
    there. Identical requests in one call are generated once. Results come back
    in request order, each carrying its request's own ``request_id``.

    Completions served from the cache, or shared with an identical request in
    the same batch, have ``cached=True`` and keep the latency of the run that
    produced them: never compute latency statistics from them.

    ``cache=None`` bypasses caching: every request is generated, nothing is
    read or stored. ``on_progress`` receives the number of requests finished
    since its last call (suits ``rich.progress.Progress.advance``).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    report = on_progress if on_progress is not None else _ignore
    if cache is None:
        # Every request its own key: all are generated, none is shared or stored.
        keys = [str(i) for i in range(len(requests))]
        found: dict[str, Completion] = {}
    else:
        fingerprint = backend.fingerprint
        keys = [cache_key(backend.name, fingerprint, r, PROMPT_FORMAT_VERSION) for r in requests]
        found = cache.get_many(keys)

    results: list[Completion | None] = [None] * len(requests)
    # Positions waiting on each missing key, in first-seen order.
    pending: dict[str, list[int]] = {}
    for i, (request, key) in enumerate(zip(requests, keys, strict=True)):
        hit = found.get(key)
        if hit is not None:
            results[i] = dataclasses.replace(hit, request_id=request.id)
        else:
            pending.setdefault(key, []).append(i)
    served = len(requests) - sum(map(len, pending.values()))
    if served:
        report(served)

    todo = list(pending.items())
    with _closed_after(
        _finished(backend, [requests[positions[0]] for _, positions in todo], chunk_size)
    ) as groups:
        for group in groups:
            if cache is not None:
                # Stored before anything else happens, so this group survives a later crash.
                cache.put_many((todo[k][0], c) for k, c in group)
            for k, completion in group:
                positions = todo[k][1]
                results[positions[0]] = completion
                for j in positions[1:]:
                    results[j] = dataclasses.replace(
                        completion, request_id=requests[j].id, cached=True
                    )
            report(sum(len(todo[k][1]) for k, _ in group))

    final = [c for c in results if c is not None]
    assert len(final) == len(requests)  # every position is a hit or was generated
    misses = len(todo)
    written = misses if cache is not None else 0
    return final, CacheStats(hits=len(requests) - misses, misses=misses, written=written)


def _ignore(_: int) -> None:
    pass
