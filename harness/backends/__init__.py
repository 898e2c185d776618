"""Backends by name, imported lazily so ``import harness`` never loads torch or vllm."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from harness.backends._base import Backend
from harness.errors import ConfigError, MissingDependencyError

#: name -> ("module:Class", the package it needs, the extra that installs it)
BACKENDS: dict[str, tuple[str, str, str]] = {
    "hf": ("harness.backends.hf:HFBackend", "", ""),
    "peft": ("harness.backends.peft:PeftBackend", "peft", "train"),
    "vllm": ("harness.backends.vllm:VLLMBackend", "vllm", "vllm"),
    "openai": ("harness.backends.openai:OpenAIBackend", "", ""),
    "scripted": ("harness.backends.scripted:ScriptedBackend", "", ""),
    "ray": ("harness.backends.ray:RayBackend", "ray", "ray"),
}


def backend_class(name: str) -> type[Any]:
    """The backend class registered under ``name``; clear errors for unknown names or missing extras."""
    try:
        target, package, extra = BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"backend: unknown backend {name!r} (known: {', '.join(sorted(BACKENDS))})"
        ) from None
    module_name, _, cls_name = target.partition(":")
    # find_spec checks presence without importing (importing vllm takes seconds).
    if package and importlib.util.find_spec(package) is None:
        raise MissingDependencyError(package, extra)
    module = importlib.import_module(module_name)
    cls: type[Any] = getattr(module, cls_name)
    return cls


def vllm_available() -> bool:
    """Whether the vllm package is installed (checked without importing it: that takes seconds)."""
    return importlib.util.find_spec("vllm") is not None


__all__ = ["BACKENDS", "Backend", "backend_class", "vllm_available"]
