"""SFT on the embedded model: which tokens are trained, checkpoints, resuming."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.backends.hf import HFBackend
from harness.errors import ConfigError, DataError
from harness.models import resolve_model
from training.config import TrainConfig
from training.sft import (
    FINAL_DIR,
    RUN_FILE,
    TrainResult,
    build_trainer,
    by_length,
    load_training_data,
    train,
)

pytestmark = pytest.mark.model


def test_only_the_assistant_answer_and_end_token_are_trained(
    make_config: Callable[..., TrainConfig],
) -> None:
    config = make_config()
    trainer = build_trainer(config)
    tokenizer = trainer.processing_class
    examples = load_training_data(config).train
    dataset = trainer.train_dataset
    assert dataset is not None and len(dataset) == len(examples)
    # Find a long example (cut at max_length) to check alongside ordinary ones.
    lengths = [len(row["input_ids"]) for row in dataset]
    long_index = next(i for i, n in enumerate(lengths) if n == config.max_length)
    indices = [0, 1, 2, 3, long_index]
    batch = trainer.data_collator([dataset[i] for i in indices])
    inference = HFBackend(resolve_model("embedded")[0], fingerprint="x", tokenizer=tokenizer)
    for row, index in enumerate(indices):
        example = examples[index]
        input_ids, labels = batch["input_ids"][row], batch["labels"][row]
        trained = labels != -100
        positions = trained.nonzero().flatten().tolist()
        assert positions == list(range(positions[0], positions[-1] + 1)), "one contiguous span"
        prompt_ids = input_ids[: positions[0]]
        # The context is byte for byte the prompt the backends send at inference.
        assert tokenizer.decode(prompt_ids) == inference.render(example.messages)
        trained_text = tokenizer.decode(input_ids[trained])
        assert example.reference is not None
        if index == long_index:
            assert example.reference.startswith(trained_text), "a cut example trains a prefix"
            assert not trained_text.endswith("<|im_end|>")
        else:
            assert trained_text == example.reference + "<|im_end|>"
            # Nothing after the end token is trained (padding is masked).
            assert input_ids[positions[-1]] == tokenizer.eos_token_id


def test_eval_batches_hold_rows_of_like_length(
    make_config: Callable[..., TrainConfig],
) -> None:
    config = make_config(eval_file="golden/json_extraction.jsonl", eval_split="dev")
    trainer = build_trainer(config)
    tokenizer = trainer.processing_class
    rows = [
        {"prompt": "a " * n, "completion": "b " * m + "<|im_end|>"}
        for n, m in ((30, 5), (2, 1), (9, 9), (2, 1), (1, 0))
    ]
    ordered = by_length(rows, tokenizer)
    assert [r["prompt"].count("a") for r in ordered] == [1, 2, 2, 9, 30]
    assert ordered[1] is rows[1] and ordered[2] is rows[3]  # ties keep their order
    # The trainer's eval set is in that order: its batches pad to like lengths.
    dataset = trainer.eval_dataset
    assert dataset is not None
    sizes = [len(row["input_ids"]) for row in dataset]
    assert sizes == sorted(sizes) and len(set(sizes)) > 1


def test_prompts_longer_than_max_length_are_an_error(
    make_config: Callable[..., TrainConfig],
) -> None:
    with pytest.raises(
        DataError, match=r"json_extraction\.jsonl:\d+: messages: the prompt alone"
    ) as info:
        build_trainer(make_config(max_length=64))
    assert "nothing would be trained" in str(info.value)
    assert "raise max_length in test.yaml" in str(info.value)


@pytest.mark.slow
def test_three_lora_steps_write_checkpoints_and_the_final_adapter(tiny_run: TrainResult) -> None:
    assert tiny_run.global_step == 3
    assert [p.name for p in tiny_run.checkpoints] == ["checkpoint-2", "checkpoint-3"]
    for folder in (*tiny_run.checkpoints, tiny_run.adapter_dir):
        assert (folder / "adapter_config.json").is_file()
        assert (folder / "adapter_model.safetensors").is_file()
    assert (tiny_run.checkpoints[0] / "optimizer.pt").is_file()
    assert tiny_run.adapter_dir == tiny_run.output_dir / FINAL_DIR
    assert (tiny_run.adapter_dir / "tokenizer_config.json").is_file()
    losses = [e["loss"] for e in tiny_run.log_history if "loss" in e]
    assert len(losses) == 3 and all(loss > 0 for loss in losses)
    meta = json.loads((tiny_run.output_dir / RUN_FILE).read_text())
    assert meta["base_fingerprint"] == resolve_model("embedded")[1]
    assert meta["train_examples"] == 8 and meta["truncated_examples"] == tiny_run.truncated == 0


@pytest.mark.slow
def test_resume_continues_the_step_count(
    tiny_run: TrainResult,
    make_config: Callable[..., TrainConfig],
    short_chats_file: Path,
) -> None:
    config = make_config(train_file=str(short_chats_file), max_length=64)
    checkpoint = config.output_dir / "checkpoint-2"
    shutil.copytree(tiny_run.output_dir / "checkpoint-2", checkpoint)
    resumed = train(config, resume_from_checkpoint=checkpoint)
    assert resumed.global_step == 3
    steps = [e["step"] for e in resumed.log_history if "loss" in e]
    assert steps == [1, 2, 3], "steps 1-2 come from the checkpoint, step 3 was trained now"
    assert [p.name for p in resumed.checkpoints] == ["checkpoint-2", "checkpoint-3"]
    # Same data order, optimizer and RNG state: step 3 matches the uninterrupted run.
    loss = {e["step"]: e["loss"] for e in resumed.log_history if "loss" in e}
    original = {e["step"]: e["loss"] for e in tiny_run.log_history if "loss" in e}
    assert loss[3] == pytest.approx(original[3], rel=1e-3)


def test_resume_from_a_folder_that_is_not_a_checkpoint(
    make_config: Callable[..., TrainConfig], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="is not a training checkpoint"):
        train(make_config(), resume_from_checkpoint=tmp_path)
