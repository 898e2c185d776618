"""Fixtures for training tests: tiny run configs and one shared 3-step LoRA run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from training.config import TrainConfig, parse_config
from training.sft import TrainResult, train

REPO = Path(__file__).resolve().parents[2]
TRAIN_FILE = REPO / "golden" / "train" / "json_extraction.jsonl"
EVAL_FILE = REPO / "golden" / "json_extraction.jsonl"
#: The machine is shared: training tests use few threads and tiny batches.
THREADS = 2

#: Short chats for the slowest paths (QLoRA on CPU), where sequence length dominates.
SHORT_CHATS = [
    ("What is the capital of France?", "Paris"),
    ("Name a primary colour.", "Red"),
    ("What is 2 + 2?", "4"),
    ("Say hello in Spanish.", "Hola"),
]


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., TrainConfig]:
    """Build a validated config with tiny-run defaults; keyword arguments override keys."""

    def make(**overrides: Any) -> TrainConfig:
        data: dict[str, Any] = {
            "run_name": "tiny",
            "model": "embedded",
            "train_file": str(TRAIN_FILE),
            "output_dir": str(tmp_path / "run"),
            "lora": {"r": 8, "alpha": 16, "dropout": 0.0},
            "max_length": 256,
            "learning_rate": 1e-3,
            "max_steps": 3,
            "batch_size": 2,
            "save_steps": 2,
            "threads": THREADS,
            "trainer_kwargs": {"logging_steps": 1, "disable_tqdm": True},
        }
        data.update(overrides)
        return parse_config(data, source="test.yaml", base_dir=REPO)

    return make


@pytest.fixture
def short_chats_file(tmp_path: Path) -> Path:
    """A golden file of four one-word answers."""
    path = tmp_path / "short.jsonl"
    lines = [
        json.dumps(
            {
                "id": f"short-{i}",
                "messages": [
                    {"role": "system", "content": "Answer in one word."},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ],
            }
        )
        for i, (question, answer) in enumerate(SHORT_CHATS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_run(embedded_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """Three LoRA steps (batch 2, checkpoints at steps 2 and 3), shared by several tests."""
    out = tmp_path_factory.mktemp("tiny-run")
    config = parse_config(
        {
            "run_name": "tiny",
            "train_file": str(TRAIN_FILE),
            "output_dir": str(out / "run"),
            "lora": {"r": 8, "alpha": 16, "dropout": 0.0},
            "max_length": 256,
            "learning_rate": 1e-3,
            "max_steps": 3,
            "batch_size": 2,
            "save_steps": 2,
            "threads": THREADS,
            "trainer_kwargs": {"logging_steps": 1, "disable_tqdm": True},
        },
        source="tiny.yaml",
    )
    return train(config)
