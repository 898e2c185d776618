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

import argparse
import datetime as _dt
import json
import platform
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final, Literal, NotRequired

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config
from pydantic_core import to_jsonable_python
from typing_extensions import TypedDict

from harness._io import atomic_write_text
from harness._validation import dotted, json_kind
from harness.errors import HarnessError
from harness.metrics._aggregate import Aggregate, Count
from harness.metrics._registry import MetricResult

SCHEMA_VERSION: Final = "2.0"
# Earlier versions that readers convert first (see :func:`upgrade_results_json`).
_UPGRADABLE_VERSIONS = ("1.0", "1.1")
SCHEMA_PATH = Path(__file__).parent / "resources" / "results.schema.json"
# Every record is a dataclass checked by pydantic on reading: unknown keys are errors,
# and the comment-docstrings under fields become the published schema's descriptions.
_RECORD = with_config(ConfigDict(extra="forbid", use_attribute_docstrings=True))
# Patterns rather than Literal types, so that code passing a checked str needs no cast.
Split = Annotated[str, Field(pattern="^(dev|test|all)$")]
Score = Annotated[int, Field(ge=1, le=5)]
Text = Annotated[str, Field(min_length=1)]


@_RECORD
@dataclass
class ExampleRecord:
    """What one variant did on one golden example."""

    suite: str
    variant: str
    example_id: str
    source: str
    tags: list[str]
    input: list[dict[str, str]]
    """The prompt's messages: role and content."""
    expected: dict[str, Any]
    output: str
    outputs: list[str]
    """Every repeat's output (one entry without --harness-repeat)."""
    cached: bool
    latency_s: float | None
    ttft_s: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None
    metrics: dict[str, MetricResult]
    verdict: Annotated[str, Field(pattern="^(pass|fail|flaky|n/a)$")]
    """Over the suite's gated metrics."""
    pass_rate: float | None = None
    """Share of repeats that passed, with --harness-repeat."""
    split: Split = "all"
    """The example's split: dev or test; all when recorded before splits existed."""
    retrieved: list[str] | None = None
    """Ids of the passages put in the prompt, best first; null for a variant without retrieval."""


@_RECORD
@dataclass
class GateRecord:
    """One gate decision, computed once and only rendered afterwards."""

    suite: str
    variant: str
    gate: str
    metric: str
    kind: Literal["threshold", "regression"]
    op: str
    """">=" or "<=" for thresholds; "no significant drop" for regressions."""
    threshold: float | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: Count
    passed: bool
    failing_ids: list[str]
    message: str
    baseline_value: float | None = None
    p_value: float | None = None
    tolerance: float | None = None
    error: str | None = None
    """Why the gate could not be decided (missing metric or baseline); it counts as failed."""


@_RECORD
@dataclass
class ComparisonRecord:
    """A paired comparison of one variant against a reference variant on one metric."""

    suite: str
    metric: str
    reference: str
    variant: str
    n: Count
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


@_RECORD
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
    retrieval: dict[str, Any] | None = None
    """Corpus and template with their sha256, passages, k, retriever; None without retrieval."""


@_RECORD
@dataclass
class SuiteInfo:
    """Which data a suite ran on."""

    path: str
    fingerprint: str
    n: Count


@_RECORD
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
    repeat: Annotated[int, Field(ge=1)] = 1
    cache: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    split: Split = "all"
    """Which split of each suite the run evaluated (absent: all)."""
    dev_fraction: float | None = None
    """The dev share the splits were drawn with."""

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


# One rater's rating of one answer, tied to the answer by its sha256 ("pass" is a
# keyword, hence the functional form).
ReviewRating = TypedDict(
    "ReviewRating",
    {
        "suite": Text,
        "variant": Text,
        "example_id": Text,
        "answer_sha256": Annotated[str, Field(pattern="^[0-9a-f]{64}$")],
        "rater": Text,
        "correct": Score,
        "helpful": Score,
        "format": Score,
        "tone": Score,
        "pass": bool,
        "comment": NotRequired[str],
        "source": NotRequired[str],
    },
)
_RECORD(ReviewRating)


@_RECORD
class ReviewImport(TypedDict):
    """One ratings file merged by ``harness review import``."""

    file: str
    sha256: str
    sheet: NotRequired[str]
    rows: Count
    added: Count
    imported_at: str


@_RECORD
class Reviews(TypedDict, total=False):
    """Human ratings merged by ``harness review import``.

    human_pass and human_score per example are ordinary metric values computed from them.
    """

    ratings: list[ReviewRating]
    imports: list[ReviewImport]


@_RECORD
@dataclass
class Results:
    """A whole results file: one evaluation run.

    Metadata, per-example records, aggregates with intervals, gate decisions and
    paired comparisons.
    """

    metadata: RunMetadata
    examples: list[ExampleRecord] = field(default_factory=list)
    aggregates: list[Aggregate] = field(default_factory=list)
    gates: list[GateRecord] = field(default_factory=list)
    comparisons: list[ComparisonRecord] = field(default_factory=list)
    schema_version: Literal["2.0"] = SCHEMA_VERSION
    """2.0: passed means good for the example for every metric (before, it marked the counted
    event of lower-is-better metrics) and runs record their dev/test split. Readers convert
    1.x files first."""
    reviews: Reviews = field(default_factory=Reviews)
    """Optional, so files written before reviews existed load unchanged."""

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

    def aggregate(self, suite: str, variant: str, metric: str) -> Aggregate | None:
        """The aggregate of one metric, or None."""
        for a in self.aggregates:
            if (a.suite, a.variant, a.metric) == (suite, variant, metric):
                return a
        return None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (NaN and infinities become null), the schema version first."""
        # pydantic_core's serialiser needs no schema: building Results' costs ~0.1 s a run.
        own = {f.name: getattr(self, f.name) for f in fields(Results)}  # not a subclass's
        data = to_jsonable_python(own, inf_nan_mode="null")
        if not self.reviews:
            del data["reviews"]
        return {"schema_version": data.pop("schema_version"), **data}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str = "results.json") -> Results:
        """Validate JSON data of the current schema version and build the results from it."""
        return _parse(json.dumps(data), source)


@dataclass
class RunResults(Results):
    """The :class:`Results` of :func:`harness.run_suites`, with how its pytest run ended.

    Neither field is part of results.json.
    """

    # pytest's exit code: 0 every test passed, 1 some failed; anything else means the
    # run broke (a usage error, an interrupted run, no tests collected), and pytest said why.
    exit_code: int = 0
    # Node ids of the failed tests and of the modules that failed to collect.
    failed_tests: list[str] = field(default_factory=list)


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

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], capture_output=True, text=True, check=True, timeout=5)
        return run.stdout.strip()

    try:
        sha = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha


@cache
def results_schema() -> dict[str, Any]:
    """The published JSON Schema of results files (generated by :func:`generate_schema`)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _adapter() -> TypeAdapter[Results]:
    return TypeAdapter(Results)


def generate_schema() -> dict[str, Any]:
    """The JSON Schema of results files, generated from :class:`Results`."""
    schema = _compact(_adapter().json_schema())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://golden-harness.dev/schemas/results-{SCHEMA_VERSION}.json",
        "title": "golden-harness results file",
        **schema,
    }


def schema_text() -> str:
    """:func:`generate_schema` as committed in ``harness/resources/results.schema.json``."""
    text = json.dumps(generate_schema(), indent=2, ensure_ascii=False)
    # Flat arrays (types, enums, required keys) on one line each, as people write them.
    flat = re.compile(r"\[\n\s+([^\[\]{}]*?)\n\s+\]")
    return flat.sub(lambda m: "[" + re.sub(r",\n\s+", ", ", m.group(1)) + "]", text) + "\n"


def _compact(node: Any) -> Any:
    """Pydantic's schema without the per-field titles and with ``X | None`` as a type list."""
    if isinstance(node, list):
        return [_compact(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "$defs"):
            out[key] = {name: _compact(sub) for name, sub in value.items()}
        elif key != "title" and not (key == "additionalProperties" and value is True):
            out[key] = _compact(value)
    options = out.get("anyOf", [])
    if len(options) == 2 and {"type": "null"} in options:
        other = next(o for o in options if o != {"type": "null"})
        if isinstance(other.get("type"), str):
            del out["anyOf"]
            out = {**other, "type": [other["type"], "null"], **out}
    return out


def _first_problem(exc: ValidationError, source: str) -> str:
    """``file: field: what is wrong (how to fix)`` for the first problem found."""
    err = exc.errors(include_url=False)[0]
    if err["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        what = "unknown key"
    elif err["type"].startswith("missing"):
        what = "missing"
    else:
        choices = re.fullmatch(r"\^\((.*)\)\$", str((err.get("ctx") or {}).get("pattern", "")))
        wanted = f"expected one of {choices[1].replace('|', ', ')}" if choices else err["msg"]
        got, value = json_kind(err["input"]), err["input"]
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            got += f" {json.dumps(value)[:60]}"
        what = f"{wanted[:1].lower()}{wanted[1:]}, got {got}"
    return (
        f"{source}: {dotted(err['loc']) or '(root)'}: {what} (not a golden-harness results "
        f"file of schema version {SCHEMA_VERSION}; re-run the evaluation to produce one)"
    )


def _parse(text: str, source: str) -> Results:
    try:
        return _adapter().validate_json(text, strict=True)
    except ValidationError as exc:
        raise HarnessError(_first_problem(exc, source)) from None


def write_results(results: Results, path: Path) -> Path:
    """Write ``results`` to ``path`` atomically (temp file + rename).

    Not validated again: the records are typed dataclasses, and reading the file back
    (:func:`read_results`) validates it.
    """
    text = json.dumps(results.to_json(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
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
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HarnessError(f"{path}: not a JSON file ({exc})") from None
    upgraded = upgrade_results_json(data)
    return _parse(text if upgraded is data else json.dumps(upgraded), str(path))


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
    return Results(
        metadata=md,
        examples=_unique(
            [e for p in parts for e in p.examples], lambda e: (e.suite, e.variant, e.example_id)
        ),
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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m harness.results --schema``: write the generated schema to its file."""
    parser = argparse.ArgumentParser(prog="python -m harness.results", description=main.__doc__)
    parser.add_argument("--schema", action="store_true", required=True, help=f"write {SCHEMA_PATH}")
    parser.parse_args(argv)
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(SCHEMA_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
