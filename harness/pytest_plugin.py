"""The pytest plugin (entry point ``pytest11``), shaped like pytest's own junitxml plugin.

* options in one ``--harness-…`` group (``pytest_addoption``);
* the session object built in ``pytest_configure`` and kept under a typed
  ``StashKey`` (on pytest-xdist workers too: each evaluates its own tests and
  writes a part file, which the controller merges);
* tests that use the ``evaluate`` or ``variant`` fixture are parametrized by
  variant, so ids read ``test_schema_compliance[finetuned]``;
* ``results.json`` and ``scorecard.html`` written at ``pytest_sessionfinish``,
  their paths printed in ``pytest_terminal_summary``.

This is the only module of the library that imports pytest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.errors import HarnessError
from harness.results import Results

if TYPE_CHECKING:
    from harness.session import EvalSession

SESSION_KEY = pytest.StashKey["EvalSession"]()
RESULTS_KEY = pytest.StashKey[tuple[Path, Results]]()


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
        help="evaluate only the first N examples of each suite (quick checks)",
    )


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Build the evaluation session from options and ``[tool.harness]``; bad options are usage errors."""
    from harness.config import load_config, parse_model_list
    from harness.results import read_results
    from harness.session import EvalSession

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
                raise pytest.UsageError(
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
        )
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None
    if _is_worker(config):
        session.metadata.run_id = config.workerinput["harness_run_id"]  # type: ignore[attr-defined]
    config.stash[SESSION_KEY] = session


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


@pytest.fixture(scope="session")
def harness_session(request: pytest.FixtureRequest) -> Any:
    """The session's :class:`harness.session.EvalSession`."""
    return request.config.stash[SESSION_KEY]


@pytest.fixture(scope="session")
def variant(harness_session: Any, harness_variant_name: str) -> Any:
    """The model variant this test runs against."""
    return next(v for v in harness_session.variants if v.name == harness_variant_name)


@pytest.fixture
def evaluate(harness_session: Any, harness_variant_name: str) -> Callable[..., Any]:
    """``evaluate(suite, limit=None, max_new_tokens=None)``: the suite on the current variant, memoised."""
    from harness.session import GateFailure

    chosen = next(v for v in harness_session.variants if v.name == harness_variant_name)

    def run(suite: str, *, limit: int | None = None, max_new_tokens: int | None = None) -> Any:
        try:
            evaluation = harness_session.evaluate(
                suite, chosen, limit=limit, max_new_tokens=max_new_tokens
            )
        except HarnessError as exc:
            pytest.fail(str(exc), pytrace=False)
        return _PytestEvaluation(evaluation, GateFailure)

    return run


class _PytestEvaluation:
    """Turns gate failures into clean pytest failures (no plugin traceback)."""

    def __init__(self, evaluation: Any, failure: type[Exception]) -> None:
        self._evaluation = evaluation
        self._failure = failure

    def __getattr__(self, name: str) -> Any:
        return getattr(self._evaluation, name)

    def check(self, gate: str) -> Any:
        """See :meth:`harness.session.SuiteEvaluation.check`."""
        # pytest.fail outside the except block, so no chained traceback is shown.
        try:
            return self._evaluation.check(gate)
        except self._failure as exc:
            message = str(exc)
        except HarnessError as exc:
            message = f"gate error: {exc}"
        pytest.fail(message, pytrace=False)

    def check_regression(self, baseline: Any, metrics: Any, **kwargs: Any) -> Any:
        """See :meth:`harness.session.SuiteEvaluation.check_regression`."""
        try:
            return self._evaluation.check_regression(baseline, metrics, **kwargs)
        except self._failure as exc:
            message = str(exc)
        except HarnessError as exc:
            message = f"gate error: {exc}"
        pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def baseline(harness_session: Any) -> Any:
    """The ``--harness-baseline`` results; tests needing it are skipped without one."""
    if harness_session.baseline is None:
        pytest.skip("no baseline given (pass --harness-baseline results.json to check regressions)")
    return harness_session.baseline


def _parts_dir(session: EvalSession) -> Path:
    return Path(session.report_dir) / ".parts" / session.metadata.run_id


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write results.json and the scorecard (workers write part files for the controller)."""
    config = session.config
    ev = config.stash.get(SESSION_KEY, None)
    if ev is None:
        return
    try:
        from harness.results import merge_results, read_results, write_results

        results = ev.build_results()
        if _is_worker(config):
            worker = config.workerinput["workerid"]  # type: ignore[attr-defined]
            if results.examples or results.gates:
                write_results(results, _parts_dir(ev) / f"{worker}.json")
            return
        parts_dir = _parts_dir(ev)
        parts = (
            [read_results(p) for p in sorted(parts_dir.glob("*.json"))]
            if parts_dir.is_dir()
            else []
        )
        if parts:
            # The controller ran no test itself; its part supplies the run id and times.
            results = merge_results([results, *parts])
            for p in parts_dir.glob("*.json"):
                p.unlink()
            parts_dir.rmdir()
        if not results.examples:
            return
        variants = results.variants()
        if len(variants) > 1:
            from harness.compare import paired_comparisons

            results.comparisons = paired_comparisons(results, variants[0])
        path = write_results(results, Path(ev.report_dir) / "results.json")
        from harness.scorecard import write_scorecard

        write_scorecard(results, ev.scorecard_path)
        config.stash[RESULTS_KEY] = (path, results)
    finally:
        ev.close()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """A suites × variants × metrics table with verdicts, and where the files are."""
    written = config.stash.get(RESULTS_KEY, None)
    if written is None:
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
                cells.append(f" {agg.mean:>13.3f}{mark:>5}")
            tr.write_line(f"{suite:<18} {metric:<22}" + "".join(cells))
    failed = [g for g in results.gates if not g.passed]
    verdict = "PASS" if results.passed else f"FAIL ({len(failed)} of {len(results.gates)} gates)"
    if not results.gates:
        verdict = "NO GATES"
    tr.write_line(f"verdict: {verdict}")
    tr.write_line(f"results:   {path}")
    scorecard = path.parent / "scorecard.html"
    if scorecard.exists():
        tr.write_line(f"scorecard: {scorecard}")
    cache = results.metadata.cache
    if cache:
        tr.write_line(f"cache: {cache.get('hits', 0)} hits, {cache.get('misses', 0)} misses")
