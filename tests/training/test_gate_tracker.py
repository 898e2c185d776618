"""GateTracker decisions and the run page, without a model."""

from __future__ import annotations

from pathlib import Path

from training.gate import CheckpointVerdict, GateTracker
from training.run_page import render_run_page


def verdict(step: int, primary: float, *gates: tuple[str, bool]) -> CheckpointVerdict:
    return CheckpointVerdict(
        step=step,
        passed=all(p for _, p in gates),
        primary=primary,
        gates=[
            {
                "key": k,
                "suite": "s",
                "metric": k,
                "op": ">=",
                "threshold": 0.5,
                "value": primary,
                "passed": p,
            }
            for k, p in gates
        ],
        metrics={f"s/{k}": primary for k, _ in gates},
        results_path="",
        scorecard_path=f"checkpoint-{step}/scorecard.html",
        train_loss=1.0 / step,
    )


def test_best_is_the_highest_passing_primary() -> None:
    t = GateTracker(patience=0)
    assert t.update(verdict(10, 0.6, ("a", True))).is_best
    assert not t.update(verdict(20, 0.9, ("a", False))).is_best, "failing checkpoints never win"
    assert t.update(verdict(30, 0.7, ("a", True))).is_best
    assert not t.update(verdict(40, 0.7, ("a", True))).is_best, "ties keep the earlier step"
    assert (t.best_step, t.best_value) == (30, 0.7)


def test_regression_stops_at_once() -> None:
    t = GateTracker()
    t.update(verdict(10, 0.8, ("a", True), ("b", True)))
    d = t.update(verdict(20, 0.2, ("a", False), ("b", True)))
    assert d.stop and d.reason is not None and d.reason.startswith("regression: a")


def test_failures_that_never_passed_are_not_regressions() -> None:
    t = GateTracker(patience=5)
    t.update(verdict(10, 0.1, ("a", False)))
    assert not t.update(verdict(20, 0.1, ("a", False))).stop


def test_plateau_with_patience_and_min_delta() -> None:
    t = GateTracker(patience=2, min_delta=0.05)
    t.update(verdict(10, 0.60, ("a", True)))
    assert not t.update(verdict(20, 0.62, ("a", True))).stop
    d = t.update(verdict(30, 0.64, ("a", True)))
    assert d.stop and "plateau" in (d.reason or "")


def test_lower_is_better_primary() -> None:
    t = GateTracker(higher_is_better=False, patience=0)
    t.update(verdict(10, 0.3, ("a", True)))
    assert t.update(verdict(20, 0.1, ("a", True))).is_best


def test_stop_on_failure() -> None:
    t = GateTracker(stop_on_failure=True, patience=0)
    assert t.update(verdict(10, 0.3, ("a", False))).stop


def test_export_and_restore_keep_patience() -> None:
    t = GateTracker(patience=3)
    t.update(verdict(10, 0.6, ("a", True)))
    t.update(verdict(20, 0.5, ("a", True)))
    resumed = GateTracker(patience=3)
    resumed.restore(t.export())
    assert (resumed.counter, resumed.best_step, resumed.best_passing_gates) == (1, 10, ["a"])
    resumed.update(verdict(30, 0.5, ("a", True)))
    assert resumed.update(verdict(40, 0.5, ("a", True))).stop


def test_run_page_marks_best_and_escapes(tmp_path: Path) -> None:
    hostile = verdict(20, 0.9, ("<script>alert(1)</script>", True))
    html = render_run_page(
        run_name="<b>run</b>",
        history=[verdict(10, 0.6, ("a", True)), hostile],
        best_step=20,
        primary_metric="schema_valid",
        stop_reason=None,
        best_dir="runs/x/best",
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;run&lt;/b&gt;: best passing checkpoint 20" in html
    assert 'href="checkpoint-20/scorecard.html"' in html
    assert "<polyline" in html and "http" not in html.replace("http-equiv", "")
