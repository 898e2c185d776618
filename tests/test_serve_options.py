"""vLLM engine options for a managed server and ``harness serve``: flags, CPU binding, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends import vllm as vllm_backend
from harness.backends.vllm import CPU_BIND_ENV, cpu_bind_default
from harness.cli import main
from harness.errors import ConfigError
from harness.serve import VLLMServer


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """A directory that passes for a model (nothing starts)."""
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    return tmp_path


def test_engine_options_become_server_flags(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vllm_backend, "_applied_defaults", set())
    monkeypatch.delenv(CPU_BIND_ENV, raising=False)
    server = VLLMServer(
        model_dir,
        served_model_name="m",
        engine_options={
            "tensor_parallel_size": 1,
            "data_parallel_size": 2,
            "gpu_memory_utilization": 0.8,
            "max_model_len": 1024,
            "max_num_seqs": 8,
            "enable_prefix_caching": False,
        },
    )
    server._port = 8000  # as start() would set it
    cmd = server.command()
    tail = cmd[cmd.index("--enforce-eager") + 1 :]
    assert tail == [
        "--tensor-parallel-size", "1",
        "--data-parallel-size", "2",
        "--gpu-memory-utilization", "0.8",
        "--max-model-len", "1024",
        "--max-num-seqs", "8",
        "--no-enable-prefix-caching",
    ]  # fmt: skip
    # Two data-parallel ranks: one CPU list each, or vLLM's CPU build refuses to start.
    assert server.environment()[CPU_BIND_ENV] == cpu_bind_default(2)
    on = VLLMServer(
        model_dir, served_model_name="m", engine_options={"enable_prefix_caching": True}
    )
    on._port = 8000
    assert on.command()[-1] == "--enable-prefix-caching"
    assert on.environment()[CPU_BIND_ENV] == cpu_bind_default(1)


def test_bad_engine_options_are_config_errors(model_dir: Path) -> None:
    with pytest.raises(
        ConfigError, match="vllm server: tensor_parallel_size: expected an integer >= 1, got 0"
    ):
        VLLMServer(model_dir, served_model_name="m", engine_options={"tensor_parallel_size": 0})
    with pytest.raises(ConfigError, match="engine option 'tp' is unknown"):
        VLLMServer(model_dir, served_model_name="m", engine_options={"tp": 2})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--tensor-parallel-size", "0"],
            "--tensor-parallel-size: expected an integer >= 1, got 0\n",
        ),
        (
            ["--gpu-memory-utilization", "1.5"],
            "--gpu-memory-utilization: expected a share of accelerator memory in (0, 1], got 1.5 (e.g. 0.9)\n",
        ),
        (["--max-num-seqs", "-1"], "--max-num-seqs: expected an integer >= 1, got -1\n"),
    ],
)
def test_harness_serve_rejects_bad_engine_flags(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == message


def test_harness_serve_lists_the_engine_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    for flag in (
        "--tensor-parallel-size", "--data-parallel-size", "--pipeline-parallel-size",
        "--gpu-memory-utilization", "--max-model-len", "--max-num-seqs",
        "--enable-prefix-caching", "--no-enable-prefix-caching",
    ):  # fmt: skip
        assert flag in text
