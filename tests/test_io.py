"""Atomic writes leave files with the mode an ordinary write would give."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness._io import atomic_write_text


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_file_is_world_readable_under_the_usual_umask(tmp_path: Path, umask: None) -> None:
    path = atomic_write_text(tmp_path / "sub" / "results.json", "{}\n")
    assert path.read_text() == "{}\n"
    assert mode(path) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["results.json"], "no temp file left"


def test_written_file_follows_a_stricter_umask(tmp_path: Path, umask: None) -> None:
    os.umask(0o077)
    path = atomic_write_text(tmp_path / "report.html", "x")
    assert mode(path) == 0o600
    os.umask(0o002)
    assert mode(atomic_write_text(tmp_path / "report.html", "y")) == 0o664
