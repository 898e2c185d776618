"""Fixtures for training tests: tiny run configs and one shared 3-step LoRA run."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from training.config import TrainConfig, parse_config
from training.sft import TrainResult, train

REPO = Path(__file__).resolve().parents[2]
TRAIN_FILE = REPO / "golden" / "train" / "json_extraction.jsonl"
EVAL_FILE = REPO / "golden" / "json_extraction.jsonl"
#: One thread: on shared cores, two threads slow down several-fold whenever anything else runs.
THREADS = 1

#: Short chats for the runs that train: sequence length dominates a CPU step.
SHORT_CHATS = [
    ("What is the capital of France?", "Paris"),
    ("Name a primary colour.", "Red"),
    ("What is 2 + 2?", "4"),
    ("Say hello in Spanish.", "Hola"),
    ("What colour is the sky on a clear day?", "Blue"),
    ("Which animal says moo?", "Cow"),
    ("What is the opposite of hot?", "Cold"),
    ("How many legs does a spider have?", "Eight"),
]


def tiny_settings(**overrides: Any) -> TrainConfig:
    """A 3-step run (batch 2, checkpoints at steps 2 and 3); keyword arguments override keys."""
    data: dict[str, Any] = {
        "run_name": "tiny",
        "model": "embedded",
        "train_file": str(TRAIN_FILE),
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0},
        "max_length": 256,
        # 256 cuts some answers of the extraction set: these runs test training, not fit.
        "truncation": "allow",
        "learning_rate": 1e-3,
        "max_steps": 3,
        "batch_size": 2,
        "save_steps": 2,
        "threads": THREADS,
        "trainer_kwargs": {"logging_steps": 1, "disable_tqdm": True},
    }
    data.update(overrides)
    return parse_config(data, source="test.yaml", base_dir=REPO)


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., TrainConfig]:
    """:func:`tiny_settings` writing into this test's temporary directory."""

    def make(**overrides: Any) -> TrainConfig:
        return tiny_settings(**{"output_dir": str(tmp_path / "run"), **overrides})

    return make


def eval_project(
    root: Path, pyproject: str, suites: Mapping[str, str], ask: str = "In one word: "
) -> Path:
    """A project to gate with: per suite name, a golden file of the short chats and its suite.

    The questions are worded apart from the training chats (``ask`` before each): an
    exact copy of an eval example in the training data is refused before training.
    """
    (root / "golden").mkdir(parents=True)
    (root / "suites").mkdir()
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for name, suite in suites.items():
        rows = [
            {
                "id": f"{name}-{i}",
                "messages": [
                    {"role": "system", "content": "Answer in one word."},
                    {"role": "user", "content": f"{ask}{q}"},
                    {"role": "assistant", "content": a},
                ],
                "expect": {"refuse": False},
            }
            for i, (q, a) in enumerate(SHORT_CHATS)
        ]
        (root / "golden" / f"{name}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
        )
        (root / "suites" / f"test_{name}.py").write_text(suite, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def short_chats_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A golden file of eight one-word answers."""
    path = tmp_path_factory.mktemp("data") / "short.jsonl"
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
def tiny_run(
    embedded_model_dir: Path, short_chats_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> TrainResult:
    """Three LoRA steps on the short chats, shared by the checkpoint, resume and export tests."""
    out = tmp_path_factory.mktemp("tiny-run") / "run"
    return train(
        tiny_settings(train_file=str(short_chats_file), max_length=64, output_dir=str(out))
    )
