"""[tool.harness] parsing: variants, extends, files, strict keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness._types import Role
from harness.config import load_config, parse_model_list
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
