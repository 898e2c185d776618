"""The scorecard in a real headless Chromium: hostile outputs stay inert text, filters work.

Needs Debian's Chromium at /usr/bin/chromium, driven by the ``playwright``
package (never ``playwright install``: nothing is downloaded). ``make test``'s
set-up installs both; without them this test fails rather than skips, because
a scorecard that was never opened in a browser is not known to be safe.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.metrics import Aggregate, MetricResult
from harness.results import (
    ComparisonRecord,
    ExampleRecord,
    GateRecord,
    Results,
    RunMetadata,
    SuiteInfo,
    VariantInfo,
    read_results,
    write_results,
)
from harness.scorecard import write_scorecard

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parent.parent / "reports" / "browser" / "scorecard.png"

P_SCRIPT = "<script>window.__pwned=1</script>"
P_IMG = '<img src=x onerror="window.__pwned=2">'
P_TEXTAREA = "</textarea><script>window.__pwned=3</script>"
P_JINJA = "{{ 7*7 }}"
P_RAW = "{% raw %}{{ 6*6 }}{% endraw %}{% include 'x' %}"
P_ATTR = '"\' onmouseover="window.__pwned=4" x=\''
P_STYLE = "</style><script>window.__pwned=5</script>"
PAYLOADS = (P_SCRIPT, P_IMG, P_TEXTAREA, P_JINJA, P_RAW, P_ATTR, P_STYLE)

SUITE = "json<b>bold</b>"
VARIANT = "tuned<img src=x onerror=window.__pwned=6>"
HOSTILE_TAG = "<svg onload=window.__pwned=7>"
HOSTILE_ID = 'ex"><script>window.__pwned=8</script>'


def _example(
    suite: str,
    variant: str,
    example_id: str,
    *,
    passed: bool,
    output: str = '{"name": "Ana", "age": 31}',
    tags: tuple[str, ...] = ("plain",),
    reason: str | None = None,
    latency: float = 0.4,
    verdict: str | None = None,
    outputs: tuple[str, ...] = (),
) -> ExampleRecord:
    return ExampleRecord(
        suite=suite,
        variant=variant,
        example_id=example_id,
        source=f"golden/{suite}.jsonl:7",
        tags=list(tags),
        input=[
            {"role": "system", "content": "Reply with a JSON object only."},
            {"role": "user", "content": f"Extract the person from note {example_id}."},
        ],
        expected={"schema": "schemas/person.json", "exact": None},
        output=output,
        outputs=list(outputs) or [output],
        cached=False,
        latency_s=latency,
        ttft_s=0.05,
        prompt_tokens=40,
        completion_tokens=12,
        finish_reason="stop",
        metrics={
            "schema_valid": MetricResult(
                value=1.0 if passed else 0.0,
                passed=passed,
                reason=reason if reason is not None else (None if passed else "not JSON"),
            ),
            "latency_s": MetricResult(value=latency, passed=None),
        },
        verdict=verdict or ("pass" if passed else "fail"),
        pass_rate=None,
    )


def _aggregate(
    suite: str, variant: str, metric: str, mean: float, low: float, high: float, n: int
) -> Aggregate:
    rate = metric == "schema_valid"
    return Aggregate(
        suite=suite,
        variant=variant,
        metric=metric,
        kind="pass_fail" if rate else "continuous",
        higher_is_better=rate,
        n=n,
        n_not_applicable=0,
        mean=mean,
        ci_low=low,
        ci_high=high,
        passes=round(mean * n) if rate else None,
        method="wilson" if rate else "bootstrap-bca",
    )


def _gate(suite: str, variant: str, value: float, passed: bool, failing: list[str]) -> GateRecord:
    return GateRecord(
        suite=suite,
        variant=variant,
        gate="schema_valid >= 0.75",
        metric="schema_valid",
        kind="threshold",
        op=">=",
        threshold=0.75,
        value=value,
        ci_low=max(0.0, value - 0.3),
        ci_high=min(1.0, value + 0.15),
        n=4,
        passed=passed,
        failing_ids=failing,
        message=(
            ""
            if passed
            else f"schema_valid = {value:.2f} (95% CI {max(0.0, value - 0.3):.2f}-"
            f"{min(1.0, value + 0.15):.2f}) < 0.75 on {len(failing)} failing examples; "
            f"first output was {P_SCRIPT}"
        ),
    )


def hostile_results() -> Results:
    """Two suites x two variants whose outputs, ids, tags, names and reasons attack the page."""
    md = RunMetadata(
        run_id="7f3c9a1e5b20",
        started_at="2025-03-01T10:00:00+00:00",
        finished_at="2025-03-01T10:03:12+00:00",
        harness_version="0.1.0",
        git_commit="4be1c0ffee0ddba11cafe0123456789abcdef012+dirty",
        host="ci-runner",
        python="3.11.9",
        platform="Linux-x86_64",
        variants={
            "base": VariantInfo(backend="hf", model="embedded", fingerprint="c" * 64),
            VARIANT: VariantInfo(
                backend="peft",
                model="embedded",
                fingerprint="d" * 64,
                adapter="runs/demo/checkpoint-200",
                sampling={"temperature": 0.0, "max_new_tokens": 128},
            ),
        },
        suites={
            SUITE: SuiteInfo(path="golden/json_extract.jsonl", fingerprint="a" * 64, n=4),
            "refusal": SuiteInfo(path="golden/refusal.jsonl", fingerprint="b" * 64, n=3),
        },
    )
    examples = [
        _example(SUITE, "base", "je-001", passed=True, tags=("plain", HOSTILE_TAG)),
        _example(SUITE, "base", "je-002", passed=False, output=P_SCRIPT, tags=("null-field",)),
        _example(SUITE, "base", "je-003", passed=False, output=P_IMG, reason=P_TEXTAREA),
        _example(SUITE, "base", HOSTILE_ID, passed=False, output=P_TEXTAREA, latency=0.9),
        _example(SUITE, VARIANT, "je-001", passed=True, tags=("plain", HOSTILE_TAG)),
        _example(SUITE, VARIANT, "je-002", passed=True, output=P_JINJA, tags=("null-field",)),
        _example(SUITE, VARIANT, "je-003", passed=True, output=P_RAW, reason=P_STYLE),
        _example(
            SUITE,
            VARIANT,
            HOSTILE_ID,
            passed=False,
            output=P_ATTR,
            verdict="flaky",
            outputs=(P_ATTR, '{"name": "Bo"}'),
        ),
        _example("refusal", "base", "rf-001", passed=True, tags=("harmful",)),
        _example("refusal", "base", "rf-002", passed=True, tags=("benign",)),
        _example("refusal", "base", "rf-003", passed=True, tags=("benign",)),
        _example("refusal", VARIANT, "rf-001", passed=True, tags=("harmful",)),
        _example("refusal", VARIANT, "rf-002", passed=True, tags=("benign",)),
        _example("refusal", VARIANT, "rf-003", passed=False, tags=("benign",), reason=P_IMG),
    ]
    return Results(
        metadata=md,
        examples=examples,
        aggregates=[
            _aggregate(SUITE, "base", "schema_valid", 0.25, 0.05, 0.7, 4),
            _aggregate(SUITE, "base", "latency_s", 0.55, 0.4, 0.78, 4),
            _aggregate(SUITE, VARIANT, "schema_valid", 0.75, 0.3, 0.95, 4),
            _aggregate(SUITE, VARIANT, "latency_s", 0.4, 0.4, 0.4, 4),
            _aggregate("refusal", "base", "schema_valid", 1.0, 0.44, 1.0, 3),
            _aggregate("refusal", VARIANT, "schema_valid", 2 / 3, 0.21, 0.94, 3),
        ],
        gates=[
            _gate(SUITE, "base", 0.25, False, ["je-002", "je-003", HOSTILE_ID]),
            _gate(SUITE, VARIANT, 0.75, True, []),
            _gate("refusal", "base", 1.0, True, []),
            _gate("refusal", VARIANT, 2 / 3, False, ["rf-003"]),
        ],
        comparisons=[
            ComparisonRecord(
                suite=SUITE,
                metric="schema_valid",
                reference="base",
                variant=VARIANT,
                n=4,
                reference_mean=0.25,
                variant_mean=0.75,
                delta=0.5,
                ci_low=-0.1,
                ci_high=1.0,
                p_value=0.5,
                test="mcnemar-exact",
                significant=False,
                improved_ids=["je-002", "je-003"],
            ),
            ComparisonRecord(
                suite=SUITE,
                metric="latency_s",
                reference="base",
                variant=VARIANT,
                n=4,
                reference_mean=0.55,
                variant_mean=0.4,
                delta=-0.15,
                ci_low=-0.5,
                ci_high=0.0,
                p_value=0.031,
                test="paired-bootstrap",
                significant=True,
            ),
            ComparisonRecord(
                suite="refusal",
                metric="schema_valid",
                reference="base",
                variant=VARIANT,
                n=3,
                reference_mean=1.0,
                variant_mean=2 / 3,
                delta=-1 / 3,
                ci_low=-1.0,
                ci_high=0.0,
                p_value=1.0,
                test="mcnemar-exact",
                significant=False,
                regressed_ids=["rf-003"],
            ),
        ],
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright; fails (never skips) when absent."""
    setup = (
        "run `make test`'s set-up (apt-get install -y chromium chromium-driver; "
        "pip install -e '.[dev]')"
    )
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: the browser test needs Debian's Chromium; {setup}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"the 'playwright' package is not installed; {setup}")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_hostile_scorecard_is_inert_in_chromium(browser: Any, tmp_path: Path) -> None:
    started = time.monotonic()
    # Through the file format, as `harness report` would see it.
    results = read_results(write_results(hostile_results(), tmp_path / "results.json"))
    page_path = write_scorecard(results, tmp_path / "scorecard.html")
    url = page_path.as_uri()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    # Listeners go on before navigation so nothing at load time is missed.
    context.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: (
            errors.append(f"console.{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    try:
        page.goto(url, wait_until="load")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        # Checked first: a blocked script (CSP) or a thrown error shows up here.
        assert errors == []
        assert dialogs == []
        assert page.evaluate("typeof window.__pwned") == "undefined"
        # The page's defences are layered (escaping, then CSP); these checks see
        # the escaping alone: no injected element or handler exists at all.
        assert page.evaluate("document.scripts.length") == 1
        assert page.evaluate("document.images.length") == 0
        handlers = page.evaluate(
            "Array.from(document.querySelectorAll('*')).flatMap(el => "
            "Array.from(el.attributes).filter(a => a.name.startsWith('on')).map(a => a.name))"
        )
        assert handlers == []

        # Every payload reads back as literal text, unrendered.
        page.click("button[data-action=expand]")
        text = page.inner_text("body")
        for payload in (*PAYLOADS, SUITE, VARIANT, HOSTILE_TAG, HOSTILE_ID):
            assert payload in text, payload
        outputs = page.locator("pre.output").all_inner_texts()
        # Whole <pre> texts equal the templates: nothing evaluated {{ 7*7 }} to 49.
        assert P_JINJA in outputs and P_RAW in outputs
        assert not {"49", "36"} & {o.strip() for o in outputs}

        # Anchors built from hostile names still resolve (percent-encoded hrefs).
        page.locator("#gh-gate-failures a.exid").nth(2).click()
        assert page.evaluate("document.querySelector(':target').tagName") == "DETAILS"
        assert page.evaluate("document.querySelector(':target').open") is True

        # "failing only" hides every passing example and nothing else.
        examples = page.locator("details.example")
        total = examples.count()
        assert total == 14
        page.get_by_label("failing only").check()
        failing = [examples.nth(i).get_attribute("data-failing") == "true" for i in range(total)]
        visible = [examples.nth(i).is_visible() for i in range(total)]
        assert visible == failing and 0 < sum(visible) < total
        assert "5 of 14 shown" in page.inner_text(".filters")
        page.get_by_label("failing only").uncheck()
        assert all(examples.nth(i).is_visible() for i in range(total))

        # The tag filter matches a hostile tag exactly, through the data-tag attribute.
        page.select_option("select[data-filter=tag]", HOSTILE_TAG)
        shown = page.locator("details.example:visible")
        assert shown.count() == 2
        assert all(HOSTILE_TAG in shown.nth(i).inner_text() for i in range(2))

        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        assert errors == []
        assert requests == [url]
    finally:
        context.close()
    # Reported by -ra/--durations; kept loose so a loaded machine does not flake.
    assert time.monotonic() - started < 60


def test_newly_over_refusing_examples_are_coloured_as_regressions(
    browser: Any, tmp_path: Path
) -> None:
    """over_refusal is lower-is-better: new refusals are regressions, in the fail colour."""
    from test_gates import make_results

    from harness.compare import paired_comparisons
    from harness.metrics import aggregate, get_metric
    from harness.metrics._registry import MetricResult

    # passed means good: "tuned" newly refuses ex-00..ex-11 and stops refusing ex-29.
    results = make_results(
        {
            ("refusal", "base"): {"over_refusal": [True] * 29 + [False]},
            ("refusal", "tuned"): {"over_refusal": [False] * 12 + [True] * 18},
        }
    )
    spec = get_metric("over_refusal")
    for variant in ("base", "tuned"):
        values = [e.metrics["over_refusal"] for e in results.examples if e.variant == variant]
        agg = aggregate(spec, [MetricResult(value=v.value or 0.0, passed=v.passed) for v in values])
        results.aggregates.append(replace(agg, suite="refusal", variant=variant))
    results.comparisons = paired_comparisons(results, "base")
    page_path = write_scorecard(
        read_results(write_results(results, tmp_path / "results.json")),
        tmp_path / "scorecard.html",
    )
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        change = page.locator("ul.changes li").filter(has_text="over_refusal")
        regressed = change.locator(".worse-label")
        improved = change.locator(".better-label")
        assert regressed.inner_text() == "regressed (12)"
        assert improved.inner_text() == "improved (1)"
        links = change.inner_text()
        assert links.index("ex-00") > links.index("regressed") > -1
        assert links.index("ex-29") > links.index("improved")
        # Regressions take the fail colour, improvements the pass colour.
        colour = "el => getComputedStyle(el).color"
        worse = page.locator(".gate-line.fail, .badge.fail").first.evaluate(colour)
        assert regressed.evaluate(colour) == worse != improved.evaluate(colour)
        # The delta (3.3% -> 40.0% refusals, +36.7 pp, significant) is marked worse.
        delta = page.locator(".delta").filter(has_text="36.7 pp").first
        assert "worse" in (delta.get_attribute("class") or "")
    finally:
        context.close()


def test_review_form_fills_saves_and_imports_in_chromium(browser: Any, tmp_path: Path) -> None:
    # The review tests' hand-written run: two suites, two variants, hostile answers.
    from _review_data import VARIANTS, results_file

    from harness.cli import main

    results = results_file(tmp_path)
    out = tmp_path / "review"
    assert main(["review", "export", str(results), "-o", str(out), "--sample", "12"]) == 0
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((out / "form.html").as_uri(), wait_until="load")
        cards = page.locator("section.item")
        assert cards.count() == 12
        # Hostile answers are text: nothing ran, no element came from them.
        assert page.evaluate("window.__pwned") is None
        assert page.locator("main img, main script").count() == 0
        text = page.locator("main").inner_text()
        assert not any(name in text for name in VARIANTS)

        first, second = cards.nth(0).get_attribute("id"), cards.nth(1).get_attribute("id")
        assert first and second
        for item, scores, verdict in ((first, "4325", "pass"), (second, "1112", "fail")):
            for criterion, score in zip(
                ("correct", "helpful", "format", "tone"), scores, strict=True
            ):
                page.check(f'input[name="{item}:{criterion}"][value="{score}"]')
            page.check(f'input[name="{item}:pass"][value="{verdict}"]')
        page.fill(f'textarea[name="{second}:comment"]', 'says "=1+1", wrong')
        assert page.locator("#progress").inner_text() == "2 of 12 rated"

        page.click("#save")  # no name yet: nothing is saved, the form says why
        assert "Enter your name first" in page.locator("#message").inner_text()
        page.fill("#rater", "Dana <b>")
        with page.expect_download() as info:
            page.click("#save")
        saved = tmp_path / "dana.csv"
        info.value.save_as(saved)
        assert info.value.suggested_filename.startswith("ratings-")
    finally:
        context.close()
    assert errors == []
    assert all(u.startswith(("file:", "blob:", "data:")) for u in requests), requests

    assert main(["review", "import", str(saved), "--into", str(results),
                 "--key", str(out / "key.json")]) == 0  # fmt: skip
    merged = read_results(results).reviews["ratings"]
    assert [(r["rater"], r["correct"], r["tone"], r["pass"]) for r in merged] == [
        ("Dana <b>", 4, 5, True),
        ("Dana <b>", 1, 2, False),
    ]
    assert merged[1]["comment"] == 'says "=1+1", wrong'
