"""Run config validation: every mistake is one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from harness.errors import ConfigError
from harness.golden import SplitRatios, load_golden, split_examples
from training.config import DEFAULT_RUNS_DIR, LoraSettings, load_config, parse_config
from training.sft import load_training_data

TRAIN = "golden/train/json_extraction.jsonl"
EVAL = "golden/json_extraction.jsonl"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def case(text: str, expected: str) -> object:
    """One bad config and the start of its error; the test id is the key at fault."""
    return pytest.param(text, expected, id=expected.split(": ")[1])


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message, "config errors are one line"
    return message


def test_minimal_config_gets_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text((REPO / TRAIN).read_text(encoding="utf-8"))
    config = load_config(write(tmp_path, "run_name: r1\ntrain_file: data.jsonl\n"))
    assert config.train_file == tmp_path / "data.jsonl", "input paths are relative to the config"
    assert config.output_dir == DEFAULT_RUNS_DIR / "r1"
    assert config.model == "embedded"
    assert config.lora == LoraSettings(r=16, alpha=32, dropout=0.05, target_modules="all-linear")
    assert config.epochs == 1.0 and config.max_steps is None
    assert config.assistant_only_loss is True and config.qlora is False
    assert config.packing is False and dict(config.trainer_kwargs) == {}


def test_full_config(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            f"""
run_name: full
model: embedded
train_file: {REPO / TRAIN}
eval_file: {REPO / EVAL}
output_dir: {tmp_path / "out"}
lora: {{r: 4, alpha: 8, dropout: 0.1, target_modules: [q_proj, v_proj]}}
qlora: true
max_length: 128
packing: false
assistant_only_loss: false
seed: 7
learning_rate: 5e-4
max_steps: 12
batch_size: 4
grad_accum: 2
save_steps: 6
threads: 1
trainer_kwargs: {{logging_steps: 3, warmup_steps: 1}}
""",
        )
    )
    assert config.lora == LoraSettings(
        r=4, alpha=8, dropout=0.1, target_modules=("q_proj", "v_proj")
    )
    assert config.learning_rate == 5e-4, "2e-4 without a dot (a YAML string) is read as a number"
    assert config.max_steps == 12 and config.epochs is None
    assert config.qlora and not config.assistant_only_loss
    assert (config.batch_size, config.grad_accum, config.save_steps, config.threads) == (4, 2, 6, 1)
    assert dict(config.trainer_kwargs) == {"logging_steps": 3, "warmup_steps": 1}
    assert config.with_max_steps(2).max_steps == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nlearning_rat: 0.1\n",
            "run.yaml: learning_rat: unknown key (allowed: run_name, model, train_file,",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nlora: {{rank: 8}}\n",
            "run.yaml: lora.rank: unknown key (allowed: r, alpha, dropout, target_modules)",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nbatch_size: eight\n",
            "run.yaml: batch_size: expected an integer >= 1, got a string 'eight'",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nbatch_size: 0\n",
            "run.yaml: batch_size: expected an integer >= 1, got a number 0",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nqlora: yes please\n",
            "run.yaml: qlora: expected true or false, got a string 'yes please'",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nmax_steps: true\n",
            "run.yaml: max_steps: expected an integer >= 1, got a boolean True",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nlearning_rate: fast\n",
            "run.yaml: learning_rate: expected a number, got a string 'fast'",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nlora: {{dropout: 1.5}}\n",
            "run.yaml: lora.dropout: must be below 1",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nlora: {{target_modules: 3}}\n",
            'run.yaml: lora.target_modules: expected "all-linear" or a list of module names',
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nlora: [8]\n",
            "run.yaml: lora: expected a mapping, got a list [8]",
        ),
        case(f"train_file: {TRAIN}\n", "run.yaml: run_name: missing"),
        case("run_name: x\n", "run.yaml: train_file: missing (or give split: {from: FILE})"),
        case(
            "run_name: x\ntrain_file: nowhere.jsonl\n",
            "run.yaml: train_file: file not found:",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\neval_file: nowhere.jsonl\n",
            "run.yaml: eval_file: file not found:",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nmodel: no/such/model\n",
            "run.yaml: model: 'no/such/model' is neither 'embedded' nor a local model directory",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nepochs: 2\nmax_steps: 10\n",
            "run.yaml: max_steps: give either epochs or max_steps, not both",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\nsplit: {{from: {TRAIN}}}\n",
            "run.yaml: split: give either split or train_file/eval_file, not both",
        ),
        case(
            f"run_name: x\nsplit: {{from: {TRAIN}, ratios: '80,10'}}\n",
            "run.yaml: split.ratios: '80,10' must be three non-negative numbers",
        ),
        case("run_name: x\nsplit: {ratios: '80,10,10'}\n", "run.yaml: split.from: missing"),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\ntrainer_kwargs: {{learning_rate: 0.1}}\n",
            "run.yaml: trainer_kwargs.learning_rate: set by the top-level key 'learning_rate'",
        ),
        case(
            f"run_name: x\ntrain_file: {TRAIN}\ntrainer_kwargs: {{per_device_train_batch_size: 2}}\n",
            "run.yaml: trainer_kwargs.per_device_train_batch_size: set by the top-level key 'batch_size'",
        ),
        case("run_name: a/b\ntrain_file: x\n", "run.yaml: run_name: 'a/b' must not contain a path"),
        case("- just\n- a list\n", "run.yaml: expected a mapping of settings, got a list"),
        case("run_name: x\nrun_name: y\n", "run.yaml:2: not valid YAML: duplicate key 'run_name'"),
        case("run_name: [x\n", "run.yaml:2: not valid YAML:"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    # Relative paths in these configs resolve against the config's folder: put the data there.
    (tmp_path / "golden" / "train").mkdir(parents=True)
    (tmp_path / TRAIN).write_text((REPO / TRAIN).read_text(encoding="utf-8"))
    message = error_of(tmp_path, text)
    assert expected in message
    assert message.startswith(str(tmp_path / "run.yaml"))


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.yaml")


def test_unknown_trainer_kwarg_is_rejected_before_any_model_loads() -> None:
    from training.sft import sft_config

    config = parse_config(
        {"run_name": "x", "train_file": TRAIN, "trainer_kwargs": {"warmup_stepz": 1}},
        source="run.yaml",
        base_dir=REPO,
    )
    with pytest.raises(
        ConfigError, match=r"^run\.yaml: trainer_kwargs\.warmup_stepz: not an SFTConfig field"
    ):
        sft_config(config, has_eval=False)


def test_split_uses_the_harness_hash_split() -> None:
    config = parse_config(
        {"run_name": "x", "split": {"from": TRAIN, "ratios": "70,30,0", "seed": "s"}},
        source="run.yaml",
        base_dir=REPO,
    )
    assert config.split is not None and config.split.ratios == SplitRatios.parse("70,30,0")
    data = load_training_data(config)
    expected = split_examples(load_golden(REPO / TRAIN).examples, SplitRatios.parse("70,30,0"), "s")
    assert [ex.id for ex in data.train] == [ex.id for ex in expected["train"]]
    assert [ex.id for ex in data.eval] == [ex.id for ex in expected["val"]]
    assert len(data.train) + len(data.eval) == 432
    assert data.eval_fingerprint is not None and data.eval_fingerprint != data.train_fingerprint


def test_train_and_eval_files() -> None:
    config = parse_config(
        {"run_name": "x", "train_file": TRAIN, "eval_file": EVAL}, source="run.yaml", base_dir=REPO
    )
    data = load_training_data(config)
    assert (len(data.train), len(data.eval)) == (432, 186)


def test_the_demo_config_is_valid() -> None:
    import torch

    from training.sft import sft_config

    config = load_config(REPO / "golden" / "train" / "demo.yaml")
    assert config.train_file == REPO / "golden" / "train" / "json_extraction.jsonl"
    assert config.eval_file is not None and config.eval_file.resolve() == REPO / EVAL
    args = sft_config(config, has_eval=True)
    assert (args.max_steps, args.per_device_train_batch_size, args.max_length) == (30, 8, 448)
    assert config.truncation == "refuse", "the demo's data fits its max_length"
    assert args.completion_only_loss is True
    cpu = not torch.cuda.is_available()
    assert args.use_cpu is cpu and args.gradient_checkpointing is not cpu
    assert args.report_to in ("none", [])
