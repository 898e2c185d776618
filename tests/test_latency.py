"""Latency measurement: TPOT math, percentile tables, budget gates, records, and the scorecard."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from _fake_openai_server import FakeOpenAIServer

from harness._types import Completion, GenerationRequest, Message, Role, SamplingParams
from harness.config import HarnessConfig, LatencyBudget, LatencyProfile, LatencySettings, Variant
from harness.errors import ConfigError, HarnessError
from harness.golden import load_golden
from harness.latency import (
    Endpoint,
    LatencyReport,
    LevelResult,
    NotMeasurable,
    ServerPool,
    budget_gates,
    budget_metric,
    latency_records,
    measure_variant,
    percentile_table,
    run_latency,
    time_per_output_token,
)
from harness.metrics import latency_summary
from harness.results import read_results, write_results
from harness.scorecard import render_scorecard
from harness.session import EvalSession

HOSTILE = '<script>alert("x")</script>'


def completion(
    rid: str, e2e: float, ttft: float | None, tokens: int | None, gaps: tuple[float, ...] = ()
) -> Completion:
    """A streamed completion with the given timings."""
    return Completion(
        request_id=rid,
        text="ok",
        latency_s=e2e,
        ttft_s=ttft,
        prompt_tokens=10,
        completion_tokens=tokens,
        finish_reason="length",
        inter_token_s=gaps,
    )


def level(concurrency: int, completions: list[Completion], wall_s: float = 2.0) -> LevelResult:
    """A level whose requests all came from prompt ``g1``."""
    requests = tuple(
        GenerationRequest(c.request_id, (Message(Role.USER, "hi"),), SamplingParams(8))
        for c in completions
    )
    return LevelResult(
        concurrency=concurrency,
        requests=requests,
        completions=tuple(completions),
        prompt_ids=tuple("g1" for _ in completions),
        wall_s=wall_s,
    )


def report(*levels: LevelResult) -> LatencyReport:
    """A report over synthetic levels."""
    return LatencyReport("http://127.0.0.1:1/v1", "m", 8, 0, tuple(levels))


# -- TPOT and percentiles ----------------------------------------------------------------------


def test_tpot_is_vllms_definition() -> None:
    # (e2e - ttft) / (tokens - 1): the first token's time belongs to TTFT.
    assert time_per_output_token(completion("a", 1.0, 0.2, 5)) == pytest.approx(0.2)
    assert time_per_output_token(completion("a", 1.0, 0.2, 1)) is None, "one token: no TPOT"
    assert time_per_output_token(completion("a", 1.0, None, 5)) is None, "not streamed"
    assert time_per_output_token(completion("a", 1.0, 0.2, None)) is None, "no usage"


def test_level_percentiles_throughput_and_itl() -> None:
    done = [
        completion(f"r{i}", e2e=1.0 + i, ttft=0.1 * (i + 1), tokens=11, gaps=(0.05,) * 10)
        for i in range(4)
    ]
    lv = level(2, done, wall_s=4.0)
    summary = latency_summary(done)
    assert lv.percentiles("ttft") == summary.ttft_s
    assert lv.percentiles("ttft").p50 == pytest.approx(0.25)  # type: ignore[union-attr]
    # TPOT of request i: (1 + i - 0.1 (i + 1)) / 10
    tpots = [(1.0 + i - 0.1 * (i + 1)) / 10 for i in range(4)]
    assert lv.percentiles("tpot").p50 == pytest.approx((tpots[1] + tpots[2]) / 2)  # type: ignore[union-attr]
    itl = lv.percentiles("itl")
    assert itl is not None and itl.n == 40 and itl.p99 == pytest.approx(0.05)
    assert lv.output_tokens == 44 and lv.output_tokens_per_s == pytest.approx(11.0)
    assert lv.requests_per_s == pytest.approx(1.0)
    data = lv.to_json()
    assert data["finish_reasons"] == {"length": 4}
    assert data["ttft_s"]["p95"] == pytest.approx(lv.percentiles("ttft").p95)  # type: ignore[union-attr]
    json.dumps(data)  # plain data


def test_percentile_table() -> None:
    done = [completion(f"r{i}", 1.0, 0.1, 11, (0.09,) * 10) for i in range(3)]
    table = percentile_table(report(level(1, done), level(4, done, wall_s=1.0)))
    lines = table.splitlines()
    assert lines[1].split() == ["conc", "n", "timing", "p50", "p90", "p95", "p99"]
    ttft = next(line for line in lines if "ttft_ms" in line)
    assert ttft.split() == ["1", "3", "ttft_ms", "100.0", "100.0", "100.0", "100.0"]
    tpot = next(line for line in lines if "tpot_ms" in line)
    assert tpot.split()[3] == "90.0"
    assert "  4    3  throughput 33.0 output tok/s, 3.00 req/s" in table


# -- gates --------------------------------------------------------------------------------------


PROFILE = LatencyProfile(
    "cpu",
    (
        LatencyBudget("ttft", 50, 0.2),
        LatencyBudget("ttft", 95, 0.5),
        LatencyBudget("tpot", 95, 0.1),
    ),
)


def test_budget_gates_per_level() -> None:
    fast = [completion(f"c1-{i:02d}", 1.0, 0.1, 11) for i in range(4)]
    slow = [completion(f"c4-{i:02d}", 2.0, 0.1 if i < 2 else 0.9, 11) for i in range(4)]
    gates = budget_gates(
        report(level(1, fast), level(4, slow)), PROFILE, suite="latency", variant="base"
    )
    assert [g.metric for g in gates] == [
        "ttft_p50_s@c1",
        "ttft_p95_s@c1",
        "tpot_p95_s@c1",
        "ttft_p50_s@c4",
        "ttft_p95_s@c4",
        "tpot_p95_s@c4",
    ]
    verdicts = {g.metric: g.passed for g in gates}
    assert verdicts["ttft_p50_s@c1"] and verdicts["ttft_p95_s@c1"] and verdicts["tpot_p95_s@c1"]
    assert not verdicts["ttft_p50_s@c4"], "median of 0.1, 0.1, 0.9, 0.9 is 0.5"
    assert not verdicts["tpot_p95_s@c4"], "TPOT 0.19 s and 0.11 s"
    failed = next(g for g in gates if g.metric == "ttft_p95_s@c4")
    assert failed.failing_ids == ["c4-02", "c4-03"]
    assert failed.op == "<=" and failed.threshold == 0.5 and failed.kind == "threshold"
    assert failed.message.splitlines()[:4] == [
        "FAIL ttft_p95_s@c4 <= 0.5 s (cpu) on latency/base",
        "  ttft_p95_s@c4 = 0.9, no interval (p95 of 4 values)",
        "  threshold: <= 0.5 (decided on the p95), n = 4",
        "  failing examples: c4-02, c4-03",
    ]
    passed = next(g for g in gates if g.metric == "ttft_p50_s@c1")
    assert passed.message.startswith("PASS ttft_p50_s@c1 <= 0.2 s (cpu) on latency/base: ")


def test_budget_without_data_is_an_error_not_a_pass() -> None:
    one_token = [completion("r", 1.0, 0.1, 1)]
    with pytest.raises(HarnessError, match="no request reported a tpot"):
        budget_gates(report(level(1, one_token)), PROFILE, suite="latency", variant="base")


# -- records, session hook, results.json and the scorecard -------------------------------------


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    """A two-example golden file."""
    path = tmp_path / "prompts.jsonl"
    rows = [
        {
            "id": f"g{i}",
            "messages": [
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": f"a{i}"},
            ],
        }
        for i in (1, 2)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_records_session_hook_results_and_scorecard(golden: Path, tmp_path: Path) -> None:
    examples = {e.id: e for e in load_golden(golden).examples}
    config = HarnessConfig(tmp_path, ("base",), tmp_path, tmp_path / "cache", {})
    variants = [Variant("base"), Variant(HOSTILE)]
    session = EvalSession(config=config, variants=variants, report_dir=tmp_path)
    for variant, ttft in zip(variants, (0.1, 0.3), strict=True):
        done = [completion(f"c1-{i:02d}-g1", 1.0, ttft, 11, (0.09,) * 10) for i in range(3)]
        rep = report(level(1, done))
        records, aggregates = latency_records(rep, "latency", variant.name, examples)
        assert [r.example_id for r in records] == ["c1-00-g1", "c1-01-g1", "c1-02-g1"]
        assert all(r.latency_s == 1.0 and r.ttft_s == ttft and not r.cached for r in records)
        assert records[0].tags == ["concurrency=1"] and records[0].source.endswith(":1")
        assert records[0].metrics["latency"].details["tpot_s"] == pytest.approx((1.0 - ttft) / 10)
        names = [a.metric for a in aggregates]
        assert names == [
            *(budget_metric(t, p, 1) for t in ("ttft", "tpot", "e2e") for p in (50, 95)),
            "output_tok_per_s@c1",
        ]
        assert aggregates[0].mean == pytest.approx(ttft) and aggregates[0].higher_is_better is False
        session.record_measurements(
            "latency",
            variant,
            examples=records,
            aggregates=aggregates,
            fingerprint="openai:m@http://127.0.0.1:1/v1",
            extra=rep.to_json(),
        )
        means = {a.metric: a.mean for a in aggregates}
        for gate in budget_gates(rep, PROFILE, suite="latency", variant=variant.name):
            assert gate.value == means[gate.metric], "gate and aggregate: one percentile"
            session.record_gate(gate)
    results = session.build_results()
    assert len(results.examples) == 6 and len(results.aggregates) == 14
    assert results.metadata.variants["base"].fingerprint.startswith("openai:m@")
    assert results.metadata.extra["latency"]["base"]["levels"][0]["n"] == 3
    path = write_results(results, tmp_path / "results.json")  # valid against the schema
    again = read_results(path)
    assert [e.ttft_s for e in again.examples][:3] == [0.1] * 3
    html = render_scorecard(again)
    assert html.count('<figure class="cdf">') == 2, "TTFT and e2e"
    assert html.count('class="curve s0"') == 2 and html.count('class="curve s1"') == 2
    assert "time to first token" in html and "median 100 ms · n=3" in html
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert " style=" not in html, "the CSP forbids inline styles"


def test_cdf_points_are_a_step_function() -> None:
    from harness.scorecard import _cdf_chart

    chart = _cdf_chart("ttft", {"base": [0.1, 0.2]})
    points = [tuple(map(float, p.split(","))) for p in chart.series[0].points.split()]
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    assert xs == sorted(xs), "x never goes back"
    assert ys == sorted(ys, reverse=True), "the curve only rises (SVG y grows downwards)"
    assert chart.x_ticks[-1].label == "200 ms"
    assert [t.label for t in chart.y_ticks] == ["0%", "50%", "95%", ""]


# -- run_latency against a local OpenAI-compatible server ----------------------------------------


def test_run_latency_warm_up_excluded_and_concurrency_bounded() -> None:
    prompts = ["abcdefghijkl", "mnopqrstuvwx", "yzabcdefghij"]
    with FakeOpenAIServer(chunk_delay_s=0.002) as server:
        rep = run_latency(server.base_url, "m", prompts, [1, 3], max_tokens=8, warmup=2, requests=6)
        assert server.count == 2 * (2 + 6), "warm-up requests are sent but not counted"
        assert server.max_in_flight <= 3
        bodies = [r.body for r in server.requests]
    assert all(b["stream"] is True and b["max_tokens"] == 8 for b in bodies)
    assert [lv.concurrency for lv in rep.levels] == [1, 3]
    first = rep.levels[0]
    assert [c.request_id for c in first.completions][:4] == [
        "c1-00-p0",
        "c1-01-p1",
        "c1-02-p2",
        "c1-03-p0",
    ]
    assert first.prompt_ids[:4] == ("p0", "p1", "p2", "p0")
    for c in first.completions:
        assert c.completion_tokens == 8 and c.ttft_s is not None and c.ttft_s < c.latency_s
        assert len(c.inter_token_s) == 7
        tpot = time_per_output_token(c)
        assert tpot is not None and tpot > 0
    assert first.percentiles("tpot") is not None and first.output_tokens == 48
    assert not math.isnan(first.output_tokens_per_s)


def test_run_latency_rejects_bad_settings() -> None:
    with pytest.raises(ConfigError, match="max_tokens"):
        run_latency("http://127.0.0.1:1/v1", "m", ["x"], [1], max_tokens=1)
    with pytest.raises(ConfigError, match="concurrency"):
        run_latency("http://127.0.0.1:1/v1", "m", ["x"], [0], max_tokens=4)
    with pytest.raises(ConfigError, match="prompt"):
        run_latency("http://127.0.0.1:1/v1", "m", [], [1], max_tokens=4)


def test_measure_variant_through_an_openai_variant(golden: Path, tmp_path: Path) -> None:
    settings = LatencySettings(
        profile=PROFILE,
        profiles={"cpu": PROFILE},
        concurrency=(1, 2),
        max_tokens=4,
        requests=2,
        warmup=0,
        suite=str(golden),
    )
    with FakeOpenAIServer(chunk_delay_s=0.001) as server:
        variant = Variant(
            "served", backend="openai", model="m", options={"base_url": server.base_url}
        )
        config = HarnessConfig(tmp_path, ("served",), tmp_path, tmp_path / "cache", {})
        session = EvalSession(config=config, variants=[variant], report_dir=tmp_path)
        pool = ServerPool([variant])
        endpoint = pool.endpoint(variant)
        assert endpoint == Endpoint(
            server.base_url, "m", None, "the variant's own OpenAI-compatible server"
        )
        _, gates = measure_variant(session, variant, endpoint, settings)
        pool.close()
    assert len(gates) == 6 and all(g.passed for g in gates)
    results = session.build_results()
    assert {e.example_id for e in results.examples} == {
        "c1-00-g1",
        "c1-01-g2",
        "c2-00-g1",
        "c2-01-g2",
    }
    assert session.gates == gates, "recorded in the session as decided"
    assert results.metadata.extra["latency"]["served"]["profile"] == "cpu"


def test_scripted_variants_are_not_measurable() -> None:
    with pytest.raises(NotMeasurable, match="scripted"):
        ServerPool([]).endpoint(Variant("fake", backend="scripted"))
