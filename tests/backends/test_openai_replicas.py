"""``base_url`` as a list of replicas: validation, least-outstanding spread, failover, fingerprint."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _fake_openai_server import FakeOpenAIServer, Reply, Status

from harness._types import Completion, GenerationRequest, Message, Role, SamplingParams
from harness.backends.openai import (
    OpenAIBackend,
    OpenAIReplicasDownError,
    OpenAIRetriesExhaustedError,
    endpoint_fingerprint,
)
from harness.config import load_config
from harness.engine import build_backend
from harness.errors import ConfigError
from harness.latency import run_latency
from harness.serve import free_port

FAKE = Path(__file__).parent.parent / "_fake_openai_server.py"
QUICK: dict[str, Any] = {
    "timeout_s": 5.0,
    "max_retries": 2,
    "backoff_base_s": 0.01,
    "backoff_cap_s": 0.02,
}


def requests(n: int) -> list[GenerationRequest]:
    """``n`` one-turn requests ``q00``...; the fake server answers each prompt reversed."""
    sampling = SamplingParams(max_new_tokens=64)
    return [
        GenerationRequest(f"q{i:02d}", (Message(Role.USER, f"prompt {i:02d}"),), sampling)
        for i in range(n)
    ]


def assert_each_answered_once(
    batch: list[GenerationRequest], completions: list[Completion]
) -> None:
    assert [c.request_id for c in completions] == [r.id for r in batch]
    for r, c in zip(batch, completions, strict=True):
        assert c.text == r.messages[-1].content[::-1]


def dead_url() -> str:
    """A URL where nothing listens: connection refused."""
    return f"http://127.0.0.1:{free_port()}/v1"


# -- spreading and failing over (servers in this process) --------------------------------


def test_requests_spread_over_replicas_by_outstanding_requests() -> None:
    with FakeOpenAIServer() as a, FakeOpenAIServer() as b:
        for server in (a, b):
            server.enqueue(*[Reply(delay_s=0.05)] * 40)
        batch = requests(24)
        with OpenAIBackend([a.base_url, b.base_url], "m", max_concurrency=3, **QUICK) as backend:
            completions = backend.generate(batch)
        assert_each_answered_once(batch, completions)
        assert a.count + b.count == 24, "no request was sent twice"
        assert a.count >= 8 and b.count >= 8, (a.count, b.count)
        # max_concurrency holds per replica, and both were kept busy at once.
        assert a.max_in_flight == b.max_in_flight == 3


def test_a_replica_failing_with_5xx_hands_its_requests_to_the_other(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with FakeOpenAIServer() as good, FakeOpenAIServer() as bad:
        bad.enqueue(*[Status(503, "overloaded")] * 100)
        batch = requests(10)
        with OpenAIBackend(
            [bad.base_url, good.base_url], "m", max_concurrency=2, **QUICK
        ) as backend:
            with caplog.at_level(logging.WARNING):
                completions = backend.generate(batch)
            assert_each_answered_once(batch, completions)
            assert good.count == 10, "every answer came from the live replica"
            assert f"replica {bad.base_url} is down (HTTP 503" in caplog.text
            # The next call gives the replica another chance: it may have come back.
            sent_before = bad.count
            backend.generate(requests(2))
            assert bad.count > sent_before


def test_a_refused_replica_loses_nothing() -> None:
    with FakeOpenAIServer() as live:
        batch = requests(8)
        with OpenAIBackend([dead_url(), live.base_url], "m", **QUICK) as backend:
            assert_each_answered_once(batch, backend.generate(batch))
        assert live.count == 8


def test_every_replica_down_is_one_clear_error() -> None:
    urls = [dead_url(), dead_url()]
    with (
        OpenAIBackend(urls, "m", **QUICK) as backend,
        pytest.raises(OpenAIReplicasDownError) as info,
    ):
        backend.generate(requests(3))
    message = str(info.value)
    assert message.startswith("openai backend: every replica in base_url is down")
    for url in urls:
        assert f"{url} (ConnectError" in message
    assert "start the servers again, or drop the dead ones from base_url" in message


def test_one_url_keeps_its_own_error() -> None:
    with (
        OpenAIBackend(dead_url(), "m", **QUICK) as backend,
        pytest.raises(OpenAIRetriesExhaustedError),
    ):
        backend.generate(requests(1))


# -- a replica process killed mid-run ----------------------------------------------------


@pytest.fixture
def replica_processes() -> Iterator[list[tuple[subprocess.Popen[str], str]]]:
    """Two fake servers, each in its own process (killable), answering after 0.2 s."""
    procs: list[tuple[subprocess.Popen[str], str]] = []
    for _ in range(2):
        proc = subprocess.Popen(
            [sys.executable, str(FAKE), "--delay", "0.2"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(FAKE.parent)},
        )
        assert proc.stdout is not None
        procs.append((proc, proc.stdout.readline().strip()))
    yield procs
    for proc, _ in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("stream", [False, True])
def test_a_replica_killed_mid_run_loses_and_repeats_nothing(
    replica_processes: list[tuple[subprocess.Popen[str], str]],
    stream: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (_, url_a), (victim, url_b) = replica_processes
    batch = requests(24)
    done: list[str] = []
    killed = threading.Event()

    def on_complete(index: int, completion: Completion) -> None:
        done.append(completion.request_id)
        if len(done) == 4 and not killed.is_set():
            # Both replicas hold requests in flight now: the victim's die with it.
            os.kill(victim.pid, signal.SIGKILL)
            killed.set()

    backend = OpenAIBackend([url_a, url_b], "m", max_concurrency=3, stream=stream, **QUICK)
    with backend, caplog.at_level(logging.WARNING):
        completions = backend.generate(batch, on_complete=on_complete)
    assert killed.is_set()
    assert f"replica {url_b} is down" in caplog.text
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert_each_answered_once(batch, completions)
    assert sorted(done) == sorted(r.id for r in batch), "each answer was reported once"


# -- configuration and fingerprints ------------------------------------------------------


def variant_options(tmp_path: Path, base_url: str) -> dict[str, Any]:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        f'[tool.harness.models.served]\nbackend = "openai"\nmodel = "m"\nbase_url = {base_url}\n',
        encoding="utf-8",
    )
    return dict(load_config(path).variant("served").options)


def test_a_list_of_urls_is_read(tmp_path: Path) -> None:
    options = variant_options(tmp_path, '["http://a:8000/v1", "http://b:8000/v1"]')
    assert options["base_url"] == ("http://a:8000/v1", "http://b:8000/v1")
    built = build_backend(load_config(tmp_path / "pyproject.toml").variant("served"))
    assert isinstance(built, OpenAIBackend) and built.fingerprint == "openai:m@replicas"
    built.close()
    assert variant_options(tmp_path, '"http://a:8000/v1"')["base_url"] == "http://a:8000/v1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[]", r"expected an http\(s\) URL or a non-empty list of them, got \[\]"),
        ('["http://a/v1", "http://a/v1/"]', "'http://a/v1' is listed twice"),
        ('["http://a/v1", "b:8000"]', r"'b:8000' is not an http\(s\) URL"),
        ('["http://a/v1", 8000]', "expected URLs as strings, got 8000"),
        ("8000", r"expected an http\(s\) URL or a non-empty list of them, got 8000"),
        ('["http://user:secret@a/v1", "http://user:secret@a/v1"]', "'http://a/v1' is listed twice"),
    ],
)
def test_bad_base_urls_are_one_line_errors(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        variant_options(tmp_path, value)
    text = str(info.value)
    assert text.startswith(
        f"{tmp_path / 'pyproject.toml'}: [tool.harness.models.served] base_url: "
    )
    assert "\n" not in text and "secret" not in text


def test_the_fingerprint_does_not_depend_on_the_replicas() -> None:
    one = OpenAIBackend(["http://a:1/v1", "http://b:1/v1"], "m")
    other = OpenAIBackend(["http://user:pw@c:1/v1"], "m")
    assert one.fingerprint == other.fingerprint == "openai:m@replicas"
    assert OpenAIBackend(["http://a:1/v1"], "n").fingerprint != one.fingerprint
    assert "pw" not in repr(other)
    assert endpoint_fingerprint("m", "http://user:pw@a:1/v1?key=k") == "openai:m@http://a:1/v1"
    for backend in (one, other):
        backend.close()


def test_the_latency_report_names_replicas_without_credentials(
    fake_server: FakeOpenAIServer,
) -> None:
    secret_url = fake_server.base_url.replace("http://", "http://user:hunter2@")
    with FakeOpenAIServer() as other:
        report = run_latency(
            [secret_url, other.base_url],
            "m",
            ["hello there"],
            [2],
            max_tokens=4,
            warmup=0,
            requests=4,
        )
    assert "hunter2" not in report.base_url
    assert report.base_url == f"{fake_server.base_url}, {other.base_url}"
    assert fake_server.count + other.count == 4
