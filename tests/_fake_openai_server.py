"""A scriptable OpenAI-compatible chat-completions server for tests.

A real HTTP/1.1 server (``ThreadingHTTPServer``) on 127.0.0.1, port chosen by
the OS, run in a daemon thread. By default it answers deterministically: the
reply is the last user message reversed, one character per "token". Tests
queue *actions* that replace the default for the next matching requests, to
inject failures (500s, 429 with ``Retry-After``, slow answers, dropped
connections, a 400) or to delay a reply. The server records every request
(body and headers), arrival times and the peak number of requests in flight.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """Answer normally, optionally with a fixed text and after a delay."""

    text: str | None = None
    delay_s: float = 0.0


@dataclass(frozen=True)
class Status:
    """Answer with this HTTP status and a JSON error body."""

    code: int
    message: str = "injected error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Slow:
    """Wait ``delay_s`` before answering (beyond the client's timeout)."""

    delay_s: float


@dataclass(frozen=True)
class Drop:
    """Close the socket mid-answer: after half the body, or after ``after_chunks`` SSE events.

    ``chunked=False`` (streaming only) sends no ``Transfer-Encoding: chunked``
    framing, so the close looks like a clean end of body to the client.
    """

    after_chunks: int = 2
    chunked: bool = True


Action = Reply | Status | Slow | Drop


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    body: dict[str, Any]
    headers: dict[str, str]
    arrived: float


class FakeOpenAIServer:
    """The server plus its script and its records; use as a context manager."""

    def __init__(
        self, *, chunk_delay_s: float = 0.005, send_usage: bool = True, send_done: bool = True
    ) -> None:
        self.chunk_delay_s = chunk_delay_s
        self.send_usage = send_usage
        self.send_done = send_done
        self.requests: list[Recorded] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._script: dict[str | None, deque[Action]] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The API root to give the backend."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def count(self) -> int:
        """How many chat-completion requests arrived."""
        with self._lock:
            return len(self.requests)

    def enqueue(self, *actions: Action, match: str | None = None) -> None:
        """Queue actions for the next requests whose last user message is ``match``.

        With ``match=None`` they apply to any request without a more specific
        queued action. Each request consumes one action; an empty queue means
        the default reply.
        """
        with self._lock:
            self._script.setdefault(match, deque()).extend(actions)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- called from handler threads ----------------------------------------------------

    def _admit(self, body: dict[str, Any], headers: dict[str, str]) -> Action:
        prompt = _last_user(body)
        with self._lock:
            self.requests.append(Recorded(body, headers, time.monotonic()))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            for key in (prompt, None):
                queue = self._script.get(key)
                if queue:
                    return queue.popleft()
        return Reply()

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _last_user(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            return str(message.get("content", ""))
    return ""


def _answer(body: dict[str, Any], text: str | None) -> tuple[list[str], str, int]:
    """Tokens (characters) of the reply after stop/max_tokens, finish reason, prompt tokens."""
    reply = text if text is not None else _last_user(body)[::-1]
    finish = "stop"
    for stop in body.get("stop", []):
        cut = reply.find(stop)
        if cut >= 0:
            reply = reply[:cut]
    tokens = list(reply)
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and len(tokens) > max_tokens:
        tokens, finish = tokens[:max_tokens], "length"
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    return tokens, finish, prompt_tokens


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        _released = False

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if self.path != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = json.loads(raw)
            action = server._admit(body, {k.lower(): v for k, v in self.headers.items()})
            self._released = False
            try:
                self._act(body, action)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (timeout) before we answered; nothing to do.
                self.close_connection = True
            finally:
                self._release()

        def _release(self) -> None:
            # Called just before the last byte goes out: once the client has the
            # whole answer it may send its next request, and that must not be
            # counted as overlapping with this one.
            if not self._released:
                self._released = True
                server._release()

        def _act(self, body: dict[str, Any], action: Action) -> None:
            if isinstance(action, Status):
                payload = {"error": {"message": action.message, "code": action.code}}
                self._json(action.code, payload, action.headers)
                return
            if isinstance(action, Slow):
                time.sleep(action.delay_s)
                action = Reply()
            if isinstance(action, Reply) and action.delay_s:
                time.sleep(action.delay_s)
            text = action.text if isinstance(action, Reply) else None
            if body.get("stream"):
                self._stream(body, text, action if isinstance(action, Drop) else None)
            else:
                self._plain(body, text, action if isinstance(action, Drop) else None)

        def _plain(self, body: dict[str, Any], text: str | None, drop: Drop | None) -> None:
            tokens, finish, prompt_tokens = _answer(body, text)
            payload = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(tokens)},
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(tokens),
                    "total_tokens": prompt_tokens + len(tokens),
                },
            }
            data = json.dumps(payload).encode()
            if drop is None:
                self._send(200, data)
                return
            # Promise the whole body, deliver half, hang up.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._hang_up()

        def _stream(self, body: dict[str, Any], text: str | None, drop: Drop | None) -> None:
            tokens, finish, prompt_tokens = _answer(body, text)
            chunked = drop is None or drop.chunked
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            for index, event in enumerate(self._events(body, tokens, finish, prompt_tokens)):
                if drop is not None and index == drop.after_chunks:
                    self._hang_up()
                    return
                frame = event.encode()
                if chunked:
                    frame = f"{len(frame):x}\r\n".encode() + frame + b"\r\n"
                if index > 0:
                    time.sleep(server.chunk_delay_s)
                self.wfile.write(frame)
                self.wfile.flush()
            self._release()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.close_connection = True

        def _events(
            self, body: dict[str, Any], tokens: list[str], finish: str, prompt_tokens: int
        ) -> Iterator[str]:
            def event(choices: list[dict[str, Any]], **extra: Any) -> str:
                chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk"}
                return f"data: {json.dumps({**chunk, 'choices': choices, **extra})}\n\n"

            # A role-only first chunk with empty content, as OpenAI and vLLM send.
            yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}}])
            for token in tokens:
                yield event([{"index": 0, "delta": {"content": token}, "finish_reason": None}])
            yield event([{"index": 0, "delta": {}, "finish_reason": finish}])
            include_usage = (body.get("stream_options") or {}).get("include_usage")
            if include_usage and server.send_usage:
                usage = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(tokens),
                    "total_tokens": prompt_tokens + len(tokens),
                }
                yield event([], usage=usage)
            if server.send_done:
                yield "data: [DONE]\n\n"

        def _hang_up(self) -> None:
            # shutdown(), not close(): close() leaves the socket open while the
            # handler's file objects still reference it.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _json(self, code: int, payload: object, headers: dict[str, str] | None = None) -> None:
            self._send(code, json.dumps(payload).encode(), headers)

        def _send(self, code: int, data: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self._release()
            self.wfile.write(data)

    return Handler


def main() -> None:
    """Run one server in this process (a replica a test can kill): print its URL, serve until killed.

    ``--delay S`` makes every answer wait S seconds, so requests are in flight when it dies.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    with FakeOpenAIServer() as server:
        if args.delay:
            server.enqueue(*[Reply(delay_s=args.delay)] * 100_000)
        print(server.base_url, flush=True)
        sys.stdin.read()  # until the test closes our stdin, or kills us


if __name__ == "__main__":
    main()
