"""Optional dependencies that `make test` installs: a skip on a developer's machine, a failure in CI.

A test that skips when vLLM, PEFT, bitsandbytes or pytest-xdist is missing
would let a broken CI install pass silently, so with the ``CI`` environment
variable set (GitHub Actions and GitLab CI set it) or ``HARNESS_REQUIRE_TEST_DEPS=1``
(``make test`` sets it: it installed them) a missing one fails the run instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType

import pytest

SETUP = "`make test` installs it (pip install -e '.[train,cpu,dev]')"


def in_ci() -> bool:
    """Whether the tests run in CI, where every dependency of `make test` must be present."""
    return any(
        os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
        for name in ("CI", "HARNESS_REQUIRE_TEST_DEPS")
    )


def missing(module: str) -> bool:
    """True when ``module`` is not installed and a skip is allowed; in CI its absence fails."""
    if importlib.util.find_spec(module) is not None:
        return False
    if in_ci():
        pytest.fail(f"{module} is not installed; {SETUP}", pytrace=False)
    return True


def require(module: str) -> ModuleType:
    """Import ``module``, or skip the calling test or module (fail in CI) when it is missing."""
    if missing(module):
        pytest.skip(f"{module} is not installed; {SETUP}", allow_module_level=True)
    return importlib.import_module(module)
