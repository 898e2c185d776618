"""A few GRPO steps on the embedded model with the harness-metric rewards."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, THREADS

from harness.golden import load_golden
from harness.models import resolve_model
from training.rewards import exact_match_reward, grpo_rows, schema_valid_reward

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_two_grpo_steps_finish_and_log_the_rewards(tmp_path: Path) -> None:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    torch.set_num_threads(THREADS)
    path, _ = resolve_model("embedded")
    # Short prompts keep the CPU steps quick; one row states a schema, the others exact answers.
    exact_qa = load_golden(REPO / "golden" / "exact_qa.jsonl").examples[:3]
    rows = grpo_rows(exact_qa)
    rows[0]["schema"] = '{"type": "object"}'

    args = GRPOConfig(
        output_dir=str(tmp_path / "grpo"),
        use_cpu=True,
        max_steps=2,
        num_generations=2,
        per_device_train_batch_size=2,
        max_completion_length=16,
        gradient_checkpointing=False,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=0,
    )
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32),
        reward_funcs=[schema_valid_reward, exact_match_reward],
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=AutoTokenizer.from_pretrained(str(path)),
        peft_config=LoraConfig(
            r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM"
        ),
    )
    trainer.train()
    assert trainer.state.global_step == 2
    logged = [e for e in trainer.state.log_history if "reward" in e]
    assert len(logged) == 2
    for entry in logged:
        assert 0.0 <= entry["rewards/exact_match_reward/mean"] <= 1.0
        assert 0.0 <= entry["reward"] <= 2.0
