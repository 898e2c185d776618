"""Fixtures for backend tests: a local fake OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _fake_openai_server import FakeOpenAIServer


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    """A fresh scriptable server on 127.0.0.1 for one test."""
    with FakeOpenAIServer() as server:
        yield server
