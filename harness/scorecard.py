"""``scorecard.html``: a self-contained HTML page rendering one :class:`Results`.

Rendering never decides: every verdict shown here (the run's, each gate's,
each example's, each comparison's significance) was computed when the results
were made; this module only lays them out. The page loads nothing: CSS, SVG
charts and the small filtering script are inline, and a Content-Security-Policy
forbids every fetch and any script but ours. All data goes through Jinja's
autoescaping, because model outputs are hostile input.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from jinja2.bccache import Bucket
from markupsafe import Markup

from harness._anchors import anchor
from harness._format import format_number, format_p, page_policy
from harness._io import atomic_write_text
from harness.metrics import Aggregate
from harness.results import (
    ComparisonRecord,
    ExampleRecord,
    GateRecord,
    Results,
    SuiteInfo,
)
from harness.slices import SplitGap, TagSlice, gated_metrics, split_gaps, tag_slices

if TYPE_CHECKING:
    from harness.judges import JudgeHumanAgreement
    from harness.review import ReviewSummary

__all__ = ["render_scorecard", "write_scorecard"]

TEMPLATE_NAME = "scorecard.html.j2"
_CSS_NAME = "scorecard.css"
_JS_NAME = "scorecard.js"

# Interval bar geometry, in SVG user units (the bar scales with its cell).
BAR_WIDTH = 200.0
BAR_HEIGHT = 22.0
_BAR_PAD = 8.0

# Latency CDF chart geometry, in SVG user units.
CDF_WIDTH = 520.0
CDF_HEIGHT = 200.0
_CDF_LEFT, _CDF_RIGHT, _CDF_TOP, _CDF_BOTTOM = 44.0, 26.0, 10.0, 30.0
_CDF_SLOTS = 6

# Example verdicts that the "failing only" filter keeps.
_FAILING_VERDICTS = frozenset({"fail", "flaky"})
_PASS_FAIL = "pass_fail"


@dataclass(frozen=True)
class Link:
    """An in-page link: visible text and the anchor it points to."""

    text: str
    anchor: str


@dataclass(frozen=True)
class Tick:
    """A gate threshold drawn on an interval bar."""

    x: float
    passed: bool


@dataclass(frozen=True)
class Bar:
    """An interval bar's geometry: mean dot, 95% interval line and threshold ticks."""

    x0: float
    x1: float
    mean_x: float | None
    low_x: float | None
    high_x: float | None
    ticks: tuple[Tick, ...]
    label: str
    axis_low: str
    axis_high: str


@dataclass(frozen=True)
class Cell:
    """One variant's column in one metric row."""

    variant: str
    aggregate: Aggregate | None
    kind: str
    bar: Bar | None
    gates: tuple[GateRecord, ...]
    comparison: ComparisonRecord | None
    delta_class: str


@dataclass(frozen=True)
class MetricRow:
    """One metric of a suite, with a cell per variant."""

    metric: str
    kind: str
    higher_is_better: bool | None
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class VerdictChange:
    """Examples whose verdict changed between the reference and another variant."""

    variant: str
    reference: str
    metric: str
    improved: tuple[Link, ...]
    regressed: tuple[Link, ...]


@dataclass(frozen=True)
class AxisTick:
    """A labelled position on a chart axis."""

    pos: float
    label: str


@dataclass(frozen=True)
class CdfSeries:
    """One variant's empirical CDF of one timing, as SVG polyline points."""

    variant: str
    slot: int  # colour slot, cycling through the stylesheet's series colours
    points: str
    n: int
    median: str


@dataclass(frozen=True)
class CdfChart:
    """A CDF chart of one timing with a curve per variant."""

    title: str
    label: str
    series: tuple[CdfSeries, ...]
    x_ticks: tuple[AxisTick, ...]
    y_ticks: tuple[AxisTick, ...]


@dataclass(frozen=True)
class LatencyView:
    """The latency distribution of a suite's streamed requests (TTFT and end-to-end)."""

    charts: tuple[CdfChart, ...]
    n_requests: int


@dataclass(frozen=True)
class SuiteView:
    """One suite's section: metric table, verdict changes and gate counts."""

    name: str
    info: SuiteInfo | None
    variants: tuple[str, ...]
    rows: tuple[MetricRow, ...]
    changes: tuple[VerdictChange, ...]
    gates_total: int
    gates_failed: int
    tests: tuple[str, ...]
    latency: LatencyView | None = None
    gaps: tuple[SplitGap, ...] = ()
    slices: tuple[SliceTable, ...] = ()


@dataclass(frozen=True)
class SliceTable:
    """One variant's gated metrics on each slicing tag beside the rest of the suite."""

    variant: str
    metrics: tuple[str, ...]
    rows: tuple[tuple[str, tuple[TagSlice | None, ...]], ...]  # (tag, one slice per metric)


@dataclass(frozen=True)
class GateView:
    """One gate decision with the links a reader follows from it."""

    gate: GateRecord
    kind: str
    failing: tuple[Link, ...]


@dataclass(frozen=True)
class ExampleView:
    """One example in the drill-down."""

    record: ExampleRecord
    failing: bool
    expected_json: str
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class DrillGroup:
    """The drill-down of one (suite, variant)."""

    suite: str
    variant: str
    examples: tuple[ExampleView, ...]
    n_failing: int


@dataclass(frozen=True)
class Page:
    """Everything the template needs, computed before rendering."""

    results: Results
    started: str
    duration: str | None
    gates: tuple[GateView, ...]
    failed_gates: tuple[GateView, ...]
    suites: tuple[SuiteView, ...]
    groups: tuple[DrillGroup, ...]
    tags: tuple[str, ...]
    n_examples: int
    n_failing: int
    split: str = ""  # which split of each suite the run evaluated, in words
    judges: tuple[JudgeView, ...] = ()
    review: ReviewSummary | None = None  # human ratings (``harness review import``)
    review_gates: tuple[GateView, ...] = ()
    judge_human: tuple[JudgeHumanAgreement, ...] = ()  # rubric judges vs the same ratings


@dataclass(frozen=True)
class Disagreement:
    """One example where the refusal judge and the offline detector chose different classes."""

    example_id: str
    detector: str
    judge: str


@dataclass(frozen=True)
class JudgeView:
    """The refusal judge against the detector on one suite and variant."""

    suite: str
    variant: str
    judge_variant: str
    n: int
    agreement: float | None
    binary_agreement: float | None
    disagreements: tuple[Disagreement, ...]
    unparsed: tuple[str, ...]


def _judge_views(results: Results) -> tuple[JudgeView, ...]:
    """The ``refusal_judge`` summaries a run recorded (see ``EvalSession``), one per suite/variant."""
    raw = results.metadata.extra.get("refusal_judge")
    if not isinstance(raw, dict):
        return ()
    views: list[JudgeView] = []
    for key, summary in sorted(raw.items()):
        if not isinstance(summary, dict):
            continue
        suite, _, variant = str(key).partition("/")
        rows = summary.get("disagreements") or []
        views.append(
            JudgeView(
                suite=suite,
                variant=variant,
                judge_variant=str(summary.get("judge_variant", "")),
                n=int(summary.get("n") or 0),
                agreement=summary.get("agreement"),
                binary_agreement=summary.get("binary_agreement"),
                disagreements=tuple(
                    Disagreement(str(r.get("id")), str(r.get("detector")), str(r.get("judge")))
                    for r in rows
                    if isinstance(r, dict)
                ),
                unparsed=tuple(str(i) for i in summary.get("unparsed") or []),
            )
        )
    return tuple(views)


def example_anchor(suite: str, variant: str, example_id: str) -> str:
    """The id of one example in the drill-down."""
    return anchor("ex", suite, variant, example_id)


def render_scorecard(results: Results) -> str:
    """The scorecard of ``results`` as one self-contained HTML document."""
    css, js = _asset(_CSS_NAME), _asset(_JS_NAME)
    return (
        _environment()
        .get_template(TEMPLATE_NAME)
        .render(
            page=_page(results),
            css=css,
            js=js,
            csp=page_policy(css, js),
            bar_width=BAR_WIDTH,
            bar_height=BAR_HEIGHT,
            cdf_width=CDF_WIDTH,
            cdf_height=CDF_HEIGHT,
            cdf_left=_CDF_LEFT,
            cdf_right=CDF_WIDTH - _CDF_RIGHT,
            cdf_top=_CDF_TOP,
            cdf_bottom=CDF_HEIGHT - _CDF_BOTTOM,
        )
    )


def write_scorecard(results: Results, path: Path) -> Path:
    """Render ``results`` and write the page to ``path`` atomically (temp file + rename)."""
    return atomic_write_text(path, render_scorecard(results))


@cache
def _environment() -> jinja2.Environment:
    # autoescape=True, not select_autoescape: the template's name ends in .j2,
    # and escaping must never depend on a file name.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("harness", "resources"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_CompiledTemplate(),
    )
    env.filters.update(
        value=format_value,
        delta=format_delta,
        pvalue=format_p,
        threshold=format_threshold,
    )
    env.globals.update(anchor=anchor, example_anchor=example_anchor)
    return env


class _CompiledTemplate(jinja2.FileSystemBytecodeCache):
    """The template's compiled code, kept like Python's own: in ``harness/__pycache__``.

    Compiling the template costs ~0.13 s a run. As for ``.pyc`` files, nothing is
    written under ``PYTHONDONTWRITEBYTECODE`` or where that folder is read-only, and the
    code is compiled again when the template, this module (the environment's options) or
    jinja2 changes, or the file does not read back.
    """

    def __init__(self) -> None:
        super().__init__(str(Path(__file__).parent / "__pycache__"), "scorecard.%s.jinja")

    def get_source_checksum(self, source: str) -> str:
        """The template's checksum, with this module's and jinja2's version in it."""
        own = Path(__file__).read_bytes().decode("utf-8")
        return super().get_source_checksum(f"{source}\0{own}\0{jinja2.__version__}")

    def load_bytecode(self, bucket: Bucket) -> None:
        """Load the compiled code; a file that does not read back is compiled again."""
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file: the template is compiled as without a cache
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the compiled code, where Python would keep its own."""
        if sys.dont_write_bytecode:
            return
        with contextlib.suppress(OSError):
            Path(self.directory).mkdir(exist_ok=True)
            super().dump_bytecode(bucket)


@cache
def _asset(name: str) -> Markup:
    # Our own static CSS/JS, inlined verbatim: marking them Markup is what
    # keeps autoescape from mangling them; data never takes this path.
    text = (resources.files("harness") / "resources" / name).read_text(encoding="utf-8")
    if "</" in text:
        raise RuntimeError(f"{name} must not contain '</': it would close its inline element")
    return Markup(text)


# ---------------------------------------------------------------------------
# Formatting (Jinja filters): text only, escaped by the template.


def format_value(value: float | None, kind: str = "") -> str:
    """A metric value: a percentage for pass/fail rates, a short number otherwise."""
    if value is None or not math.isfinite(value):
        return "—"
    if kind == _PASS_FAIL:
        return f"{value * 100:.1f}%"
    return format_number(value)


def format_delta(value: float | None, kind: str = "") -> str:
    """A signed difference: percentage points for pass/fail rates."""
    if value is None or not math.isfinite(value):
        return "—"
    if kind == _PASS_FAIL:
        magnitude, shown = f"{abs(value) * 100:.1f} pp", round(value * 100, 1)
    else:
        magnitude, shown = format_number(abs(value)), value
    if shown == 0:
        return magnitude  # a difference that displays as zero gets no sign
    return ("+" if value > 0 else "−") + magnitude


def format_threshold(gate: GateRecord, kind: str = "") -> str:
    """What a gate asked for, e.g. ``≥ 80.0%`` or ``no significant drop (tolerance 2.0 pp)``."""
    op = {">=": "≥", "<=": "≤"}.get(gate.op, gate.op)
    if gate.threshold is not None:
        return f"{op} {format_value(gate.threshold, kind)}"
    if gate.tolerance is not None:
        return f"{op} (tolerance {format_delta(gate.tolerance, kind).lstrip('+')})"
    return op


# ---------------------------------------------------------------------------
# The page model: grouping and geometry, no decisions.


def _page(results: Results) -> Page:
    md = results.metadata
    kinds = {(a.suite, a.metric): a.kind for a in results.aggregates}
    gate_views = tuple(_gate_view(g, kinds.get((g.suite, g.metric), "")) for g in results.gates)
    failed = tuple(v for v in gate_views if not v.gate.passed)
    groups = _drill_groups(results.examples)
    review, judge_human = _human_review(results)
    return Page(
        results=results,
        started=_when(md.started_at),
        duration=_duration(md.started_at, md.finished_at),
        gates=gate_views,
        failed_gates=failed,
        suites=tuple(
            _suite_view(results, s)
            for s in dict.fromkeys([*results.suites(), *(g.suite for g in results.gates)])
        ),
        groups=groups,
        tags=tuple(sorted({t for e in results.examples for t in e.tags if t})),
        n_examples=len(results.examples),
        n_failing=sum(g.n_failing for g in groups),
        split=split_label(results),
        judges=_judge_views(results),
        review=review,
        review_gates=tuple(v for v in gate_views if v.gate.metric in ("human_pass", "human_score")),
        judge_human=judge_human,
    )


def _human_review(
    results: Results,
) -> tuple[ReviewSummary | None, tuple[JudgeHumanAgreement, ...]]:
    """The human review and each rubric judge metric against it, when the run holds ratings."""
    if not results.reviews.get("ratings"):
        return None, ()  # krippendorff and numpy are imported only for runs people rated
    from harness.judges import judge_human_agreement
    from harness.review import review_summary

    return review_summary(results), tuple(judge_human_agreement(results))


def split_label(results: Results) -> str:
    """Which split the run's figures come from, for the page header and each suite."""
    split = results.metadata.split
    if split == "all":
        split_examples = any(e.split != "all" for e in results.examples)
        return "all (dev + test)" if split_examples else "all (recorded without splits)"
    return f"{split} split" + (" (selection, not the verdict)" if split == "dev" else "")


def _slice_tables(results: Results, suite: str, variants: Sequence[str]) -> tuple[SliceTable, ...]:
    tables: list[SliceTable] = []
    for variant in variants:
        metrics = tuple(gated_metrics(results, suite, variant))
        per_metric = [
            {sl.tag: sl for sl in tag_slices(results, suite, variant, m)} for m in metrics
        ]
        tags = sorted({tag for table in per_metric for tag in table})
        if not tags:
            continue
        rows = tuple((tag, tuple(table.get(tag) for table in per_metric)) for tag in tags)
        tables.append(SliceTable(variant, metrics, rows))
    return tuple(tables)


def _suite_view(results: Results, suite: str) -> SuiteView:
    aggs = [a for a in results.aggregates if a.suite == suite]
    gates = [g for g in results.gates if g.suite == suite]
    comps = [c for c in results.comparisons if c.suite == suite]
    variants = tuple(
        dict.fromkeys(
            [a.variant for a in aggs]
            + [e.variant for e in results.examples if e.suite == suite]
            + [g.variant for g in gates]
        )
    )
    metrics = list(dict.fromkeys([a.metric for a in aggs] + [g.metric for g in gates]))
    rows = tuple(_metric_row(m, variants, aggs, gates, comps) for m in metrics)
    changes = tuple(
        VerdictChange(
            variant=c.variant,
            reference=c.reference,
            metric=c.metric,
            improved=_example_links(suite, c.variant, c.improved_ids),
            regressed=_example_links(suite, c.variant, c.regressed_ids),
        )
        for c in comps
        if c.improved_ids or c.regressed_ids
    )
    return SuiteView(
        name=suite,
        info=results.metadata.suites.get(suite),
        variants=variants,
        rows=rows,
        changes=changes,
        gates_total=len(gates),
        gates_failed=sum(not g.passed for g in gates),
        tests=tuple(dict.fromkeys(c.test for c in comps if c.test)),
        latency=_latency_view(
            [e for e in results.examples if e.suite == suite and not e.cached], variants
        ),
        gaps=tuple(g for g in split_gaps(results) if g.suite == suite),
        slices=_slice_tables(results, suite, variants),
    )


def _latency_view(examples: Sequence[ExampleRecord], variants: Sequence[str]) -> LatencyView | None:
    """CDFs of TTFT and e2e per variant, for suites whose requests were streamed."""
    streamed = [e for e in examples if e.ttft_s is not None and e.latency_s is not None]
    if not streamed:
        return None
    charts = []
    for title, field_name in (
        ("time to first token", "ttft_s"),
        ("end-to-end latency", "latency_s"),
    ):
        by_variant: dict[str, list[float]] = {}
        for v in variants:
            xs = [float(getattr(e, field_name)) for e in streamed if e.variant == v]
            if xs:
                by_variant[v] = sorted(xs)
        charts.append(_cdf_chart(title, by_variant))
    return LatencyView(charts=tuple(charts), n_requests=len(streamed))


def _nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value``."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1.0, 2.0, 5.0, 10.0) if value <= step * power * 1.000001)


def _seconds_label(value: float, unit_ms: bool) -> str:
    return f"{value * 1000:.0f} ms" if unit_ms else f"{value:.3g} s"


def _cdf_chart(title: str, values: dict[str, list[float]]) -> CdfChart:
    largest = max((xs[-1] for xs in values.values()), default=1.0)
    step = _nice_step(largest / 4)  # four or five labelled ticks
    ticks = max(1, math.ceil(largest / step - 1e-9))
    top = step * ticks
    unit_ms = top < 1.0
    x0, x1 = _CDF_LEFT, CDF_WIDTH - _CDF_RIGHT
    y0, y1 = CDF_HEIGHT - _CDF_BOTTOM, _CDF_TOP  # y0 is the 0% line (bottom)

    def x(v: float) -> float:
        return round(x0 + min(max(v / top, 0.0), 1.0) * (x1 - x0), 2)

    def y(share: float) -> float:
        return round(y0 + share * (y1 - y0), 2)

    series = []
    for slot, (variant, xs) in enumerate(values.items()):
        n = len(xs)
        points = [(x(xs[0]), y(0.0))]
        for i, v in enumerate(xs):
            points += [(x(v), y(i / n)), (x(v), y((i + 1) / n))]
        points.append((x1, y(1.0)))
        series.append(
            CdfSeries(
                variant=variant,
                slot=slot % _CDF_SLOTS,
                points=" ".join(f"{px},{py}" for px, py in points),
                n=n,
                median=_seconds_label(statistics.median(xs), unit_ms),
            )
        )
    x_ticks = tuple(
        AxisTick(pos=x(step * k), label=_seconds_label(round(step * k, 9), unit_ms))
        for k in range(ticks + 1)
    )
    # 95% is labelled for reading p95 budgets; 100% is plain (the labels would collide).
    y_ticks = tuple(
        AxisTick(pos=y(share), label=label)
        for share, label in ((0.0, "0%"), (0.5, "50%"), (0.95, "95%"), (1.0, ""))
    )
    label = f"cumulative distribution of {title}: " + "; ".join(
        f"{s.variant} median {s.median} over {s.n} requests" for s in series
    )
    return CdfChart(
        title=title, label=label, series=tuple(series), x_ticks=x_ticks, y_ticks=y_ticks
    )


def _metric_row(
    metric: str,
    variants: Sequence[str],
    aggs: Sequence[Aggregate],
    gates: Sequence[GateRecord],
    comps: Sequence[ComparisonRecord],
) -> MetricRow:
    by_variant = {a.variant: a for a in aggs if a.metric == metric}
    first = next(iter(by_variant.values()), None)
    kind = first.kind if first else ""
    higher = first.higher_is_better if first else None
    row_gates = [g for g in gates if g.metric == metric]
    values = [v for a in by_variant.values() for v in (a.mean, a.ci_low, a.ci_high)]
    values += [v for g in row_gates for v in (g.threshold, g.value, g.ci_low, g.ci_high)]
    domain = _domain(kind, [v for v in values if v is not None and math.isfinite(v)])
    cells = []
    for variant in variants:
        agg = by_variant.get(variant)
        cell_gates = tuple(g for g in row_gates if g.variant == variant)
        comp = next((c for c in comps if c.metric == metric and c.variant == variant), None)
        cells.append(
            Cell(
                variant=variant,
                aggregate=agg,
                kind=kind,
                bar=_bar(agg, cell_gates, domain, kind) if agg is not None else None,
                gates=cell_gates,
                comparison=comp,
                delta_class=_delta_class(comp, higher),
            )
        )
    return MetricRow(metric=metric, kind=kind, higher_is_better=higher, cells=tuple(cells))


def _domain(kind: str, vals: Sequence[float]) -> tuple[float, float]:
    """The axis of a metric row, shared by its variants so their bars compare."""
    if kind == _PASS_FAIL or not vals or (min(vals) >= 0.0 and max(vals) <= 1.0):
        return 0.0, 1.0
    lo, hi = min(0.0, min(vals)), max(0.0, max(vals))
    if hi == lo:
        hi = lo + 1.0
    return lo, hi + (hi - lo) * 0.05


def _bar(
    agg: Aggregate, gates: Sequence[GateRecord], domain: tuple[float, float], kind: str
) -> Bar:
    lo, hi = domain
    span = BAR_WIDTH - 2 * _BAR_PAD

    def x(v: float | None) -> float | None:
        if v is None or not math.isfinite(v):
            return None
        t = min(max((v - lo) / (hi - lo), 0.0), 1.0)
        return round(_BAR_PAD + t * span, 2)

    ticks = tuple(
        Tick(x=tx, passed=g.passed)
        for g in gates
        if g.threshold is not None and (tx := x(g.threshold)) is not None
    )
    label = f"mean {format_value(agg.mean, kind)}"
    if agg.ci_low is not None and agg.ci_high is not None:
        label += (
            f", 95% interval {format_value(agg.ci_low, kind)} to {format_value(agg.ci_high, kind)}"
        )
    for g in gates:
        if g.threshold is not None:
            label += f", threshold {format_threshold(g, kind)}"
    return Bar(
        x0=_BAR_PAD,
        x1=_BAR_PAD + span,
        mean_x=x(agg.mean),
        low_x=x(agg.ci_low),
        high_x=x(agg.ci_high),
        ticks=ticks,
        label=label,
        axis_low=_axis_label(lo, kind),
        axis_high=_axis_label(hi, kind),
    )


def _axis_label(value: float, kind: str) -> str:
    return f"{value * 100:.0f}%" if kind == _PASS_FAIL else format_number(value)


def _delta_class(comp: ComparisonRecord | None, higher_is_better: bool | None) -> str:
    # Colour follows the recorded significance and the metric's declared direction.
    if comp is None or comp.delta is None or not comp.significant:
        return "ns"
    if higher_is_better is None or comp.delta == 0:
        return "sig"
    return "better" if (comp.delta > 0) == higher_is_better else "worse"


def _gate_view(gate: GateRecord, kind: str) -> GateView:
    return GateView(
        gate=gate,
        kind=kind,
        failing=_example_links(gate.suite, gate.variant, gate.failing_ids),
    )


def _example_links(suite: str, variant: str, ids: Iterable[str]) -> tuple[Link, ...]:
    return tuple(Link(text=i, anchor=example_anchor(suite, variant, i)) for i in ids)


def _drill_groups(examples: Sequence[ExampleRecord]) -> tuple[DrillGroup, ...]:
    grouped: dict[tuple[str, str], list[ExampleView]] = {}
    for e in examples:
        grouped.setdefault((e.suite, e.variant), []).append(
            ExampleView(
                record=e,
                failing=e.verdict in _FAILING_VERDICTS,
                expected_json=json.dumps(e.expected, indent=2, ensure_ascii=False, default=str),
                outputs=tuple(e.outputs) if len(e.outputs) > 1 else (e.output,),
            )
        )
    return tuple(
        DrillGroup(
            suite=suite,
            variant=variant,
            examples=tuple(views),
            n_failing=sum(v.failing for v in views),
        )
        for (suite, variant), views in grouped.items()
    )


def _parse_time(stamp: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None


def _when(stamp: str) -> str:
    t = _parse_time(stamp)
    if t is None:
        return stamp
    if t.tzinfo is None:
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return t.astimezone(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(start: str, end: str) -> str | None:
    a, b = _parse_time(start), _parse_time(end)
    if a is None or b is None or (a.tzinfo is None) != (b.tzinfo is None):
        return None
    seconds = int((b - a).total_seconds())
    if seconds < 0:
        return None
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"
