"""The backend contract: batch in, list out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from harness._types import Completion, GenerationRequest


@runtime_checkable
class Backend(Protocol):
    """Anything that turns a batch of requests into completions, in order.

    ``fingerprint`` identifies the model (and adapter) so the completion cache
    never serves one model's output for another.
    """

    name: str

    @property
    def fingerprint(self) -> str:
        """A stable identifier of the model weights behind this backend."""
        ...

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Return one completion per request, in the same order."""
        ...
