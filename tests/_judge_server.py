"""An OpenAI-compatible server process that plays the refusal judge in tests.

Run as ``python tests/_judge_server.py PORT_FILE``: it listens on a free port
of 127.0.0.1, writes the port to PORT_FILE, and answers chat completions
(non-streaming) the way a judge model would: it reads the RESPONSE section of
the judge prompt and replies with a sentence naming a class, decided by the
project's own offline classifier unless the response contains ``[judge:X]``,
which forces class X (so tests can make judge and detector disagree). Every
request is appended as one JSON line to PORT_FILE + ".log".
"""

from __future__ import annotations

import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harness import classify_refusal

_RESPONSE = re.compile(r"RESPONSE:\n(.*?)\n\nReply with one word", re.DOTALL)
_FORCED = re.compile(r"\[judge:(\w+)\]")


def _verdict(prompt: str) -> str:
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


def main() -> None:
    """Serve until killed."""
    port_file = Path(sys.argv[1])
    _Handler.log_path = Path(str(port_file) + ".log")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port_file.write_text(str(server.server_address[1]), encoding="utf-8")
    server.serve_forever()


if __name__ == "__main__":
    main()
