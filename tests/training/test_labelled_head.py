"""The LM head on labelled positions only: TRL's loss, gradients and eval loss, fewer rows."""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import TRAIN_FILE  # tests/training/conftest.py

from training.config import TrainConfig
from training.sft import build_trainer

pytestmark = pytest.mark.model


def test_labelled_head_gives_trls_loss_from_the_labelled_rows_only(
    make_config: Callable[..., TrainConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trl import SFTTrainer  # type: ignore[attr-defined]
    from trl.trainer import utils as trl_utils

    # Seven extraction chats, their schema checks left out (the schemas' paths are relative).
    rows = [json.loads(line) for line in TRAIN_FILE.read_text(encoding="utf-8").splitlines()[:7]]
    for row in rows:
        row.pop("expect", None)
    train_file, eval_file = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    train_file.write_text("".join(json.dumps(r) + "\n" for r in rows[:4]), encoding="utf-8")
    eval_file.write_text("".join(json.dumps(r) + "\n" for r in rows[4:]), encoding="utf-8")
    config = make_config(
        train_file=str(train_file),
        eval_file=str(eval_file),
        batch_size=4,
        max_steps=1,
        # As the demo trains: bfloat16 autocast.
        trainer_kwargs={"bf16": True, "disable_tqdm": True},
    )
    trainer = build_trainer(config)
    model = trainer.accelerator.prepare_model(trainer.model)  # autocast, as train() does
    batch = next(iter(trainer.get_train_dataloader()))
    _, num_items = trainer.get_batch_samples(iter([batch]), 1, trainer.args.device)

    # Count the rows each forward projects to the vocabulary.
    projected: list[int] = []
    kernel = trl_utils._ChunkedLogProbFunction

    class Counting:
        @staticmethod
        def apply(hidden: torch.Tensor, *args: Any) -> Any:
            projected.append(hidden.shape[0])
            return kernel.apply(hidden, *args)

    monkeypatch.setattr(trl_utils, "_ChunkedLogProbFunction", Counting)

    def use_stock(stock: bool) -> None:
        if stock:  # TRL's own compute_loss, as before
            trainer.compute_loss = types.MethodType(SFTTrainer.compute_loss, trainer)
        else:
            trainer.__dict__.pop("compute_loss", None)

    losses, grads, evals = {}, {}, {}
    for stock in (True, False):
        use_stock(stock)
        model.zero_grad(set_to_none=True)
        losses[stock] = trainer.training_step(model, batch, num_items)
        grads[stock] = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
        evals[stock] = trainer.evaluate()

    labels = batch["labels"]
    labelled = int((labels[:, 1:] != -100).sum())
    stock_rows = labels.shape[0] * (labels.shape[1] - 1)
    assert 0 < labelled < stock_rows / 2, "a prompt-heavy batch: most positions carry no label"
    # Training step then one eval batch (3 examples), per path.
    eval_batch = trainer.data_collator([trainer.eval_dataset[i] for i in range(3)])
    eval_labels = eval_batch["labels"]
    assert projected == [
        stock_rows,
        eval_labels.shape[0] * (eval_labels.shape[1] - 1),
        labelled,
        int((eval_labels[:, 1:] != -100).sum()),
    ]
    torch.testing.assert_close(losses[False], losses[True])
    assert grads[True] and grads[True].keys() == grads[False].keys()
    # lora_B starts at zero, so only the lora_B gradients are non-zero at the first step.
    assert any(grad.abs().max() > 0 for grad in grads[True].values())
    for name, grad in grads[True].items():
        torch.testing.assert_close(grads[False][name], grad, msg=name)
    for key in ("eval_loss", "eval_entropy", "eval_mean_token_accuracy"):
        assert evals[False][key] == pytest.approx(evals[True][key], rel=1e-5), key
