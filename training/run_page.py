"""The run page ``reports/<run>/index.html``: every checkpoint's gates, metrics and losses.

Each gated metric gets a trend chart across steps with its threshold; the
best passing checkpoint is marked; every row links to that checkpoint's
scorecard. Jinja2 with autoescape; self-contained (inline CSS and SVG).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from harness._io import atomic_write_text

TEMPLATES = Path(__file__).parent / "templates"
_W, _H, _PAD = 520, 160, 32


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


def _series(history: Sequence[Any]) -> list[Series]:
    steps = [h.step for h in history]
    s_lo, s_hi = (min(steps), max(steps)) if steps else (0, 1)
    keys: dict[str, dict[str, Any]] = {}
    for h in history:
        for g in h.gates:
            keys.setdefault(
                f"{g['suite']}/{g['metric']}", {"op": g["op"], "threshold": g["threshold"]}
            )
    for key in ("train_loss", "eval_loss"):
        if any(getattr(h, key) is not None for h in history):
            keys[key] = {"op": None, "threshold": None}
    out: list[Series] = []
    for key, info in keys.items():
        values: list[tuple[int, float, bool | None]] = []
        for h in history:
            if key in ("train_loss", "eval_loss"):
                v = getattr(h, key)
                passed = None
            else:
                v = h.metrics.get(key)
                gates = [g for g in h.gates if f"{g['suite']}/{g['metric']}" == key]
                passed = all(g["passed"] for g in gates) if gates else None
            if v is not None:
                values.append((h.step, float(v), passed))
        if not values:
            continue
        ys = [v for _, v, _ in values] + (
            [info["threshold"]] if info["threshold"] is not None else []
        )
        lo, hi = min(ys), max(ys)
        if key not in ("train_loss", "eval_loss"):
            lo, hi = min(lo, 0.0), max(hi, 1.0) if hi <= 1.0 else hi
        if hi == lo:
            hi = lo + 1.0

        def x_of(step: int) -> float:
            return _PAD + (step - s_lo) / ((s_hi - s_lo) or 1) * (_W - 2 * _PAD)

        def y_of(v: float, lo: float = lo, hi: float = hi) -> float:
            return _H - _PAD / 2 - (v - lo) / (hi - lo) * (_H - _PAD)

        pts = [(x_of(s), y_of(v), s, v, p) for s, v, p in values]
        thr = info["threshold"]
        out.append(
            Series(key, pts, thr, None if thr is None else y_of(float(thr)), info["op"], lo, hi)
        )
    return out


def render_run_page(
    *,
    run_name: str,
    history: Sequence[Any],
    best_step: int | None,
    primary_metric: str,
    stop_reason: str | None,
    best_dir: str,
) -> str:
    """The run page as HTML text."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    template = env.get_template("run.html.j2")
    return template.render(
        run_name=run_name,
        history=list(history),
        best_step=best_step,
        primary_metric=primary_metric,
        stop_reason=stop_reason,
        best_dir=best_dir,
        series=_series(history),
        width=_W,
        height=_H,
        pad=_PAD,
        gate_keys=list(
            dict.fromkeys(f"{g['suite']}/{g['metric']}" for h in history for g in h.gates)
        ),
    )


def write_run_page(path: Path, **kwargs: Any) -> Path:
    """Render and write the run page atomically."""
    return atomic_write_text(path, render_run_page(**kwargs))
