"""``run_suites``: run golden suites from code and get their results back as an object.

The one way to run suites in process (the training gate uses it). It owns the
``pytest.main`` call, hands the plugin's session the variants to evaluate and
any ready backend for them (a live model, a running engine), and returns the
:class:`~harness.results.Results` the plugin built, with pytest's exit code.
``results.json`` and the scorecard are written only when ``report_dir`` is given.

Importing this module costs nothing: pytest and the rest load on the first call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.backends import Backend
    from harness.config import Variant
    from harness.results import RunResults

#: ``--harness-split`` values: the suites' dev part, their test part (the release verdict's), or both.
SPLITS = ("dev", "test", "all")


def run_suites(
    paths: Sequence[str | Path],
    *,
    variants: Sequence[str | Variant] | None = None,
    backends: Mapping[str, Backend | Callable[[Variant], Backend]] | None = None,
    report_dir: str | Path | None = None,
    root: str | Path | None = None,
    adapter: str | Path | None = None,
    split: str = "test",
    limit: int | None = None,
    use_cache: bool = True,
    pytest_args: Sequence[str] = (),
) -> RunResults:
    """Run suite modules (``pytest PATHS``) in this process; return their results.

    ``variants``: names from ``[tool.harness.models]`` or :class:`~harness.config.Variant`
    objects, in order (default: ``default_models``). ``backends``: per variant name,
    a ready backend to use instead of building one, or a function of the variant
    that returns one (called inside the run); the run closes it at its end, as it
    does its own, so hand in one that only borrows what must outlive the run.
    ``root``: the project whose ``[tool.harness]`` applies, and the folder
    ``paths``, ``report_dir`` and ``adapter`` are relative to (default: the working
    directory; the run changes into it and back). ``adapter``, ``split`` and
    ``limit`` are ``--harness-adapter`` (variant ``finetuned`` = base + the adapter),
    ``--harness-split`` and ``--harness-limit``; ``use_cache=False`` is
    ``--harness-no-cache``; ``pytest_args`` go to pytest as they are.

    The result's ``exit_code`` is pytest's (0 every test passed, 1 some failed,
    anything else: the run broke, and pytest said why); its ``examples`` are empty
    when nothing was evaluated. Bad arguments raise :class:`~harness.errors.HarnessError`.
    """
    import pytest

    from harness.errors import HarnessError
    from harness.pytest_plugin import InProcessRun
    from harness.results import Results, RunMetadata, RunResults

    if not paths:
        raise HarnessError("run_suites: give at least one suite path, e.g. suites/")
    if split not in SPLITS:
        raise HarnessError(f"run_suites: split must be one of {', '.join(SPLITS)}, got {split!r}")
    chosen = None if variants is None else list(variants)
    if chosen == []:
        raise HarnessError(
            "run_suites: variants= is empty; name one, or leave it out for the defaults"
        )
    names = [v if isinstance(v, str) else v.name for v in chosen or ()]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise HarnessError(f"run_suites: variant(s) {', '.join(twice)} given twice; name each once")
    lent = dict(backends or {})
    strays = sorted(set(lent) - set(names))
    if strays:
        raise HarnessError(
            f"run_suites: backends given for {', '.join(strays)}, which variants= does not "
            f"list (variants: {', '.join(names) or 'none given'}); add them to variants="
        )
    project = Path(root) if root is not None else Path.cwd()
    suites = [project / p for p in paths]
    args = [str(p) for p in suites]
    args += ["-p", "no:cacheprovider", "--harness-split", split]
    if report_dir is not None:
        args += ["--harness-report", str(project / report_dir)]
    if adapter is not None:
        args += ["--harness-adapter", str(project / adapter)]
    if limit is not None:
        args += ["--harness-limit", str(limit)]
    if not use_cache:
        args.append("--harness-no-cache")
    named = [v for v in chosen or () if isinstance(v, str)]
    if named:
        # Names go through the option, so a bad one gets the command line's message.
        args += ["--harness-models", ",".join(named)]
    args += list(pytest_args)
    plugin = InProcessRun(chosen, lent, write_report=report_dir is not None)
    folders = [p if p.is_dir() else p.parent for p in suites]
    with _working_dir(project), _suite_imports_forgotten(folders):
        code = int(pytest.main(args, plugins=[plugin]))
    built = plugin.results
    # The object equals what results.json holds (no NaN, plain lists), as a reader of it sees.
    data = built.to_json() if built is not None else Results(RunMetadata.now()).to_json()
    results = Results.from_json(data)
    return RunResults(
        **{f.name: getattr(results, f.name) for f in dataclasses.fields(Results)},
        exit_code=code,
        failed_tests=list(plugin.failed),
    )


@contextlib.contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    """In ``path`` for the run: ``[tool.harness]`` is found from the working directory."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def _suite_imports_forgotten(folders: Sequence[Path]) -> Iterator[None]:
    """After the run, forget the modules it imported from the suites' folders, and their path entries.

    pytest imports a suite module under its bare name (``test_refusal``) and
    keeps it in ``sys.modules``: a later run in this process would reuse that
    module object, stale if the file changed in between, or fail with "import
    file mismatch" for another project's module of the same name. Only modules
    the run imported are dropped, and only from those folders: a library imported
    for the first time (numpy under scipy) must not be imported twice.
    """
    modules, path = set(sys.modules), set(sys.path)
    try:
        yield
    finally:
        sys.path[:] = [p for p in sys.path if p in path]
        roots = [f.resolve() for f in folders]
        for name in set(sys.modules) - modules:
            file = getattr(sys.modules[name], "__file__", None)
            if file and any(Path(file).resolve().is_relative_to(r) for r in roots):
                del sys.modules[name]
