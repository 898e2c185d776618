"""Errors a person can act on.

Every user mistake is a :class:`HarnessError` whose message is one line per
problem: ``path:line: field: what is wrong (how to fix)``. The CLI prints the
message and exits 2, with no traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class HarnessError(Exception):
    """A user-facing error: bad input, bad config, missing dependency."""

    exit_code = 2


class ConfigError(HarnessError):
    """A configuration value is wrong or missing."""


class MissingDependencyError(HarnessError):
    """An optional dependency is not installed; the message says which extra."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"this feature needs the '{package}' package: pip install 'golden-harness[{extra}]'"
        )
        self.package = package
        self.extra = extra


@dataclass(frozen=True)
class DataIssue:
    """One problem found in a data file."""

    path: str
    line: int | None
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.field}: {self.problem} ({self.fix})"


class DataError(HarnessError):
    """One or more data files are invalid; carries every issue found."""

    def __init__(self, issues: Sequence[DataIssue], cap: int = 20) -> None:
        self.issues = tuple(issues)
        shown = [str(i) for i in self.issues[:cap]]
        more = len(self.issues) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more error(s) ({len(self.issues)} in all)")
        super().__init__("\n".join(shown))
