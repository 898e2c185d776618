"""vLLM engine options (parallelism, memory, context, batch): config keys, engine arguments, fingerprint.

No engine starts: a stand-in ``vllm`` module records what ``vllm.LLM`` is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from harness.backends import vllm as vllm_backend
from harness.backends.vllm import CPU_BIND_ENV, VLLMBackend, cpu_bind_default, engine_environment
from harness.config import Variant, load_config, resolve_auto
from harness.engine import build_backend
from harness.errors import ConfigError


def load(tmp_path: Path, body: str, backend: str = "vllm") -> Variant:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[tool.harness.models.base]\nbackend = "{backend}"\n{body}', encoding="utf-8")
    return load_config(path).variant("base")


# -- config ------------------------------------------------------------------------------


def test_engine_keys_are_read_for_a_vllm_variant(tmp_path: Path) -> None:
    variant = load(
        tmp_path,
        "tensor_parallel_size = 2\ndata_parallel_size = 1\npipeline_parallel_size = 1\n"
        "gpu_memory_utilization = 0.85\nmax_model_len = 4096\nmax_num_seqs = 32\n"
        "enable_prefix_caching = false\n",
    )
    assert dict(variant.options) == {
        "tensor_parallel_size": 2,
        "data_parallel_size": 1,
        "pipeline_parallel_size": 1,
        "gpu_memory_utilization": 0.85,
        "max_model_len": 4096,
        "max_num_seqs": 32,
        "enable_prefix_caching": False,
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("tensor_parallel_size = 0", "tensor_parallel_size: expected an integer >= 1, got 0"),
        ("data_parallel_size = 1.5", "data_parallel_size: expected an integer >= 1, got 1.5"),
        (
            "pipeline_parallel_size = true",
            "pipeline_parallel_size: expected an integer >= 1, got True",
        ),
        ("max_model_len = -8", "max_model_len: expected an integer >= 1, got -8"),
        ("max_num_seqs = '8'", "max_num_seqs: expected an integer >= 1, got '8'"),
        (
            "gpu_memory_utilization = 0",
            r"gpu_memory_utilization: expected a share of accelerator memory in \(0, 1\], got 0",
        ),
        ("gpu_memory_utilization = 1.2", r"in \(0, 1\], got 1.2 \(e.g. 0.9\)"),
        ("gpu_memory_utilization = true", r"in \(0, 1\], got True"),
        ("enable_prefix_caching = 1", "enable_prefix_caching: expected true or false, got 1"),
    ],
)
def test_bad_engine_values_are_one_line_errors(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load(tmp_path, line + "\n")
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 'pyproject.toml'}: [tool.harness.models.base] ")
    assert "\n" not in text


def test_utilization_of_one_is_allowed(tmp_path: Path) -> None:
    assert load(tmp_path, "gpu_memory_utilization = 1\n").options["gpu_memory_utilization"] == 1


def test_engine_keys_belong_to_vllm_and_auto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(
        ConfigError, match=r"tensor_parallel_size: unknown key \(only for backend vllm, auto\)"
    ):
        load(tmp_path, "tensor_parallel_size = 2\n", backend="hf")
    monkeypatch.setenv("HARNESS_AUTO_BACKEND", "hf")
    assert load(tmp_path, "tensor_parallel_size = 2\n", backend="auto").options == {}
    auto = Variant("x", backend="auto", options={"tensor_parallel_size": 2, "batch_size": 4})
    assert dict(resolve_auto(auto, "vllm").options) == {"tensor_parallel_size": 2}


# -- engine arguments --------------------------------------------------------------------


class _FakeLLM:
    """Stands in for ``vllm.LLM``: records its arguments and the CPU bind its workers would see."""

    created: list[_FakeLLM] = []  # noqa: RUF012

    def __init__(self, model: str, **options: Any) -> None:
        self.model = model
        self.options = options
        self.cpu_bind = os.environ.get(CPU_BIND_ENV)
        _FakeLLM.created.append(self)


class _FakeVLLM:
    LLM = _FakeLLM


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> type[_FakeLLM]:
    """``vllm`` replaced by the stand-in; the CPU bind is left as the harness would choose it."""
    monkeypatch.setattr(vllm_backend, "import_vllm", lambda: _FakeVLLM)
    monkeypatch.setattr(vllm_backend, "_applied_defaults", set())
    monkeypatch.delenv(CPU_BIND_ENV, raising=False)
    _FakeLLM.created = []
    return _FakeLLM


def test_variant_options_reach_the_engine(
    tmp_path: Path, fake_vllm: type[_FakeLLM], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.models.resolve_model", lambda name: (tmp_path, "model-fp"))
    variant = Variant(
        "base",
        backend="vllm",
        options={
            "tensor_parallel_size": 2,
            "pipeline_parallel_size": 1,
            "data_parallel_size": 1,
            "gpu_memory_utilization": 0.5,
            "max_model_len": 1024,
            "max_num_seqs": 16,
            "enable_prefix_caching": False,
        },
    )
    backend = build_backend(variant, engine_log=tmp_path / "engine.log")
    assert isinstance(backend, VLLMBackend)
    _ = backend.llm
    (engine,) = fake_vllm.created
    assert engine.model == str(tmp_path)
    for key, value in variant.options.items():
        if key != "data_parallel_size":  # 1 is vLLM's default; above 1 is refused (below)
            assert engine.options[key] == value, key
    # Two ranks on this machine's CPUs: one list each, or vLLM refuses to start.
    assert engine.cpu_bind == cpu_bind_default(2)
    assert engine.cpu_bind is not None and engine.cpu_bind.count("|") == 1


def test_unset_options_keep_vllms_defaults(tmp_path: Path, fake_vllm: type[_FakeLLM]) -> None:
    backend = VLLMBackend(tmp_path, fingerprint="f", log_path=tmp_path / "engine.log")
    _ = backend.llm
    (engine,) = fake_vllm.created
    assert "gpu_memory_utilization" not in engine.options
    assert "max_num_seqs" not in engine.options
    assert engine.options["tensor_parallel_size"] == 1
    assert engine.cpu_bind == cpu_bind_default(1)
    assert "|" not in engine.cpu_bind


def test_a_cpu_bind_the_user_set_is_kept(
    tmp_path: Path, fake_vllm: type[_FakeLLM], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CPU_BIND_ENV, "1|0")
    backend = VLLMBackend(
        tmp_path, fingerprint="f", tensor_parallel_size=2, log_path=tmp_path / "e.log"
    )
    _ = backend.llm
    assert fake_vllm.created[0].cpu_bind == "1|0"


def test_data_parallel_above_one_points_to_the_server(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"harness serve --data-parallel-size 2.*backend 'openai'"
    ):
        VLLMBackend(tmp_path, fingerprint="f", data_parallel_size=2)
    with pytest.raises(ConfigError, match="tensor_parallel_size: expected an integer >= 1, got 0"):
        VLLMBackend(tmp_path, fingerprint="f", tensor_parallel_size=0)
    with pytest.raises(ConfigError, match="gpu_memory_utilization: expected a share"):
        VLLMBackend(tmp_path, fingerprint="f", gpu_memory_utilization=2.0)
    with pytest.raises(ConfigError, match="tensor_parallel_size has its own argument"):
        VLLMBackend(tmp_path, fingerprint="f", engine_kwargs={"tensor_parallel_size": 2})


# -- fingerprint -------------------------------------------------------------------------


def test_fingerprint_holds_what_can_change_answers(tmp_path: Path) -> None:
    def fp(**options: Any) -> str:
        return VLLMBackend(tmp_path, fingerprint="m", **options).fingerprint

    assert fp() == "m:bfloat16", "defaults keep the fingerprints results already carry"
    assert fp(max_model_len=2048) == "m:bfloat16"
    assert fp(max_model_len=512) == "m:bfloat16:max_len=512"
    assert fp(tensor_parallel_size=2) == "m:bfloat16:tp=2"
    assert fp(tensor_parallel_size=2, max_model_len=512) == "m:bfloat16:max_len=512:tp=2"
    # Scheduling and memory only: the same answers from the same arithmetic.
    assert fp(pipeline_parallel_size=2, max_num_seqs=4, gpu_memory_utilization=0.5) == "m:bfloat16"


def test_cpu_bind_is_split_over_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3, 0, 1, 2})
    assert cpu_bind_default() == "0,1,2,3"
    assert cpu_bind_default(2) == "0,1|2,3"
    assert cpu_bind_default(3) == "0|1|2,3"
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert cpu_bind_default(2) == "0|0", "more ranks than CPUs: they share"


def test_engine_environment_splits_only_its_own_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vllm_backend, "_applied_defaults", set())
    monkeypatch.delenv(CPU_BIND_ENV, raising=False)
    assert engine_environment(2)[CPU_BIND_ENV] == cpu_bind_default(2)
    assert engine_environment(1)[CPU_BIND_ENV] == cpu_bind_default(1)
    monkeypatch.setenv(CPU_BIND_ENV, "0")
    assert engine_environment(2)[CPU_BIND_ENV] == "0", "the user's setting wins"
