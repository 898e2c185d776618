"""The run page ``reports/<run>/index.html``: every checkpoint's gates, metrics and losses.

Each gated metric gets a trend chart across steps with its threshold; the
best passing checkpoint is marked; every row links to that checkpoint's
scorecard. The forgetting guard has its own column (what a checkpoint lost
against the base model) and a table of every guard metric, base against
checkpoint, with its paired p-value. Jinja2 with autoescape; self-contained (inline CSS and SVG).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from harness._format import format_number, format_p
from harness._io import atomic_write_text

TEMPLATES = Path(__file__).parent / "templates"
_W, _H, _PAD = 520, 160, 32
_LOSSES = ("train_loss", "eval_loss")


@dataclass(frozen=True)
class Series:
    """One metric across checkpoints, laid out for an SVG chart."""

    key: str
    points: list[tuple[float, float, int, float, bool | None]]  # x, y, step, value, passed
    threshold: float | None
    threshold_y: float | None
    op: str | None
    lo: float
    hi: float

    @property
    def polyline(self) -> str:
        """SVG ``points`` attribute (numbers only)."""
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, *_ in self.points)


def _gate_key(gate: Mapping[str, Any]) -> str:
    return f"{gate['suite']}/{gate['metric']}"


def _gate_passed(verdict: Any, key: str) -> bool | None:
    """Whether every gate on metric ``key`` passed at this checkpoint; ``None`` if none gates it."""
    passed = [g["passed"] for g in verdict.gates if _gate_key(g) == key]
    return all(passed) if passed else None


def _chart(
    key: str,
    values: Sequence[tuple[int, float, bool | None]],
    steps: tuple[int, int],
    *,
    op: str | None = None,
    threshold: float | None = None,
) -> Series:
    """Lay out ``(step, value, passed)`` points; gated metrics keep 0..1 in view."""
    ys = [v for _, v, _ in values] + ([threshold] if threshold is not None else [])
    lo, hi = min(ys), max(ys)
    if key not in _LOSSES:
        lo, hi = min(lo, 0.0), max(hi, 1.0)
    if hi == lo:
        hi = lo + 1.0
    s_lo, s_hi = steps

    def x_of(step: int) -> float:
        return _PAD + (step - s_lo) / ((s_hi - s_lo) or 1) * (_W - 2 * _PAD)

    def y_of(v: float) -> float:
        return _H - _PAD / 2 - (v - lo) / (hi - lo) * (_H - _PAD)

    points = [(x_of(s), y_of(v), s, v, p) for s, v, p in values]
    threshold_y = None if threshold is None else y_of(float(threshold))
    return Series(key, points, threshold, threshold_y, op, lo, hi)


def _series(history: Sequence[Any]) -> list[Series]:
    """One chart per gated metric (in order of first appearance), then the losses."""
    steps = [h.step for h in history]
    span = (min(steps), max(steps)) if steps else (0, 1)
    gates: dict[str, tuple[str, float | None]] = {}
    for h in history:
        for g in h.gates:
            gates.setdefault(_gate_key(g), (g["op"], g["threshold"]))
    out: list[Series] = []
    for key, (op, threshold) in gates.items():
        values = [
            (h.step, float(h.metrics[key]), _gate_passed(h, key))
            for h in history
            if h.metrics.get(key) is not None
        ]
        if values:
            out.append(_chart(key, values, span, op=op, threshold=threshold))
    for key in _LOSSES:
        losses = [
            (h.step, float(getattr(h, key)), None) for h in history if getattr(h, key) is not None
        ]
        if losses:
            out.append(_chart(key, losses, span))
    return out


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters.update(num=format_number, pvalue=format_p)  # as the scorecard shows numbers
    return env


def render_template(name: str, **context: Any) -> str:
    """Render one of ``training/templates`` with autoescape on."""
    return _environment().get_template(name).render(**context)


def render_run_page(
    *,
    run_name: str,
    history: Sequence[Any],
    best_step: int | None,
    primary_metric: str,
    stop_reason: str | None,
    best_dir: str,
    split: str = "dev",
    base_scorecard: str | None = None,
) -> str:
    """The run page as HTML text."""
    gate_keys = list(dict.fromkeys(_gate_key(g) for h in history for g in h.gates))
    rows = [
        (h, [(h.metrics.get(key), _gate_passed(h, key)) for key in gate_keys], _lost(h))
        for h in history
    ]
    guard_rows = [(h.step, g) for h in history for g in getattr(h, "guards", [])]
    return render_template(
        "run.html.j2",
        run_name=run_name,
        rows=rows,
        best_step=best_step,
        primary_metric=primary_metric,
        stop_reason=stop_reason,
        best_dir=best_dir,
        series=_series(history),
        width=_W,
        height=_H,
        pad=_PAD,
        gate_keys=gate_keys,
        split=split,
        guard_rows=guard_rows,
        base_scorecard=base_scorecard,
    )


def _lost(verdict: Any) -> list[str]:
    """The capabilities a checkpoint lost against the base model, as short phrases."""
    return [
        f"{g['suite']}/{g['metric']} {format_number(g.get('base_value'))} -> "
        f"{format_number(g.get('value'))} ({format_p(g.get('p_value'))})"
        for g in getattr(verdict, "guards", [])
        if not g["passed"]
    ]


def write_run_page(path: Path, **kwargs: Any) -> Path:
    """Render and write the run page atomically."""
    return atomic_write_text(path, render_run_page(**kwargs))
