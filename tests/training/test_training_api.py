"""The ``training`` package: a small public API that imports no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import training


def test_import_training_loads_no_heavy_library() -> None:
    code = (
        "import sys, json, training, training.cli;"
        "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'peft', 'trl', 'datasets') "
        "if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_public_api_is_exactly_all() -> None:
    public = {
        name
        for name, value in vars(training).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public | {"GateCallback"} == set(training.__all__)  # GateCallback loads lazily
    for name in training.__all__:
        assert getattr(training, name).__doc__, f"{name} has no docstring"
