"""Split a benchmark pass into time inside an engine's methods and the harness's own time."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any


class InsideTimer:
    """Adds up the wall time spent in some methods of one object while :meth:`patched` is open."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return method(*a, **kw)
            finally:
                self.seconds += time.perf_counter() - t0

        return call

    @contextlib.contextmanager
    def patched(self, obj: Any, names: Sequence[str]) -> Iterator[None]:
        """Time ``obj.<name>`` calls (instance attributes shadow the methods) from zero."""
        self.seconds = 0.0
        for name in names:
            setattr(obj, name, self._wrap(getattr(obj, name)))
        try:
            yield
        finally:
            for name in names:
                delattr(obj, name)
