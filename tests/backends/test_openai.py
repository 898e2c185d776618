"""Tests for the OpenAI-compatible backend, against a real local HTTP server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from _fake_openai_server import Drop, FakeOpenAIServer, Reply, Slow, Status

from harness._types import Completion, GenerationRequest, Message, Role, SamplingParams
from harness.backends._base import Backend, CompletingBackend
from harness.backends.openai import (
    OpenAIBackend,
    OpenAIResponseError,
    OpenAIRetriesExhaustedError,
    OpenAIStatusError,
    parse_retry_after,
)
from harness.cache import CompletionCache, generate_with_cache
from harness.errors import ConfigError, HarnessError

SECRET = "sk-test-0123456789abcdef-do-not-leak"

MakeBackend = Callable[..., OpenAIBackend]


@pytest.fixture
def make_backend(fake_server: FakeOpenAIServer) -> Iterator[MakeBackend]:
    """Build backends pointed at the fake server, with tiny back-off; close them after."""
    made: list[OpenAIBackend] = []

    def make(**overrides: Any) -> OpenAIBackend:
        options: dict[str, Any] = {
            "timeout_s": 2.0,
            "max_retries": 3,
            "backoff_base_s": 0.001,
            "backoff_cap_s": 0.01,
        }
        options.update(overrides)
        backend = OpenAIBackend(fake_server.base_url, "fake-model", **options)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


def request(key: str, sampling: SamplingParams | None = None, **kwargs: Any) -> GenerationRequest:
    """A one-turn request whose prompt is ``key`` (the fake server replies reversed)."""
    return GenerationRequest(
        id=key,
        messages=(Message(Role.SYSTEM, "be terse"), Message(Role.USER, key)),
        sampling=sampling or SamplingParams(),
        **kwargs,
    )


# -- basics ---------------------------------------------------------------------------


def test_satisfies_backend_protocol(make_backend: MakeBackend) -> None:
    backend = make_backend()
    assert isinstance(backend, Backend)
    assert backend.name == "openai"


def test_generate_returns_text_usage_and_latency(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    [completion] = make_backend().generate([request("hello world")])

    assert completion.request_id == "hello world"
    assert completion.text == "dlrow olleh"
    assert completion.finish_reason == "stop"
    assert completion.prompt_tokens == 4  # words in "be terse" + "hello world"
    assert completion.completion_tokens == 11
    assert completion.latency_s > 0
    assert completion.ttft_s is None
    assert completion.inter_token_s == ()
    assert not completion.cached
    assert fake_server.count == 1


def test_empty_batch_sends_nothing(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    assert make_backend().generate([]) == []
    assert fake_server.count == 0


def test_sampling_params_are_mapped_into_the_body(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    sampling = SamplingParams(
        max_new_tokens=5, temperature=0.7, top_p=0.9, stop=("X", "Y"), seed=1234
    )
    [completion] = make_backend().generate([request("abcdefgh", sampling)])

    body = fake_server.requests[0].body
    assert body["model"] == "fake-model"
    assert body["messages"] == [
        {"role": "system", "content": "be terse"},
        {"role": "user", "content": "abcdefgh"},
    ]
    assert body["max_tokens"] == 5
    assert body["temperature"] == 0.7
    assert body["top_p"] == 0.9
    assert body["stop"] == ["X", "Y"]
    assert body["seed"] == 1234
    assert "stream" not in body
    assert "response_format" not in body
    # The server honoured max_tokens, and the backend reports why it stopped.
    assert completion.text == "hgfed"
    assert completion.finish_reason == "length"


def test_defaults_omit_stop_and_seed(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    make_backend().generate([request("abc")])
    body = fake_server.requests[0].body
    assert "stop" not in body
    assert "seed" not in body
    assert body["temperature"] == 0.0


def test_json_schema_becomes_response_format(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    schema: dict[str, object] = {"type": "object", "properties": {"name": {"type": "string"}}}
    make_backend().generate([request("abc", json_schema=schema)])

    assert fake_server.requests[0].body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }


# -- concurrency, order, progress -----------------------------------------------------


def test_results_follow_request_order_and_concurrency_stays_bounded(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    keys = [f"q{i:02d}" for i in range(10)]
    # Later requests answer sooner, so completion order differs from request order.
    for i, key in enumerate(keys):
        fake_server.enqueue(Reply(delay_s=0.02 * (len(keys) - i)), match=key)
    finished: list[int] = []

    def on_complete(index: int, completion: Completion) -> None:
        assert completion.request_id == keys[index]
        finished.append(index)

    completions = make_backend(max_concurrency=3).generate(
        [request(k) for k in keys], on_complete=on_complete
    )

    assert [c.request_id for c in completions] == keys
    assert [c.text for c in completions] == [k[::-1] for k in keys]
    assert 2 <= fake_server.max_in_flight <= 3
    assert sorted(finished) == list(range(len(keys)))
    assert finished != list(range(len(keys)))  # reported as they finished, not in order


def test_max_concurrency_one_is_sequential(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(*[Reply(delay_s=0.01)] * 4)
    make_backend(max_concurrency=1).generate([request(f"k{i}") for i in range(4)])
    assert fake_server.max_in_flight == 1


def test_a_failed_request_raises_after_delivering_the_others(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Status(400, "bad prompt"), match="bad")
    delivered: list[str] = []
    backend = make_backend(max_concurrency=4)

    with pytest.raises(OpenAIStatusError):
        backend.generate(
            [request("a"), request("bad"), request("b")],
            on_complete=lambda _, c: delivered.append(c.request_id),
        )
    # Everything already on the wire when the failure came back was still handed over.
    assert sorted(delivered) == ["a", "b"]


def test_a_failing_callback_propagates(make_backend: MakeBackend) -> None:
    def explode(index: int, completion: Completion) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        make_backend().generate([request("a"), request("b")], on_complete=explode)


def test_a_failing_callback_stops_pending_retries(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(*[Status(503, headers={"Retry-After": "2"})] * 5, match="b")

    def explode(index: int, completion: Completion) -> None:
        raise RuntimeError("disk full")

    start = time.monotonic()
    with pytest.raises(RuntimeError, match="disk full"):
        make_backend(backoff_cap_s=2.0, max_retries=4).generate(
            [request("a"), request("b")], on_complete=explode
        )
    # "b" was asleep before its second attempt; the abort woke it instead of waiting 2 s x 4.
    assert time.monotonic() - start < 1.5
    assert fake_server.count <= 2  # "b" may not even have started; it never retried


def test_the_cache_sends_a_whole_pass_and_keeps_each_answer_as_it_arrives(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # No batches of eight with a wait for each batch's slowest: one call, answers stored
    # as they come, and a failure loses none of those that came.
    keys = [f"q{i:02d}" for i in range(12)]
    fake_server.enqueue(Status(400, "bad prompt"), match="q11")
    fake_server.enqueue(Reply(delay_s=0.3), match="q00")
    backend = make_backend(max_concurrency=4)
    assert isinstance(backend, CompletingBackend)
    calls: list[int] = []
    inner = backend.generate_as_completed

    def counted(requests: Any) -> Any:
        calls.append(len(requests))
        return inner(requests)

    backend.generate_as_completed = counted  # type: ignore[method-assign]
    with CompletionCache(tmp_path / "c.sqlite3") as cache:
        with pytest.raises(OpenAIStatusError):
            generate_with_cache(backend, [request(k) for k in keys], cache, chunk_size=2)
        assert calls == [12]
        assert len(cache) == 11  # every answer but the failed one
        done, stats = generate_with_cache(backend, [request(k) for k in keys[:11]], cache)
    assert stats.hits == 11 and [c.text for c in done] == [k[::-1] for k in keys[:11]]


# -- retries ---------------------------------------------------------------------------


def test_5xx_is_retried_until_success(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Status(500), Status(503))
    [completion] = make_backend(max_retries=3).generate([request("abc")])
    assert completion.text == "cba"
    assert fake_server.count == 3


def test_retries_exhausted_names_attempts_and_last_cause(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(*[Status(502, "upstream down")] * 5)
    with pytest.raises(OpenAIRetriesExhaustedError) as info:
        make_backend(max_retries=2).generate([request("abc")])

    assert fake_server.count == 3
    assert info.value.attempts == 3
    assert "3 attempt(s)" in str(info.value)
    assert "HTTP 502" in str(info.value)
    assert "upstream down" in str(info.value)
    assert isinstance(info.value, HarnessError)


def test_400_is_not_retried_and_names_status_and_body(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Status(400, "max_tokens is too large"))
    with pytest.raises(OpenAIStatusError) as info:
        make_backend(max_retries=3).generate([request("abc")])

    assert fake_server.count == 1
    assert info.value.status_code == 400
    assert "HTTP 400" in str(info.value)
    assert "max_tokens is too large" in str(info.value)
    assert "'abc'" in str(info.value)  # names the request


def test_long_error_bodies_are_cut_to_an_excerpt(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Status(422, "x" * 5000))
    with pytest.raises(OpenAIStatusError) as info:
        make_backend().generate([request("abc")])
    assert len(str(info.value)) < 400


def test_429_honours_retry_after(make_backend: MakeBackend, fake_server: FakeOpenAIServer) -> None:
    fake_server.enqueue(Status(429, "slow down", headers={"Retry-After": "0.3"}))
    make_backend(backoff_cap_s=1.0).generate([request("abc")])

    first, second = fake_server.requests
    assert fake_server.count == 2
    assert second.arrived - first.arrived >= 0.3


def test_retry_after_is_capped(make_backend: MakeBackend, fake_server: FakeOpenAIServer) -> None:
    fake_server.enqueue(Status(429, headers={"Retry-After": "120"}))
    start = time.monotonic()
    make_backend(backoff_cap_s=0.05).generate([request("abc")])
    assert time.monotonic() - start < 5
    assert fake_server.count == 2


def test_read_timeout_is_retried(make_backend: MakeBackend, fake_server: FakeOpenAIServer) -> None:
    fake_server.enqueue(Slow(0.6))
    [completion] = make_backend(timeout_s=0.2).generate([request("abc")])
    assert completion.text == "cba"
    assert fake_server.count == 2
    # Latency is the successful attempt only, not the timed-out one.
    assert completion.latency_s < 0.5


def test_persistent_timeout_reports_the_timeout(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Slow(0.5), Slow(0.5))
    with pytest.raises(OpenAIRetriesExhaustedError, match=r"2 attempt.*ReadTimeout"):
        make_backend(timeout_s=0.15, max_retries=1).generate([request("abc")])


def test_dropped_connection_is_retried(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Drop())
    [completion] = make_backend().generate([request("abc")])
    assert completion.text == "cba"
    assert fake_server.count == 2


def test_connection_refused_is_retried_then_reported() -> None:
    with FakeOpenAIServer() as server:
        url = server.base_url
    # The server is gone: nothing listens on that port any more.
    backend = OpenAIBackend(url, "m", max_retries=1, backoff_base_s=0.001, backoff_cap_s=0.001)
    with pytest.raises(OpenAIRetriesExhaustedError, match=r"2 attempt.*ConnectError"):
        backend.generate([request("abc")])
    backend.close()


def test_malformed_success_body_is_a_clear_error(fake_server: FakeOpenAIServer) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy login</html>")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        backend = OpenAIBackend(fake_server.base_url, "m", client=client)
        with pytest.raises(OpenAIResponseError, match=r"not JSON.*proxy login"):
            backend.generate([request("abc")])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([1, 2], "body is not a JSON object"),
        ({"choices": []}, r"body field choices: List should have at least 1 item"),
        (
            {"choices": [{"message": {"content": 7}}]},
            r"body field choices\.0\.message\.content: Input should be a valid string",
        ),
    ],
)
def test_a_body_of_the_wrong_shape_names_the_field(
    fake_server: FakeOpenAIServer, answer: object, message: str
) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        backend = OpenAIBackend(fake_server.base_url, "m", client=client)
        with pytest.raises(OpenAIResponseError, match=message):
            backend.generate([request("abc")])


def test_junk_usage_and_finish_reason_read_as_absent(fake_server: FakeOpenAIServer) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        choice = {"message": {"content": "hi"}, "finish_reason": 3}
        return httpx.Response(
            200,
            json={"choices": [choice], "usage": {"prompt_tokens": True, "completion_tokens": 2}},
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        [completion] = OpenAIBackend(fake_server.base_url, "m", client=client).generate(
            [request("abc")]
        )
    assert completion.text == "hi"
    assert (completion.prompt_tokens, completion.completion_tokens) == (None, 2)
    assert completion.finish_reason is None


def test_a_stream_answered_as_json_is_a_clear_error_not_retried(
    fake_server: FakeOpenAIServer,
) -> None:
    calls: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req)
        return httpx.Response(200, json={"choices": [{"message": {"content": "hi"}}]})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        backend = OpenAIBackend(fake_server.base_url, "m", client=client, stream=True)
        with pytest.raises(
            OpenAIResponseError, match=r"not a stream of server-sent events.*application/json"
        ):
            backend.generate([request("abc")])
    assert len(calls) == 1


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-1") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(30.0)


# -- streaming ---------------------------------------------------------------------------


def test_streaming_records_ttft_inter_token_times_and_usage(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    [completion] = make_backend(stream=True).generate([request("stream me")])

    body = fake_server.requests[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert completion.text == "em maerts"
    assert completion.finish_reason == "stop"
    assert completion.ttft_s is not None
    assert 0 < completion.ttft_s < completion.latency_s
    # One gap between each pair of the 9 content chunks; the server paces them.
    assert len(completion.inter_token_s) == 8
    assert all(gap > 0 for gap in completion.inter_token_s)
    assert completion.ttft_s + sum(completion.inter_token_s) <= completion.latency_s
    assert completion.prompt_tokens == 4
    assert completion.completion_tokens == 9


def test_streaming_without_usage_counts_content_chunks() -> None:
    with FakeOpenAIServer(send_usage=False) as server:
        backend = OpenAIBackend(server.base_url, "m", stream=True)
        [completion] = backend.generate([request("abcd")])
        backend.close()
    assert completion.text == "dcba"
    assert completion.completion_tokens == 4
    assert completion.prompt_tokens is None


def test_streaming_without_done_but_with_finish_reason_is_complete() -> None:
    with FakeOpenAIServer(send_done=False) as server:
        backend = OpenAIBackend(server.base_url, "m", stream=True, max_retries=0)
        [completion] = backend.generate([request("abcd")])
        backend.close()
    assert completion.text == "dcba"
    assert server.count == 1


def test_stream_dropped_mid_way_is_retried_whole(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Drop(after_chunks=3))
    [completion] = make_backend(stream=True).generate([request("abcdef")])
    assert completion.text == "fedcba"  # not the partial text twice
    assert fake_server.count == 2


def test_stream_closed_cleanly_before_done_is_retried(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    # No chunked framing: the close looks like a normal end of body to httpx.
    fake_server.enqueue(Drop(after_chunks=3, chunked=False), Drop(after_chunks=2, chunked=False))
    [completion] = make_backend(stream=True).generate([request("abcdef")])
    assert completion.text == "fedcba"
    assert fake_server.count == 3


def test_stream_that_always_drops_names_the_drop(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(*[Drop(after_chunks=2, chunked=False)] * 2)
    with pytest.raises(OpenAIRetriesExhaustedError, match=r"2 attempt.*dropped mid-stream"):
        make_backend(stream=True, max_retries=1).generate([request("abcdef")])


def test_streaming_errors_are_not_retried_for_4xx(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    fake_server.enqueue(Status(404, "model not found"))
    with pytest.raises(OpenAIStatusError, match=r"HTTP 404.*model not found"):
        make_backend(stream=True).generate([request("abc")])
    assert fake_server.count == 1


def test_streaming_under_concurrency_keeps_order(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    keys = ["a" * n for n in range(8, 0, -1)]  # short answers finish first
    completions = make_backend(stream=True, max_concurrency=4).generate([request(k) for k in keys])
    assert [c.text for c in completions] == keys
    assert fake_server.max_in_flight <= 4


# -- secrets -------------------------------------------------------------------------------


def test_api_key_is_sent_but_never_shown(
    make_backend: MakeBackend,
    fake_server: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("FAKE_OPENAI_KEY", SECRET)
    backend = make_backend(api_key_env="FAKE_OPENAI_KEY")
    # A retry (logged) and then an error whose body echoes the key back.
    fake_server.enqueue(Status(500, f"bad gateway for {SECRET}"), Status(401, f"bad key {SECRET}"))

    with caplog.at_level(logging.DEBUG), pytest.raises(OpenAIStatusError) as info:
        backend.generate([request("abc")])

    assert fake_server.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert fake_server.count == 2
    assert SECRET not in str(info.value)
    assert "bad key ***" in str(info.value)
    assert SECRET not in repr(backend)
    assert SECRET not in backend.fingerprint
    assert caplog.records, "the retry should have been logged"
    assert SECRET not in caplog.text


def test_missing_api_key_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKE_OPENAI_KEY", raising=False)
    with pytest.raises(ConfigError, match="FAKE_OPENAI_KEY"):
        OpenAIBackend("http://127.0.0.1:1/v1", "m", api_key_env="FAKE_OPENAI_KEY")


def test_no_authorization_header_without_a_key(
    make_backend: MakeBackend, fake_server: FakeOpenAIServer
) -> None:
    make_backend().generate([request("abc")])
    assert "authorization" not in fake_server.requests[0].headers


def test_fingerprint_depends_on_url_and_model_not_credentials() -> None:
    a = OpenAIBackend("http://user:pw@host:8000/v1/?token=t", "m")
    b = OpenAIBackend("http://host:8000/v1", "m")
    c = OpenAIBackend("http://host:8000/v1", "other")
    assert a.fingerprint == b.fingerprint == "openai:m@http://host:8000/v1"
    assert c.fingerprint != b.fingerprint
    assert "pw" not in repr(a)
    for backend in (a, b, c):
        backend.close()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base_url": "127.0.0.1:8000"}, "base_url"),
        ({"model": ""}, "model"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_retries": -1}, "max_retries"),
        ({"timeout_s": 0}, "timeout_s"),
    ],
)
def test_bad_settings_are_config_errors(kwargs: dict[str, Any], field: str) -> None:
    options: dict[str, Any] = {"base_url": "http://127.0.0.1:1/v1", "model": "m", **kwargs}
    with pytest.raises(ConfigError, match=field):
        OpenAIBackend(**options)
