"""``run_suites``: the one way to run golden suites from code (the training gate uses it).

Importing this module costs nothing: pytest and the rest load on the first call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.backends import Backend
    from harness.config import Variant
    from harness.results import RunResults


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
    a ready backend, or a function of the variant that builds one inside the run;
    the run closes it at its end, so hand in one that only borrows what must outlive
    the run. ``root``: the project whose ``[tool.harness]`` applies, which the other
    paths are relative to and the run changes into (default: the working directory).
    ``adapter``, ``split``, ``limit``, ``use_cache=False``: the ``--harness-…``
    options of those names. ``results.json`` and the scorecard are written only when
    ``report_dir`` is given. The result's ``exit_code`` is pytest's; bad arguments
    raise :class:`~harness.errors.HarnessError`.
    """
    import pytest

    from harness.errors import HarnessError
    from harness.golden import RUN_SPLITS
    from harness.pytest_plugin import InProcessRun
    from harness.results import Results, RunMetadata, RunResults

    if not paths:
        raise HarnessError("run_suites: give at least one suite path, e.g. suites/")
    if split not in RUN_SPLITS:
        raise HarnessError(
            f"run_suites: split must be one of {', '.join(RUN_SPLITS)}, got {split!r}"
        )
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
    with contextlib.chdir(project), _suite_imports_forgotten(folders):
        code = int(pytest.main(args, plugins=[plugin]))
    # The object equals what results.json holds (no NaN, plain lists), as a reader of it sees.
    results = Results.from_json((plugin.results or Results(RunMetadata.now())).to_json())
    return RunResults(
        **{f.name: getattr(results, f.name) for f in dataclasses.fields(Results)},
        exit_code=code,
        failed_tests=list(plugin.failed),
    )


@contextlib.contextmanager
def _suite_imports_forgotten(folders: Sequence[Path]) -> Iterator[None]:
    """After the run, forget the modules it imported from the suites' folders, and their path entries.

    pytest keeps a suite module in ``sys.modules`` under its bare name: a later run
    would reuse it, stale, or fail with "import file mismatch". A library imported
    for the first time (numpy under scipy) stays: it must not be imported twice.
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
