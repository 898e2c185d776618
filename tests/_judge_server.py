"""An OpenAI-compatible server process that plays the refusal judge in tests.

Run as ``python tests/_judge_server.py PORT_FILE``: it listens on a free port
of 127.0.0.1, writes the port to PORT_FILE, and answers chat completions
(non-streaming) the way a judge model would: it reads the RESPONSE section of
the judge prompt and replies with a sentence naming a class, decided by the
project's own offline classifier unless the response contains ``[judge:X]``,
which forces class X (so tests can make judge and detector disagree). Every
request is appended as one JSON line to PORT_FILE + ".log".

It also plays a rubric judge (the prompts in harness/resources/judges/rubric_*.txt),
deterministically: an answer equal to the reference answer (case and spaces
aside) scores 5, any other 2, unless it contains ``[score:N]``; its reason
quotes the answer. Pairwise, the higher-scoring answer wins (equal: TIE),
except that a prompt containing ``[biased]`` always gets "Verdict: A" (a judge
that favours the first position). An answer containing ``[garbage]`` gets a
reply with no score or verdict in it.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harness import classify_refusal

_RESPONSE = re.compile(r"RESPONSE:\n(.*?)\n\nReply with one word", re.DOTALL)
_FORCED = re.compile(r"\[judge:(\w+)\]")


_POINTWISE = re.compile(
    r"REFERENCE ANSWER:\n(.*?)\n\nANSWER TO GRADE:\n(.*?)\n\nReply in exactly", re.DOTALL
)
_PAIRWISE = re.compile(
    r"REFERENCE ANSWER:\n(.*?)\n\nANSWER A:\n(.*?)\n\nANSWER B:\n(.*?)\n\nReply in exactly",
    re.DOTALL,
)
_SCORE_TAG = re.compile(r"\[score:([0-9]+)\]")


def _score(reference: str, answer: str) -> int:
    tag = _SCORE_TAG.search(answer)
    if tag:
        return int(tag.group(1))
    return 5 if " ".join(answer.lower().split()) == " ".join(reference.lower().split()) else 2


def _rubric(prompt: str) -> str | None:
    """A rubric judge's reply, or None when the prompt is not a rubric prompt."""
    pointwise = _POINTWISE.search(prompt)
    if pointwise:
        reference, answer = pointwise.groups()
        if "[garbage]" in answer:
            return "I would rather not put a number on this one."
        score = _score(reference, answer)
        said = "matches" if score == 5 else "differs from"
        return f"Reason: the answer {answer[:60]!r} {said} the reference.\nScore: {score}"
    pairwise = _PAIRWISE.search(prompt)
    if pairwise:
        reference, a, b = pairwise.groups()
        if "[garbage]" in a + b:
            return "Both have merits."
        if "[biased]" in prompt:
            return "Reason: the first answer reads better.\nVerdict: A"
        sa, sb = _score(reference, a), _score(reference, b)
        word = "A" if sa > sb else "B" if sb > sa else "TIE"
        return f"Reason: A scores {sa}, B scores {sb}.\nVerdict: {word}"
    return None


def _verdict(prompt: str) -> str:
    rubric = _rubric(prompt)
    if rubric is not None:
        return rubric
    match = _RESPONSE.search(prompt)
    answer = match.group(1) if match else ""
    forced = _FORCED.search(answer)
    word = forced.group(1) if forced else classify_refusal(answer).value
    # A chatty judge: the class word is not the first word of the reply.
    return f"Verdict: {word.upper()}."


class _Handler(BaseHTTPRequestHandler):
    log_path: Path

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._json(200, {"object": "list", "data": [{"id": "judge", "object": "model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(body) + "\n")
        prompt = body["messages"][-1]["content"]
        text = _verdict(prompt)
        self._json(
            200,
            {
                "id": "judge-1",
                "object": "chat.completion",
                "model": body.get("model", "judge"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": 3},
            },
        )

    def _json(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextlib.contextmanager
def running(folder: Path) -> Iterator[tuple[str, Path]]:
    """This server as its own process; yields its base URL and request log, then stops it."""
    port_file = folder / "judge.port"
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), str(port_file)])
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the judge server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}/v1", Path(f"{port_file}.log")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    """Serve until killed."""
    port_file = Path(sys.argv[1])
    _Handler.log_path = Path(str(port_file) + ".log")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port_file.write_text(str(server.server_address[1]), encoding="utf-8")
    server.serve_forever()


if __name__ == "__main__":
    main()
