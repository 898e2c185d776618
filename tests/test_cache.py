"""Tests for the completion cache: keys, storage, resume, and concurrent use."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness._types import Completion, GenerationRequest, Message, Role, SamplingParams
from harness.backends._base import Backend, CompletingBackend
from harness.cache import (
    DEFAULT_CACHE_PATH,
    PROMPT_FORMAT_VERSION,
    CacheStats,
    CompletionCache,
    cache_key,
    generate_with_cache,
)
from harness.errors import HarnessError

WORKER = Path(__file__).with_name("_cache_worker.py")


class FakeBackend:
    """A deterministic backend that records what it was asked to generate.

    The answer echoes the last message; the latency is a function of the
    request's position in the backend's lifetime, so a regenerated completion
    is distinguishable from a cached one. With ``interrupt_after_chunks=K`` the
    call after the K-th raises ``KeyboardInterrupt``, as Ctrl-C would.
    """

    def __init__(
        self,
        fingerprint: str = "model-a",
        *,
        name: str = "fake",
        sleep_s: float = 0.0,
        interrupt_after_chunks: int | None = None,
    ) -> None:
        self.name = name
        self._fingerprint = fingerprint
        self.sleep_s = sleep_s
        self.interrupt_after_chunks = interrupt_after_chunks
        self.calls = 0
        self.generated: list[str] = []

    @property
    def fingerprint(self) -> str:
        """The model identity this fake pretends to serve."""
        return self._fingerprint

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Echo each request's last message, in order."""
        if self.interrupt_after_chunks is not None and self.calls >= self.interrupt_after_chunks:
            raise KeyboardInterrupt
        self.calls += 1
        if self.sleep_s:
            time.sleep(self.sleep_s)
        out = []
        for request in requests:
            self.generated.append(request.id)
            out.append(
                Completion(
                    request_id=request.id,
                    text=f"echo: {request.messages[-1].content}",
                    latency_s=0.5 + 0.01 * len(self.generated),
                    ttft_s=0.125,
                    prompt_tokens=sum(len(m.content.split()) for m in request.messages),
                    completion_tokens=3,
                    finish_reason="stop",
                    inter_token_s=(0.1, 0.2, 1 / 3),
                )
            )
        return out


def make_requests(n: int, *, prefix: str = "r", start: int = 0) -> list[GenerationRequest]:
    """``n`` distinct requests with ids ``{prefix}{i}``."""
    return [
        GenerationRequest(
            id=f"{prefix}{i}",
            messages=(
                Message(Role.SYSTEM, "Answer briefly."),
                Message(Role.USER, f"question {i}"),
            ),
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[CompletionCache]:
    with CompletionCache(tmp_path / "cache" / "completions.sqlite3") as c:
        yield c


def test_fake_backend_satisfies_the_protocol() -> None:
    assert isinstance(FakeBackend(), Backend)


# -- keys ----------------------------------------------------------------------


def _key(request: GenerationRequest, **overrides: object) -> str:
    args: dict[str, object] = {
        "backend_name": "fake",
        "model_fingerprint": "model-a",
        "request": request,
        "prompt_format_version": PROMPT_FORMAT_VERSION,
        "adapter_fingerprint": None,
    }
    args.update(overrides)
    return cache_key(**args)  # type: ignore[arg-type]


def test_key_is_a_stable_sha256_hex_digest() -> None:
    request = make_requests(1)[0]
    key = _key(request)
    assert len(key) == 64 and int(key, 16) >= 0
    assert _key(request) == key


def test_key_ignores_the_request_id() -> None:
    request = make_requests(1)[0]
    assert _key(replace(request, id="other")) == _key(request)


@pytest.mark.parametrize(
    "overrides",
    [
        {"backend_name": "vllm"},
        {"model_fingerprint": "model-b"},
        {"adapter_fingerprint": "adapter-1"},
        {"adapter_fingerprint": ""},
        {"prompt_format_version": PROMPT_FORMAT_VERSION + 1},
    ],
)
def test_key_changes_with_model_identity_and_format(overrides: dict[str, object]) -> None:
    request = make_requests(1)[0]
    assert _key(request, **overrides) != _key(request)


@pytest.mark.parametrize(
    "change",
    [
        {"messages": (Message(Role.USER, "question 0"),)},
        {"messages": (Message(Role.SYSTEM, "Answer briefly."), Message(Role.USER, "question 1"))},
        {"messages": (Message(Role.USER, "Answer briefly."), Message(Role.USER, "question 0"))},
        {"sampling": SamplingParams(max_new_tokens=16)},
        {"sampling": SamplingParams(temperature=0.7)},
        {"sampling": SamplingParams(top_p=0.9)},
        {"sampling": SamplingParams(stop=("\n",))},
        {"sampling": SamplingParams(seed=0)},
        {"json_schema": {"type": "object"}},
    ],
)
def test_key_changes_with_request_content(change: dict[str, object]) -> None:
    request = make_requests(1)[0]
    assert _key(replace(request, **change)) != _key(request)  # type: ignore[arg-type]


def test_key_is_canonical() -> None:
    request = make_requests(1)[0]
    as_int = replace(request, sampling=SamplingParams(temperature=0, top_p=1))
    assert _key(as_int) == _key(request)
    one = replace(request, json_schema={"type": "object", "required": ["a"]})
    other = replace(request, json_schema={"required": ["a"], "type": "object"})
    assert _key(one) == _key(other)


# -- storage -------------------------------------------------------------------


def test_get_round_trips_every_field_and_marks_cached(cache: CompletionCache) -> None:
    original = FakeBackend().generate(make_requests(1))[0]
    assert cache.get("k") is None
    cache.put("k", original)
    got = cache.get("k")
    assert got == replace(original, cached=True)
    assert got is not None and got.inter_token_s == (0.1, 0.2, 1 / 3)


def test_put_replaces_and_get_many_returns_only_present(cache: CompletionCache) -> None:
    first, second = FakeBackend().generate(make_requests(2))
    cache.put("a", first)
    cache.put("a", second)
    cache.put("b", first)
    found = cache.get_many(["a", "b", "missing", "a"])
    assert set(found) == {"a", "b"}
    assert found["a"].text == second.text
    assert len(cache) == 2 and "a" in cache and "missing" not in cache


def test_get_many_handles_more_keys_than_sqlite_parameters(cache: CompletionCache) -> None:
    completion = FakeBackend().generate(make_requests(1))[0]
    cache.put_many((f"k{i}", completion) for i in range(1200))
    assert len(cache.get_many(f"k{i}" for i in range(1300))) == 1200


def test_len_counts_stored_completions(cache: CompletionCache) -> None:
    completion = FakeBackend().generate(make_requests(1))[0]
    cache.put_many([("a", completion), ("b", completion)])
    assert len(cache) == 2


def test_close_and_context_manager(tmp_path: Path) -> None:
    with CompletionCache(tmp_path / "c.sqlite3") as c:
        assert len(c) == 0
    with pytest.raises(ValueError, match="closed"):
        c.get("a")


def test_default_location_is_created_on_demand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with CompletionCache() as c:
        assert not DEFAULT_CACHE_PATH.parent.exists()
        assert len(c) == 0
    assert (tmp_path / ".harness-cache" / "completions.sqlite3").is_file()
    conn = sqlite3.connect(DEFAULT_CACHE_PATH)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with CompletionCache(path) as c, pytest.raises(HarnessError, match="newer"):
        len(c)


class _BusyOnceConnection(sqlite3.Connection):
    """Fails the first WAL switch the way a concurrent creator makes it fail."""

    failures = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "PRAGMA journal_mode=WAL" and _BusyOnceConnection.failures < 2:
            _BusyOnceConnection.failures += 1
            exc = sqlite3.OperationalError("database is locked")
            exc.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise exc
        return super().execute(sql, *args)


def test_creation_race_is_retried_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_BusyOnceConnection, "failures", 0)
    connect = sqlite3.connect

    def flaky_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, **kwargs, factory=_BusyOnceConnection)

    monkeypatch.setattr("harness.cache.sqlite3.connect", flaky_connect)
    with CompletionCache(tmp_path / "c.sqlite3") as c:
        assert len(c) == 0
    assert _BusyOnceConnection.failures == 2


def test_pickled_cache_reopens_by_path(cache: CompletionCache) -> None:
    completion = FakeBackend().generate(make_requests(1))[0]
    cache.put("a", completion)
    with pickle.loads(pickle.dumps(cache)) as copy:
        assert copy.path == cache.path and copy.get("a") is not None


def test_threads_sharing_one_cache(cache: CompletionCache) -> None:
    completion = FakeBackend().generate(make_requests(1))[0]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(25):
                cache.put(f"k{(n * 10 + i) % 60}", completion)
                cache.get_many([f"k{i}", f"k{i + 1}"])
        except BaseException as exc:  # surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) == 55


def _put_in_child(cache: CompletionCache) -> None:
    cache.put("child", Completion(request_id="c", text="from the child", latency_s=0.1))
    cache.close()


def test_forked_child_opens_its_own_connection(cache: CompletionCache) -> None:
    cache.put("parent", Completion(request_id="p", text="from the parent", latency_s=0.1))
    child = multiprocessing.get_context("fork").Process(target=_put_in_child, args=(cache,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    # The parent's connection survived the child's close and sees its write.
    found = cache.get_many(["parent", "child"])
    assert found["child"].text == "from the child"
    assert found["parent"].text == "from the parent"


# -- generate_with_cache --------------------------------------------------------


def test_first_run_misses_second_run_hits(cache: CompletionCache) -> None:
    requests = make_requests(10)
    backend = FakeBackend()
    first, stats = generate_with_cache(backend, requests, cache, chunk_size=4)
    assert stats == CacheStats(hits=0, misses=10, written=10)
    assert backend.calls == 3 and backend.generated == [r.id for r in requests]
    assert [c.request_id for c in first] == [r.id for r in requests]
    assert not any(c.cached for c in first)

    again = FakeBackend()
    second, stats = generate_with_cache(again, requests, cache, chunk_size=4)
    assert stats == CacheStats(hits=10, misses=0, written=0)
    assert again.calls == 0
    assert all(c.cached for c in second)
    # The original latency is kept, not the (different) one a regeneration would give.
    assert [c.latency_s for c in second] == [c.latency_s for c in first]
    assert second == [replace(c, cached=True) for c in first]


def test_only_new_requests_are_generated(cache: CompletionCache) -> None:
    generate_with_cache(FakeBackend(), make_requests(10), cache)
    backend = FakeBackend()
    requests = make_requests(15)
    results, stats = generate_with_cache(backend, requests, cache)
    assert backend.generated == [f"r{i}" for i in range(10, 15)]
    assert stats == CacheStats(hits=10, misses=5, written=5)
    assert [c.request_id for c in results] == [r.id for r in requests]
    assert [c.cached for c in results] == [True] * 10 + [False] * 5


@pytest.mark.parametrize(
    "backend",
    [FakeBackend("model-b"), FakeBackend(name="other-backend")],
    ids=["fingerprint", "backend-name"],
)
def test_other_model_misses(cache: CompletionCache, backend: FakeBackend) -> None:
    generate_with_cache(FakeBackend(), make_requests(3), cache)
    _, stats = generate_with_cache(backend, make_requests(3), cache)
    assert stats.misses == 3 and backend.generated == ["r0", "r1", "r2"]


@pytest.mark.parametrize(
    "change",
    [
        {"sampling": SamplingParams(temperature=0.7, seed=1)},
        {"messages": (Message(Role.USER, "question 0"),)},
        {"json_schema": {"type": "string"}},
    ],
)
def test_other_request_content_misses(cache: CompletionCache, change: dict[str, object]) -> None:
    generate_with_cache(FakeBackend(), make_requests(3), cache)
    changed = [replace(r, **change) for r in make_requests(3)]  # type: ignore[arg-type]
    backend = FakeBackend()
    _, stats = generate_with_cache(backend, changed, cache)
    assert stats.misses == len(set(backend.generated)) == len({r.messages for r in changed})


def test_prompt_format_version_bump_misses(
    cache: CompletionCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_with_cache(FakeBackend(), make_requests(3), cache)
    monkeypatch.setattr("harness.cache.PROMPT_FORMAT_VERSION", PROMPT_FORMAT_VERSION + 1)
    _, stats = generate_with_cache(FakeBackend(), make_requests(3), cache)
    assert stats.misses == 3


def test_same_content_other_ids_hit(cache: CompletionCache) -> None:
    first, _ = generate_with_cache(FakeBackend(), make_requests(4), cache)
    backend = FakeBackend()
    renamed = make_requests(4, prefix="again-")
    results, stats = generate_with_cache(backend, renamed, cache)
    assert stats.hits == 4 and backend.calls == 0
    assert [c.request_id for c in results] == [r.id for r in renamed]
    assert [c.text for c in results] == [c.text for c in first]


def test_duplicates_in_one_call_are_generated_once(cache: CompletionCache) -> None:
    base = make_requests(2)
    requests = [base[0], base[1], replace(base[0], id="dup")]
    backend = FakeBackend()
    results, stats = generate_with_cache(backend, requests, cache)
    assert backend.generated == ["r0", "r1"]
    assert stats == CacheStats(hits=1, misses=2, written=2)
    assert [c.request_id for c in results] == ["r0", "r1", "dup"]
    assert results[2].text == results[0].text
    # The copy did not get a measurement of its own, so it must not count for latency.
    assert [c.cached for c in results] == [False, False, True]


def test_bypass_generates_everything_and_stores_nothing(cache: CompletionCache) -> None:
    requests = [*make_requests(3), replace(make_requests(1)[0], id="dup")]
    for _ in range(2):
        backend = FakeBackend()
        results, stats = generate_with_cache(backend, requests, None, chunk_size=2)
        assert backend.generated == [r.id for r in requests]
        assert stats == CacheStats(hits=0, misses=4, written=0)
        assert [c.request_id for c in results] == [r.id for r in requests]
        assert not any(c.cached for c in results)
    assert len(cache) == 0


def test_progress_reports_increments_summing_to_the_batch(cache: CompletionCache) -> None:
    generate_with_cache(FakeBackend(), make_requests(5), cache)
    steps: list[int] = []
    generate_with_cache(
        FakeBackend(), make_requests(12), cache, chunk_size=3, on_progress=steps.append
    )
    assert steps == [5, 3, 3, 1]


def test_chunk_size_must_be_positive(cache: CompletionCache) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        generate_with_cache(FakeBackend(), make_requests(1), cache, chunk_size=0)


class _ShortBackend(FakeBackend):
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        return super().generate(requests)[:-1]


class _ReversingBackend(FakeBackend):
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        return super().generate(requests)[::-1]


@pytest.mark.parametrize("backend", [_ShortBackend(), _ReversingBackend()])
def test_a_misbehaving_backend_poisons_nothing(
    cache: CompletionCache, backend: FakeBackend
) -> None:
    with pytest.raises(RuntimeError, match="backend 'fake' returned"):
        generate_with_cache(backend, make_requests(3), cache)
    assert len(cache) == 0


def test_keyboard_interrupt_keeps_finished_chunks(cache: CompletionCache) -> None:
    requests = make_requests(20)
    with pytest.raises(KeyboardInterrupt):
        generate_with_cache(FakeBackend(interrupt_after_chunks=2), requests, cache, chunk_size=4)
    assert len(cache) == 8
    backend = FakeBackend()
    _, stats = generate_with_cache(backend, requests, cache, chunk_size=4)
    assert backend.generated == [r.id for r in requests[8:]]
    assert stats == CacheStats(hits=8, misses=12, written=12)


# -- backends that hand back answers as they finish ---------------------------------


class _CompletingBackend(FakeBackend):
    """Finishes requests in groups of ``group`` (last request first within the call).

    Records how many completions the cache held whenever it was asked for the
    next group, and whether its work was stopped (closed) before the end.
    """

    def __init__(self, cache: CompletionCache | None = None, group: int = 3, **kw: Any) -> None:
        super().__init__(**kw)
        self.cache = cache
        self.group = group
        self.calls_with: list[int] = []
        self.stored_when_asked: list[int] = []
        self.closed_early = False

    def generate_as_completed(
        self, requests: Sequence[GenerationRequest]
    ) -> Iterator[list[tuple[int, Completion]]]:
        self.calls_with.append(len(requests))
        order = list(range(len(requests)))[::-1]
        finished = False
        try:
            for start in range(0, len(order), self.group):
                if self.cache is not None:
                    self.stored_when_asked.append(len(self.cache))
                positions = order[start : start + self.group]
                done = super().generate([requests[i] for i in positions])
                yield list(zip(positions, done, strict=True))
            finished = True
        finally:
            self.closed_early = not finished


def test_a_completing_backend_gets_one_call_and_each_group_is_stored_at_once(
    cache: CompletionCache,
) -> None:
    requests = make_requests(8)
    backend = _CompletingBackend(cache, group=3)
    assert isinstance(backend, CompletingBackend)
    results, stats = generate_with_cache(backend, requests, cache, chunk_size=2)
    assert backend.calls_with == [8]  # chunk_size is for backends that return whole lists
    assert backend.stored_when_asked == [0, 3, 6]
    assert [c.request_id for c in results] == [r.id for r in requests]
    assert [c.text for c in results] == [f"echo: question {i}" for i in range(8)]
    assert stats == CacheStats(hits=0, misses=8, written=8)
    progress: list[int] = []
    again = _CompletingBackend(cache)
    served, stats = generate_with_cache(again, requests, cache, on_progress=progress.append)
    assert again.calls_with == [] and stats.hits == 8 and progress == [8]
    assert served == [replace(c, cached=True) for c in results]


def test_a_completing_backend_is_asked_only_for_misses_and_duplicates_once(
    cache: CompletionCache,
) -> None:
    requests = make_requests(4)
    generate_with_cache(FakeBackend(), requests[:2], cache)
    backend = _CompletingBackend(cache, group=1)
    twice = [*requests, replace(requests[3], id="again")]
    progress: list[int] = []
    results, stats = generate_with_cache(backend, twice, cache, on_progress=progress.append)
    assert backend.calls_with == [2]
    assert backend.generated == ["r3", "r2"]
    assert results[4].request_id == "again" and results[4].cached
    assert results[4].text == results[3].text
    assert progress == [2, 2, 1]  # the hits, then r3 with its duplicate, then r2
    assert stats == CacheStats(hits=3, misses=2, written=2)


def test_an_interrupted_completing_backend_keeps_every_finished_group(
    cache: CompletionCache,
) -> None:
    requests = make_requests(10)
    with pytest.raises(KeyboardInterrupt):
        generate_with_cache(
            _CompletingBackend(group=4, interrupt_after_chunks=2), requests, cache, chunk_size=2
        )
    assert len(cache) == 8
    backend = _CompletingBackend(group=4)
    _, stats = generate_with_cache(backend, requests, cache)
    assert backend.generated == ["r1", "r0"]
    assert stats == CacheStats(hits=8, misses=2, written=2)


def test_a_failure_while_storing_stops_the_backends_work(
    cache: CompletionCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = _CompletingBackend(group=2)

    def full_disk(*_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(cache, "put_many", full_disk)
    with pytest.raises(sqlite3.OperationalError):
        generate_with_cache(backend, make_requests(6), cache)
    assert backend.closed_early
    assert backend.generated == ["r5", "r4"]  # nothing generated after the failure


class _MisplacingBackend(_CompletingBackend):
    def __init__(self, fault: str) -> None:
        super().__init__()
        self.fault = fault

    def generate_as_completed(
        self, requests: Sequence[GenerationRequest]
    ) -> Iterator[list[tuple[int, Completion]]]:
        done = list(enumerate(FakeBackend().generate(requests)))
        if self.fault == "swapped":
            (i, a), (j, b) = done[0], done[1]
            done[0], done[1] = (i, b), (j, a)
        elif self.fault == "twice":
            done[1] = (0, done[0][1])
        elif self.fault == "outside":
            done[1] = (len(requests), done[1][1])
        elif self.fault == "missing":
            done.pop()
        yield done[:1]
        yield done[1:]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("swapped", "returned completion 'r1' where 'r0' was expected"),
        ("twice", "returned request 0 twice"),
        ("outside", "for position 3 of 3 requests"),
        ("missing", "returned 2 completions for 3 requests"),
    ],
)
def test_a_completing_backend_that_misplaces_answers_gets_none_of_them_stored(
    cache: CompletionCache, fault: str, message: str
) -> None:
    with pytest.raises(RuntimeError, match=message):
        generate_with_cache(_MisplacingBackend(fault), make_requests(3), cache)
    # Only groups checked whole are stored: a first good group may be, a bad one never.
    stored = {
        c.request_id: c.text
        for c in cache.get_many(
            [cache_key("fake", "model-a", r, PROMPT_FORMAT_VERSION) for r in make_requests(3)]
        ).values()
    }
    assert all(text == f"echo: question {rid[1:]}" for rid, text in stored.items())


# -- several processes ------------------------------------------------------------


def _worker(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writer_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    go = tmp_path / "go"
    workers = [_worker("write", path, n, go) for n in range(4)]
    try:
        # Every worker is up before any writes, so the writes (and the creation
        # of the database itself) really overlap.
        for proc in workers:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        go.touch()
        outcomes = [proc.communicate(timeout=60) for proc in workers]
    finally:
        for proc in workers:
            proc.kill()
    for proc, (out, err) in zip(workers, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert out == "done\n"
    with CompletionCache(path) as c:
        # Worker n writes keys 25n .. 25n+49: overlapping neighbours, 125 keys in all.
        assert len(c) == 125
        found = c.get_many(f"key-{i}" for i in range(125))
        assert all(found[f"key-{i}"].text == f"text-{i}" for i in range(125))


def test_resume_after_a_killed_run(tmp_path: Path) -> None:
    path = tmp_path / "resume.sqlite3"
    n, chunk = 40, 4
    proc = _worker("resume", path, n, chunk, 0.2)
    try:
        assert proc.stdout is not None
        done = 0
        while done < 2 * chunk:
            line = proc.stdout.readline()
            assert line.startswith("progress "), proc.communicate()[1]
            done += int(line.split()[1])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    with CompletionCache(path) as c:
        stored = len(c)
        assert 2 * chunk <= stored < n
        backend = FakeBackend()
        requests = make_requests(n)
        results, stats = generate_with_cache(backend, requests, c, chunk_size=chunk)
    assert len(backend.generated) == n - stored
    assert backend.generated == [r.id for r in requests[stored:]]
    assert stats == CacheStats(hits=stored, misses=n - stored, written=n - stored)
    assert [c.request_id for c in results] == [r.id for r in requests]
