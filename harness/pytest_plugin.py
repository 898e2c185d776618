"""The pytest plugin (entry point ``pytest11``), shaped like pytest's own junitxml plugin.

* options in one ``--harness-…`` group (``pytest_addoption``);
* the session object built in ``pytest_configure`` and kept under a typed
  ``StashKey`` (on pytest-xdist workers too: each evaluates its own tests and
  writes a part file, which the controller merges);
* tests that use the ``evaluate`` or ``variant`` fixture are parametrized by
  variant, so ids read ``test_schema_compliance[finetuned]``;
* ``results.json`` and ``scorecard.html`` written at ``pytest_sessionfinish``,
  their paths printed in ``pytest_terminal_summary``;
* each gate a test decides recorded as its JUnit properties (``--junitxml``);
* :class:`InProcessRun`, through which :func:`harness.run_suites` reaches the session.

This is the only module of the library that imports pytest (``harness.run`` calls
``pytest.main``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from harness._format import format_number
from harness._io import in_project
from harness.errors import HarnessError
from harness.results import GateRecord, Results

if TYPE_CHECKING:
    from harness.session import EvalSession

SESSION_KEY = pytest.StashKey["EvalSession"]()
# The run's results, and where results.json was written (None: not written).
RESULTS_KEY = pytest.StashKey[tuple[Path | None, Results]]()
# False: keep results.json and the scorecard unwritten (run_suites without a report_dir).
WRITE_KEY = pytest.StashKey[bool]()
# False once the thaw is registered; True while this run froze the heap (see _freeze_heap).
_FROZEN_KEY = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``harness`` option group."""
    group = parser.getgroup("harness", "golden-harness evaluation")
    group.addoption(
        "--harness-models",
        default=None,
        metavar="NAMES",
        help="comma-separated model variants from [tool.harness.models] "
        "(default: [tool.harness] default_models)",
    )
    group.addoption(
        "--harness-adapter",
        default=None,
        metavar="PATH",
        help="evaluate a LoRA adapter as variant 'finetuned' (= base + adapter), added to the models",
    )
    group.addoption(
        "--harness-baseline",
        default=None,
        metavar="RESULTS_JSON",
        help="a results.json to check regressions against (activates regression gates)",
    )
    group.addoption(
        "--harness-baseline-variant",
        default=None,
        metavar="NAME",
        help="compare every variant against this variant of the baseline "
        "(default: the variant of the same name), e.g. base",
    )
    group.addoption(
        "--harness-report",
        default=None,
        metavar="DIR",
        help="where to write results.json and scorecard.html (default: [tool.harness] report_dir)",
    )
    group.addoption(
        "--harness-no-cache",
        action="store_true",
        default=False,
        help="bypass the completion cache (generate everything again)",
    )
    group.addoption(
        "--harness-no-plan",
        action="store_true",
        default=False,
        help="generate each suite when its first test asks, not in one vLLM pass with the "
        "other selected suites (slower; a suite's answers then never depend on which other "
        "suites run beside it)",
    )
    group.addoption(
        "--harness-repeat",
        type=int,
        default=1,
        metavar="N",
        help="generate N times with sampling; per-example pass rates and a 'flaky' verdict",
    )
    group.addoption(
        "--harness-limit",
        type=int,
        default=None,
        metavar="N",
        help="evaluate only the first N examples of each suite's split (quick checks)",
    )
    group.addoption(
        "--harness-split",
        default="test",
        choices=("dev", "test", "all"),
        help="which split of each suite to evaluate: dev (selection), test (the verdict; "
        "default) or all (both, with the dev-test gap in the scorecard)",
    )


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Build the evaluation session from options and ``[tool.harness]``; bad options exit 2."""
    from harness.config import load_config, parse_model_list
    from harness.results import read_results
    from harness.session import EvalSession

    # Registered before pytest's own cleanups, so it runs after them (see pytest_unconfigure).
    config.stash[_FROZEN_KEY] = False
    config.add_cleanup(lambda: _thaw_heap(config))
    opt = config.option
    try:
        cfg = load_config()
        if opt.harness_adapter:
            cfg = cfg.with_adapter(Path(opt.harness_adapter))
        names = opt.harness_models or ",".join(cfg.default_models)
        variants = parse_model_list(names, cfg)
        if opt.harness_adapter and all(v.name != "finetuned" for v in variants):
            variants.append(cfg.variant("finetuned"))
        baseline = None
        if opt.harness_baseline:
            path = Path(opt.harness_baseline)
            if not path.is_file():
                raise HarnessError(
                    f"--harness-baseline: {path} not found (give a results.json from an earlier run)"
                )
            baseline = read_results(path)
        report_dir = Path(opt.harness_report) if opt.harness_report else cfg.report_dir
        session = EvalSession(
            config=cfg,
            variants=variants,
            report_dir=report_dir,
            use_cache=not opt.harness_no_cache,
            repeat=opt.harness_repeat,
            limit=opt.harness_limit,
            baseline=baseline,
            baseline_variant=opt.harness_baseline_variant,
            split=opt.harness_split,
        )
        # vLLM's engine logs go beside the results, so the verdict is the last thing printed.
        session.pool.engine_log = Path(report_dir) / "engine.log"
        if not _is_worker(config):
            session.progress = _progress_writer(config)
        _check_baseline_variant(opt.harness_baseline_variant, baseline)
    except HarnessError as exc:
        # Exit 2 with the one message, as the harness command line does for bad input.
        pytest.exit(str(exc), returncode=2)
    if _is_worker(config):
        session.metadata.run_id = config.workerinput["harness_run_id"]  # type: ignore[attr-defined]
    config.stash[SESSION_KEY] = session


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Spare pytest's second garbage collection at exit the objects its first one just checked.

    pytest collects garbage twice at exit, for its unraisable-exception check: in its
    ``pytest_unconfigure`` and again in a cleanup. Each is a full pass over every live
    object not frozen, ~0.25-0.35 s once torch is imported. This runs after the first
    (trylast), so whatever is alive now was just checked; frozen, it is skipped by the
    second pass, which still sees everything created or freed after this point.
    """
    _freeze_heap(config)


def _freeze_heap(config: pytest.Config) -> None:
    """Freeze the heap (``gc.freeze``) for the rest of the run, if this run may.

    It may when this plugin's configure, which registers the thaw, ran, and the heap
    is not frozen by someone else: the caller of ``run_suites``, or an engine that froze
    it and left it so. Freezing again after this run froze only adds objects.
    """
    owned = config.stash.get(_FROZEN_KEY, None)
    if owned or (owned is False and gc.get_freeze_count() == 0):
        gc.freeze()
        config.stash[_FROZEN_KEY] = True


def _freeze_loaded_heap(config: pytest.Config) -> None:
    """After the run's first evaluation: set what is alive aside from garbage collection.

    By then torch, transformers and the model are loaded: ~400k objects that live
    until the run ends, and that every full collection would walk again (~0.1-0.35 s
    each on 2 CPU cores; pytest's exit check is one). Frozen, collections walk only
    what was made since, and an object frozen here is still freed when its last
    reference goes; what is left behind is garbage *in reference cycles* among those
    objects, which waits for the thaw at the end of the run (0.35 s less per run
    here: bench/whole_process.py). The thaw comes before ``pytest.main`` returns, so
    a process that goes on after the run (the demo trains after its evaluations)
    collects as usual.
    """
    if not config.stash.get(_FROZEN_KEY, True):
        _freeze_heap(config)


def _thaw_heap(config: pytest.Config) -> None:
    """Undo :func:`_freeze_heap`: the frozen objects are collectable again."""
    if config.stash.get(_FROZEN_KEY, False):
        gc.unfreeze()
        config.stash[_FROZEN_KEY] = False


def _check_baseline_variant(name: str | None, baseline: Results | None) -> None:
    if name is None:
        return
    if baseline is None:
        raise HarnessError(
            "--harness-baseline-variant: needs --harness-baseline RESULTS_JSON to take the variant from"
        )
    if name not in baseline.variants():
        have = ", ".join(baseline.variants()) or "none"
        raise HarnessError(
            f"--harness-baseline-variant: the baseline has no variant {name!r} "
            f"(it has: {have}); name one of those"
        )


def _progress_writer(config: pytest.Config) -> Callable[[str, bool], None]:
    """Write progress to the terminal, past output capturing: ``(text, end_line)``."""
    # The running test's file, whose result letter follows the progress line.
    interrupted: list[Any] = [None]

    def write(text: str, end_line: bool) -> None:
        # Looked up on use: the terminal reporter registers after this plugin's configure.
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or config.option.verbose < -1:  # -qq: nothing but the summary
            return
        capture = config.pluginmanager.get_plugin("capturemanager")
        # Tests run with stdout captured; pytest's live logging gets past it the same way.
        context = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with context:
            if not end_line:
                interrupted[0] = reporter.currentfspath
                reporter.ensure_newline()
                if config.get_verbosity() < 0:
                    # -q writes result letters with no file name, so the line may hold some.
                    reporter.write_line("")
                reporter.write(text, flush=True)
                return
            current = interrupted[0]
            if config.get_verbosity() > 0:
                # Verbose output: the result line, which starts with a newline, ends this one.
                reporter.write(text, flush=True)
                reporter.currentfspath = None
                return
            reporter.write_line(text)
            if isinstance(current, Path):
                # Short output: write the file name again for the test's result letter.
                reporter.write(f"{os.path.relpath(current, reporter.startpath)} ", flush=True)
                reporter.currentfspath = current

    return write


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker shares the controller's run id."""
    session = node.config.stash.get(SESSION_KEY, None)
    if session is not None:
        node.workerinput["harness_run_id"] = session.metadata.run_id


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize tests that evaluate by variant name, so ids carry it."""
    if {"evaluate", "variant"} & set(metafunc.fixturenames):
        session = metafunc.config.stash[SESSION_KEY]
        names = [v.name for v in session.variants]
        metafunc.parametrize("harness_variant_name", names, ids=names, scope="session")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell the evaluation session which suites the selected tests will evaluate.

    Read from each test's source (:mod:`harness.plan`), so the first evaluation
    on a continuously batching engine can generate the others with it. Not in
    an xdist worker (it runs only some of the tests it collected), nor with
    ``--harness-no-plan``.
    """
    evaluation = session.config.stash.get(SESSION_KEY, None)
    if evaluation is None or _is_worker(session.config) or session.config.option.harness_no_plan:
        return
    from harness.plan import planned_calls

    calls: list[tuple[str, Any]] = []
    found: dict[Any, list[Any]] = {}
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("harness_variant_name") if callspec is not None else None
        function, module = getattr(item, "function", None), getattr(item, "module", None)
        if "evaluate" not in getattr(item, "fixturenames", ()) or name is None:
            continue
        if function is None or module is None:
            continue
        if function not in found:
            found[function] = planned_calls(function, vars(module))
        calls += [(name, call) for call in found[function]]
    evaluation.plan(calls)


@pytest.fixture(scope="session")
def harness_session(request: pytest.FixtureRequest) -> Any:
    """The session's :class:`harness.session.EvalSession`."""
    return request.config.stash[SESSION_KEY]


@pytest.fixture(scope="session")
def variant(harness_session: Any, harness_variant_name: str) -> Any:
    """The model variant this test runs against."""
    return next(v for v in harness_session.variants if v.name == harness_variant_name)


@pytest.fixture
def evaluate(
    harness_session: Any, variant: Any, request: pytest.FixtureRequest
) -> Callable[..., Any]:
    """``evaluate(suite, limit=None, max_new_tokens=None)``: the suite on the current variant, memoised."""
    from harness.session import GateFailure

    def run(suite: str, *, limit: int | None = None, max_new_tokens: int | None = None) -> Any:
        try:
            evaluation = harness_session.evaluate(
                suite, variant, limit=limit, max_new_tokens=max_new_tokens
            )
        except HarnessError as exc:
            message = str(exc)
        else:
            _freeze_loaded_heap(request.config)
            return _PytestEvaluation(evaluation, GateFailure)
        # Broken golden data, an unprepared model, a bad variant: every test would fail
        # the same way, so the run stops with exit 2 and the message once.
        _stop(request.config, message)

    return run


def _stop(config: pytest.Config, message: str) -> NoReturn:
    if _is_worker(config):
        # pytest.exit in an xdist worker reads as a crashed worker and loses the message.
        pytest.fail(message, pytrace=False)
    lines = message.splitlines() or [message]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if len(lines) > 1 and reporter is not None:
        # pytest.exit shows its reason in one banner line, so a list is written first.
        capture = config.pluginmanager.get_plugin("capturemanager")
        context = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with context:
            reporter.ensure_newline()
            for line in lines:
                reporter.write_line(line, red=True)
        message = f"{len(lines)} problem(s) above; fix them and run again"
    pytest.exit(message, returncode=2)


class _PytestEvaluation:
    """Turns gate failures into clean pytest failures (no plugin traceback)."""

    def __init__(self, evaluation: Any, failure: type[Exception]) -> None:
        self._evaluation = evaluation
        self._failure = failure

    def __getattr__(self, name: str) -> Any:
        return getattr(self._evaluation, name)

    def check(self, gate: str) -> Any:
        """See :meth:`harness.session.SuiteEvaluation.check`."""
        return self._decide(self._evaluation.check, gate)

    def check_regression(self, baseline: Any, metrics: Any, **kwargs: Any) -> Any:
        """See :meth:`harness.session.SuiteEvaluation.check_regression`."""
        return self._decide(self._evaluation.check_regression, baseline, metrics, **kwargs)

    def _decide(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # pytest.fail outside the except block, so no chained traceback is shown.
        try:
            return check(*args, **kwargs)
        except self._failure as exc:
            message = str(exc)
        except HarnessError as exc:
            message = f"gate error: {exc}"
        pytest.fail(message, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Record every gate the test decides as JUnit properties, so ``--junitxml`` has the figures."""
    session = item.config.stash.get(SESSION_KEY, None)
    decided = len(session.gates) if session is not None else 0
    try:
        return (yield)
    finally:
        if session is not None:
            used: set[str] = set()
            for gate in session.gates[decided:]:
                item.user_properties.extend(junit_properties(gate, used))


def junit_properties(gate: GateRecord, used: set[str] | None = None) -> list[tuple[str, str]]:
    """A gate's figures as ``(name, value)`` pairs named ``METRIC.FIELD``, e.g. ``exact_match.value``.

    A second gate on the same metric in one test is ``METRIC.2.FIELD`` (names in ``used``).
    Fields: gate, value, ci_low, ci_high, threshold, n, passed; regression gates add
    baseline, p_value and tolerance, an undecided gate its error. Absent figures are left out.
    """
    used = set() if used is None else used
    prefix, k = gate.metric, 1
    while prefix in used:
        k += 1
        prefix = f"{gate.metric}.{k}"
    used.add(prefix)
    threshold = gate.op if gate.threshold is None else f"{gate.op} {gate.threshold:g}"
    fields: list[tuple[str, object]] = [
        ("gate", gate.gate),
        ("value", gate.value),
        ("ci_low", gate.ci_low),
        ("ci_high", gate.ci_high),
        ("threshold", threshold),
        ("n", gate.n),
        ("passed", "true" if gate.passed else "false"),
        ("baseline", gate.baseline_value),
        ("p_value", gate.p_value),
        ("tolerance", gate.tolerance),
        ("error", gate.error),
    ]
    return [
        (f"{prefix}.{name}", format(value, ".6g") if isinstance(value, float) else str(value))
        for name, value in fields
        if value is not None
    ]


@pytest.fixture(scope="session")
def baseline(harness_session: Any) -> Any:
    """The ``--harness-baseline`` results; tests needing it are skipped without one."""
    if harness_session.baseline is None:
        pytest.skip("no baseline given (pass --harness-baseline results.json to check regressions)")
    return harness_session.baseline


def _parts_dir(session: EvalSession) -> Path:
    return Path(session.report_dir) / ".parts" / session.metadata.run_id


def _take_parts(session: EvalSession) -> list[Results]:
    """The part files pytest-xdist workers wrote for this run, read and removed."""
    from harness.results import read_results

    parts_dir = _parts_dir(session)
    if not parts_dir.is_dir():
        return []
    parts = [read_results(p) for p in sorted(parts_dir.glob("*.json"))]
    shutil.rmtree(parts_dir)
    # .parts/ itself goes too, unless another run still has parts in it.
    with contextlib.suppress(OSError):
        parts_dir.parent.rmdir()
    return parts


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write results.json and the scorecard (workers write part files for the controller)."""
    config = session.config
    ev = config.stash.get(SESSION_KEY, None)
    if ev is None:
        return
    try:
        from harness.results import write_results

        if _is_worker(config):
            part = ev.build_results(compare=False)  # compared once all parts are in
            worker = config.workerinput["workerid"]  # type: ignore[attr-defined]
            if part.examples or part.gates:
                write_results(part, _parts_dir(ev) / f"{worker}.json")
            return
        # The controller of an xdist run ran no test itself; its part supplies the run id and times.
        results = ev.build_results(_take_parts(ev))
        path = None
        write: bool = config.stash.get(WRITE_KEY, True)
        if results.examples and write:
            path = write_results(results, Path(ev.report_dir) / "results.json")
            from harness.scorecard import write_scorecard

            write_scorecard(results, ev.scorecard_path)
        config.stash[RESULTS_KEY] = (path, results)
    finally:
        ev.close()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """A suites × variants × metrics table with verdicts, and where the files are."""
    written = config.stash.get(RESULTS_KEY, None)
    if written is None or not written[1].examples:
        return
    path, results = written
    tr = terminalreporter
    tr.section("golden-harness")
    gated = {(g.suite, g.variant, g.metric): g for g in results.gates}
    variants = results.variants()
    header = f"{'suite':<18} {'metric':<22}" + "".join(f" {v:>18}" for v in variants)
    tr.write_line(header)
    for suite in results.suites():
        metrics = list(dict.fromkeys(a.metric for a in results.aggregates if a.suite == suite))
        for metric in metrics:
            cells = []
            for v in variants:
                agg = results.aggregate(suite, v, metric)
                if agg is None or agg.mean is None:
                    cells.append(f" {'-':>18}")
                    continue
                gate = gated.get((suite, v, metric))
                mark = "" if gate is None else (" PASS" if gate.passed else " FAIL")
                cells.append(f" {format_number(agg.mean):>13}{mark:>5}")
            tr.write_line(f"{suite:<18} {metric:<22}" + "".join(cells))
    failed = [g for g in results.gates if not g.passed]
    errored = sum(g.error is not None for g in failed)
    verdict = "PASS" if results.passed else f"FAIL ({len(failed)} of {len(results.gates)} gates"
    if not results.passed:
        verdict += f", {errored} could not be decided)" if errored else ")"
    if not results.gates:
        verdict = "NO GATES"
    tr.write_line(f"verdict: {verdict}")
    # Which part of each suite the figures above come from (--harness-split).
    md = results.metadata
    fraction = f", dev_fraction {md.dev_fraction:g}" if md.dev_fraction is not None else ""
    tr.write_line(f"split:   {md.split}{fraction}")
    if path is not None:
        _report_lines(tr, path, failed=bool(failed))
    cache = results.metadata.cache
    if cache:
        tr.write_line(f"cache: {cache.get('hits', 0)} hits, {cache.get('misses', 0)} misses")


def _report_lines(tr: Any, path: Path, *, failed: bool) -> None:
    """Where results.json and the scorecard are, and what to do next when a gate failed."""
    results_path = in_project(path, Path.cwd())
    tr.write_line(f"results:   {results_path}")
    scorecard = path.parent / "scorecard.html"
    if not scorecard.exists():
        return
    tr.write_line(f"scorecard: {in_project(scorecard, Path.cwd())}")
    if failed:
        tr.write_line(
            f"next: open {in_project(scorecard, Path.cwd())}#gh-gate-failures "
            "for the failing examples of each gate"
        )
        tr.write_line(
            f"      to keep this run as a committed baseline: "
            f"harness baseline save NAME --from {results_path}"
        )


class InProcessRun:
    """The plugin object of :func:`harness.run_suites`: gives the session its variants, takes the results.

    ``variants``: names (parsed from ``--harness-models``) or ``Variant`` objects;
    None keeps the session's own. :attr:`failed`: ids of failed tests and modules.
    """

    def __init__(
        self, variants: Sequence[Any] | None, backends: Mapping[str, Any], *, write_report: bool
    ) -> None:
        self.variants = variants
        self.backends = backends
        self.write_report = write_report
        self.failed: list[str] = []
        self.results: Results | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Give the harness plugin's session the variants to evaluate and their ready backends."""
        config.stash[WRITE_KEY] = self.write_report
        session = config.stash.get(SESSION_KEY, None)
        if session is None:
            return
        if not self.write_report:
            session.pool.engine_log = None  # nothing goes to the report folder, a log neither
        try:
            self._give_variants(session)
        except HarnessError as exc:
            pytest.exit(str(exc), returncode=2)

    def _give_variants(self, session: EvalSession) -> None:
        """Set the variants to evaluate; a given backend goes to the pool (else the session builds one)."""
        from harness.backends import Backend

        if self.variants is not None:
            parsed = {v.name: v for v in session.variants}
            session.variants = [
                (parsed.get(v) or session.config.variant(v)) if isinstance(v, str) else v
                for v in self.variants
            ]
        for variant in session.variants:
            backend = self.backends.get(variant.name)
            if backend is not None and not isinstance(backend, Backend):
                backend = backend(variant)  # built here: in the project's folder, the variant known
            if backend is not None:
                session.pool.put(variant, backend)

    def pytest_runtest_logreport(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        """A failed test (a gate failed or went undecided), or a suite module that did not import."""
        if report.failed:
            self.failed.append(report.nodeid)

    pytest_collectreport = pytest_runtest_logreport

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Take the results the session finish built."""
        written = config.stash.get(RESULTS_KEY, None)
        self.results = None if written is None else written[1]
