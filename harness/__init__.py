"""golden-harness: golden eval suites as pytest tests, for fine-tuning LLMs.

``import harness`` is light: model libraries (torch, transformers, vllm, peft)
are imported only by the backend or command that needs them.
"""

import typing as _typing

from harness._types import (
    Completion,
    ContextPassage,
    Expect,
    Expectation,
    GenerationRequest,
    GoldenExample,
    Location,
    Message,
    RefusalClass,
    Role,
    SamplingParams,
)
from harness.backends import Backend, BackendOptions, build_backend, register_backend
from harness.errors import ConfigError, DataError, DataIssue, HarnessError, MissingDependencyError
from harness.golden import GoldenFile, load_golden, load_many
from harness.run import run_suites

__all__ = [
    "Backend",
    "BackendOptions",
    "Completion",
    "ConfigError",
    "ContextPassage",
    "DataError",
    "DataIssue",
    "Expect",
    "Expectation",
    "GenerationRequest",
    "GoldenExample",
    "GoldenFile",
    "HarnessError",
    "Location",
    "Message",
    "MissingDependencyError",
    "RefusalClass",
    "Role",
    "SamplingParams",
    "build_backend",
    "classify_refusal",
    "detect_refusal",
    "load_golden",
    "load_many",
    "register_backend",
    "run_suites",
]

if _typing.TYPE_CHECKING:
    from harness._refusal import classify_refusal, detect_refusal


def __getattr__(name: str) -> _typing.Any:
    """The refusal detector, imported on first use (compiling its patterns takes ~60 ms)."""
    if name in ("classify_refusal", "detect_refusal"):
        from harness import _refusal

        return getattr(_refusal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
