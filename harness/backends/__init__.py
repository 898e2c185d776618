"""The backend registry: each backend says in its own module what it is (:func:`register_backend`).

A built-in backend is the module ``harness/backends/<name>.py``, imported on
first use (each keeps torch, vllm and ray imports inside its functions, so
``import harness`` stays light); any other module registers one by calling
:func:`register_backend` before the variant that names it is loaded. Config
validation asks the registry for names and options, the engine (and the
latency suite) ask it to build.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError, create_model

from harness._validation import TOML, validation_issues
from harness.backends._base import (
    Backend,
    BackendOptions,
    BackendSpec,
    BuildContext,
    Builder,
    CompletingBackend,
    Finished,
)
from harness.errors import ConfigError, MissingDependencyError

if TYPE_CHECKING:
    from harness.config import Variant

_SPECS: dict[str, BackendSpec] = {}
B = TypeVar("B", bound=Builder)
#: The backends ``backend = "auto"`` chooses between; an auto variant accepts the options of both.
AUTO_CHOICES = ("vllm", "hf")


def register_backend(
    name: str,
    *,
    options: type[BackendOptions] = BackendOptions,
    package: str = "",
    extra: str = "",
) -> Callable[[B], B]:
    """Register the decorated ``build(variant, options, context)`` as backend ``name``.

    ``options``: the model of the backend's keys in a variant's table;
    ``package``: what it imports (checked before building, without importing
    it) and ``extra``: the golden-harness extra that installs it.
    """

    def decorate(build: B) -> B:
        _SPECS[name] = BackendSpec(name, options, build, package, extra)
        return build

    return decorate


@functools.cache
def _builtin() -> tuple[str, ...]:
    # Every public module of this package is the backend of its name.
    return tuple(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def backend_names() -> tuple[str, ...]:
    """Every backend a variant may name, sorted."""
    return tuple(sorted({*_builtin(), *_SPECS}))


def backend_spec(name: str) -> BackendSpec:
    """The registration of backend ``name`` (a built-in one is imported now)."""
    if name not in _SPECS and name in _builtin():
        importlib.import_module(f"{__name__}.{name}")
    try:
        return _SPECS[name]
    except KeyError:
        raise ConfigError(
            f"backend: unknown backend {name!r} (known: {', '.join(backend_names())})"
        ) from None


def _options_model(name: str) -> type[BackendOptions]:
    """Backend ``name``'s options model; ``auto``'s takes the options of each backend it may choose."""
    if name != "auto":
        return backend_spec(name).options
    return _merged(tuple(backend_spec(b).options for b in AUTO_CHOICES))


@functools.cache
def _merged(models: tuple[type[BackendOptions], ...]) -> type[BackendOptions]:
    return create_model("AutoOptions", __base__=models)


def option_names(name: str) -> frozenset[str]:
    """The keys backend ``name`` (or ``auto``) takes in a variant's table (besides the common ones)."""
    return frozenset(_options_model(name).model_fields)


def _unknown_key(key: str, allowed: Collection[str]) -> str:
    """Why ``key`` is refused: the backends that take it, else what is allowed."""
    owners = [b for b in (*backend_names(), "auto") if key in option_names(b)]
    if owners:
        return f"unknown key (only for backend {', '.join(owners)})"
    close = difflib.get_close_matches(key, allowed, n=1)
    guess = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key (allowed: {', '.join(sorted(allowed))}{guess})"


def _problems(
    exc: ValidationError, name: str, model: type[BackendOptions], also: Collection[str] = ()
) -> list[tuple[str, str]]:
    """(key, what is wrong) per error of a backend's options model, in the harness's words."""
    out: list[tuple[str, str]] = []
    for issue in validation_issues(exc, where=name):
        key, what = issue.field.partition("[")[0], issue.problem
        if what == "unknown key":
            what = _unknown_key(key, [*model.model_fields, *also])
        elif what == TOML.missing:
            hint = model.model_fields[key].description
            what = f"required for backend {name!r}" + (f" ({hint})" if hint else "")
        out.append((key, what))
    return out


def check_options(
    name: str, options: Mapping[str, object], where: str, also: Collection[str] = ()
) -> BackendOptions:
    """``options`` checked against backend ``name``'s model; the first problem is a one-line error.

    ``where`` starts the message (``file: [tool.harness.models.NAME]``); ``also``: the
    other keys of a variant's table, listed with the options when a key is unknown.
    """
    model = _options_model(name)
    try:
        return model.model_validate(dict(options))
    except ValidationError as exc:
        key, what = _problems(exc, name, model, also)[0]
        raise ConfigError(f"{where} {key}: {what}") from None


def check_arguments(name: str, arguments: Mapping[str, object]) -> None:
    """A backend constructor's ``arguments`` (its ``locals()``) checked by backend ``name``'s model.

    Only the model's keys count, ``None`` meaning unset; an error reads ``NAME backend: key: ...``.
    """
    fields = backend_spec(name).options.model_fields
    given = {k: v for k, v in arguments.items() if k in fields and v is not None}
    check_options(name, given, f"{name} backend:")


def check_option(name: str, key: str, value: object, where: str) -> Any:
    """One option of backend ``name`` checked alone (e.g. a command-line flag); ``where`` names it."""
    model = backend_spec(name).options
    try:
        return getattr(model.model_validate({key: value}), key)
    except ValidationError as exc:
        problems = [what for k, what in _problems(exc, name, model) if k == key]
        if problems:
            raise ConfigError(f"{where}: {problems[0]}") from None
        return value  # only keys that are not this one are missing


def backend_options(variant: Variant) -> BackendOptions:
    """A variant's options as its backend's typed model (``auto`` is resolved first)."""
    from harness.config import resolve_auto

    variant = resolve_auto(variant)
    return check_options(variant.backend, variant.options, f"[tool.harness.models.{variant.name}]")


def require(package: str, extra: str) -> None:
    """Refuse with the install line when ``package`` is missing (checked without importing it)."""
    # find_spec checks presence without importing (importing vllm takes seconds).
    if package and importlib.util.find_spec(package) is None:
        raise MissingDependencyError(package, extra)


def build_backend(
    variant: Variant, *, engine_log: Path | None = None, cache_dir: Path | None = None
) -> Backend:
    """Construct the backend a variant names (the model is loaded lazily on first use).

    ``engine_log``: where a local engine writes its log (``None``: the
    backend's default); ``cache_dir``: the project's cache folder (``None``:
    ``.harness-cache`` where derived files are needed); ``backend = "auto"`` is resolved here too, for
    variants built in code rather than read from pyproject.toml.
    """
    from harness.config import resolve_auto

    variant = resolve_auto(variant)
    spec = backend_spec(variant.backend)
    options = backend_options(variant)
    require(spec.package, spec.extra)
    return spec.build(variant, options, BuildContext(engine_log=engine_log, cache_dir=cache_dir))


def vllm_available() -> bool:
    """Whether the vllm package is installed (checked without importing it: that takes seconds)."""
    return importlib.util.find_spec("vllm") is not None


__all__ = [
    "AUTO_CHOICES",
    "Backend",
    "BackendOptions",
    "BackendSpec",
    "BuildContext",
    "CompletingBackend",
    "Finished",
    "backend_names",
    "backend_options",
    "backend_spec",
    "build_backend",
    "check_arguments",
    "check_option",
    "check_options",
    "option_names",
    "register_backend",
    "require",
    "vllm_available",
]
