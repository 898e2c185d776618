"""The ``gate:``, ``mix:`` and ``eval_split:`` keys of a run config, and ``harness train`` gating by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from harness.cli import main
from harness.config import load_config as load_harness_config
from harness.errors import ConfigError
from harness.golden import load_golden, split_of
from training.config import GateSettings, load_config, parse_config
from training.sft import load_training_data, mix_examples

TRAIN = "golden/train/json_extraction.jsonl"
GENERAL = "golden/train/general.jsonl"


def parse(**keys: Any) -> Any:
    return parse_config(
        {"run_name": "r", "train_file": TRAIN, **keys}, source="run.yaml", base_dir=REPO
    )


def error(**keys: Any) -> str:
    with pytest.raises(ConfigError) as info:
        parse(**keys)
    return str(info.value)


def test_gate_section_with_defaults() -> None:
    config = parse(gate={"suites": ["json_extraction"], "primary_metric": "schema_valid"})
    assert config.gate == GateSettings(
        suites=("suites/test_json_extraction.py",),
        primary_metric="schema_valid",
        guard_suites=("suites/test_general.py", "suites/test_refusal.py"),
        patience=3,
        split="dev",
        tolerance=0.02,
    )
    assert config.gate is not None and config.gate.adapter_mode == "auto"
    merged = {"suites": ["a"], "primary_metric": "schema_valid", "adapter_mode": "merged"}
    assert parse(gate=merged).gate.adapter_mode == "merged"  # type: ignore[union-attr]
    assert parse().gate is None and not parse().gate_disabled
    off = parse(gate=False)
    assert off.gate is None and off.gate_disabled


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (
            {"suites": ["a"], "primary_metric": "schema_valid", "tolerence": 0.1},
            "run.yaml: gate.tolerence: unknown key (allowed: suites",
        ),
        (
            {"suites": ["a"], "primary_metric": "schema_valid", "split": "test"},
            "run.yaml: gate.split: expected dev or all, got a string 'test' (test is the release verdict's",
        ),
        ({"suites": ["a"]}, "run.yaml: gate.primary_metric: missing"),
        (
            {"suites": ["a"], "primary_metric": "schema_vaild"},
            "run.yaml: gate.primary_metric: unknown metric 'schema_vaild'",
        ),
        ({"primary_metric": "schema_valid"}, "run.yaml: gate.suites: missing"),
        (
            {"suites": ["refusal"], "primary_metric": "schema_valid"},
            "run.yaml: gate.guard_suites: suites/test_refusal.py is also a task suite",
        ),
        (
            {"suites": ["a"], "primary_metric": "schema_valid", "tolerance": -1},
            "run.yaml: gate.tolerance: must not be negative",
        ),
        (
            {"suites": ["a"], "primary_metric": "schema_valid", "limit": 0},
            "run.yaml: gate.limit: expected an integer >= 1",
        ),
        (True, "run.yaml: gate: expected a mapping"),
        (
            {"suites": ["a"], "primary_metric": "schema_valid", "adapter_mode": "merge"},
            "run.yaml: gate.adapter_mode: expected auto, lora or merged, got a string 'merge' "
            "(auto: merged on CPU, lora on a GPU)",
        ),
    ],
)
def test_gate_section_is_strict(gate: Any, expected: str) -> None:
    message = error(gate=gate)
    assert message.startswith(expected) and "\n" not in message


@pytest.mark.parametrize(
    ("mix", "expected"),
    [
        ([{"file": GENERAL}], "run.yaml: mix[0].fraction: missing"),
        ([{"file": GENERAL, "fraction": 0.1, "weight": 1}], "run.yaml: mix[0].weight: unknown key"),
        ([{"file": "nope.jsonl", "fraction": 0.1}], "run.yaml: mix[0].file: file not found"),
        ([{"file": GENERAL, "fraction": 0}], "run.yaml: mix[0].fraction: must be greater than 0"),
        (
            [{"file": GENERAL, "fraction": 0.3}, {"file": GENERAL, "fraction": 0.3}],
            "run.yaml: mix: fractions add up to 0.6",
        ),
        ({"file": GENERAL}, "run.yaml: mix: expected a list"),
        ([], "run.yaml: mix: is empty (e.g. mix: [{file: general.jsonl, fraction: 0.1}])"),
    ],
)
def test_mix_is_strict(mix: Any, expected: str) -> None:
    assert error(mix=mix).startswith(expected)


def test_mix_is_deterministic_by_seed_and_sized_by_fraction() -> None:
    config = parse(mix=[{"file": GENERAL, "fraction": 0.1}])
    data = load_training_data(config)
    task = len(load_golden(REPO / TRAIN))
    assert data.mixed == round(0.1 * task / 0.9) == 48
    assert len(data.train) == task + 48
    mixed_ids = [e.id for e in data.train[task:]]
    assert all(i.startswith("general-train-") for i in mixed_ids)
    assert [e.id for e in load_training_data(config).train[task:]] == mixed_ids
    other = [
        e.id for e in mix_examples(parse(seed=7, mix=[{"file": GENERAL, "fraction": 0.1}]), task)
    ]
    assert other != mixed_ids and len(other) == 48
    assert config.training_files == (REPO / TRAIN, REPO / GENERAL), (
        "the leakage check covers mix files"
    )
    with pytest.raises(
        ConfigError, match=r"mix\[0\].fraction: .* has 60 examples, fraction 0.4 .* needs 288"
    ):
        load_training_data(parse(mix=[{"file": GENERAL, "fraction": 0.4}]))


def test_eval_split_dev_never_evaluates_test_examples() -> None:
    config = parse(eval_file="golden/json_extraction.jsonl", eval_split="dev")
    fraction = load_harness_config(REPO / "pyproject.toml").dev_fraction
    ids = [e.id for e in load_training_data(config).eval]
    assert ids and all(split_of(i, dev_fraction=fraction) == "dev" for i in ids)
    assert error(eval_split="dev").startswith("run.yaml: eval_split: needs eval_file")


def test_demo_config_gates_with_guards_on_dev() -> None:
    config = load_config(REPO / "golden" / "train" / "demo.yaml")
    assert config.gate is not None and config.gate.split == "dev"
    assert config.gate.guard_suites == ("suites/test_general.py", "suites/test_refusal.py")
    assert config.eval_split == "dev"


def _capture_train(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace training by a recorder: the CLI's gating is under test, not the trainer."""
    import training.sft

    seen: list[Any] = []

    def fake_train(config: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["callbacks"])
        raise SystemExit(0)

    monkeypatch.setattr(training.sft, "train", fake_train)
    return seen


def test_harness_train_gates_when_the_config_has_a_gate_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    seen = _capture_train(monkeypatch)
    config = tmp_path / "run.yaml"
    config.write_text(
        f"run_name: g\ntrain_file: {REPO / TRAIN}\noutput_dir: {tmp_path / 'out'}\n"
        "gate: {suites: [json_extraction], primary_metric: schema_valid, limit: 5}\n"
    )
    with pytest.raises(SystemExit):
        main(["train", str(config)])
    (gate,) = seen[0]
    assert gate.runner.split == "dev" and gate.runner.limit == 5
    assert gate.guard_names == ["general", "refusal"]
    assert gate.best_dir == tmp_path / "out" / "best"

    config.write_text(f"run_name: g\ntrain_file: {REPO / TRAIN}\ngate: false\n")
    with pytest.raises(SystemExit):
        main(["train", str(config)])
    assert seen[1] == []
    assert f"checkpoints are not gated (gate: false in {config})" in capsys.readouterr().err


def test_a_missing_gate_suite_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    seen = _capture_train(monkeypatch)
    config = tmp_path / "run.yaml"
    config.write_text(
        f"run_name: g\ntrain_file: {REPO / TRAIN}\n"
        "gate: {suites: [json_extraction], guard_suites: [nope], primary_metric: schema_valid}\n"
    )
    assert main(["train", str(config)]) == 2
    assert seen == [], "nothing trains"
    err = capsys.readouterr().err
    assert err.startswith(f"{config}: gate.guard_suites: suites/test_nope.py not found under ")
    assert err.count("\n") == 1
