"""`import harness` stays light: no torch, transformers or vllm."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from _deps import require

import harness


def test_import_harness_loads_no_heavy_library() -> None:
    code = (
        "import sys, json, harness, harness.golden, harness.backends, harness.cli;"
        "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'vllm', 'peft', 'trl') "
        "if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_public_api_is_exactly_all() -> None:
    import types

    public = {
        name
        for name, value in vars(harness).items()
        # submodules imported as a side effect (or by pytest) are not API
        if not name.startswith(("_", "@")) and not isinstance(value, types.ModuleType)
    }
    # The refusal detector is imported on first use (module __getattr__).
    assert public | {"classify_refusal", "detect_refusal"} == set(harness.__all__)
    for name in harness.__all__:
        assert getattr(harness, name).__doc__, f"{name} has no docstring"


def test_import_harness_compiles_no_refusal_patterns_until_asked() -> None:
    # harness._refusal compiles ~60 ms of patterns at import; only refusal scoring needs them.
    code = (
        "import sys, harness, harness.metrics, harness.session, harness.pytest_plugin;"
        "print('harness._refusal' in sys.modules);"
        "from harness import detect_refusal;"
        "print('harness._refusal' in sys.modules, detect_refusal('I cannot help with that.'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]


def test_training_imports_without_a_bitsandbytes_kernels_notice() -> None:
    require("peft")
    # peft imports bitsandbytes, which on CPU asks for the optional `kernels` package.
    code = "import training, training.sft, peft"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "kernels" not in out.stderr, out.stderr
    assert out.stderr.strip() == ""


def test_a_run_without_schemas_imports_no_jsonschema() -> None:
    # jsonschema, referencing and urllib.request cost ~0.08 s of start-up; only schemas need them.
    code = (
        "import sys, json, pathlib, harness.pytest_plugin, harness.session;"
        "from harness.golden import load_golden;"
        "load_golden(pathlib.Path('golden/exact_qa.jsonl'));"
        "print(json.dumps([m for m in ('jsonschema', 'referencing', 'urllib.request') "
        "if m in sys.modules]))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert json.loads(out.stdout) == []
