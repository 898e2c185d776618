"""The vllm backend's engine log, without an engine: a fake ``vllm`` module stands in for it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness._types import GenerationRequest, Message, Role, SamplingParams
from harness.backends import vllm as vllm_backend
from harness.backends.vllm import VLLMBackend, engine_output, log_tail
from harness.errors import HarnessError


@pytest.fixture(autouse=True)
def vllm_logger() -> Iterator[logging.Logger]:
    """The ``vllm`` logger, given back as it was (the backend points it at a file)."""
    logger = logging.getLogger("vllm")
    handlers, propagate = list(logger.handlers), logger.propagate
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        logger.addHandler(handler)
    logger.propagate = propagate


def test_engine_output_sends_this_process_and_its_children_to_the_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "logs" / "engine.log"
    with engine_output(log):
        os.write(1, b"engine stdout line\n")
        os.write(2, b"engine stderr line\n")
        # A process started here (vLLM's engine core) keeps writing to the log.
        subprocess.run([sys.executable, "-c", "print('child line')"], check=True)
    os.write(1, b"after the block\n")
    out, err = capfd.readouterr()
    assert out == "after the block\n" and err == ""
    assert log.read_text().splitlines() == [
        "engine stdout line",
        "engine stderr line",
        "child line",
    ]
    # The process's first engine truncates the file; later ones append.
    with engine_output(log):
        os.write(1, b"second engine\n")
    assert log.read_text().splitlines()[-1] == "second engine"
    assert log_tail(log, 2) == "child line\nsecond engine"
    assert log_tail(tmp_path / "missing.log") == ""


class _FakeVLLM:
    """Just enough of the vllm module: an engine that logs and then fails as told."""

    fail_on_start = True

    @staticmethod
    def SamplingParams(**options: Any) -> dict[str, Any]:
        return options

    class LLM:
        def __init__(self, model: str, **options: Any) -> None:
            self.options = options
            logging.getLogger("vllm").warning("fake engine: in-process warning")
            os.write(2, b"engine core: root cause of the failure\n")
            if _FakeVLLM.fail_on_start:
                raise RuntimeError("Engine core initialization failed")

        def chat(self, *args: Any, **kwargs: Any) -> list[Any]:
            logging.getLogger("vllm").error("fake engine: the step failed")
            raise RuntimeError("EngineDeadError")


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> type[_FakeVLLM]:
    """The backend imports the fake instead of vllm."""
    monkeypatch.setattr(vllm_backend, "import_vllm", lambda: _FakeVLLM)
    monkeypatch.setattr(_FakeVLLM, "fail_on_start", True)
    return _FakeVLLM


def test_an_engine_that_does_not_start_quotes_the_log(
    tmp_path: Path, fake_vllm: type[_FakeVLLM], capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "engine.log"
    backend = VLLMBackend(tmp_path / "model", fingerprint="f", log_path=log)
    with pytest.raises(HarnessError) as info:
        _ = backend.llm
    message = str(info.value)
    assert message.startswith(
        f"vllm engine for {tmp_path / 'model'} did not start "
        "(RuntimeError: Engine core initialization failed); "
        f"last lines of {log}:\n"
    )
    assert "engine core: root cause of the failure" in message
    assert "fake engine: in-process warning" in message
    out, err = capfd.readouterr()
    assert out == "" and err == "", "nothing of the engine reaches the terminal"


def test_a_failing_generate_quotes_the_log(
    tmp_path: Path, fake_vllm: type[_FakeVLLM], capfd: pytest.CaptureFixture[str]
) -> None:
    fake_vllm.fail_on_start = False
    log = tmp_path / "engine.log"
    backend = VLLMBackend(tmp_path / "model", fingerprint="f", log_path=log)
    assert backend.llm.options["enable_prefix_caching"] is True
    request = GenerationRequest("q", (Message(Role.USER, "hi"),), SamplingParams(max_new_tokens=2))
    with pytest.raises(
        HarnessError, match=r"vllm generate failed \(RuntimeError: EngineDeadError\)"
    ) as info:
        backend.generate([request])
    assert "fake engine: the step failed" in str(info.value)
    assert capfd.readouterr() == ("", "")


def test_default_log_is_in_the_user_cache(tmp_path: Path) -> None:
    backend = VLLMBackend(tmp_path, fingerprint="f")
    assert (
        backend.log_path == Path.home() / ".cache" / "golden-harness" / "logs" / "vllm-engine.log"
    )
