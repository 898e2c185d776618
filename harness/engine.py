"""The evaluation pass: variant + golden file → requests → (cached) completions → metric results.

Backends are built once per distinct setting and shared: ``base`` and
``prompted`` differ only in their prompts, so they use one loaded model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness._types import Completion, GoldenExample
from harness.backends import Backend, build_backend
from harness.cache import CacheStats, CompletionCache, generate_with_cache
from harness.config import Variant
from harness.golden import GoldenFile
from harness.metrics import MetricResult, get_metric


class BackendPool:
    """Builds each distinct backend once and shares it between variants."""

    def __init__(self, engine_log: Path | None = None, cache_dir: Path | None = None) -> None:
        self._backends: dict[tuple[Any, ...], Backend] = {}
        #: Where vLLM engines started for this pool write their log (``None``: the default).
        self.engine_log = engine_log
        #: The project's cache folder, for files backends derive (``None``: the default).
        self.cache_dir = cache_dir

    def get(self, variant: Variant) -> Backend:
        """The shared backend for a variant."""
        key = variant.backend_key
        if key not in self._backends:
            self._backends[key] = build_backend(
                variant, engine_log=self.engine_log, cache_dir=self.cache_dir
            )
        return self._backends[key]

    def put(self, variant: Variant, backend: Backend) -> None:
        """Use an already built backend for a variant (e.g. a live model handed over by a trainer)."""
        self._backends[variant.backend_key] = backend

    def close(self) -> None:
        """Release every backend that can be closed (vLLM engines, HTTP clients)."""
        for backend in self._backends.values():
            close = getattr(backend, "close", None)
            if callable(close):
                close()
        self._backends.clear()


@dataclass
class SuiteRun:
    """The completions of one variant on one golden file, in example order."""

    suite: str
    variant: str
    examples: tuple[GoldenExample, ...]
    completions: tuple[Completion, ...]
    cache: CacheStats
    scores: dict[str, tuple[MetricResult, ...]] = field(default_factory=dict)
    # A judge's class per example id (``[tool.harness.judges.refusal]``), handed to
    # metrics that take a ``judged`` option; empty without a judge.
    judged: dict[str, str] = field(default_factory=dict)
    # The rubric judges' verdicts for this run, asked on first use: judge name
    # ("" = the only one) -> {example id: verdict}; None outside an evaluation session.
    rubric: Callable[[str], Mapping[str, Any]] | None = None
    # The ids of the passages retrieved per example id, handed to metrics that take a
    # ``retrieved`` option; None when the variant has no ``retrieval``.
    retrieved: dict[str, tuple[str, ...]] | None = None

    def score(self, metric: str, **options: Any) -> tuple[MetricResult, ...]:
        """Apply one registered metric to every (completion, example); memoised per name."""
        key = metric if not options else f"{metric}:{sorted(options.items())}"
        if key not in self.scores:
            spec = get_metric(metric)
            use_judge = "judged" in spec.options and "judged" not in options and self.judged
            verdicts: Mapping[str, Any] | None = None
            if "verdict" in spec.options and "verdict" not in options and self.rubric:
                bound = getattr(spec.fn, "keywords", {}).get("name", "")  # judge:NAME
                verdicts = self.rubric(str(options.get("name", bound)))
            use_retrieved = "retrieved" in spec.options and "retrieved" not in options
            self.scores[key] = tuple(
                spec.compute(
                    c,
                    e,
                    **options,
                    **({"judged": self.judged.get(e.id)} if use_judge else {}),
                    **({"verdict": verdicts.get(e.id)} if verdicts is not None else {}),
                    **(
                        {"retrieved": self.retrieved.get(e.id, ())}
                        if use_retrieved and self.retrieved is not None
                        else {}
                    ),
                )
                for c, e in zip(self.completions, self.examples, strict=True)
            )
        return self.scores[key]


def default_metrics(examples: Iterable[GoldenExample], *, retrieval: bool = False) -> list[str]:
    """The metrics that apply to a set of examples, from their expectations.

    ``retrieval``: the variant retrieves passages, so recall@k of the examples'
    gold context passages is reported.
    """
    names: list[str] = []
    exs = list(examples)
    if any(e.expect.schema is not None for e in exs):
        names += ["json_valid", "schema_valid", "json_match", "json_field_accuracy"]
    if any(e.expect.exact is not None for e in exs):
        names += ["exact_match", "answer_match"]
    if any(e.expect.refuse is not None for e in exs):
        names.append("refusal_accuracy")
    if any(e.reference is not None and e.expect.schema is None for e in exs):
        names.append("rougeL")
    if any(e.context for e in exs):
        names += ["groundedness", "abstention"]
    if retrieval and any(e.context for e in exs):
        names.append("retrieval_recall")
    names.append("length")
    return names


@dataclass(frozen=True)
class SuiteJob:
    """One variant on one golden file (its first ``limit`` examples): a run to generate."""

    golden: GoldenFile
    variant: Variant
    limit: int | None = None

    @property
    def examples(self) -> tuple[GoldenExample, ...]:
        """The examples this run evaluates."""
        return self.golden.examples[: self.limit] if self.limit else self.golden.examples


def run_suite(
    golden: GoldenFile,
    variant: Variant,
    backend: Backend,
    cache: CompletionCache | None,
    *,
    limit: int | None = None,
    progress: bool = True,
    chunk_size: int | None = None,
) -> SuiteRun:
    """Generate a variant's completions for a golden file (first ``limit`` examples).

    Requests go to the backend sorted by prompt length (less padding in a
    batch); each finished batch is persisted by the cache before the next.
    """
    job = SuiteJob(golden, variant, limit)
    title = f"[bold]{golden.name}[/] · {variant.name}"
    return run_together([job], backend, cache, title, progress=progress, chunk_size=chunk_size)[0]


def run_together(
    jobs: Sequence[SuiteJob],
    backend: Backend,
    cache: CompletionCache | None,
    title: str,
    *,
    progress: bool = True,
    chunk_size: int | None = None,
) -> list[SuiteRun]:
    """Generate several runs on one backend in one pass; one :class:`SuiteRun` per job.

    The requests of every job go to the backend together, longest token cap
    first, then by prompt length (less padding in a batch): in one call to a
    backend that hands back batches as they finish (``hf``, ``peft``, ``vllm``;
    see :class:`~harness.backends.CompletingBackend`), otherwise in chunks of
    the backend's ``batch_size``; the cache persists each as it returns. An
    engine that batches continuously (vLLM) then keeps its batch full across
    suites, where one suite at a time left its few longest answers running alone.
    """
    requests = [(j, job.variant.request(e)) for j, job in enumerate(jobs) for e in job.examples]
    order = sorted(
        range(len(requests)),
        key=lambda i: (
            -requests[i][1].sampling.max_new_tokens,
            sum(len(m.content) for m in requests[i][1].messages),
        ),
    )
    size = chunk_size or int(getattr(backend, "batch_size", 8))
    with _progress_bar(title, len(requests), show=progress) as advance:
        done, _ = generate_with_cache(
            backend, [requests[i][1] for i in order], cache, chunk_size=size, on_progress=advance
        )
    by_pos: dict[int, Completion] = dict(zip(order, done, strict=True))
    runs: list[SuiteRun] = []
    start = 0
    for job in jobs:
        completions = tuple(by_pos[start + i] for i in range(len(job.examples)))
        start += len(job.examples)
        hits = sum(c.cached for c in completions)
        misses = len(completions) - hits
        runs.append(
            SuiteRun(
                suite=job.golden.name,
                variant=job.variant.name,
                examples=tuple(job.examples),
                completions=completions,
                # Per job: served without a backend call of their own, or generated.
                cache=CacheStats(hits, misses, misses if cache is not None else 0),
                retrieved=None
                if job.variant.retrieval is None
                else {e.id: tuple(p.id for p in job.variant.retrieve(e)) for e in job.examples},
            )
        )
    return runs


@contextlib.contextmanager
def _progress_bar(title: str, total: int, *, show: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar's advance function for the block; None when not shown (rich stays unimported)."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(title), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("generating", total=total)
        yield lambda n: bar.advance(task, n)
