"""The managed vLLM server: start-up, readiness, LoRA hot-loading, and never a process left behind.

Unmarked tests run a stand-in server (``_fake_vllm_server.py``) through the real
process management; the ``vllm`` tests start one real server for the module
(the embedded model, LoRA on) and a second one to kill.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _deps import missing

from harness._types import Completion, GenerationRequest, Message, Role, SamplingParams
from harness.backends.openai import OpenAIBackend, OpenAIBackendError, OpenAIStatusError
from harness.backends.vllm import ENGINE_ENV_DEFAULTS
from harness.errors import ConfigError
from harness.serve import VLLMServer, VLLMServerError, _group_members

FAKE = Path(__file__).with_name("_fake_vllm_server.py")


def wait_gone(pgid: int, timeout_s: float = 10.0) -> list[int]:
    """Wait until process group ``pgid`` has no live member; return what is left."""
    deadline = time.monotonic() + timeout_s
    while (left := _group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """A directory that passes for a model (the stand-in never reads it)."""
    path = tmp_path / "model"
    path.mkdir()
    (path / "config.json").write_text("{}", encoding="utf-8")
    return path


@pytest.fixture
def adapter(tmp_path: Path) -> Path:
    """A directory that passes for a PEFT adapter."""
    path = tmp_path / "adapter"
    path.mkdir()
    (path / "adapter_config.json").write_text('{"r": 8}', encoding="utf-8")
    (path / "adapter_model.safetensors").write_bytes(b"")
    return path


def fake(model_dir: Path, mode: str = "ok", **kwargs: object) -> VLLMServer:
    """A VLLMServer that runs the stand-in in ``mode``."""
    options: dict[str, object] = {
        "startup_timeout_s": 20.0,
        "stop_timeout_s": 5.0,
        "log_path": model_dir.parent / f"server-{mode}.log",
    }
    options.update(kwargs)
    return VLLMServer(
        model_dir,
        served_model_name="tiny",
        launcher=(sys.executable, str(FAKE)),
        env={"FAKE_VLLM_MODE": mode},
        **options,  # type: ignore[arg-type]
    )


# -- without vLLM ------------------------------------------------------------------------------


def test_command_and_environment(model_dir: Path, adapter: Path) -> None:
    server = VLLMServer(
        model_dir,
        served_model_name="m",
        port=8123,
        enable_lora=True,
        lora_modules={"best": adapter},
        extra_args=("--max-model-len", "2048"),
    )
    server._port = 8123  # as start() would set it
    cmd = server.command()
    assert cmd[:3] == [sys.executable, "-m", "vllm.entrypoints.openai.api_server"]
    for flag in ("--enforce-eager", "--enable-lora", "--lora-modules", "--max-model-len"):
        assert flag in cmd
    assert cmd[cmd.index("--dtype") + 1] == "bfloat16"
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert f"best={adapter}" in cmd
    env = server.environment()
    assert env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    for key in ENGINE_ENV_DEFAULTS:
        assert key in env
    plain = VLLMServer(model_dir, served_model_name="m", env={"VLLM_CPU_KVCACHE_SPACE": "4"})
    assert "VLLM_ALLOW_RUNTIME_LORA_UPDATING" not in plain.environment()
    assert plain.environment()["VLLM_CPU_KVCACHE_SPACE"] == "4"


def test_bad_arguments_are_config_errors(model_dir: Path, adapter: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="served_model_name"):
        VLLMServer(model_dir, served_model_name="")
    with pytest.raises(ConfigError, match="enable_lora"):
        VLLMServer(model_dir, served_model_name="m", lora_modules={"a": adapter})
    with pytest.raises(ConfigError, match=r"no config\.json"):
        VLLMServer(tmp_path, served_model_name="m").start()
    with pytest.raises(ConfigError, match=r"adapter_config\.json"):
        VLLMServer(
            model_dir, served_model_name="m", enable_lora=True, lora_modules={"a": tmp_path}
        ).start()


def test_start_serve_stop_leaves_no_process(model_dir: Path) -> None:
    with fake(model_dir, log_path=None) as server:
        assert server.is_alive()
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert httpx.get(f"http://127.0.0.1:{server.port}/health").status_code == 200
        assert server.served_models() == ["tiny"]
        pgid = server.pid
        assert pgid is not None
        assert len(_group_members(pgid)) == 2, "the server and its engine share one group"
        log = server.log_path
        assert log is not None and log.is_file()
        assert server.startup_s is not None
    assert not server.is_alive()
    assert wait_gone(pgid, 0.0) == []
    assert not log.exists(), "a temporary log goes after a clean stop"
    server.stop()  # a second stop is harmless


def test_stop_escalates_to_sigkill(model_dir: Path) -> None:
    server = fake(model_dir, "stubborn", stop_timeout_s=0.5).start()
    pgid = server.pid
    assert pgid is not None
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 5
    assert wait_gone(pgid, 0.0) == []


def test_crash_during_start_up_quotes_the_log(model_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with pytest.raises(VLLMServerError) as info:
        fake(model_dir, "crash", log_path=log).start()
    message = str(info.value)
    assert "exited with code 3 during start-up" in message
    assert "RuntimeError: the fake engine failed to start" in message
    assert "loading line 39" in message and "loading line 5\n" not in message, "last 30 lines"
    assert str(log) in message and log.is_file()


def test_start_up_timeout_is_bounded_and_cleans_up(model_dir: Path) -> None:
    server = fake(model_dir, "silent", startup_timeout_s=1.5, log_path=None)
    start = time.monotonic()
    with pytest.raises(VLLMServerError, match=r"was not ready after 1.5 s") as info:
        server.start()
    assert time.monotonic() - start < 10
    assert "fake vLLM server: mode silent" in str(info.value)
    assert not server.is_alive()
    log = server.log_path
    assert log is not None and log.is_file(), "the log stays after a failure"
    log.unlink()


def test_port_in_use_is_a_clear_error(model_dir: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        server = fake(model_dir, port=port)
        with pytest.raises(VLLMServerError, match=rf"port {port} on 127.0.0.1 is already in use"):
            server.start()
        assert server.pid is None, "nothing was started"


def test_adapters_load_replace_unload(model_dir: Path, adapter: Path, tmp_path: Path) -> None:
    with fake(model_dir, enable_lora=True) as server:
        server.load_adapter("best", adapter)
        assert server.served_models() == ["tiny", "best"]
        server.load_adapter("best", adapter)  # a reload replaces (unload, then load)
        assert server.adapters == {"best": adapter.resolve()}
        server.unload_adapter("best")
        assert server.served_models() == ["tiny"]
        with pytest.raises(VLLMServerError, match="HTTP 404"):
            server.unload_adapter("best")
        with pytest.raises(ConfigError, match=r"adapter_config\.json"):
            server.load_adapter("other", tmp_path)
        with pytest.raises(ConfigError, match="base model's served name"):
            server.load_adapter("tiny", adapter)
    with fake(model_dir) as plain, pytest.raises(ConfigError, match="enable_lora=True"):
        plain.load_adapter("best", adapter)


def test_killed_server_is_a_clear_error(model_dir: Path, adapter: Path) -> None:
    server = fake(model_dir, enable_lora=True).start()
    pgid = server.pid
    assert pgid is not None
    os.killpg(pgid, signal.SIGKILL)
    assert wait_gone(pgid) == []
    assert not server.is_alive()
    with pytest.raises(VLLMServerError, match=r"has exited \(code -9\)"):
        server.check()
    with pytest.raises(VLLMServerError, match=r"has exited \(code -9\)"):
        server.load_adapter("best", adapter)
    server.stop()


PARENT = """
import sys, time
sys.path.insert(0, {tests!r})
from harness.serve import VLLMServer
server = VLLMServer({model!r}, served_model_name="tiny", launcher=(sys.executable, {fake!r}),
                    env={{"FAKE_VLLM_MODE": "ok"}}, startup_timeout_s=20, log_path={log!r})
server.start()
print(server.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_server_dies_with_its_parent(model_dir: Path, sig: signal.Signals) -> None:
    # SIGTERM: the handler turns it into SystemExit and atexit stops the server.
    # SIGKILL: nothing runs in the parent; the kernel's parent-death signal does it.
    code = textwrap.dedent(
        PARENT.format(
            tests=str(FAKE.parent),
            model=str(model_dir),
            fake=str(FAKE),
            log=str(model_dir.parent / "server.log"),
        )
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pgid = int(parent.stdout.readline())
        assert _group_members(pgid)
        parent.send_signal(sig)
        parent.wait(timeout=20)
        assert wait_gone(pgid) == []
    finally:
        parent.kill()
        parent.wait()


def test_server_does_not_inherit_an_ignored_sigint(model_dir: Path) -> None:
    # A parent in the background of a shell ignores SIGINT; vLLM's shutdown needs it.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server = fake(model_dir).start()
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        status = Path(f"/proc/{server.pid}/status").read_text()
        ignored = int(
            next(x for x in status.splitlines() if x.startswith("SigIgn:")).split()[1], 16
        )
        assert not ignored & (1 << (signal.SIGINT - 1))
    finally:
        server.stop()


# -- a real vLLM server ------------------------------------------------------------------------

needs_vllm = pytest.mark.skipif(missing("vllm"), reason="vllm is not installed")

PROMPTS = (
    "What is the capital of France?",
    "Name three colours.",
    "What is 2 + 2?",
    "Say hello in Spanish.",
)
MAX_TOKENS = 16


def chat(
    prompts: tuple[str, ...] = PROMPTS, max_tokens: int = MAX_TOKENS
) -> list[GenerationRequest]:
    """Greedy single-turn chat requests."""
    sampling = SamplingParams(max_new_tokens=max_tokens)
    return [
        GenerationRequest(f"q{i}", (Message(Role.USER, p),), sampling)
        for i, p in enumerate(prompts)
    ]


def ask(server: VLLMServer, model: str, *, stream: bool = False) -> list[Completion]:
    """All of :data:`PROMPTS` at once, naming ``model`` (one pass: one model per pass)."""
    with OpenAIBackend(
        server.base_url, model, stream=stream, max_concurrency=4, max_retries=0, timeout_s=60
    ) as backend:
        return backend.generate(chat())


@pytest.fixture(scope="module")
def server(
    embedded_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VLLMServer]:
    """The module's one real server: embedded model, LoRA on, runtime loading on."""
    log = tmp_path_factory.mktemp("vllm") / "server.log"
    # float32: in bfloat16 the 135M model's greedy path depends on the CPU's kernels
    # (AMX vs AVX-512) and on how requests share a batch, so checks of answer content
    # and of "the same text twice" need full precision to mean anything.
    with VLLMServer(
        embedded_model_dir,
        served_model_name="embedded",
        enable_lora=True,
        log_path=log,
        dtype="float32",
    ) as running:
        print(f"\nvLLM server ready in {running.startup_s:.1f} s")
        yield running


@pytest.fixture(scope="module")
def random_adapter(embedded_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rank-8 LoRA on q_proj/v_proj with random (non-zero) weights, saved by PEFT."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(embedded_model_dir), dtype=torch.float32)
    config = LoraConfig(
        r=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False, task_type="CAUSAL_LM"
    )
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = get_peft_model(base, config)
    out = tmp_path_factory.mktemp("adapter") / "random-lora"
    model.save_pretrained(str(out))
    return out


@pytest.mark.vllm
@pytest.mark.slow
@needs_vllm
def test_health_models_and_chat(server: VLLMServer) -> None:
    assert httpx.get(f"http://127.0.0.1:{server.port}/health").status_code == 200
    assert server.served_models() == ["embedded"]
    plain = ask(server, "embedded")
    streamed = ask(server, "embedded", stream=True)
    assert "Paris" in plain[0].text
    assert [c.text for c in streamed] == [c.text for c in plain], "greedy: same text either way"
    for c in streamed:
        assert c.completion_tokens and c.ttft_s is not None and 0 < c.ttft_s < c.latency_s


@pytest.mark.vllm
@pytest.mark.slow
@needs_vllm
def test_lora_hot_load_and_base_stays_correct(server: VLLMServer, random_adapter: Path) -> None:
    before = [c.text for c in ask(server, "embedded")]
    server.load_adapter("random", random_adapter)
    assert server.served_models() == ["embedded", "random"]
    with_lora = [c.text for c in ask(server, "random")]
    assert with_lora != before, "the random adapter changes greedy outputs"
    # The policy: base requests in their own pass after the LoRA pass, never mixed.
    after = [c.text for c in ask(server, "embedded")]
    assert after == before, "base outputs after LoRA requests must equal those before"
    # Loading the same name again replaces the adapter without a restart.
    server.load_adapter("random", random_adapter)
    assert [c.text for c in ask(server, "random")] == with_lora
    server.unload_adapter("random")
    assert server.served_models() == ["embedded"]
    with pytest.raises(OpenAIStatusError) as info:
        ask(server, "random")
    assert info.value.status_code == 404


@pytest.mark.vllm
@pytest.mark.slow
@needs_vllm
def test_stop_terminates_the_process_group(server: VLLMServer) -> None:
    # Runs after the other tests on the module's server (file order).
    pgid = server.pid
    assert pgid is not None and len(_group_members(pgid)) >= 2, "server plus engine core"
    start = time.monotonic()
    server.stop()
    took = time.monotonic() - start
    print(f"\nvLLM server stopped in {took:.1f} s")
    assert not server.is_alive()
    assert wait_gone(pgid, 0.0) == []
    assert took < server.stop_timeout_s, "SIGTERM alone was enough"


@pytest.mark.vllm
@pytest.mark.slow
@needs_vllm
def test_server_killed_mid_stream_fails_fast(embedded_model_dir: Path, tmp_path: Path) -> None:
    with VLLMServer(
        embedded_model_dir, served_model_name="embedded", log_path=tmp_path / "server.log"
    ) as server:
        pgid = server.pid
        assert pgid is not None
        request = chat(("Write a long story about a dragon who learns to bake bread.",), 400)
        errors: list[BaseException] = []

        def stream() -> None:
            with OpenAIBackend(
                server.base_url, "embedded", stream=True, max_retries=0, timeout_s=30
            ) as backend:
                try:
                    backend.generate(request)
                except BaseException as exc:
                    errors.append(exc)

        worker = threading.Thread(target=stream)
        worker.start()
        time.sleep(1.0)  # mid-answer: 400 tokens take about 10 s here
        os.kill(pgid, signal.SIGKILL)  # the API server dies; its engine core is orphaned
        start = time.monotonic()
        worker.join(timeout=30)
        assert not worker.is_alive(), "the client must not hang"
        print(f"\nclient failed {time.monotonic() - start:.2f} s after the kill")
        assert errors and isinstance(errors[0], OpenAIBackendError)
        # The client sees the socket close while the kernel is still tearing the process
        # down; it becomes reapable a moment later.
        deadline = time.monotonic() + 10
        while server.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(VLLMServerError, match=r"has exited \(code -9\)"):
            server.check()
    assert wait_gone(pgid) == [], "stop() also ends the orphaned engine core"


# -- harness serve ---------------------------------------------------------------------------


def test_cli_lora_specs(tmp_path: Path) -> None:
    from harness.cli._serve import parse_lora

    assert parse_lora([f"best={tmp_path}", "x = ./a"]) == {
        "best": tmp_path,
        "x": Path("a").resolve(),
    }
    with pytest.raises(ConfigError, match="expected NAME=PATH"):
        parse_lora(["best"])
    with pytest.raises(ConfigError, match="given twice"):
        parse_lora(["a=x", "a=y"])


def test_cli_serve_errors_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.cli import main

    assert main(["serve", "--lora", "nopath"]) == 2
    assert "expected NAME=PATH" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "vllm", None)  # find_spec then reports it missing
    assert main(["serve"]) == 2
    assert "golden-harness[vllm]" in capsys.readouterr().err


def test_missing_launcher_is_a_clear_error(model_dir: Path, tmp_path: Path) -> None:
    server = VLLMServer(model_dir, served_model_name="m", launcher=(str(tmp_path / "no-python"),))
    with pytest.raises(VLLMServerError, match="could not run"):
        server.start()
    assert not server.is_alive()
