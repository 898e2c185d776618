"""The HTML scorecard: verdict first, variant columns, anchors, escaping, no network."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from harness.cli import main
from harness.metrics import Aggregate, MetricResult
from harness.results import (
    ComparisonRecord,
    ExampleRecord,
    GateRecord,
    Results,
    RunMetadata,
    SuiteInfo,
    VariantInfo,
    write_results,
)
from harness.scorecard import _environment, render_scorecard, write_scorecard

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _example(
    suite: str,
    variant: str,
    example_id: str,
    metric: str,
    passed: bool,
    *,
    output: str = '{"name": "Ana"}',
    tags: tuple[str, ...] = (),
) -> ExampleRecord:
    return ExampleRecord(
        suite=suite,
        variant=variant,
        example_id=example_id,
        source=f"golden/{suite}.jsonl:{example_id[-1]}",
        tags=list(tags),
        input=[
            {"role": "system", "content": "Answer in JSON."},
            {"role": "user", "content": f"Question {example_id}?"},
        ],
        expected={"schema": "schemas/person.json"},
        output=output,
        outputs=[output],
        cached=False,
        latency_s=0.25,
        ttft_s=None,
        prompt_tokens=12,
        completion_tokens=7,
        finish_reason="stop",
        metrics={
            metric: MetricResult(
                value=1.0 if passed else 0.0,
                passed=passed,
                reason=None if passed else "missing required field 'age'",
            )
        },
        verdict="pass" if passed else "fail",
    )


def _aggregate(suite: str, variant: str, metric: str, passes: int, n: int) -> Aggregate:
    mean = passes / n
    return Aggregate(
        suite=suite,
        variant=variant,
        metric=metric,
        kind="pass_fail",
        higher_is_better=True,
        n=n,
        n_not_applicable=0,
        mean=mean,
        ci_low=max(0.0, mean - 0.2),
        ci_high=min(1.0, mean + 0.1),
        passes=passes,
        method="wilson",
    )


def _gate(
    suite: str,
    variant: str,
    metric: str,
    value: float,
    passed: bool,
    failing: list[str],
    threshold: float = 0.6,
) -> GateRecord:
    return GateRecord(
        suite=suite,
        variant=variant,
        gate=f"{metric}_min",
        metric=metric,
        kind="threshold",
        op=">=",
        threshold=threshold,
        value=value,
        ci_low=max(0.0, value - 0.2),
        ci_high=min(1.0, value + 0.1),
        n=3,
        passed=passed,
        failing_ids=failing,
        message=f"{suite}/{variant}: {metric} = {value:.2f} below the {threshold:.2f} threshold"
        if not passed
        else "",
    )


def make_results(hostile_output: str = HOSTILE) -> Results:
    """Two suites x two variants; one gate fails, three pass; one comparison."""
    md = RunMetadata(
        run_id="run0123abcd",
        started_at="2025-03-01T10:00:00+00:00",
        finished_at="2025-03-01T10:02:05+00:00",
        harness_version="0.1.0",
        git_commit="0123456789abcdef0123456789abcdef01234567",
        host="ci-runner",
        python="3.11.9",
        platform="Linux",
        variants={
            "base": VariantInfo(backend="scripted", model="embedded", fingerprint="f" * 64),
            "prompted": VariantInfo(
                backend="scripted",
                model="embedded",
                fingerprint="e" * 64,
                system_prompt="golden/prompts/system.txt",
            ),
        },
        suites={
            "json_extract": SuiteInfo(path="golden/json_extract.jsonl", fingerprint="a" * 64, n=3),
            "refusal": SuiteInfo(path="golden/refusal.jsonl", fingerprint="b" * 64, n=3),
        },
    )
    examples = [
        _example("json_extract", "base", "je-1", "schema_valid", True, tags=("easy",)),
        _example(
            "json_extract",
            "base",
            "je-2",
            "schema_valid",
            False,
            output=hostile_output,
            tags=("null-field",),
        ),
        _example("json_extract", "base", "je-3", "schema_valid", False, tags=("nested",)),
        _example("json_extract", "prompted", "je-1", "schema_valid", True, tags=("easy",)),
        _example("json_extract", "prompted", "je-2", "schema_valid", True, tags=("null-field",)),
        _example("json_extract", "prompted", "je-3", "schema_valid", True, tags=("nested",)),
        _example("refusal", "base", "rf-1", "refusal_correct", True, tags=("harmful",)),
        _example("refusal", "base", "rf-2", "refusal_correct", True, tags=("benign",)),
        _example("refusal", "prompted", "rf-1", "refusal_correct", True, tags=("harmful",)),
        _example("refusal", "prompted", "rf-2", "refusal_correct", False, tags=("benign",)),
    ]
    return Results(
        metadata=md,
        examples=examples,
        aggregates=[
            _aggregate("json_extract", "base", "schema_valid", 1, 3),
            _aggregate("json_extract", "prompted", "schema_valid", 3, 3),
            _aggregate("refusal", "base", "refusal_correct", 2, 2),
            _aggregate("refusal", "prompted", "refusal_correct", 1, 2),
        ],
        gates=[
            _gate("json_extract", "base", "schema_valid", 1 / 3, False, ["je-2", "je-3"]),
            _gate("json_extract", "prompted", "schema_valid", 1.0, True, []),
            _gate("refusal", "base", "refusal_correct", 1.0, True, [], threshold=0.5),
            _gate("refusal", "prompted", "refusal_correct", 0.5, True, [], threshold=0.5),
        ],
        comparisons=[
            ComparisonRecord(
                suite="json_extract",
                metric="schema_valid",
                reference="base",
                variant="prompted",
                n=3,
                reference_mean=1 / 3,
                variant_mean=1.0,
                delta=2 / 3,
                ci_low=0.1,
                ci_high=1.0,
                p_value=0.0123,
                test="mcnemar-exact",
                significant=True,
                improved_ids=["je-2", "je-3"],
            )
        ],
    )


@pytest.fixture(scope="module")
def html() -> str:
    return render_scorecard(make_results())


def _text(html: str) -> str:
    """The page's visible text, tags stripped and whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_autoescape_is_on_for_the_template() -> None:
    env = _environment()
    assert env.autoescape is True
    assert env.get_template("scorecard.html.j2").render is not None


def test_verdict_banner_comes_first_and_counts_failed_gates(html: str) -> None:
    text = _text(html)
    assert "FAIL 1 of 4 gates failed" in text
    banner = html.index('class="banner fail"')
    assert banner < html.index('id="suite-json_extract"') < html.index('id="gh-examples"')
    assert "<title>FAIL · run run0123abcd" in html
    for fact in ("run0123abcd", "0123456789ab", "0.1.0", "ci-runner", "2025-03-01 10:00:00 UTC"):
        assert fact in html[banner : html.index("</header>")]
    assert "2m 05s" in text


def test_passing_run_banner() -> None:
    results = make_results()
    for g in results.gates:
        g.passed = True
    text = _text(render_scorecard(results))
    assert "PASS all 4 gates passed" in text
    assert "Gate failures" not in text


def test_run_without_gates_is_not_a_pass() -> None:
    results = make_results()
    results.gates = []
    text = _text(render_scorecard(results))
    assert "FAIL no gates were evaluated" in text


def test_variant_columns_side_by_side_with_deltas(html: str) -> None:
    suite = html[html.index('id="suite-json_extract"') : html.index('id="suite-refusal"')]
    header = re.search(r"<thead>(.*?)</thead>", suite, re.S)
    assert header is not None
    columns = re.findall(r"<th scope=\"col\">([^<]+)", header.group(1))
    assert [c.strip() for c in columns] == ["metric", "base", "prompted"]
    text = _text(suite)
    assert "33.3%" in text and "100.0%" in text
    assert "≥ 60.0%" in text
    assert "Δ +66.7 pp" in text and "p = 0.0123" in text and "✱" in text
    assert "Examples whose verdict differs" in text and "improved (2)" in text
    # interval bars: one inline SVG per cell, with mean, interval and threshold tick
    assert suite.count('<svg class="ibar"') == 2
    assert 'class="tick fail"' in suite and 'class="tick pass"' in suite


def test_anchors_that_gate_messages_link_to(html: str) -> None:
    for anchor in (
        "json_extract-base",
        "json_extract-prompted",
        "refusal-base",
        "json_extract-base-schema_valid",
        "refusal-prompted-refusal_correct",
        "ex-json_extract-base-je-2",
    ):
        assert f'id="{anchor}"' in html
    failures = html[html.index('id="gh-gate-failures"') : html.index('id="gh-examples"')]
    assert "below the 0.60 threshold" in failures
    assert 'href="#json_extract-base-schema_valid"' in failures
    assert 'href="#json_extract-base"' in failures
    assert 'href="#ex-json_extract-base-je-3"' in failures
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids


def test_drill_down_shows_input_expected_output_and_reasons(html: str) -> None:
    drill = html[html.index('id="json_extract-base"') :]
    drill = drill[: drill.index('id="json_extract-prompted"')]
    text = _text(drill)
    for part in ("Answer in JSON.", "Question je-3?", "schemas/person.json", '{"name": "Ana"}'):
        assert part.replace('"', "&#34;") in text or part in text
    assert "missing required field &#39;age&#39;" in drill
    assert 'data-failing="true"' in drill and 'data-failing="false"' in drill
    assert 'data-tag="null-field"' in drill
    assert '<option value="nested">nested</option>' in html


def test_self_contained_no_network_references(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    tags = re.findall(r"<[a-zA-Z][^>]*>", html)
    assert not [t for t in tags if re.search(r"\s(src|srcset|action|formaction)\s*=", t)]
    assert "<link" not in html and "@import" not in html and "url(" not in html
    for target in re.findall(r"\bhref\s*=\s*\"([^\"]*)\"", html):
        assert target.startswith("#"), target
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None and "default-src 'none'" in unescape(csp.group(1))
    assert html.count("<script>") == 1 and html.count("<style>") == 1


def test_hostile_output_is_escaped(html: str) -> None:
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    )
    assert "<script>alert" not in html and "<img" not in html
    # The one real <script> is ours, at the end, and holds no data.
    script = html[html.index("<script>") :]
    assert "alert" not in script and "je-2" not in script


def test_write_scorecard_is_atomic_and_returns_path(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "scorecard.html"
    assert write_scorecard(make_results(), target) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["scorecard.html"]


def test_cli_report_rerenders_beside_the_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results_path = write_results(make_results(), tmp_path / "run" / "results.json")
    assert main(["report", str(results_path)]) == 0
    out = tmp_path / "run" / "scorecard.html"
    assert capsys.readouterr().out.strip() == str(out)
    assert "1 of 4 gates failed" in _text(out.read_text(encoding="utf-8"))

    custom = tmp_path / "elsewhere" / "card.html"
    assert main(["report", str(results_path), "-o", str(custom)]) == 0
    assert capsys.readouterr().out.strip() == str(custom)
    assert custom.is_file()


def test_cli_report_missing_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    assert main(["report", str(missing)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "results file not found" in captured.err
    assert not (tmp_path / "scorecard.html").exists()


def test_cli_report_foreign_json_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "results.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    assert main(["report", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a golden-harness results file" in err


def test_compiled_template_is_kept_reused_and_rebuilt_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import jinja2

    from harness import scorecard

    kept = scorecard._CompiledTemplate()
    kept.directory = str(tmp_path / "__pycache__")
    monkeypatch.setattr(scorecard, "_CompiledTemplate", lambda: kept)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    results = make_results()
    _environment.cache_clear()
    try:
        first = render_scorecard(results)
        (code,) = (tmp_path / "__pycache__").glob("scorecard.*.jinja")
        _environment.cache_clear()

        def never(*args: object, **kwargs: object) -> None:
            raise AssertionError("the kept code was compiled again")

        with monkeypatch.context() as m:
            m.setattr(jinja2.Environment, "compile", never)
            assert render_scorecard(results) == first
        code.write_bytes(code.read_bytes()[:40])  # cut short: compiled again, page unchanged
        _environment.cache_clear()
        assert render_scorecard(results) == first
        # PYTHONDONTWRITEBYTECODE: nothing is written, as for Python's own bytecode.
        code.unlink()
        monkeypatch.setattr(sys, "dont_write_bytecode", True)
        _environment.cache_clear()
        assert render_scorecard(results) == first
        assert not code.exists()
    finally:
        _environment.cache_clear()
