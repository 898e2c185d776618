"""The ray backend: config checks, and a local Ray cluster running replicas of another variant."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _deps import missing, require

from harness._types import (
    Expectation,
    GenerationRequest,
    GoldenExample,
    Location,
    Message,
    Role,
    SamplingParams,
)
from harness.cache import CompletionCache, generate_with_cache
from harness.config import Variant, load_config
from harness.engine import build_backend
from harness.errors import ConfigError, HarnessError, MissingDependencyError

PROMPTS = [f"question {i}" for i in range(24)]
SCRIPT = {p: f"answer {i}" for i, p in enumerate(PROMPTS)}

CONFIG = """
[tool.harness.models.base]
backend = "scripted"
script = "{script}"
default = "?"
system_prompt = "system.txt"
[tool.harness.models.spread]
backend = "ray"
inner = "base"
replicas = 2
cpus_per_replica = 1
"""


def project(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "script.json").write_text(json.dumps(SCRIPT), encoding="utf-8")
    (tmp_path / "system.txt").write_text("Be brief.\n", encoding="utf-8")
    path = tmp_path / "pyproject.toml"
    # The scripted backend reads its script relative to the working directory.
    config = CONFIG.replace("{script}", str(tmp_path / "script.json"))
    path.write_text(config + extra, encoding="utf-8")
    return path


def requests(prompts: list[str] = PROMPTS) -> list[GenerationRequest]:
    return [
        GenerationRequest(f"r{i}", (Message(Role.USER, p),), SamplingParams(max_new_tokens=12))
        for i, p in enumerate(prompts)
    ]


# -- config, without Ray ---------------------------------------------------------------------


def test_a_ray_variant_runs_its_inner_variant_and_prompts_like_it(tmp_path: Path) -> None:
    cfg = load_config(project(tmp_path))
    spread, base = cfg.variant("spread"), cfg.variant("base")
    assert spread.backend == "ray" and spread.model == base.model
    assert spread.system_prompt == "Be brief." == base.system_prompt
    inner = spread.options["inner"]
    assert isinstance(inner, Variant) and inner.name == "base" and inner.backend == "scripted"
    assert inner.system_prompt is None  # prompts are made in this process, not by replicas
    assert {k: v for k, v in spread.options.items() if k != "inner"} == {
        "replicas": 2,
        "cpus_per_replica": 1,
    }


@pytest.mark.parametrize(
    ("extra", "field", "says"),
    [
        ('[tool.harness.models.r]\nbackend = "ray"\n', "inner", "required for backend 'ray'"),
        ('[tool.harness.models.r]\nbackend = "ray"\ninner = "nope"\n', "inner", "'nope'"),
        ('[tool.harness.models.r]\nbackend = "ray"\ninner = "r"\n', "inner", "another"),
        ('[tool.harness.models.r]\nbackend = "ray"\ninner = "spread"\n', "inner", "itself a ray"),
        (
            '[tool.harness.models.r]\nbackend = "ray"\ninner = "base"\nreplicas = 0\n',
            "replicas",
            ">= 1",
        ),
        (
            '[tool.harness.models.r]\nbackend = "ray"\ninner = "base"\ncpus_per_replica = 0\n',
            "cpus_per_replica",
            "> 0",
        ),
        (
            '[tool.harness.models.r]\nbackend = "ray"\ninner = "base"\ngpus_per_replica = -1\n',
            "gpus_per_replica",
            ">= 0",
        ),
        (
            '[tool.harness.models.r]\nbackend = "ray"\ninner = "base"\naddress = ""\n',
            "address",
            "'auto'",
        ),
        (
            '[tool.harness.models.r]\nbackend = "ray"\ninner = "base"\nmodel = "x"\n',
            "model",
            "inner",
        ),
        (
            '[tool.harness.models.r]\nbackend = "ray"\ninner = "base"\nbatch_size = 4\n',
            "batch_size",
            "only for backend",
        ),
        (
            '[tool.harness.models.r]\nbackend = "hf"\ninner = "base"\n',
            "inner",
            "only for backend ray",
        ),
    ],
)
def test_bad_ray_settings_are_one_line_errors(
    tmp_path: Path, extra: str, field: str, says: str
) -> None:
    path = project(tmp_path, extra)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: [tool.harness.models.r") and f" {field}" in message
    assert says in message


def test_without_ray_installed_the_error_says_which_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variant = load_config(project(tmp_path)).variant("spread")
    monkeypatch.setitem(sys.modules, "ray", None)  # find_spec and import both see "absent"
    with pytest.raises(MissingDependencyError) as info:
        build_backend(variant)
    assert str(info.value) == (
        "this feature needs the 'ray' package: pip install 'golden-harness[ray]'"
    )


def test_fingerprint_and_name_are_the_inner_backends(tmp_path: Path) -> None:
    cfg = load_config(project(tmp_path))
    ray_backend = build_backend(cfg.variant("spread"))
    direct = build_backend(cfg.variant("base"))
    # Computed without starting Ray or a replica, so cache entries are shared with a direct run.
    assert (ray_backend.name, ray_backend.fingerprint) == (direct.name, direct.fingerprint)


@pytest.mark.skipif(missing("vllm"), reason="vllm is not installed")
def test_a_vllm_inner_keeps_its_fingerprint_adapter_included(
    tmp_path: Path, embedded_model_dir: Path
) -> None:
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"r": 8}', encoding="utf-8")
    (adapter / "adapter_model.safetensors").write_bytes(b"weights")
    inner = Variant("tuned", backend="vllm", adapter=adapter)
    ray_backend = build_backend(Variant("r", backend="ray", options={"inner": inner}))
    direct = build_backend(inner)  # builds no engine until the first generate
    assert ray_backend.fingerprint == direct.fingerprint
    base = build_backend(Variant("b", backend="vllm"))
    assert direct.fingerprint != base.fingerprint  # the adapter is in it


# -- a local Ray cluster with the scripted backend as inner --------------------------------


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A local two-CPU Ray instance for this module, shut down after it."""
    ray = require("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


def _recording_factory(log_dir: Path, die_once: Path | None = None) -> Any:
    """Builds replicas that log each request they answer to a per-process file.

    With ``die_once``, the first replica to get a batch kills its own process
    before answering (once per test, across processes), as an out-of-memory
    kill would. Defined inside a function so Ray pickles it by value.
    """

    def factory(variant: Variant) -> Any:
        import os

        from harness.engine import build_backend

        backend = build_backend(variant)
        generate = backend.generate

        def logged(batch: list[GenerationRequest]) -> Any:
            if die_once is not None:
                try:
                    os.close(os.open(die_once, os.O_CREAT | os.O_EXCL))
                    os._exit(1)
                except FileExistsError:
                    pass
            out = generate(batch)
            with open(log_dir / f"{os.getpid()}.log", "a", encoding="utf-8") as f:
                f.writelines(r.id + "\n" for r in batch)
            return out

        backend.generate = logged
        return backend

    return factory


def _answered(log_dir: Path) -> tuple[Counter[str], int]:
    ids: Counter[str] = Counter()
    files = list(log_dir.glob("*.log"))
    for f in files:
        ids.update(f.read_text(encoding="utf-8").split())
    return ids, len(files)


def test_every_request_answered_once_in_order_and_cached_like_the_inner(
    ray_cluster: Any, tmp_path: Path
) -> None:
    from harness.backends.ray import RayBackend

    cfg = load_config(project(tmp_path))
    variant = cfg.variant("spread")
    inner = variant.options["inner"]
    logs = tmp_path / "logs"
    logs.mkdir()
    backend = RayBackend(inner, replicas=2, factory=_recording_factory(logs))
    assert backend.replica_batch_size == 8  # the scripted backend's default chunk
    cache = CompletionCache(tmp_path / "cache")
    reqs = [variant.request(e) for e in _examples()]
    done, stats = generate_with_cache(backend, reqs, cache, chunk_size=backend.batch_size)
    assert [c.request_id for c in done] == [r.id for r in reqs]
    assert [c.text for c in done] == [SCRIPT[p] for p in PROMPTS]
    answered, processes = _answered(logs)
    assert answered == Counter(r.id for r in reqs)  # every request exactly once
    assert processes == 2  # both replicas answered (3 batches of 8 on a pool of 2)
    assert stats.misses == len(reqs)
    # The inner variant run directly finds every answer in the cache: entries are shared.
    direct = build_backend(cfg.variant("base"))
    again, stats = generate_with_cache(direct, reqs, cache)
    assert stats.misses == 0 and [c.text for c in again] == [c.text for c in done]


def _examples() -> list[GoldenExample]:
    return [
        GoldenExample(
            id=f"e{i}",
            messages=(Message(Role.USER, p),),
            reference=None,
            expect=Expectation(),
            tags=(),
            source=Location(Path("mem.jsonl"), i + 1),
            fingerprint=f"e{i}",
        )
        for i, p in enumerate(PROMPTS)
    ]


def test_a_replica_that_dies_is_restarted_and_its_batch_retried(
    ray_cluster: Any, tmp_path: Path
) -> None:
    from harness.backends.ray import RayBackend

    inner = Variant("base", backend="scripted", options={"default": "ok"})
    logs = tmp_path / "logs"
    logs.mkdir()
    died = tmp_path / "died"
    backend = RayBackend(inner, replicas=2, factory=_recording_factory(logs, died))
    reqs = requests()
    done = backend.generate(reqs)
    assert died.exists()  # a replica process did die mid-run
    assert [c.request_id for c in done] == [r.id for r in reqs]
    answered, _ = _answered(logs)
    assert answered == Counter(r.id for r in reqs)  # nothing lost, nothing answered twice


def test_a_replica_with_other_weights_stops_the_run(ray_cluster: Any) -> None:
    from harness.backends.ray import RayBackend

    def factory(variant: Variant) -> Any:
        import os

        from harness.backends.scripted import ScriptedBackend

        # In the driver it is the variant's backend; in a replica, another one (a lost adapter).
        same = os.getpid() == driver
        return ScriptedBackend(default="ok", label="base" if same else "other")

    driver = __import__("os").getpid()
    backend = RayBackend(Variant("base", backend="scripted"), factory=factory)
    with pytest.raises(
        HarnessError, match=r"answered as 'scripted:other@.*expected 'scripted:base@"
    ):
        backend.generate(requests(PROMPTS[:2]))


# -- the embedded model: two replicas, an adapter through Ray ------------------------------


@pytest.mark.model
@pytest.mark.slow
def test_lora_variant_through_ray_differs_from_base_and_matches_a_direct_run(
    ray_cluster: Any, embedded_model_dir: Path, tmp_path: Path
) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    # A random (non-zero) LoRA adapter: its answers differ from the base model's.
    model = AutoModelForCausalLM.from_pretrained(str(embedded_model_dir))
    config = LoraConfig(
        r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    torch.manual_seed(0)
    get_peft_model(model, config).save_pretrained(str(tmp_path / "adapter"))
    del model
    (tmp_path / "pyproject.toml").write_text(
        """
[tool.harness.models.base]
backend = "hf"
threads = 1
[tool.harness.models.finetuned]
extends = "base"
adapter = "adapter"
[tool.harness.models.ray_base]
backend = "ray"
inner = "base"
replicas = 2
[tool.harness.models.ray_finetuned]
backend = "ray"
inner = "finetuned"
replicas = 2
""",
        encoding="utf-8",
    )
    cfg = load_config(tmp_path / "pyproject.toml")
    reqs = requests(["What is the capital of France?", "Name a yellow fruit.", "Say hi.", "2+2?"])
    ray_base = build_backend(cfg.variant("ray_base"))
    ray_tuned = build_backend(cfg.variant("ray_finetuned"))
    base_texts = [c.text for c in ray_base.generate(reqs)]
    tuned_texts = [c.text for c in ray_tuned.generate(reqs)]
    assert tuned_texts != base_texts  # the adapter reached the replicas
    direct = build_backend(cfg.variant("finetuned"))
    assert ray_tuned.fingerprint == direct.fingerprint and ray_tuned.name == direct.name == "peft"
    assert [c.text for c in direct.generate(reqs)] == tuned_texts  # same outputs, shared cache


def test_without_retries_a_dead_replica_fails_the_run(ray_cluster: Any, tmp_path: Path) -> None:
    from harness.backends.ray import RayBackend

    logs = tmp_path / "logs"
    logs.mkdir()
    inner = Variant("base", backend="scripted", options={"default": "ok"})
    factory = _recording_factory(logs, tmp_path / "died")
    backend = RayBackend(inner, replicas=2, max_retries=0, factory=factory)
    # The same death as above, now fatal: Ray's restart is what recovered it there.
    with pytest.raises(ray_cluster.exceptions.ActorDiedError, match="died unexpectedly"):
        backend.generate(requests())
