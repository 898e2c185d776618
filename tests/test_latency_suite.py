"""suites/test_latency.py through the plugin, against a local OpenAI-compatible server (no vLLM)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from _fake_openai_server import FakeOpenAIServer

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
ROWS = [
    {
        "id": f"g{i}",
        "messages": [
            {"role": "user", "content": f"tell me something long, number {i}"},
            {"role": "assistant", "content": "ok"},
        ],
    }
    for i in range(3)
]
PYPROJECT = """
[tool.harness]
default_models = ["served"]
report_dir = "out"
[tool.harness.models.served]
backend = "openai"
base_url = "{url}"
model = "m"
[tool.harness.models.other]
extends = "served"
system_prompt = "system.txt"
[tool.harness.models.script]
backend = "scripted"
[tool.harness.models.local]
backend = "hf"
model = "embedded"
[tool.harness.latency]
profile = "fake"
concurrency = [1, 2]
max_tokens = 6
requests = 3
warmup = 1
suite = "prompts"
[tool.harness.latency.profiles.fake]
ttft_p50_s = 5.0
ttft_p95_s = 5.0
tpot_p50_s = 1.0
tpot_p95_s = 1.0
[tool.harness.latency.profiles.strict]
tpot_p50_s = 1e-9
"""
# vLLM made unimportable in the run, as on a machine without the extra.
CONFTEST = """
import sys
sys.modules["vllm"] = None
"""


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    """A streaming OpenAI-compatible server for the run."""
    with FakeOpenAIServer(chunk_delay_s=0.002) as running:
        yield running


@pytest.fixture
def project(pytester: pytest.Pytester, server: FakeOpenAIServer) -> pytest.Pytester:
    """A project with four variants, a prompts suite and the repository's latency suite."""
    pytester.makefile(".toml", pyproject=PYPROJECT.format(url=server.base_url))
    golden = pytester.path / "golden"
    golden.mkdir()
    (golden / "prompts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    (pytester.path / "system.txt").write_text("Be brief.\n")
    pytester.makeconftest(CONFTEST)
    suite = (REPO / "suites" / "test_latency.py").read_text(encoding="utf-8")
    pytester.makepyfile(test_latency=suite)
    return pytester


def test_latency_suite_records_gates_and_skips(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARNESS_LATENCY_PROFILE", raising=False)
    res = project.runpytest_subprocess(
        "--harness-models", "served,other,script,local", "-p", "no:cacheprovider", "-rs"
    )
    res.assert_outcomes(passed=2, skipped=2)
    res.stdout.fnmatch_lines(
        [
            "*scripted backend: it has no serving latency*",
            "*vllm is not installed: pip install 'golden-harness?vllm?' (GPU)*",
        ]
    )
    data = json.loads((project.path / "out" / "results.json").read_text())
    examples = [e for e in data["examples"] if e["suite"] == "latency"]
    assert {e["variant"] for e in examples} == {"served", "other"}
    assert len(examples) == 2 * 2 * 3, "variants x levels x requests, warm-up excluded"
    assert all(e["ttft_s"] is not None and e["latency_s"] > e["ttft_s"] for e in examples)
    assert {g["metric"] for g in data["gates"]} == {
        f"{t}_p{p}_s@c{c}" for t in ("ttft", "tpot") for p in (50, 95) for c in (1, 2)
    }
    assert all(g["passed"] for g in data["gates"])
    assert data["metadata"]["extra"]["latency"]["other"]["profile"] == "fake"
    assert [c["metric"] for c in data["comparisons"]] == ["latency"], "paired by request id"
    html = (project.path / "out" / "scorecard.html").read_text()
    assert html.count('class="curve s1"') == 2, "both variants in both CDFs"


def test_profile_from_the_environment_fails_with_a_clear_message(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_LATENCY_PROFILE", "strict")
    res = project.runpytest_subprocess("-p", "no:cacheprovider", "--junitxml", "junit.xml")
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(["*FAIL tpot_p50_s@c1 <= 1e-09 s (strict) on latency/served*"])
    data = json.loads((project.path / "out" / "results.json").read_text())
    assert [g["passed"] for g in data["gates"]] == [False, False]
    # Budgets reach --junitxml as figures, like every other gate.
    (case,) = ET.parse(project.path / "junit.xml").getroot().iter("testcase")
    props = {p.attrib["name"]: p.attrib["value"] for p in case.iter("property")}
    assert props["tpot_p50_s@c1.gate"] == "tpot_p50_s@c1 <= 1e-09 s (strict)"
    assert props["tpot_p50_s@c1.threshold"] == "<= 1e-09"
    assert props["tpot_p50_s@c1.n"] == "3" and props["tpot_p50_s@c2.passed"] == "false"
    value = data["gates"][1]["value"]
    assert value > 0 and float(props["tpot_p50_s@c2.value"]) == pytest.approx(value, rel=1e-5)
