"""[tool.harness] parsing: variants, extends, files, strict keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import harness.config as config_module
from harness._types import Role
from harness.config import LATENCY_PROFILE_ENV, LatencyBudget, load_config, parse_model_list
from harness.errors import ConfigError
from harness.golden import load_golden

FEW_SHOT = [
    {
        "id": "f1",
        "messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}],
    },
]


def project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "prompts").mkdir(exist_ok=True)
    (tmp_path / "prompts" / "system.txt").write_text("Answer briefly.\n", encoding="utf-8")
    (tmp_path / "prompts" / "few.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in FEW_SHOT), encoding="utf-8"
    )
    path = tmp_path / "pyproject.toml"
    path.write_text(toml, encoding="utf-8")
    return path


GOOD = """
[tool.harness]
default_models = ["base", "prompted"]
[tool.harness.sampling]
max_new_tokens = 64
[tool.harness.models.base]
backend = "hf"
model = "embedded"
batch_size = 4
[tool.harness.models.prompted]
extends = "base"
system_prompt = "prompts/system.txt"
few_shot = "prompts/few.jsonl"
sampling = { temperature = 0.7, seed = 3 }
"""


def test_variants_extend_and_read_files(tmp_path: Path) -> None:
    cfg = load_config(project(tmp_path, GOOD))
    assert cfg.default_models == ("base", "prompted")
    base, prompted = cfg.variant("base"), cfg.variant("prompted")
    assert base.options == {"batch_size": 4} and prompted.options == {"batch_size": 4}
    assert base.sampling.max_new_tokens == 64 and base.sampling.greedy
    assert prompted.sampling.max_new_tokens == 64 and prompted.sampling.temperature == 0.7
    assert prompted.system_prompt == "Answer briefly."
    assert [m.role for m in prompted.few_shot] == [Role.USER, Role.ASSISTANT]
    assert base.backend_key == prompted.backend_key, "prompting does not need another model"
    assert [v.name for v in parse_model_list("prompted, base", cfg)] == ["prompted", "base"]


def test_prompt_composition(tmp_path: Path) -> None:
    cfg = load_config(project(tmp_path, GOOD))
    data = tmp_path / "s.jsonl"
    data.write_text(
        json.dumps(
            {
                "id": "x",
                "messages": [
                    {"role": "system", "content": "Suite rule."},
                    {"role": "user", "content": "Q"},
                    {"role": "assistant", "content": "A"},
                ],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    ex = load_golden(data).examples[0]
    msgs = cfg.variant("prompted").prompt(ex)
    assert [(m.role.value, m.content) for m in msgs] == [
        ("system", "Answer briefly.\n\nSuite rule."),
        ("user", "2+2?"),
        ("assistant", "4"),
        ("user", "Q"),
    ]
    assert cfg.variant("base").prompt(ex) == ex.messages


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.harness]\nmodelz = 1\n", "[tool.harness] modelz: unknown key"),
        (
            "[tool.harness.models.base]\nbackend = 'hf'\nbase_url = 'x'\n",
            "base_url: unknown key (only for backend openai)",
        ),
        ("[tool.harness.models.base]\nbackend = 'tgi'\n", "unknown backend 'tgi'"),
        ("[tool.harness.models.base]\nsystem_prompt = 'nope.txt'\n", "system_prompt: file"),
        ("[tool.harness.models.base]\nfew_shot = 'nope.jsonl'\n", "few_shot: file"),
        ("[tool.harness.models.base]\nadapter = 'runs/x'\n", "adapter:"),
        (
            "[tool.harness.models.a]\nextends = 'b'\n[tool.harness.models.b]\nextends = 'a'\n",
            "circular extends",
        ),
        ("[tool.harness.models.a]\nextends = 'zzz'\n", "'zzz' is not a defined variant"),
        (
            "[tool.harness.models.a]\nsampling = { temp = 1 }\n",
            "sampling.temp: unknown sampling key",
        ),
        ("[tool.harness.models.a]\nsampling = { top_p = 2 }\n", "top_p: must be in (0, 1]"),
        (
            "[tool.harness]\ndefault_models = ['x']\n[tool.harness.models.a]\n",
            "'x' is not a defined variant",
        ),
        ("[tool.harness\n", "not valid TOML"),
    ],
)
def test_config_errors_name_table_and_key(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(project(tmp_path, toml))
    assert message in str(info.value)
    assert str(tmp_path / "pyproject.toml") in str(info.value)


def test_unknown_variant_lists_known(tmp_path: Path) -> None:
    cfg = load_config(project(tmp_path, GOOD))
    with pytest.raises(ConfigError, match=r"'finetuned' is not defined \(known: base, prompted\)"):
        cfg.variant("finetuned")


def test_bad_few_shot_file_is_reported(tmp_path: Path) -> None:
    path = project(tmp_path, "[tool.harness.models.base]\nfew_shot = 'prompts/few.jsonl'\n")
    (tmp_path / "prompts" / "few.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"few-shot file is invalid:\n.*few.jsonl:1: messages: is empty"
    ):
        load_config(path)


def test_repository_config_loads() -> None:
    cfg = load_config(Path(__file__).resolve().parent.parent / "pyproject.toml")
    assert set(cfg.default_models) <= set(cfg.variants)


# -- [tool.harness.latency] ---------------------------------------------------------------------

LATENCY = """
[tool.harness.latency]
profile = "cpu"
concurrency = [1, 4]
max_tokens = 32
requests = 8
warmup = 1
suite = "general"
[tool.harness.latency.profiles.cpu]
ttft_p50_s = 0.5
ttft_p95_s = 1.5
tpot_p50_s = 0.1
tpot_p95_s = 0.2
[tool.harness.latency.profiles.h100]
ttft_p95_s = 0.05
"""


def test_latency_table_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LATENCY_PROFILE_ENV, raising=False)
    latency = load_config(project(tmp_path, GOOD + LATENCY)).latency
    assert latency is not None
    assert (latency.concurrency, latency.max_tokens, latency.requests) == ((1, 4), 32, 8)
    assert (latency.warmup, latency.suite) == (1, "general")
    assert latency.profile.name == "cpu" and sorted(latency.profiles) == ["cpu", "h100"]
    assert [b.key for b in latency.profile.budgets] == [
        "ttft_p50_s",
        "ttft_p95_s",
        "tpot_p50_s",
        "tpot_p95_s",
    ]
    assert latency.profile.budget("tpot_p95_s") == 0.2
    assert latency.profile.budget("e2e_p95_s") is None
    assert load_config(project(tmp_path, GOOD)).latency is None, "the table is optional"


def test_latency_profile_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LATENCY_PROFILE_ENV, "h100")
    latency = load_config(project(tmp_path, GOOD + LATENCY)).latency
    assert latency is not None and latency.profile.name == "h100"
    assert latency.profile.budgets == (LatencyBudget("ttft", 95, 0.05),)
    monkeypatch.setenv(LATENCY_PROFILE_ENV, "a10g")
    with pytest.raises(ConfigError, match=r"\$HARNESS_LATENCY_PROFILE: latency profile 'a10g'"):
        load_config(project(tmp_path, GOOD + LATENCY))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("requests = 8", "requests = 8\nrate = 2"), "[tool.harness.latency] rate: unknown key"),
        (("ttft_p50_s = 0.5", "ttft_p99_s = 0.5"), "ttft_p99_s: unknown budget"),
        (('profile = "cpu"', 'profile = "gpu"'), "latency profile 'gpu' is not defined"),
        (('profile = "cpu"\n', ""), "profile: required"),
        (("[1, 4]", "[]"), "concurrency: expected a non-empty list"),
        (("[1, 4]", "[1, 0]"), "concurrency: expected an integer >= 1, got 0"),
        (("[1, 4]", "[4, 4]"), "repeats a level"),
        (("max_tokens = 32", "max_tokens = 1"), "max_tokens: expected an integer >= 2"),
        (("warmup = 1", "warmup = -1"), "warmup: expected an integer >= 0"),
        (("ttft_p95_s = 1.5", "ttft_p95_s = 0.1"), "ttft_p50_s (0.5) is above ttft_p95_s"),
        (("tpot_p50_s = 0.1", "tpot_p50_s = 'fast'"), "tpot_p50_s: expected a positive number"),
        (("ttft_p95_s = 0.05", ""), "set at least one budget"),
    ],
)
def test_latency_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], message: str
) -> None:
    monkeypatch.delenv(LATENCY_PROFILE_ENV, raising=False)
    old, new = change
    assert old in LATENCY
    with pytest.raises(ConfigError) as info:
        load_config(project(tmp_path, GOOD + LATENCY.replace(old, new, 1)))
    assert message in str(info.value)


def test_latency_without_profiles_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="define at least one profile"):
        load_config(project(tmp_path, GOOD + '[tool.harness.latency]\nprofile = "cpu"\n'))


def test_repository_latency_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LATENCY_PROFILE_ENV, raising=False)
    cfg = load_config(Path(__file__).resolve().parent.parent / "pyproject.toml")
    assert cfg.latency is not None and cfg.latency.profile.name == "cpu"
    assert {b.key for b in cfg.latency.profile.budgets} >= {
        "ttft_p50_s",
        "ttft_p95_s",
        "tpot_p50_s",
        "tpot_p95_s",
    }


# -- backend = "auto" ---------------------------------------------------------------------------

AUTO = """
[tool.harness.models.base]
backend = "auto"
model = "embedded"
batch_size = 4
max_model_len = 1024
enable_prefix_caching = false
[tool.harness.models.prompted]
extends = "base"
system_prompt = "prompts/system.txt"
[tool.harness.models.pinned]
extends = "base"
backend = "hf"
"""


@pytest.fixture
def vllm_installed(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], None]:
    """Pretend vllm is or is not installed; the environment override is cleared."""
    import harness.backends

    monkeypatch.delenv("HARNESS_AUTO_BACKEND", raising=False)
    monkeypatch.setattr(config_module, "_auto_notice_shown", False)

    def choose(installed: bool) -> None:
        monkeypatch.setattr(harness.backends, "vllm_available", lambda: installed)

    return choose


def test_auto_is_vllm_where_installed_with_its_options(
    tmp_path: Path, vllm_installed: Callable[[bool], None], capsys: pytest.CaptureFixture[str]
) -> None:
    vllm_installed(True)
    cfg = load_config(project(tmp_path, AUTO))
    base, prompted, pinned = (cfg.variant(n) for n in ("base", "prompted", "pinned"))
    assert base.backend == prompted.backend == "vllm"
    assert base.options == {"max_model_len": 1024, "enable_prefix_caching": False}
    assert prompted.options == base.options
    # A child naming hf keeps the hf options its auto parent declared.
    assert pinned.backend == "hf" and pinned.options == {"batch_size": 4}
    assert capsys.readouterr().err == ""


def test_auto_falls_back_to_hf_with_one_notice(
    tmp_path: Path, vllm_installed: Callable[[bool], None], capsys: pytest.CaptureFixture[str]
) -> None:
    vllm_installed(False)
    path = project(tmp_path, AUTO)
    cfg = load_config(path)
    assert cfg.variant("base").backend == "hf" and cfg.variant("base").options == {"batch_size": 4}
    load_config(path)
    err = capsys.readouterr().err
    assert err.count("\n") == 1, "one line, once per process"
    assert "variant(s) base, prompted" in err and "golden-harness[cpu]" in err
    assert "golden-harness[vllm]" in err and "HARNESS_AUTO_BACKEND" in err


@pytest.mark.parametrize("forced", ["hf", "vllm"])
def test_auto_follows_the_environment(
    tmp_path: Path,
    vllm_installed: Callable[[bool], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    forced: str,
) -> None:
    vllm_installed(True)
    monkeypatch.setenv("HARNESS_AUTO_BACKEND", forced)
    assert load_config(project(tmp_path, AUTO)).variant("prompted").backend == forced
    assert capsys.readouterr().err == ""


def test_auto_environment_errors(
    tmp_path: Path, vllm_installed: Callable[[bool], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project(tmp_path, AUTO)
    vllm_installed(False)
    monkeypatch.setenv("HARNESS_AUTO_BACKEND", "vllm")
    with pytest.raises(ConfigError, match=r"HARNESS_AUTO_BACKEND=vllm: vllm is not installed"):
        load_config(path)
    monkeypatch.setenv("HARNESS_AUTO_BACKEND", "gpu")
    with pytest.raises(ConfigError, match=r"expected hf or vllm, got 'gpu'"):
        load_config(path)


def test_auto_rejects_keys_of_neither_backend(tmp_path: Path) -> None:
    toml = '[tool.harness.models.base]\nbackend = "auto"\nbase_url = "x"\n'
    with pytest.raises(ConfigError, match=r"\[tool.harness.models.base\] base_url: unknown key"):
        load_config(project(tmp_path, toml))
    toml = '[tool.harness.models.base]\nbackend = "vllm"\nenable_prefix_caching = "yes"\n'
    with pytest.raises(
        ConfigError, match=r"base\] enable_prefix_caching: expected true or false, got 'yes'"
    ):
        load_config(project(tmp_path, toml))


def test_repository_variants_are_auto(vllm_installed: Callable[[bool], None]) -> None:
    vllm_installed(True)
    cfg = load_config(Path(__file__).resolve().parent.parent / "pyproject.toml")
    assert {cfg.variant(n).backend for n in cfg.default_models} == {"vllm"}
    vllm_installed(False)
    cfg = load_config(Path(__file__).resolve().parent.parent / "pyproject.toml")
    assert cfg.variant("base").options == {"batch_size": 32, "batch_tokens": 12288}


def test_built_variants_resolve_auto_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.config import Variant, resolve_auto

    monkeypatch.setenv("HARNESS_AUTO_BACKEND", "hf")
    v = resolve_auto(Variant("x", backend="auto", options={"batch_size": 2, "max_model_len": 9}))
    assert v.backend == "hf" and v.options == {"batch_size": 2}
    assert resolve_auto(v) is v
