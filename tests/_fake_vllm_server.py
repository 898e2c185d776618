"""A stand-in for ``python -m vllm.entrypoints.openai.api_server`` in VLLMServer tests.

Run as ``python _fake_vllm_server.py -m vllm.entrypoints.openai.api_server --port N
--served-model-name NAME …``. Like vLLM it starts a second process (the "engine")
in its own process group and answers ``/health``, ``/v1/models`` and the LoRA
load/unload endpoints. ``FAKE_VLLM_MODE`` picks a behaviour:

- ``ok``: serve; on SIGTERM stop the engine and exit;
- ``stubborn``: serve, but the server and the engine ignore SIGTERM;
- ``crash``: log 40 lines and exit with code 3 before listening;
- ``silent``: never listen (a start-up that hangs).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODE = os.environ.get("FAKE_VLLM_MODE", "ok")


def _arg(name: str, default: str = "") -> str:
    argv = sys.argv
    return argv[argv.index(name) + 1] if name in argv else default


NAME = _arg("--served-model-name", "fake")
PORT = int(_arg("--port", "0"))
ADAPTERS: dict[str, str] = {}
if "--lora-modules" in sys.argv:
    for spec in sys.argv[sys.argv.index("--lora-modules") + 1 :]:
        if spec.startswith("--"):
            break
        name, _, path = spec.partition("=")
        ADAPTERS[name] = path


class Handler(BaseHTTPRequestHandler):
    """The endpoints VLLMServer uses."""

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, {})
        elif self.path == "/v1/models":
            self._send(200, {"data": [{"id": m} for m in [NAME, *ADAPTERS]]})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/v1/load_lora_adapter":
            if body["lora_name"] in ADAPTERS:
                self._send(400, {"error": "already loaded"})
                return
            ADAPTERS[body["lora_name"]] = body["lora_path"]
            self._send(200, "Success")
        elif self.path == "/v1/unload_lora_adapter":
            if ADAPTERS.pop(body["lora_name"], None) is None:
                self._send(
                    404, {"error": f"The lora adapter '{body['lora_name']}' cannot be found."}
                )
                return
            self._send(200, "Success")
        else:
            self._send(404, {"error": "not found"})

    def log_message(self, format: str, *args: Any) -> None:
        print(format % args, flush=True)


def main() -> None:
    """Behave as ``MODE`` says."""
    print(f"fake vLLM server: mode {MODE}, model {NAME}, port {PORT}", flush=True)
    if MODE == "crash":
        for i in range(40):
            print(f"loading line {i}", flush=True)
        print("RuntimeError: the fake engine failed to start", flush=True)
        sys.exit(3)
    ignore = "signal.signal(signal.SIGTERM, signal.SIG_IGN); " if MODE == "stubborn" else ""
    engine = subprocess.Popen(
        [sys.executable, "-c", f"import signal, time; {ignore}time.sleep(600)"]
    )
    if MODE == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:

        def stop(signum: int, frame: Any) -> None:
            engine.terminate()
            engine.wait()
            os._exit(0)

        signal.signal(signal.SIGTERM, stop)
    if MODE == "silent":
        time.sleep(600)
        return
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()


if __name__ == "__main__":
    main()
