"""Which processes can start vLLM's CPU engine in process: its kernel scan must read every module.

Each check runs in a fresh interpreter, so what this test process imported does
not decide it.
"""

from __future__ import annotations

import subprocess
import sys

from _deps import require

SCAN = "from harness.backends.vllm import _scannable; print(_scannable())"


def _scan(*imports: str) -> str:
    code = "".join(f"import {name}; " for name in imports) + SCAN
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_process_with_classes_and_torch_can_be_scanned() -> None:
    # Every class's __dict__ is a mappingproxy; vLLM reads it with .get, which works.
    assert _scan("torch", "json", "pydantic") == "True"


def test_llvmlite_objects_keep_vllms_own_processes() -> None:
    # llvmlite's ffi.lib (numba imports it) answers vars(...).get with an AttributeError.
    require("llvmlite")
    assert _scan("llvmlite.binding") == "False"
