"""Atomic file writes (a reader never sees half a file), and paths as reports show them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    """The process umask: from /proc on Linux, else by setting it and straight back."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # os.umask can only be read by setting it; another thread could see the brief change.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temp file in the same folder, fsync, rename.

    The file gets the mode a plain ``open(path, "w")`` would give (0644 under the
    usual umask), not the 0600 of a temp file, so others can read a report.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def in_project(path: str | Path, root: Path) -> str:
    """A path (or ``path:line``) relative to the project at ``root``: reports name no home folder.

    A path outside the project is returned as given.
    """
    text = str(path)
    name, colon, line = text.rpartition(":")
    if not (colon and line.isdigit()):
        name, line = text, ""
    try:
        shown = Path(name).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return text
    return f"{shown}:{line}" if line else shown
