"""One evaluation session: variants × suites, memoised runs, gate decisions, results.

This is the pytest-free core of the plugin (``harness.pytest_plugin``): the
plugin builds one :class:`EvalSession` per pytest session and hands tests a
:class:`SuiteEvaluation` through the ``evaluate`` fixture. Many tests over one
suite cost one generation pass, because runs are memoised per
(suite, variant, sampling).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from harness._io import in_project
from harness._types import GoldenExample, RefusalClass, SamplingParams
from harness.backends import Backend
from harness.cache import CompletionCache
from harness.config import HarnessConfig, JudgeSettings, Variant
from harness.engine import BackendPool, SuiteJob, SuiteRun, default_metrics, run_suite, run_together
from harness.errors import HarnessError
from harness.golden import RUN_SPLITS, GoldenFile, load_golden, select_split, split_of
from harness.judges import (
    PairwiseVerdict,
    RefusalJudgement,
    RubricVerdict,
    grades,
    judge_metric_names,
    judge_pairwise,
    judge_pointwise,
    judge_refusals,
    judge_summary,
    rubric_judge,
    rubric_judges,
)
from harness.metrics import MetricKind, MetricResult, aggregate, get_metric
from harness.metrics._aggregate import Aggregate
from harness.plan import PlannedCall
from harness.results import (
    ExampleRecord,
    GateRecord,
    Results,
    RunMetadata,
    SuiteInfo,
    VariantInfo,
    merge_results,
    utc_now,
)

#: A memoised run: (suite name, variant name, (sampling, limit)).
RunKey = tuple[str, str, Any]


class GateFailure(AssertionError):
    """A gate did not pass; the message says what, by how much, and where to look."""


@dataclass
class SuiteEvaluation:
    """What a test sees: one suite evaluated on one variant (``repeat`` runs)."""

    session: EvalSession
    suite: str
    variant: Variant
    golden: GoldenFile
    runs: list[SuiteRun]

    @property
    def examples(self) -> tuple[GoldenExample, ...]:
        """The evaluated examples."""
        return self.runs[0].examples

    def results(self, metric: str) -> list[Any]:
        """Every repeat's results of one metric, pooled (repeat-major)."""
        return [r for run in self.runs for r in run.score(metric)]

    def aggregate(self, metric: str) -> Aggregate:
        """Mean, interval and counts of one metric over all repeats."""
        return aggregate(get_metric(metric), self.results(metric))

    def _values(self, metric: str, *, pooled: bool) -> dict[str, MetricResult]:
        """This evaluation's per-example values of one metric, keyed by example id.

        ``pooled`` counts every repeat (ids get an ``@repeat`` suffix after the
        first); regression gates pair by id, so they read the first repeat only.
        """
        runs = self.runs if pooled else self.runs[:1]
        return {
            ex.id if r == 0 else f"{ex.id}@{r}": _metric_value(res)
            for r, run in enumerate(runs)
            for ex, res in zip(run.examples, run.score(metric), strict=True)
        }

    def check(self, gate: str) -> GateRecord:
        """Apply a threshold gate such as ``"schema_valid >= 0.95"``; raise :class:`GateFailure`."""
        from harness.gates import ThresholdGate, errored_gate

        parsed = ThresholdGate.parse(gate)
        try:
            record = parsed.decide_values(
                self._values(parsed.metric, pooled=True),
                self.suite,
                self.variant.name,
                scorecard=self.session.scorecard_link,
            )
        except HarnessError as exc:
            # An undecidable gate is a failed gate in results.json and the verdict too.
            self.session.record_gate(
                errored_gate(
                    parsed.label,
                    parsed.metric,
                    "threshold",
                    self.suite,
                    self.variant.name,
                    str(exc),
                    op=parsed.op,
                    threshold=parsed.threshold,
                )
            )
            raise
        self.session.record_gate(record)
        if not record.passed:
            raise GateFailure(record.message)
        return record

    def check_regression(
        self,
        baseline: Results,
        metrics: Sequence[str],
        *,
        tolerance: float = 0.0,
        alpha: float = 0.05,
    ) -> list[GateRecord]:
        """Regression gates against a baseline run; raise :class:`GateFailure` on any drop."""
        from harness.gates import RegressionGate, errored_gate

        records: list[GateRecord] = []
        errors: list[HarnessError] = []
        for metric in metrics:
            gate = RegressionGate(metric, tolerance=tolerance, alpha=alpha)
            try:
                record = gate.decide_values(
                    baseline,
                    self._values(metric, pooled=False),
                    self.suite,
                    self.variant.name,
                    baseline_variant=self.session.baseline_variant,
                    scorecard=self.session.scorecard_link,
                ).record
            except HarnessError as exc:
                if self.session.baseline_variant is None and self.variant.name not in (
                    baseline.variants()
                ):
                    exc = HarnessError(
                        f"{exc}; to compare against another variant of the baseline, "
                        "pass --harness-baseline-variant NAME (e.g. base)"
                    )
                # Recorded as a failed gate, so results.json and the verdict count it.
                errors.append(exc)
                record = errored_gate(
                    gate.label,
                    metric,
                    "regression",
                    self.suite,
                    self.variant.name,
                    str(exc),
                    op="no significant drop",
                    tolerance=tolerance,
                )
            records.append(record)
        for record in records:
            self.session.record_gate(record)
        if errors:
            raise HarnessError("\n".join(str(e) for e in errors))
        failed = [r for r in records if not r.passed]
        if failed:
            raise GateFailure("\n\n".join(r.message for r in failed))
        return records


@dataclass
class EvalSession:
    """Variants, shared backends, the cache, memoised runs and recorded gates."""

    config: HarnessConfig
    variants: list[Variant]
    report_dir: Path
    use_cache: bool = True
    repeat: int = 1
    limit: int | None = None
    baseline: Results | None = None
    # The baseline's variant that regression gates compare every variant against
    # (None: the same-named variant), e.g. "base" to gate "finetuned" against it.
    baseline_variant: str | None = None
    split: str = "all"  # "dev", "test" or "all" of every suite; pytest suites/ passes "test"
    # ``(text, end_line)`` for one progress line per suite and variant; None: a progress bar.
    progress: Callable[[str, bool], None] | None = None
    metadata: RunMetadata = field(default_factory=RunMetadata.now)
    pool: BackendPool = field(default_factory=BackendPool)
    gates: list[GateRecord] = field(default_factory=list)
    _cache: CompletionCache | None = None
    _runs: dict[RunKey, SuiteEvaluation] = field(default_factory=dict)
    _goldens: dict[Path, GoldenFile] = field(default_factory=dict)
    _measured: list[tuple[list[ExampleRecord], list[Aggregate]]] = field(default_factory=list)
    # Runs the selected tests will ask for (plan), those generated ahead (planned), and
    # for each generated run, the run whose evaluation generated it (pass_of).
    _plan: dict[RunKey, SuiteJob] = field(default_factory=dict)
    _planned: dict[RunKey, SuiteRun] = field(default_factory=dict)
    _pass_of: dict[RunKey, RunKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise HarnessError(
                f"--harness-limit: expected a whole number of examples >= 1, got {self.limit} "
                "(leave the option out to evaluate every example)"
            )
        if self.repeat < 1:
            raise HarnessError("--harness-repeat: must be at least 1")
        if self.repeat > 1:
            greedy = [v.name for v in self.variants if v.sampling.greedy]
            if greedy:
                raise HarnessError(
                    f"--harness-repeat {self.repeat}: variant(s) {', '.join(greedy)} decode greedily, "
                    "so every repeat would be identical; set sampling.temperature > 0 for them"
                )
        self.metadata.repeat = self.repeat
        if self.split not in RUN_SPLITS:
            raise HarnessError(
                f"--harness-split: expected one of {', '.join(RUN_SPLITS)}, got {self.split!r}"
            )
        self.metadata.split = self.split
        self.metadata.dev_fraction = self.config.dev_fraction
        if self.pool.cache_dir is None:
            self.pool.cache_dir = self.config.cache_dir

    @property
    def cache(self) -> CompletionCache | None:
        """The completion cache, opened on first use (None when bypassed)."""
        if self.use_cache and self._cache is None:
            self._cache = CompletionCache(self.config.cache_dir / "completions.sqlite3")
        return self._cache

    @property
    def scorecard_path(self) -> Path:
        """Where the scorecard is written."""
        return self.report_dir / "scorecard.html"

    @property
    def scorecard_link(self) -> str:
        """The scorecard's path as messages show it: relative to the working directory when inside it."""
        return in_project(self.scorecard_path, Path.cwd())

    def golden(self, suite: str | Path) -> GoldenFile:
        """Load (once) and validate a suite's golden file."""
        path = self.config.suite_path(suite)
        if path not in self._goldens:
            self._goldens[path] = load_golden(path)
        return self._goldens[path]

    def _job(
        self,
        suite: str | Path,
        variant: Variant,
        limit: int | None,
        max_new_tokens: int | None,
    ) -> tuple[RunKey, SuiteJob, GoldenFile]:
        """What ``evaluate`` runs: its memo key, the job, and the suite's whole golden file."""
        golden = full = self.golden(suite)
        if self.split != "all":
            # The split is applied before --harness-limit, so a limit never reaches across it.
            chosen = select_split(
                golden.examples, self.split, dev_fraction=self.config.dev_fraction
            )
            if not chosen:
                raise HarnessError(
                    f"{golden.path}: no example falls in split {self.split!r} "
                    f"(dev_fraction {self.config.dev_fraction}); use --harness-split all"
                )
            golden = dataclasses.replace(golden, examples=chosen)
        sampling = variant.sampling
        if max_new_tokens is not None:
            sampling = dataclasses.replace(sampling, max_new_tokens=max_new_tokens)
        n = self.limit if self.limit is not None else limit
        if n is not None and n < 1:
            raise HarnessError(f"evaluate({golden.name!r}): limit must be at least 1, got {n}")
        key = (golden.name, variant.name, (sampling, n))
        return key, SuiteJob(golden, dataclasses.replace(variant, sampling=sampling), n), full

    def plan(self, calls: Sequence[tuple[str, PlannedCall]]) -> None:
        """Note the ``evaluate`` calls the selected tests will make, as (variant name, call).

        When the first of them runs, every planned run on the same backend is
        generated with it in one pass, if the backend batches continuously
        (``continuous_batching``, vLLM's); otherwise the plan is not used. A
        call that cannot be resolved now (an unknown variant, a broken golden
        file) is left out, and fails in its own test as before.
        """
        variants = {v.name: v for v in self.variants}
        for name, call in calls:
            variant = variants.get(name)
            if variant is None or self.repeat > 1:
                continue
            try:
                key, job, _ = self._job(call.suite, variant, call.limit, call.max_new_tokens)
            except HarnessError:
                continue
            self._plan.setdefault(key, job)

    def _run_planned(self, key: RunKey, backend: Backend) -> SuiteRun | None:
        """The run for ``key`` from the plan, generating the backend's planned runs together."""
        if key not in self._plan or not getattr(backend, "continuous_batching", False):
            return None
        if key not in self._planned:
            backend_key = self._plan[key].variant.backend_key
            keys = [
                k
                for k, job in self._plan.items()
                if job.variant.backend_key == backend_key
                and k not in self._runs
                and k not in self._planned
            ]
            jobs = [self._plan[k] for k in keys]
            names = ", ".join(dict.fromkeys(f"{j.golden.name} · {j.variant.name}" for j in jobs))
            runs = run_together(jobs, backend, self.cache, names, progress=self.progress is None)
            self._planned.update(zip(keys, runs, strict=True))
            self._pass_of.update((k, key) for k in keys)
        return self._planned.pop(key)

    def evaluate(
        self,
        suite: str | Path,
        variant: Variant,
        *,
        limit: int | None = None,
        max_new_tokens: int | None = None,
    ) -> SuiteEvaluation:
        """Evaluate a suite on a variant, memoised: a second call costs nothing."""
        key, job, full = self._job(suite, variant, limit, max_new_tokens)
        golden, sampling, n = job.golden, job.variant.sampling, job.limit
        if key in self._runs:
            return self._runs[key]
        backend = self.pool.get(variant)
        count = len(job.examples)
        if self.progress is not None:
            self.progress(f"{golden.name} · {variant.name}: {count} examples ... ", False)
        started = time.perf_counter()
        runs: list[SuiteRun] = []
        try:
            first = self._run_planned(key, backend)
            if first is not None:
                runs.append(first)
            for r in range(len(runs), self.repeat):
                rep_sampling = sampling
                if self.repeat > 1:
                    rep_sampling = dataclasses.replace(sampling, seed=(sampling.seed or 0) + r)
                runs.append(
                    run_suite(
                        golden,
                        dataclasses.replace(variant, sampling=rep_sampling),
                        backend,
                        self.cache,
                        limit=n,
                        progress=self.progress is None,
                    )
                )
        except BaseException:
            if self.progress is not None:
                self.progress("stopped", True)
            raise
        if "refusal" in self.config.judges and any(
            e.expect.refuse is not None for e in runs[0].examples
        ):
            self._judge_refusals(runs, variant)
        if rubric_judges(self.config):
            for run in runs:
                run.rubric = self._rubric_provider(golden, run, variant)
        for run in runs:
            for k, v in dataclasses.asdict(run.cache).items():
                if isinstance(v, int):
                    self.metadata.cache[k] = self.metadata.cache.get(k, 0) + v
        if self.progress is not None:
            cached = sum(c.cached for run in runs for c in run.completions)
            pass_of = self._pass_of.get(key)
            others = sum(k == key for k in self._pass_of.values()) - 1 if pass_of == key else 0
            elsewhere = None if pass_of == key else pass_of
            line = _done_line(time.perf_counter() - started, cached, elsewhere, others)
            self.progress(line, True)
        evaluation = SuiteEvaluation(self, golden.name, variant, golden, runs)
        self._runs[key] = evaluation
        self.metadata.suites[golden.name] = SuiteInfo(
            in_project(full.path, self.config.root), full.fingerprint, len(full)
        )
        self.metadata.variants[variant.name] = _variant_info(variant, backend.fingerprint, sampling)
        return evaluation

    def _judge_refusals(self, runs: Sequence[SuiteRun], variant: Variant) -> None:
        """Have the refusal judge classify every answer; metrics then decide on its class.

        The detector's class is kept beside the judge's in each metric's details,
        and the agreement of the two is recorded per suite and variant in
        ``metadata.extra["refusal_judge"]`` for the scorecard.
        """
        settings = self.config.judges["refusal"]
        judge_variant = self.config.variant(settings.variant)
        backend = self.pool.get(judge_variant)
        first: dict[str, RefusalJudgement] = {}
        for run in runs:
            verdicts = judge_refusals(settings, backend, self.cache, run.examples, run.completions)
            run.judged.update({v.example_id: v.judged.value for v in verdicts if v.judged})
            run.scores.clear()  # scores computed before the judge spoke are stale
            first = first or {v.example_id: v for v in verdicts}
        key = f"{runs[0].suite}/{variant.name}"
        self.metadata.extra.setdefault("refusal_judge", {})[key] = _judge_summary(
            settings, judge_variant, backend.fingerprint, runs[0], first
        )

    def _rubric_provider(
        self, golden: GoldenFile, run: SuiteRun, variant: Variant
    ) -> Callable[[str], Mapping[str, RubricVerdict | PairwiseVerdict]]:
        """A run's rubric verdicts per judge name, asked of the judge once, on first use."""
        memo: dict[str, Mapping[str, RubricVerdict | PairwiseVerdict]] = {}

        def verdicts(name: str) -> Mapping[str, RubricVerdict | PairwiseVerdict]:
            settings = rubric_judge(self.config, name)
            if settings.name not in memo:
                memo[settings.name] = self._judge_rubric(settings, golden, run, variant)
            return memo[settings.name]

        return verdicts

    def _judge_rubric(
        self, settings: JudgeSettings, golden: GoldenFile, run: SuiteRun, variant: Variant
    ) -> dict[str, RubricVerdict | PairwiseVerdict]:
        """Ask one rubric judge about a run; its summary goes to ``metadata.extra["judges"]``.

        A pairwise judge compares with ``reference_variant``'s answers, generated
        like an evaluation of that variant (so through the cache, and free when
        that variant was evaluated too), or with each example's reference answer.
        """
        if not grades(settings, run.suite):
            return {}  # the metric then says there is no verdict
        judge_variant = self.config.variant(settings.variant)
        backend = self.pool.get(judge_variant)
        found: Sequence[RubricVerdict | PairwiseVerdict]
        if settings.mode == "pointwise":
            found = judge_pointwise(settings, backend, self.cache, run.examples, run.completions)
        else:
            others: list[str | None] = [e.reference for e in run.examples]
            skip = "the example has no reference answer to compare with"
            if settings.reference_variant == variant.name:
                others, skip = [None] * len(run.examples), "this is the judge's reference variant"
            elif settings.reference_variant is not None:
                ref = self.config.variant(settings.reference_variant)
                subset = dataclasses.replace(golden, examples=run.examples)
                ref_run = run_suite(subset, ref, self.pool.get(ref), self.cache, progress=False)
                others = [c.text for c in ref_run.completions]
            found = judge_pairwise(
                settings,
                backend,
                self.cache,
                run.examples,
                run.completions,
                others,
                skip_reason=skip,
                show_reference=settings.reference_variant is not None,
            )
        key = f"{run.suite}/{variant.name}"
        judges = self.metadata.extra.setdefault("judges", {}).setdefault(key, {})
        if settings.name not in judges:  # the first repeat speaks for the run, as for refusal
            judges[settings.name] = judge_summary(
                settings, judge_variant.name, backend.fingerprint, found
            )
        return {v.example_id: v for v in found}

    def record_gate(self, record: GateRecord) -> None:
        """Keep a gate decision for results.json and the terminal summary."""
        self.gates.append(record)

    def record_measurements(
        self,
        suite: str,
        variant: Variant,
        *,
        examples: Sequence[ExampleRecord],
        aggregates: Sequence[Aggregate],
        fingerprint: str,
        info: SuiteInfo | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Add records measured outside :meth:`evaluate` (e.g. latency runs) to results.json.

        ``examples`` and ``aggregates`` are written as they are; gates on them
        go through :meth:`record_gate`. ``fingerprint`` describes what served
        the variant and is used only when no evaluation recorded the variant.
        ``extra`` lands in ``metadata.extra[suite][variant]``.
        """
        root = self.config.root
        shown = [dataclasses.replace(e, source=in_project(e.source, root)) for e in examples]
        self._measured.append((shown, list(aggregates)))
        if info is not None:
            self.metadata.suites[suite] = dataclasses.replace(
                info, path=in_project(info.path, root)
            )
        if variant.name not in self.metadata.variants:
            self.metadata.variants[variant.name] = _variant_info(
                variant, fingerprint, variant.sampling
            )
        if extra is not None:
            self.metadata.extra.setdefault(suite, {})[variant.name] = _jsonable(dict(extra))

    def build_results(self, parts: Sequence[Results] = (), *, compare: bool = True) -> Results:
        """Everything evaluated so far as a :class:`Results`, with the paired comparisons.

        ``parts``: results other processes of this run wrote (pytest-xdist workers),
        merged in before comparing. ``compare=False`` leaves ``comparisons`` empty
        (a worker's part, compared once merged).
        """
        self.metadata.finished_at = utc_now()
        results = Results(metadata=self.metadata, gates=list(self.gates))
        for evaluation in self._runs.values():
            gated = {
                g.metric
                for g in self.gates
                if g.suite == evaluation.suite
                and g.variant == evaluation.variant.name
                and get_metric(g.metric).kind is MetricKind.PASS_FAIL
            }
            retrieval = evaluation.variant.retrieval is not None
            metrics = [*default_metrics(evaluation.examples, retrieval=retrieval), *sorted(gated)]
            if rubric_judges(self.config):
                metrics += judge_metric_names(self.config, evaluation.suite)
            metrics = list(dict.fromkeys(metrics))
            results.examples.extend(_example_records(evaluation, metrics, gated))
            for metric in metrics:
                agg = evaluation.aggregate(metric)
                results.aggregates.append(
                    dataclasses.replace(
                        agg, suite=evaluation.suite, variant=evaluation.variant.name
                    )
                )
        for examples, aggregates in self._measured:
            results.examples.extend(examples)
            results.aggregates.extend(aggregates)
        if parts:
            results = merge_results([results, *parts])
        if compare:
            from harness.compare import with_comparisons

            with_comparisons(results)
        return results

    def close(self) -> None:
        """Release backends and the cache."""
        self.pool.close()
        if self._cache is not None:
            self._cache.close()


def _done_line(seconds: float, cached: int, pass_of: RunKey | None, others: int) -> str:
    """The end of a suite's progress line: time, cache hits, and whose pass generated it."""
    line = f"done in {seconds:.1f} s ({cached} cached)"
    if others:
        line += f", {others} more planned run{'s' if others > 1 else ''} in the same pass"
    elif pass_of is not None:
        line += f", generated in the pass of {pass_of[0]} · {pass_of[1]}"
    return line


def _judge_summary(
    settings: JudgeSettings,
    judge_variant: Variant,
    fingerprint: str,
    run: SuiteRun,
    verdicts: Mapping[str, RefusalJudgement],
) -> dict[str, Any]:
    """Judge vs detector on one run: agreement (three classes and binary) and where they differ."""
    rows = []
    unparsed: list[str] = []
    # The detector's class as the metrics recorded it (memoised with the run's scores).
    scored = run.score("refusal_accuracy")
    for example, result in zip(run.examples, scored, strict=True):
        verdict = verdicts.get(example.id)
        if verdict is None:
            continue
        if verdict.judged is None:
            unparsed.append(example.id)
            continue
        detector = RefusalClass(str(result.details["class"]))
        rows.append((example.id, detector, verdict.judged))
    n = len(rows)
    same = [i for i, d, j in rows if d is j]
    binary = [i for i, d, j in rows if (d is RefusalClass.COMPLY) == (j is RefusalClass.COMPLY)]
    return {
        "judge_variant": judge_variant.name,
        "judge_fingerprint": fingerprint,
        "prompt": str(settings.prompt_path),
        "prompt_sha256": settings.prompt_digest,
        "n": n,
        "agreement": len(same) / n if n else None,
        "binary_agreement": len(binary) / n if n else None,
        "disagreements": [
            {"id": i, "detector": d.value, "judge": j.value} for i, d, j in rows if d is not j
        ],
        "unparsed": unparsed,
    }


def _variant_info(variant: Variant, fingerprint: str, sampling: SamplingParams) -> VariantInfo:
    return VariantInfo(
        backend=variant.backend,
        model=variant.model,
        fingerprint=fingerprint,
        adapter=None if variant.adapter is None else str(variant.adapter),
        sampling=_jsonable(dataclasses.asdict(sampling)),
        system_prompt=variant.system_prompt,
        few_shot=None if variant.few_shot_path is None else str(variant.few_shot_path),
        retrieval=None if variant.retrieval is None else dict(variant.retrieval.describe()),
    )


def _example_records(
    evaluation: SuiteEvaluation, metrics: Sequence[str], gated: set[str]
) -> list[ExampleRecord]:
    root = evaluation.session.config.root
    records: list[ExampleRecord] = []
    first = evaluation.runs[0]
    request_messages = [evaluation.variant.prompt(e) for e in first.examples]
    for i, ex in enumerate(first.examples):
        completion = first.completions[i]
        values = {metric: _metric_value(first.score(metric)[i]) for metric in metrics}
        # A repeat passes when every gated pass/fail metric that applies passes.
        outcomes: list[bool] = []
        for run in evaluation.runs:
            # ``passed`` means "good for this example" for every metric.
            applicable = [v for v in (run.score(m)[i] for m in sorted(gated)) if v.applicable]
            if applicable:
                outcomes.append(all(v.passed is not False for v in applicable))
        pass_rate = sum(outcomes) / len(outcomes) if outcomes else None
        verdict = {None: "n/a", 1.0: "pass", 0.0: "fail"}.get(pass_rate, "flaky")
        expected: dict[str, Any] = {"reference": ex.reference}
        if ex.expect.exact is not None:
            expected["exact"] = list(ex.expect.exact)
        if ex.expect.reject is not None:
            expected["reject"] = list(ex.expect.reject)
        if ex.expect.refuse is not None:
            expected["refuse"] = ex.expect.refuse
        if ex.expect.schema_path is not None:
            expected["schema"] = in_project(ex.expect.schema_path, root)
        if ex.context:
            # The gold passages' ids (their texts are in the golden file and the corpus).
            expected["context"] = [p.id for p in ex.context]
        if not ex.expect.answerable:
            expected["answerable"] = False
        records.append(
            ExampleRecord(
                suite=evaluation.suite,
                variant=evaluation.variant.name,
                example_id=ex.id,
                source=in_project(str(ex.source), root),
                tags=list(ex.tags),
                input=[m.to_dict() for m in request_messages[i]],
                expected=expected,
                output=completion.text,
                outputs=[run.completions[i].text for run in evaluation.runs],
                cached=completion.cached,
                latency_s=None if completion.cached else completion.latency_s,
                ttft_s=None if completion.cached else completion.ttft_s,
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
                finish_reason=completion.finish_reason,
                metrics=values,
                verdict=verdict,
                pass_rate=pass_rate if evaluation.session.repeat > 1 else None,
                split=split_of(ex.id, dev_fraction=evaluation.session.config.dev_fraction),
                retrieved=None if first.retrieved is None else list(first.retrieved.get(ex.id, ())),
            )
        )
    return records


def _metric_value(res: MetricResult) -> MetricResult:
    # Details as results.json holds them (lists, no NaN), so a reader of the file sees the same.
    return dataclasses.replace(res, details=_jsonable(dict(res.details)))


def _jsonable(value: Any) -> Any:
    # Anything else (a numpy integer, a path) as its text, the way results.json keeps it.
    return to_jsonable_python(value, inf_nan_mode="null", serialize_unknown=True)
