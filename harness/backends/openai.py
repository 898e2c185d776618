"""A backend for any OpenAI-compatible chat-completions server, over httpx.

Works with ``vllm serve``, Ollama, TGI and hosted APIs: anything that answers
``POST {base_url}/chat/completions`` in the OpenAI format.

Timing semantics (what lands in :class:`~harness._types.Completion`):

- ``latency_s`` is the wall time of the *successful* attempt only, from sending
  the request to having the whole answer (the full body, or ``[DONE]`` when
  streaming). Time spent queueing behind ``max_concurrency``, on failed
  attempts and in back-off sleeps is excluded, so latency statistics describe
  the server, not our retry policy.
- ``ttft_s`` (streaming only) is the time from sending the request to the
  first chunk with non-empty content; ``inter_token_s`` holds the gaps between
  consecutive content chunks. A server may pack several tokens into a chunk,
  so these are per-chunk times.
- Token counts come from the server's ``usage``. When a stream carries no
  usage, ``completion_tokens`` falls back to the number of content chunks (an
  approximation: most servers send one token per chunk) and ``prompt_tokens``
  stays ``None``.

The API key is read from the environment variable named by ``api_key_env`` and
sent only as ``Authorization: Bearer``; it never appears in ``repr``, the
fingerprint, log records or error messages.

Replicas: ``base_url`` may be a list of servers that all serve the same model
(several ``harness serve`` processes, or vLLM servers on several machines).
Each request goes to the live replica with the fewest requests outstanding,
and each replica gets at most ``max_concurrency`` at once. When a replica
fails a request for good (connection refused or reset, 5xx, timeouts, after
its retries), it is taken out for the rest of the ``generate`` call and that
request, like every later one and every one still waiting on it, goes to the
others: each request is answered once, by one replica. Only when every
replica is out does ``generate`` fail, naming each one and its last error.
The fingerprint does not name the replicas (``openai:<model>@replicas``), so
adding or removing one keeps the cache: the harness cannot check that the
servers serve the same weights, so that is the user's promise.
"""

from __future__ import annotations

import email.utils
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Self
from urllib.parse import urlsplit, urlunsplit

import httpx
from httpx_sse import EventSource, SSEError
from pydantic import BaseModel, BeforeValidator, Field, StrictStr, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_random_exponential

from harness._types import Completion, GenerationRequest
from harness.backends import BackendOptions, BuildContext, check_arguments, register_backend
from harness.backends._base import Finished, Name, NonNegativeInt, PositiveInt, PositiveNumber
from harness.errors import ConfigError, HarnessError

if TYPE_CHECKING:
    from harness.config import Variant

__all__ = [
    "OpenAIBackend",
    "OpenAIBackendError",
    "OpenAIReplicasDownError",
    "OpenAIResponseError",
    "OpenAIRetriesExhaustedError",
    "OpenAIStatusError",
    "endpoint_fingerprint",
    "public_url",
]

logger = logging.getLogger(__name__)

OnComplete = Callable[[int, Completion], None]
"""Called with ``(index in the batch, completion)`` as each request finishes."""

# 408 is not in the agreed list (429 and 5xx) but means "the server gave up
# waiting for us", the same transient condition as a client read timeout.
_RETRYABLE_STATUS = frozenset({408, 429})
_EXCERPT_CHARS = 200
# Transport failures worth another attempt. Deliberately not all of
# httpx.TransportError: UnsupportedProtocol or a proxy misconfiguration will
# fail the same way every time.
_RETRYABLE_TRANSPORT: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


class OpenAIBackendError(HarnessError):
    """A request to an OpenAI-compatible server failed."""


class OpenAIStatusError(OpenAIBackendError):
    """The server answered with an HTTP status that retrying cannot fix (a 4xx)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class OpenAIResponseError(OpenAIBackendError):
    """The server answered 2xx but the body is not a chat completion we can read."""


class OpenAIRetriesExhaustedError(OpenAIBackendError):
    """Every attempt failed with a retryable error; carries the count and last cause."""

    def __init__(self, message: str, attempts: int, last_cause: str) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_cause = last_cause


class OpenAIReplicasDownError(OpenAIBackendError):
    """Every replica in ``base_url`` failed for good; the message names each and its last error."""


class _RetryableFailure(Exception):
    """One attempt failed in a way another attempt may fix."""

    def __init__(self, cause: str, retry_after_s: float | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retry_after_s = retry_after_s


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    Returns ``None`` when the header is absent or unreadable, so the caller
    falls back to its own back-off.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def public_url(url: str) -> str:
    """``url`` without credentials, query or fragment: safe to show and to fingerprint."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def _base_urls(value: object) -> object:
    """``base_url`` checked: one http(s) URL, or a non-empty list (a tuple here) without repeats.

    URLs in errors are shown without credentials.
    """
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list | tuple) or not urls:
        raise ValueError(
            f"expected an http(s) URL or a non-empty list of them, got {value!r} "
            '(e.g. "http://127.0.0.1:8000/v1")'
        )
    seen: set[str] = set()
    for url in urls:
        if not isinstance(url, str):
            raise ValueError(f"expected URLs as strings, got {url!r}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"{public_url(url)!r} is not an http(s) URL (use e.g. http://127.0.0.1:8000/v1)"
            )
        if url.rstrip("/") in seen:
            raise ValueError(f"{public_url(url)!r} is listed twice (list each replica once)")
        seen.add(url.rstrip("/"))
    # A list is a set of replicas, kept as a tuple (of one, too) so the backend knows.
    return value if isinstance(value, str) else tuple(urls)


def endpoint_fingerprint(model: str, base_url: str | Sequence[str]) -> str:
    """The cache key of a model behind ``base_url``, without credentials.

    One server: ``openai:<model>@<url>``. A list of replicas:
    ``openai:<model>@replicas``, whatever the list holds, since replicas
    serve the same model (the user's promise) and answers stay valid when
    one is added or removed.
    """
    if isinstance(base_url, str):
        return f"openai:{model}@{public_url(base_url)}"
    return f"openai:{model}@replicas"


@dataclass
class _Replica:
    """One server behind the backend, and how it stands in the current ``generate`` call."""

    url: str  # .../chat/completions
    public: str  # the API root without credentials
    outstanding: int = 0
    sent: int = 0
    down: bool = False
    last_cause: str = ""


@dataclass
class _StreamState:
    """What one streamed answer has delivered so far."""

    start: float
    parts: list[str] = field(default_factory=list)
    content_times: list[float] = field(default_factory=list)
    finish_reason: str | None = None
    usage: _Usage = field(default_factory=lambda: _Usage())
    end: float | None = None  # when [DONE] came


def _or_none(kind: type) -> BeforeValidator:
    # A count of ``true`` or a numeric finish reason is a broken server, not data:
    # read it as absent rather than fail an answer whose text is fine.
    return BeforeValidator(lambda value: value if type(value) is kind else None)


class _Usage(BaseModel):
    prompt_tokens: Annotated[int | None, _or_none(int)] = None
    completion_tokens: Annotated[int | None, _or_none(int)] = None


class _Text(BaseModel):
    content: StrictStr | None = None


class _Choice(BaseModel):
    message: _Text | None = None  # a whole answer
    delta: _Text | None = None  # one stream event
    finish_reason: Annotated[str | None, _or_none(str)] = None


class _Chunk(BaseModel):
    """The parts of a chat completion (or of one stream event) the backend reads."""

    choices: list[_Choice] = []
    usage: _Usage | None = None
    error: object = None


class _Answer(_Chunk):
    choices: list[_Choice] = Field(min_length=1)


def _shape_problem(what: str, exc: ValidationError) -> str:
    """The first thing wrong with ``what`` (a body or a stream event), in words."""
    error = exc.errors(include_url=False)[0]
    if error["type"] == "json_invalid":
        return f"{what} is not JSON"
    where = ".".join(map(str, error["loc"]))
    return f"{what} field {where}: {error['msg']}" if where else f"{what} is not a JSON object"


class OpenAIBackend:
    """Generate with any OpenAI-compatible chat-completions server.

    ``generate`` sends up to ``max_concurrency`` requests at once from a
    thread pool sharing one ``httpx.Client``, retries transient failures
    (connection errors, timeouts, dropped streams, 408/429/5xx) with capped
    exponential back-off and full jitter, and returns completions in request
    order.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000/v1``, or a list of
            replicas serving the same model (see the module docstring).
        model: the model name the server knows.
        api_key_env: name of the environment variable holding the API key, or
            ``None`` for servers without authentication. Read once, here.
        client: an ``httpx.Client`` to send requests with (a transport seam
            for tests and for custom TLS or proxies); the caller then owns and
            closes it. When ``None`` the backend creates and owns one.
        max_concurrency: most requests in flight at once (per replica).
        timeout_s: httpx timeout for each network operation (connect, each
            read, write). While streaming this bounds the gap between chunks,
            not the whole answer.
        max_retries: further attempts after the first, per request.
        backoff_base_s: back-off ceiling for the first retry; doubles per retry.
        backoff_cap_s: longest single sleep, including one asked for by a
            ``Retry-After`` header.
        stream: request server-sent events, which yields ``ttft_s`` and
            ``inter_token_s``.
    """

    name: str = "openai"

    def __init__(
        self,
        base_url: str | Sequence[str],
        model: str,
        *,
        api_key_env: str | None = None,
        client: httpx.Client | None = None,
        max_concurrency: int = 8,
        timeout_s: float = 120.0,
        max_retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        stream: bool = False,
    ) -> None:
        check_arguments(self.name, locals())
        urls = (base_url,) if isinstance(base_url, str) else tuple(base_url)
        if not model:
            raise ConfigError("openai backend: model: must not be empty (the served model name)")
        if backoff_base_s < 0 or backoff_cap_s < 0:
            raise ConfigError("openai backend: backoff_base_s and backoff_cap_s must be >= 0")

        self._replicas = [
            _Replica(f"{url.rstrip('/')}/chat/completions", public_url(url)) for url in urls
        ]
        # A single URL keeps its own messages and fingerprint; a list is a replica set.
        self._one_server = isinstance(base_url, str)
        self._public_base_url = (
            self._replicas[0].public
            if self._one_server
            else "[" + ", ".join(r.public for r in self._replicas) + "]"
        )
        self._fingerprint = endpoint_fingerprint(model, base_url)
        self._replica_ready = threading.Condition()
        self._model = model
        self._max_concurrency = max_concurrency
        self._timeout = httpx.Timeout(timeout_s)
        self._max_retries = max_retries
        # "Full jitter": uniform in [0, min(cap, base * 2**retry)], so many clients that
        # failed together do not retry together.
        self._backoff = wait_random_exponential(multiplier=backoff_base_s, max=backoff_cap_s)
        self._backoff_cap_s = backoff_cap_s
        self._stream = stream

        self._api_key = None if api_key_env is None else os.environ.get(api_key_env)
        if api_key_env is not None and not self._api_key:
            raise ConfigError(
                f"openai backend: api_key_env: environment variable {api_key_env!r} "
                "is not set or empty (export it, or drop api_key_env for servers "
                "without authentication)"
            )
        self._headers = {"Accept": "application/json"}
        if self._api_key:
            self._headers["Authorization"] = f"Bearer {self._api_key}"

        self._owns_client = client is None
        connections = max_concurrency * len(urls)
        self._client = client or httpx.Client(
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    @property
    def fingerprint(self) -> str:
        """The cache key for this model, without credentials (see :func:`endpoint_fingerprint`)."""
        return self._fingerprint

    def __repr__(self) -> str:
        return (
            f"OpenAIBackend(base_url={self._public_base_url!r}, model={self._model!r}, "
            f"stream={self._stream}, max_concurrency={self._max_concurrency})"
        )

    def close(self) -> None:
        """Close the HTTP client if this backend created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def generate(
        self,
        requests: Sequence[GenerationRequest],
        *,
        on_complete: OnComplete | None = None,
    ) -> list[Completion]:
        """Return one completion per request, in request order.

        ``on_complete(index, completion)`` runs in the calling thread as each
        request finishes (in completion order), so a cache can persist work
        as it arrives. If a request fails for good, requests not yet started
        are cancelled, those in flight still finish and are passed to
        ``on_complete``, and then the first error is raised.
        """
        results: dict[int, Completion] = {}
        groups = self.generate_as_completed(requests)
        try:
            for finished in groups:
                for index, completion in finished:
                    results[index] = completion
                    if on_complete is not None:
                        on_complete(index, completion)
        finally:
            groups.close()  # a failing on_complete stops the rest at once
        return [results[i] for i in range(len(requests))]

    def generate_as_completed(
        self, requests: Sequence[GenerationRequest]
    ) -> Generator[Finished, None, None]:
        """Send every request (``max_concurrency`` per replica at once); yield each as it finishes.

        Yields ``[(index, completion)]`` in the calling thread. If a request
        fails for good, requests not yet started are cancelled, those in
        flight still finish and are yielded, and then the first error is
        raised. Closing the iterator early starts nothing new and stops
        retrying; attempts already on the wire are waited for.
        """
        batch = list(requests)
        if not batch:
            return
        error: BaseException | None = None
        with self._replica_ready:
            # A replica that went down in an earlier call gets another chance (it may be back).
            for replica in self._replicas:
                replica.down, replica.outstanding, replica.last_cause = False, 0, ""
        workers = min(self._max_concurrency * len(self._replicas), len(batch))
        abort = threading.Event()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harness-openai") as pool:
            futures: dict[Future[Completion], int] = {
                pool.submit(self._complete, request, abort): index
                for index, request in enumerate(batch)
            }
            try:
                for future in as_completed(futures):
                    if future.cancelled():
                        continue
                    failure = future.exception()
                    if failure is not None:
                        if error is None:
                            error = failure
                            for pending in futures:
                                pending.cancel()
                        continue
                    yield [(futures[future], future.result())]
            except BaseException:
                # A failing consumer, an early close or Ctrl-C: start nothing new and
                # stop retrying; the pool still waits for attempts already on the wire.
                abort.set()
                for pending in futures:
                    pending.cancel()
                raise
        if error is not None:
            raise error

    # -- one request -----------------------------------------------------------------

    def _body(self, request: GenerationRequest) -> dict[str, object]:
        sampling = request.sampling
        body: dict[str, object] = {
            "model": self._model,
            "messages": [message.to_dict() for message in request.messages],
            "max_tokens": sampling.max_new_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
        }
        # Omitted rather than sent empty/null: some servers reject "stop": [] or "seed": null.
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        if request.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": request.json_schema, "strict": True},
            }
        if self._stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def _complete(self, request: GenerationRequest, abort: threading.Event) -> Completion:
        """One request, on the least busy live replica; moved to another if that one goes down."""
        body = self._body(request)
        while True:
            replica = self._acquire(request)
            try:
                return self._complete_on(request, body, replica, abort)
            except OpenAIRetriesExhaustedError as exc:
                if self._one_server or abort.is_set():
                    raise
                self._take_down(replica, exc.last_cause)
            finally:
                self._release(replica)

    def _acquire(self, request: GenerationRequest) -> _Replica:
        """The live replica with the fewest requests outstanding, waiting for a free slot."""
        with self._replica_ready:
            while True:
                live = [r for r in self._replicas if not r.down]
                if not live:
                    causes = "; ".join(f"{r.public} ({r.last_cause})" for r in self._replicas)
                    raise OpenAIReplicasDownError(
                        f"openai backend: every replica in base_url is down, request "
                        f"{request.id!r} was not answered: {causes} (start the servers again, "
                        "or drop the dead ones from base_url)"
                    )
                free = [r for r in live if r.outstanding < self._max_concurrency]
                if free:
                    # Ties go to the replica that got fewest so far, so load spreads evenly.
                    chosen = min(free, key=lambda r: (r.outstanding, r.sent))
                    chosen.outstanding += 1
                    chosen.sent += 1
                    return chosen
                self._replica_ready.wait()

    def _release(self, replica: _Replica) -> None:
        with self._replica_ready:
            replica.outstanding -= 1
            self._replica_ready.notify_all()

    def _take_down(self, replica: _Replica, cause: str) -> None:
        with self._replica_ready:
            if not replica.down:
                replica.down, replica.last_cause = True, cause
                logger.warning(
                    "openai backend: replica %s is down (%s); its requests go to the others",
                    replica.public,
                    cause,
                )
            self._replica_ready.notify_all()

    def _complete_on(
        self,
        request: GenerationRequest,
        body: dict[str, object],
        replica: _Replica,
        abort: threading.Event,
    ) -> Completion:
        attempts = self._max_retries + 1

        def stop(state: RetryCallState) -> bool:
            # Another request found this replica down: don't wait out our own retries on it.
            return state.attempt_number >= attempts or replica.down

        def sleep(seconds: float) -> None:
            if abort.wait(seconds):  # the batch was abandoned: nobody reads this outcome
                raise OpenAIBackendError("openai backend: the batch was abandoned")

        def log(state: RetryCallState) -> None:
            assert state.outcome is not None
            logger.warning(
                "openai backend: request %r attempt %d/%d failed (%s); retrying in %.2fs",
                request.id,
                state.attempt_number,
                attempts,
                state.outcome.exception(),
                state.upcoming_sleep,
            )

        retrying = Retrying(
            retry=retry_if_exception_type(_RetryableFailure),
            stop=stop,
            wait=self._retry_delay,
            sleep=sleep,
            before_sleep=log,
            reraise=True,
        )
        try:
            return retrying(self._attempt, request, body, replica)
        except _RetryableFailure as last:
            made = retrying.statistics["attempt_number"]
            raise OpenAIRetriesExhaustedError(
                f"openai backend: request {request.id!r} to {replica.public} failed after "
                f"{made} attempt(s); last error: {last.cause}",
                attempts=made,
                last_cause=last.cause,
            ) from last.__cause__

    def _retry_delay(self, state: RetryCallState) -> float:
        """Wait what a ``Retry-After`` header asks (capped), else full-jitter back-off."""
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, _RetryableFailure) and failure.retry_after_s is not None:
            return min(failure.retry_after_s, self._backoff_cap_s)
        return self._backoff(state)

    def _attempt(
        self, request: GenerationRequest, body: dict[str, object], replica: _Replica
    ) -> Completion:
        try:
            if self._stream:
                return self._attempt_stream(request, body, replica)
            return self._attempt_plain(request, body, replica)
        except _RETRYABLE_TRANSPORT as exc:
            raise _RetryableFailure(f"{type(exc).__name__}: {exc}") from exc

    def _attempt_plain(
        self, request: GenerationRequest, body: dict[str, object], replica: _Replica
    ) -> Completion:
        start = time.perf_counter()
        response = self._client.post(
            replica.url, json=body, headers=self._headers, timeout=self._timeout
        )
        latency = time.perf_counter() - start
        self._check_status(request, response, replica)
        try:
            answer = _Answer.model_validate_json(response.content)
        except ValidationError as exc:
            raise self._response_error(request, _shape_problem("body", exc), response.text) from exc
        choice, usage = answer.choices[0], answer.usage or _Usage()
        return Completion(
            request_id=request.id,
            text=(choice.message.content if choice.message else None) or "",
            latency_s=latency,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            finish_reason=choice.finish_reason,
        )

    def _attempt_stream(
        self, request: GenerationRequest, body: dict[str, object], replica: _Replica
    ) -> Completion:
        state = _StreamState(start=time.perf_counter())
        with self._client.stream(
            "POST", replica.url, json=body, headers=self._headers, timeout=self._timeout
        ) as response:
            if not response.is_success:
                response.read()
                self._check_status(request, response, replica)
            try:
                for event in EventSource(response).iter_sse():
                    # After [DONE], read on to the end of the body so the connection
                    # can be reused, but nothing counts; an event without data is a ping.
                    if state.end is not None or not event.data:
                        continue
                    if event.data == "[DONE]":
                        state.end = time.perf_counter()
                    else:
                        self._feed(request, state, event.data, time.perf_counter())
            except SSEError as exc:  # a Content-Type other than text/event-stream
                problem = f"the answer is not a stream of server-sent events ({exc})"
                response.read()
                raise self._response_error(request, problem, response.text) from exc
            except _RETRYABLE_TRANSPORT:
                if state.end is None:
                    raise
                # The answer was complete at [DONE]; a broken tail costs nothing.
        # Without [DONE] or a finish_reason, a clean end-of-body means the
        # connection closed early (HTTP/1.0-style bodies end at close).
        if state.end is None and state.finish_reason is None:
            raise _RetryableFailure("stream ended before [DONE] (connection dropped mid-stream)")
        end = state.end if state.end is not None else time.perf_counter()
        times = state.content_times
        return Completion(
            request_id=request.id,
            text="".join(state.parts),
            latency_s=end - state.start,
            ttft_s=times[0] - state.start if times else None,
            prompt_tokens=state.usage.prompt_tokens,
            completion_tokens=(
                state.usage.completion_tokens
                if state.usage.completion_tokens is not None
                else len(times)
            ),
            finish_reason=state.finish_reason,
            inter_token_s=tuple(b - a for a, b in itertools.pairwise(times)),
        )

    def _feed(self, request: GenerationRequest, state: _StreamState, data: str, now: float) -> None:
        try:
            chunk = _Chunk.model_validate_json(data)
        except ValidationError as exc:
            raise self._response_error(request, _shape_problem("stream event", exc), data) from exc
        if "error" in chunk.model_fields_set:
            raise self._response_error(request, "server reported an error mid-stream", data)
        if chunk.choices:
            choice = chunk.choices[0]
            if choice.delta is not None and choice.delta.content:
                state.parts.append(choice.delta.content)
                state.content_times.append(now)
            if choice.finish_reason is not None:
                state.finish_reason = choice.finish_reason
        # Servers with continuous usage stats repeat usage on every chunk; keep the latest.
        if chunk.usage is not None:
            state.usage = state.usage.model_copy(update=chunk.usage.model_dump(exclude_none=True))

    # -- errors ------------------------------------------------------------------------

    def _excerpt(self, text: str) -> str:
        # Redact first: an echoing proxy could put our own header in its error body.
        if self._api_key:
            text = text.replace(self._api_key, "***")
        text = " ".join(text.split())
        if len(text) > _EXCERPT_CHARS:
            return text[:_EXCERPT_CHARS] + "..."
        return text

    def _check_status(
        self, request: GenerationRequest, response: httpx.Response, replica: _Replica
    ) -> None:
        status = response.status_code
        if response.is_success:
            return
        excerpt = self._excerpt(response.text)
        if status in _RETRYABLE_STATUS or status >= 500:
            raise _RetryableFailure(
                f"HTTP {status}: {excerpt}",
                retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise OpenAIStatusError(
            f"openai backend: request {request.id!r} to {replica.public} got HTTP "
            f"{status} (not retried): {excerpt}",
            status_code=status,
        )

    def _response_error(
        self, request: GenerationRequest, problem: str, body: str
    ) -> OpenAIResponseError:
        return OpenAIResponseError(
            f"openai backend: request {request.id!r} to {self._public_base_url}: {problem}: "
            f"{self._excerpt(body)}"
        )


class OpenAIOptions(BackendOptions):
    """The ``openai`` keys: see :class:`OpenAIBackend` (unset: its defaults)."""

    base_url: Annotated[str | tuple[str, ...], BeforeValidator(_base_urls)] = Field(
        description='the API root of an OpenAI-compatible server, e.g. "http://127.0.0.1:8000/v1"'
    )
    api_key_env: Name | None = None
    max_concurrency: PositiveInt | None = None
    timeout_s: PositiveNumber | None = None
    max_retries: NonNegativeInt | None = None
    stream: bool | None = None


@register_backend("openai", options=OpenAIOptions)
def build(variant: Variant, options: OpenAIOptions, context: BuildContext) -> OpenAIBackend:
    """A client of the variant's server (``model``: the name the server serves)."""
    return OpenAIBackend(model=variant.model, **options.model_dump(exclude_none=True))
