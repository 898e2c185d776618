"""``results.json``: the versioned, machine-readable record of one evaluation run.

Shape (published as ``harness/resources/results.schema.json``)::

    {
      "schema_version": "2.0",
      "metadata": {run id, times, git commit, harness version, host, python,
                   variants: {name: backend, model, fingerprints, adapter, sampling, prompts},
                   suites: {name: path, fingerprint, n}},
      "examples":   [one record per (suite, variant, example): input, expected,
                     output(s), latency, cached, per-metric value/passed/reason],
      "aggregates": [one per (suite, variant, metric): n, mean, 95% interval, passes],
      "gates":      [one decision per gate: value, interval, threshold, n, passed,
                     failing ids, message],
      "comparisons":[paired deltas of each variant against the first: delta, p-value,
                     test, examples whose verdict differs]
    }

Written atomically (temp file + rename), so a reader never sees half a file.
Values that are not numbers (a metric not applicable to an example) are
written as ``null``; JSON has no NaN.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import platform
import socket
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._io import atomic_write_text
from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.metrics import Aggregate

SCHEMA_VERSION = "2.0"
# Earlier versions that readers convert first (see :func:`upgrade_results_json`).
_UPGRADABLE_VERSIONS = ("1.0", "1.1")
SCHEMA_PATH = Path(__file__).parent / "resources" / "results.schema.json"


@dataclass
class MetricValue:
    """One metric on one example."""

    value: float | None
    passed: bool | None
    reason: str | None = None
    applicable: bool = True
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExampleRecord:
    """What one variant did on one golden example."""

    suite: str
    variant: str
    example_id: str
    source: str
    tags: list[str]
    input: list[dict[str, str]]
    expected: dict[str, Any]
    output: str
    outputs: list[str]  # every repeat's output (one entry without --harness-repeat)
    cached: bool
    latency_s: float | None
    ttft_s: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None
    metrics: dict[str, MetricValue]
    verdict: str  # "pass", "fail", "flaky" or "n/a" over the suite's gated metrics
    pass_rate: float | None = None  # share of repeats that passed, with --harness-repeat
    split: str = "all"  # "dev" or "test"; "all" in files written before suites were split
    # Ids of the passages put in the prompt, best first; None for a variant without retrieval.
    retrieved: list[str] | None = None


@dataclass
class AggregateRecord:
    """One metric over a suite for one variant."""

    suite: str
    variant: str
    metric: str
    kind: str
    higher_is_better: bool | None
    n: int
    n_not_applicable: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    passes: int | None
    method: str

    @classmethod
    def from_aggregate(cls, suite: str, variant: str, agg: Aggregate) -> AggregateRecord:
        """The record of one :func:`~harness.metrics.aggregate` result."""
        return cls(
            suite=suite,
            variant=variant,
            metric=agg.metric,
            kind=agg.kind.value,
            higher_is_better=agg.higher_is_better,
            n=agg.n,
            n_not_applicable=agg.n_not_applicable,
            mean=agg.mean,
            ci_low=agg.ci_low,
            ci_high=agg.ci_high,
            passes=agg.passes,
            method=agg.method,
        )


@dataclass
class GateRecord:
    """One gate decision, computed once and only rendered afterwards."""

    suite: str
    variant: str
    gate: str
    metric: str
    kind: str  # "threshold" or "regression"
    op: str  # ">=" or "<=" for thresholds; "no significant drop" for regressions
    threshold: float | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    passed: bool
    failing_ids: list[str]
    message: str
    baseline_value: float | None = None
    p_value: float | None = None
    tolerance: float | None = None
    error: str | None = None  # why the gate could not be decided; such a gate counts as failed


@dataclass
class ComparisonRecord:
    """A paired comparison of one variant against a reference variant on one metric."""

    suite: str
    metric: str
    reference: str
    variant: str
    n: int
    reference_mean: float | None
    variant_mean: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str
    significant: bool
    improved_ids: list[str] = field(default_factory=list)
    regressed_ids: list[str] = field(default_factory=list)


@dataclass
class VariantInfo:
    """How a variant was run: enough to reproduce it."""

    backend: str
    model: str
    fingerprint: str
    adapter: str | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    few_shot: str | None = None
    # corpus, corpus_sha256, passages, k, template, template_sha256, retriever; None without.
    retrieval: dict[str, Any] | None = None


@dataclass
class SuiteInfo:
    """Which data a suite ran on."""

    path: str
    fingerprint: str
    n: int


@dataclass
class RunMetadata:
    """Who, what, where and when."""

    run_id: str
    started_at: str
    finished_at: str
    harness_version: str
    git_commit: str | None
    host: str
    python: str
    platform: str
    variants: dict[str, VariantInfo] = field(default_factory=dict)
    suites: dict[str, SuiteInfo] = field(default_factory=dict)
    repeat: int = 1
    cache: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    split: str = "all"  # the run's --harness-split; "all" in files written before splits
    dev_fraction: float | None = None

    @classmethod
    def now(cls) -> RunMetadata:
        """Metadata for a run starting now on this machine."""
        stamp = utc_now()
        return cls(
            run_id=uuid.uuid4().hex[:12],
            started_at=stamp,
            finished_at=stamp,
            harness_version=harness_version(),
            git_commit=git_commit(),
            host=socket.gethostname(),
            python=platform.python_version(),
            platform=platform.platform(),
        )


@dataclass
class Results:
    """A whole results file."""

    metadata: RunMetadata
    examples: list[ExampleRecord] = field(default_factory=list)
    aggregates: list[AggregateRecord] = field(default_factory=list)
    gates: list[GateRecord] = field(default_factory=list)
    comparisons: list[ComparisonRecord] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    # Human ratings merged by ``harness review import``: {"ratings": [...], "imports": [...]}.
    # Optional in the schema, so files written before reviews existed load unchanged.
    reviews: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every gate passed (and there was at least one)."""
        return bool(self.gates) and all(g.passed for g in self.gates)

    def suites(self) -> list[str]:
        """Suite names in first-seen order."""
        return list(
            dict.fromkeys([a.suite for a in self.aggregates] + [e.suite for e in self.examples])
        )

    def variants(self) -> list[str]:
        """Variant names in first-seen order."""
        return list(
            dict.fromkeys([a.variant for a in self.aggregates] + [e.variant for e in self.examples])
        )

    def aggregate(self, suite: str, variant: str, metric: str) -> AggregateRecord | None:
        """The aggregate of one metric, or None."""
        for a in self.aggregates:
            if (a.suite, a.variant, a.metric) == (suite, variant, metric):
                return a
        return None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (NaN and infinities become null)."""
        data = {
            "schema_version": self.schema_version,
            "metadata": asdict(self.metadata),
            "examples": [asdict(e) for e in self.examples],
            "aggregates": [asdict(a) for a in self.aggregates],
            "gates": [asdict(g) for g in self.gates],
            "comparisons": [asdict(c) for c in self.comparisons],
        }
        if self.reviews:
            data["reviews"] = self.reviews
        clean: dict[str, Any] = _clean(data)
        return clean

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Results:
        """Rebuild from JSON data already validated against the schema."""
        md = dict(data["metadata"])
        md["variants"] = {k: VariantInfo(**v) for k, v in md.get("variants", {}).items()}
        md["suites"] = {k: SuiteInfo(**v) for k, v in md.get("suites", {}).items()}
        examples = []
        for e in data["examples"]:
            e = dict(e)
            e["metrics"] = {k: MetricValue(**v) for k, v in e["metrics"].items()}
            examples.append(ExampleRecord(**e))
        return cls(
            metadata=RunMetadata(**md),
            examples=examples,
            aggregates=[AggregateRecord(**a) for a in data["aggregates"]],
            gates=[GateRecord(**g) for g in data["gates"]],
            comparisons=[ComparisonRecord(**c) for c in data.get("comparisons", [])],
            schema_version=data["schema_version"],
            reviews=dict(data.get("reviews") or {}),
        )


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def utc_now() -> str:
    """The current UTC time in ISO 8601."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


@cache
def harness_version() -> str:
    """The installed golden-harness version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("golden-harness")
    except PackageNotFoundError:
        return "unknown"


@cache
def git_commit() -> str | None:
    """The working tree's commit (with ``+dirty`` when modified), or None outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha


@cache
def results_schema() -> dict[str, Any]:
    """The published JSON Schema of results files."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate_results_json(data: Any, source: str = "results.json") -> None:
    """Raise a :class:`HarnessError` naming the first schema violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(results_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise HarnessError(
            f"{source}: {where}: {error.message} (not a golden-harness results file of "
            f"schema version {SCHEMA_VERSION}; re-run the evaluation to produce one)"
        )


def write_results(results: Results, path: Path) -> Path:
    """Validate and write ``results`` to ``path`` atomically (temp file + rename)."""
    data = results.to_json()
    validate_results_json(data, str(path))
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def upgrade_results_json(data: Any) -> Any:
    """Convert a results file of an earlier schema version to the current one.

    Before 2.0, ``passed`` of a lower-is-better pass/fail metric (``over_refusal``)
    marked the counted event; since 2.0 it means "good for this example" for
    every metric. The conversion flips those verdicts, the ``passes`` counts of
    their aggregates and their improved/regressed lists, using the direction
    the file itself recorded in its aggregates. Files that are not a known
    version are returned unchanged (validation then names the problem).
    """
    if not isinstance(data, dict) or data.get("schema_version") not in _UPGRADABLE_VERSIONS:
        return data
    data = json.loads(json.dumps(data))  # a deep copy; the caller's data stays as read
    flipped: set[tuple[Any, Any, Any]] = set()
    lower: set[Any] = set()
    for a in data.get("aggregates") or []:
        if (
            isinstance(a, dict)
            and a.get("kind") == "pass_fail"
            and a.get("higher_is_better") is False
        ):
            flipped.add((a.get("suite"), a.get("variant"), a.get("metric")))
            lower.add(a.get("metric"))
            if isinstance(a.get("passes"), int) and isinstance(a.get("n"), int):
                a["passes"] = a["n"] - a["passes"]
    for e in data.get("examples") or []:
        if not isinstance(e, dict) or not isinstance(e.get("metrics"), dict):
            continue
        for name, value in e["metrics"].items():
            key = (e.get("suite"), e.get("variant"), name)
            if key in flipped and isinstance(value, dict) and isinstance(value.get("passed"), bool):
                value["passed"] = not value["passed"]
    for c in data.get("comparisons") or []:
        if isinstance(c, dict) and c.get("metric") in lower:
            c["improved_ids"], c["regressed_ids"] = c.get("regressed_ids"), c.get("improved_ids")
    data["schema_version"] = SCHEMA_VERSION
    return data


def read_results(path: Path) -> Results:
    """Read and validate a results file; clear errors for missing or foreign files.

    Files of an earlier schema version are converted on reading
    (:func:`upgrade_results_json`), so old baselines keep working.
    """
    if not path.is_file():
        raise HarnessError(f"{path}: results file not found (check the path)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HarnessError(f"{path}: not a JSON file ({exc})") from None
    data = upgrade_results_json(data)
    validate_results_json(data, str(path))
    return Results.from_json(data)


def merge_results(parts: Sequence[Results]) -> Results:
    """Merge results of one run written by several workers (pytest-xdist)."""
    if not parts:
        raise HarnessError("nothing to merge")
    first = parts[0]
    md = first.metadata
    for p in parts[1:]:
        md.variants.update(p.metadata.variants)
        md.suites.update(p.metadata.suites)
        md.started_at = min(md.started_at, p.metadata.started_at)
        md.finished_at = max(md.finished_at, p.metadata.finished_at)
        for k, v in p.metadata.cache.items():
            md.cache[k] = md.cache.get(k, 0) + v
        for k, v in p.metadata.extra.items():
            # Per-suite tables keyed by variant (latency runs) merge; anything else: first wins.
            mine = md.extra.get(k)
            if isinstance(mine, dict) and isinstance(v, dict):
                md.extra[k] = {**v, **mine}
            else:
                md.extra.setdefault(k, v)
    seen: set[tuple[str, str, str]] = set()
    examples: list[ExampleRecord] = []
    for p in parts:
        for e in p.examples:
            key = (e.suite, e.variant, e.example_id)
            if key not in seen:
                seen.add(key)
                examples.append(e)
    return Results(
        metadata=md,
        examples=examples,
        aggregates=_unique(
            [a for p in parts for a in p.aggregates], lambda a: (a.suite, a.variant, a.metric)
        ),
        gates=[g for p in parts for g in p.gates],
        comparisons=_unique(
            [c for p in parts for c in p.comparisons],
            lambda c: (c.suite, c.metric, c.reference, c.variant),
        ),
    )


def _unique(items: list[Any], key: Any) -> list[Any]:
    out: dict[Any, Any] = {}
    for item in items:
        out.setdefault(key(item), item)
    return list(out.values())
