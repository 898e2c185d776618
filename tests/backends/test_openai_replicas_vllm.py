"""Two real ``harness serve`` vLLM servers as replicas of one variant; one is killed mid-run."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from _deps import missing

from harness._types import Completion, GenerationRequest, Message, Role, SamplingParams
from harness.backends.openai import OpenAIBackend

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

if missing("vllm"):
    pytest.skip("vllm is not installed", allow_module_level=True)

QUESTIONS = (
    "What is the capital of France?",
    "Name a primary colour.",
    "What is 2 + 2?",
    "Say hello in Spanish.",
    "Name a planet.",
    "What colour is the sky?",
    "Name a fruit.",
    "What is the opposite of hot?",
    "Name an ocean.",
    "How many legs does a cat have?",
)


@pytest.fixture
def two_servers(
    embedded_model_dir: Path, tmp_path: Path
) -> Iterator[list[tuple[subprocess.Popen[str], str]]]:
    """Two ``harness serve`` processes for the embedded model, each printing its base URL when ready."""
    servers: list[tuple[subprocess.Popen[str], str]] = []
    try:
        for k in range(2):
            proc = subprocess.Popen(
                [sys.executable, "-m", "harness", "serve", "--max-num-seqs", "4"],
                stdout=subprocess.PIPE,
                stderr=(tmp_path / f"serve-{k}.err").open("w"),
                text=True,
                env={**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": "1"},
            )
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), (tmp_path / f"serve-{k}.err").read_text()
            servers.append((proc, url))
        yield servers
    finally:
        for proc, _ in servers:
            if proc.poll() is None:
                proc.terminate()  # harness serve stops its server and engine on SIGTERM
        for proc, _ in servers:
            proc.wait(timeout=60)
            if proc.stdout is not None:
                proc.stdout.close()


def test_a_killed_vllm_replica_loses_no_example(
    two_servers: list[tuple[subprocess.Popen[str], str]], caplog: pytest.LogCaptureFixture
) -> None:
    (_, url_a), (victim, url_b) = two_servers
    sampling = SamplingParams(max_new_tokens=16)
    batch = [
        GenerationRequest(f"q{i}", (Message(Role.USER, q),), sampling)
        for i, q in enumerate(QUESTIONS)
    ]
    done: list[str] = []
    killed = threading.Event()

    def on_complete(index: int, completion: Completion) -> None:
        done.append(completion.request_id)
        if len(done) == 2 and not killed.is_set():
            # harness serve dies outright; the kernel then stops its server (and engine).
            os.kill(victim.pid, signal.SIGKILL)
            killed.set()

    backend = OpenAIBackend(
        [url_a, url_b],
        "embedded",
        max_concurrency=2,
        max_retries=2,
        backoff_base_s=0.2,
        timeout_s=60,
    )
    with backend, caplog.at_level(logging.WARNING):
        completions = backend.generate(batch, on_complete=on_complete)
    assert killed.is_set()
    assert [c.request_id for c in completions] == [r.id for r in batch]
    assert sorted(done) == sorted(r.id for r in batch), "each answer was reported once"
    assert all(c.text.strip() and c.finish_reason in ("stop", "length") for c in completions)
    assert f"replica {url_b} is down" in caplog.text
