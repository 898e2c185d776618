"""vLLM's engine logs go to a file, so pytest's verdict is the last thing a run prints.

The test runs ``pytest suites/...`` in a subprocess on a temporary project whose
variant is ``backend = "auto"``, resolved to vllm, and reads the whole output. A
failing engine's quoted log is tested without an engine in test_vllm_engine_log.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _deps import missing

pytestmark = [pytest.mark.vllm, pytest.mark.model]

if missing("vllm"):
    pytest.skip("vllm is not installed", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
# vLLM's log lines: "INFO 11-30 01:23:45 [file.py:12] ..." (its _FORMAT), from either process.
VLLM_LINE = re.compile(r"^(\([\w.-]+ pid=\d+\) )?(DEBUG|INFO|WARNING|ERROR) \d\d-\d\d ", re.M)


def run_suite(tmp_path: Path, variant: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``pytest suites/test_exact_qa.py`` on 2 examples through ``variant``; output merged."""
    (tmp_path / "pyproject.toml").write_text(
        "[tool.harness]\n"
        'default_models = ["fast"]\n'
        f'golden_dir = "{REPO / "golden"}"\n'
        'report_dir = "report"\n'
        "[tool.harness.models.fast]\n" + variant,
        encoding="utf-8",
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HARNESS_AUTO_BACKEND": "vllm"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(REPO / "suites" / "test_exact_qa.py"),
            "--harness-models",
            "fast",
            "--harness-limit",
            "2",
            "--harness-no-cache",
            "-p",
            "no:cacheprovider",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=600,
    )
    return proc, tmp_path / "report" / "engine.log"


def test_the_verdict_is_the_last_line_and_the_engine_log_is_a_file(
    tmp_path: Path, embedded_model_dir: Path
) -> None:
    proc, log = run_suite(tmp_path, 'backend = "auto"\nmodel = "embedded"\n')
    out = proc.stdout
    assert proc.returncode in (0, 1), out[-3000:]
    lines = [line for line in out.splitlines() if line.strip()]
    assert re.search(r"\b(passed|failed)\b.* in [\d.]+s", lines[-1]), out[-3000:]
    assert "verdict: " in out
    assert not VLLM_LINE.search(out), "a vLLM log line reached the terminal:\n" + out[-3000:]
    text = log.read_text(encoding="utf-8")
    # The engine core's start-up lines (it runs in this process on CPU, in its own elsewhere).
    assert len(VLLM_LINE.findall(text)) >= 3, text[-3000:]
    assert "init engine" in text, text[-3000:]
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    # "auto" is recorded as what it resolved to.
    assert results["metadata"]["variants"]["fast"]["backend"] == "vllm"
