"""The metric reference page is generated from the registry and never goes stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from harness.cli._metrics import REFERENCE_PAGE, render_reference
from harness.metrics import list_metrics

REPO = Path(__file__).resolve().parent.parent


def test_committed_page_matches_the_registry() -> None:
    committed = (REPO / REFERENCE_PAGE).read_text(encoding="utf-8")
    assert committed == render_reference(), (
        f"{REFERENCE_PAGE} is out of date: run `harness metrics --markdown > {REFERENCE_PAGE}`"
    )


def test_every_built_in_metric_has_a_row_with_its_direction() -> None:
    page = render_reference()
    built_in = [s for s in list_metrics() if s.fn.__module__.startswith("harness.")]
    assert len(built_in) >= 10
    for spec in built_in:
        row = next(line for line in page.splitlines() if line.startswith(f"| `{spec.name}` |"))
        expected = {True: "higher is better", False: "lower is better", None: "no direction"}
        assert expected[spec.higher_is_better] in row, row
        assert spec.description and spec.description.split("``")[0][:20] in row


def test_cli_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--markdown"]) == 0
    assert capsys.readouterr().out == render_reference()
    assert main(["metrics"]) == 0
    out = capsys.readouterr().out
    assert "schema_valid  (pass/fail, higher is better)" in out
    assert "applies to: examples with expect.schema" in out
