"""The backend registry: a backend is one module that registers its name, options and builder."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

import harness.backends as registry
from harness import BackendOptions, register_backend
from harness._types import Completion, GenerationRequest
from harness.backends import BuildContext, backend_names, build_backend, check_option
from harness.backends._base import PositiveInt
from harness.backends.hf import HFBackend
from harness.backends.peft import missing_adapter_files
from harness.backends.scripted import last_user_message
from harness.backends.vllm import VLLMBackend
from harness.config import Variant, load_config
from harness.engine import BackendPool, run_suite
from harness.errors import ConfigError, MissingDependencyError
from harness.golden import load_golden


class ShoutOptions(BackendOptions):
    """The tiny backend's one key: how many times it repeats the question."""

    times: PositiveInt = 1
    exclaim: bool = False


class ShoutBackend:
    """Answers each question in capitals, ``times`` times over."""

    name = "shout"

    def __init__(self, model: str, times: int) -> None:
        self.model = model
        self.times = times

    @property
    def fingerprint(self) -> str:
        """The model name and the repeat count."""
        return f"shout:{self.model}x{self.times}"

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """One shouted answer per request."""
        return [
            Completion(
                request_id=r.id,
                text=" ".join([last_user_message(r).upper()] * self.times),
                latency_s=0.0,
            )
            for r in requests
        ]


@pytest.fixture
def shout() -> Iterator[None]:
    """Registers ``shout`` (and ``needs_pkg``) for one test, through the public API."""

    @register_backend("shout", options=ShoutOptions)
    def build(variant: Variant, options: ShoutOptions, context: BuildContext) -> ShoutBackend:
        return ShoutBackend(variant.model, options.times)

    @register_backend("needs_pkg", package="no_such_package_here", extra="extra-x")
    def build_missing(variant: Variant, options: BackendOptions, ctx: BuildContext) -> ShoutBackend:
        raise AssertionError("never built: its package is missing")

    yield
    for name in ("shout", "needs_pkg"):
        registry._SPECS.pop(name)


def project(tmp_path: Path, models: str) -> Path:
    rows = [
        {
            "id": f"q{i}",
            "messages": [
                {"role": "user", "content": f"hello {i}"},
                {"role": "assistant", "content": f"HELLO {i}"},
            ],
        }
        for i in range(3)
    ]
    (tmp_path / "qa.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    path = tmp_path / "pyproject.toml"
    path.write_text(models, encoding="utf-8")
    return path


@pytest.mark.usefixtures("shout")
def test_a_backend_registered_in_a_test_module_runs_a_variant(tmp_path: Path) -> None:
    path = project(tmp_path, '[tool.harness.models.loud]\nbackend = "shout"\ntimes = 2\n')
    variant = load_config(path).variant("loud")
    assert variant.backend == "shout" and variant.options == {"times": 2}
    assert "shout" in backend_names()
    pool = BackendPool()
    run = run_suite(
        load_golden(tmp_path / "qa.jsonl"), variant, pool.get(variant), None, progress=False
    )
    assert [c.text for c in run.completions] == [
        "HELLO 0 HELLO 0",
        "HELLO 1 HELLO 1",
        "HELLO 2 HELLO 2",
    ]
    assert pool.get(variant).fingerprint == "shout:embeddedx2"


@pytest.mark.usefixtures("shout")
@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("times = 0", "[tool.harness.models.loud] times: expected an integer >= 1, got 0"),
        (
            "exclaim = 'yes'",
            "[tool.harness.models.loud] exclaim: expected true or false, got 'yes'",
        ),
        (
            "batch_size = 2",
            "[tool.harness.models.loud] batch_size: unknown key (only for backend hf, peft, auto)",
        ),
        ("volume = 11", "[tool.harness.models.loud] volume: unknown key (allowed: "),
    ],
)
def test_its_options_are_checked_when_the_config_loads(
    tmp_path: Path, table: str, says: str
) -> None:
    path = project(tmp_path, f'[tool.harness.models.loud]\nbackend = "shout"\n{table}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {says}")
    assert "\n" not in str(info.value)


@pytest.mark.usefixtures("shout")
def test_built_in_code_the_options_are_checked_too_and_a_missing_package_named() -> None:
    with pytest.raises(
        ConfigError, match=r"^\[tool.harness.models.x\] times: expected an integer >= 1, got -1$"
    ):
        build_backend(Variant("x", backend="shout", options={"times": -1}))
    with pytest.raises(MissingDependencyError, match=r"golden-harness\[extra-x\]"):
        build_backend(Variant("x", backend="needs_pkg"))
    # An unknown key is reported first, as itself, even after a bad value of a known one.
    with pytest.raises(
        ConfigError, match=r"^\[tool.harness.models.x\] volume: unknown key \(allowed: "
    ):
        build_backend(Variant("x", backend="shout", options={"times": -1, "volume": 11}))
    assert check_option("shout", "times", 3, "--times") == 3
    with pytest.raises(ConfigError, match=r"^--times: expected an integer >= 1, got 0$"):
        check_option("shout", "times", 0, "--times")


def test_unknown_backends_list_the_registered_ones(tmp_path: Path) -> None:
    path = project(tmp_path, '[tool.harness.models.loud]\nbackend = "shout"\n')
    with pytest.raises(
        ConfigError,
        match=r"unknown backend 'shout' \(known: hf, openai, peft, ray, scripted, vllm, auto\)",
    ):
        load_config(path)


def test_required_options_say_what_to_give(tmp_path: Path) -> None:
    path = project(tmp_path, '[tool.harness.models.remote]\nbackend = "openai"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}: [tool.harness.models.remote] base_url: required for backend 'openai' "
        '(the API root of an OpenAI-compatible server, e.g. "http://127.0.0.1:8000/v1")'
    )


def test_one_definition_of_an_adapter_directory(tmp_path: Path) -> None:
    assert missing_adapter_files(tmp_path) == [
        "adapter_config.json",
        "adapter_model.safetensors or adapter_model.bin",
    ]
    (tmp_path / "adapter_config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "adapter_model.bin").write_bytes(b"")
    assert missing_adapter_files(tmp_path) == []


def test_a_bad_dtype_is_refused_by_one_rule_in_code_and_in_the_config(tmp_path: Path) -> None:
    says = "dtype: expected one of bfloat16, float16, float32, got 'int4'"
    with pytest.raises(ConfigError, match=rf"^hf backend: {says}$"):
        HFBackend("unused", fingerprint="x", dtype="int4")
    with pytest.raises(ConfigError, match=rf"^vllm backend: {says}$"):
        VLLMBackend("unused", fingerprint="x", dtype="int4")
    path = project(tmp_path, '[tool.harness.models.m]\nbackend = "hf"\ndtype = "int4"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: [tool.harness.models.m] {says}"
