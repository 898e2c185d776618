"""The backend contract (batch in, list out) and what registers a backend."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, runtime_checkable

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from harness._types import Completion, GenerationRequest

if TYPE_CHECKING:
    from harness.config import Variant


@runtime_checkable
class Backend(Protocol):
    """Anything that turns a batch of requests into completions, in order.

    ``fingerprint`` identifies the model (and adapter) so the completion cache
    never serves one model's output for another.
    """

    @property
    def name(self) -> str:
        """The backend's registered name (``hf``, ``vllm``, ...)."""
        ...

    @property
    def fingerprint(self) -> str:
        """A stable identifier of the model weights behind this backend."""
        ...

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Return one completion per request, in the same order."""
        ...


#: What :meth:`CompletingBackend.generate_as_completed` yields: ``(position, completion)``
#: pairs, a position being the request's index in the call's ``requests``.
Finished = list[tuple[int, Completion]]


@runtime_checkable
class CompletingBackend(Backend, Protocol):
    """A backend that hands back completions as they finish, so each is kept at once.

    The cache (:func:`harness.cache.generate_with_cache`) gives such a backend
    every request of a pass in one call, instead of ``batch_size`` at a time,
    and stores each group it yields before asking for the next: a long call
    then loses no finished work to a crash or Ctrl-C, and the backend batches
    over the whole pass (the ``hf`` backend sorts all prompts by token length;
    vLLM keeps its batch full to the end).
    """

    def generate_as_completed(self, requests: Sequence[GenerationRequest]) -> Iterator[Finished]:
        """Generate every request; yield ``(position, completion)`` groups as they finish.

        Every position comes exactly once. Closing the iterator early stops the
        work still in flight.
        """
        ...


def in_request_order(groups: Iterable[Finished], count: int) -> list[Completion]:
    """Collect :meth:`~CompletingBackend.generate_as_completed`'s groups back into request order."""
    done = dict(pair for group in groups for pair in group)
    return [done[i] for i in range(count)]


class BackendOptions(BaseModel):
    """A backend's own keys in a ``[tool.harness.models.NAME]`` table: typed, unknown keys refused.

    Strict: TOML's ``"4"`` is not the integer 4, nor ``true`` the number 1.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


@dataclass(frozen=True)
class BuildContext:
    """What the run hands a backend besides its variant: where its engine logs and caches."""

    engine_log: Path | None = None
    #: The project's cache folder (``cache_dir``), for files a backend derives (merged weights).
    cache_dir: Path | None = None


#: Builds a backend from a variant and its checked options (the model loads on first use).
Builder = Callable[["Variant", Any, BuildContext], Backend]


@dataclass(frozen=True)
class BackendSpec:
    """What a backend is: its name, options model, the package (and extra) it needs, its builder."""

    name: str
    options: type[BackendOptions]
    build: Builder
    package: str = ""
    extra: str = ""


# -- option types shared by backends; a failed check raises the message after "key: " --------


def _at_least(minimum: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValueError(f"expected an integer >= {minimum}, got {value!r}")
        return value

    return check


def _share(value: object) -> object:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 < value <= 1
    ):
        raise ValueError(
            f"expected a share of accelerator memory in (0, 1], got {value!r} (e.g. 0.9)"
        )
    return float(value)


def _number(positive: bool) -> Callable[[object], object]:
    def check(value: object) -> object:
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value < 0
            or (positive and value == 0)
        ):
            bound = "> 0" if positive else ">= 0"
            raise ValueError(f"expected a number {bound}, got {value!r} (e.g. 1)")
        return float(value)

    return check


def one_of(choices: Sequence[str], hint: str = "") -> BeforeValidator:
    """Refuses a value not in ``choices``; ``hint`` (why they differ) follows in parentheses."""

    def check(value: object) -> object:
        if value not in choices:
            why = f" ({hint})" if hint else ""
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}{why}")
        return value

    return BeforeValidator(check)


def _not_empty(value: str) -> str:
    if not value:
        raise ValueError("expected a non-empty string")
    return value


#: An integer >= 1 (``true`` is not one).
PositiveInt = Annotated[int, BeforeValidator(_at_least(1))]
#: An integer >= 0.
NonNegativeInt = Annotated[int, BeforeValidator(_at_least(0))]
#: A finite number > 0 (seconds, CPUs).
PositiveNumber = Annotated[float, BeforeValidator(_number(positive=True))]
#: A finite number >= 0.
NonNegativeNumber = Annotated[float, BeforeValidator(_number(positive=False))]
#: A share of accelerator memory in (0, 1].
Share = Annotated[float, BeforeValidator(_share)]
#: The weights' dtype (``hf`` and ``vllm``).
DType = Annotated[str, one_of(("bfloat16", "float16", "float32"))]
#: A string that is not empty.
Name = Annotated[str, AfterValidator(_not_empty)]
