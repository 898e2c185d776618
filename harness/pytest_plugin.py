"""The pytest plugin (entry point ``pytest11``): the ``--harness-…`` option group.

The only module of the library that imports pytest.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``harness`` option group."""
    group = parser.getgroup("harness", "golden-harness evaluation")
    group.addoption(
        "--harness-no-cache",
        action="store_true",
        default=False,
        help="bypass the completion cache (generate everything again)",
    )
