"""Shared test setup: offline model loading and the embedded model fixture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Nothing may download weights or data sets at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The project's variants are backend "auto": vLLM where installed. Tests that are not about
# vLLM keep hf (their expected outputs, and no 20 s, 4 GiB engine per pytest subprocess);
# the tests of "auto" set or clear this themselves.
os.environ.setdefault("HARNESS_AUTO_BACKEND", "hf")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def embedded_model_dir() -> Path:
    """The prepared embedded model; `make test` prepares it before the tests run."""
    from harness import models

    if not models.is_prepared():
        pytest.fail(
            "the embedded model is not prepared: run `make test` or `harness models prepare`"
        )
    return models.embedded_dir()
