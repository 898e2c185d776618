"""Rubric judges: reply parsing, both-order pairwise verdicts, the metric, config validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _judge_server import running
from metrics.conftest import build_completion, build_example

from harness.backends.scripted import ScriptedBackend
from harness.cache import CompletionCache
from harness.config import DEFAULT_RUBRIC_PROMPTS, JudgeSettings, load_config
from harness.errors import ConfigError, HarnessError
from harness.gates import ThresholdGate
from harness.judges import (
    PairwiseVerdict,
    RubricVerdict,
    judge_human_agreement,
    judge_metric_names,
    judge_pairwise,
    judge_pointwise,
    pairwise_requests,
    parse_pairwise,
    parse_rubric_score,
    pointwise_request,
    rubric_judge,
)
from harness.metrics import MetricResult, get_metric, judge
from harness.metrics._human import Rating, answer_digest
from harness.results import ExampleRecord, Results, RunMetadata
from harness.scorecard import render_scorecard
from harness.session import EvalSession

pytest_plugins = ["pytester"]

POINTWISE = JudgeSettings(
    "quality", "judge", DEFAULT_RUBRIC_PROMPTS["pointwise"], 64, mode="pointwise"
)
PAIRWISE = JudgeSettings("versus", "judge", DEFAULT_RUBRIC_PROMPTS["pairwise"], 64, mode="pairwise")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Reason: correct and complete.\nScore: 5", 5),
        ("**Score:** 3/5 because it misses a step", 3),
        ("score = 1", 1),
        ("The score is 4.", 4),
        ("4", 4),
        (" 2/5 ", 2),
        ("Score: 4\nScore: 1", 4),  # the first stated score decides
        ("Score: 7", None),  # off the scale is unreadable, not clamped to 5
        ("Score: 8/10", None),  # another scale
        ("Score: 0", None),
        ("I liked it a lot.", None),
        ("", None),
        ("There are 3 steps and 4 errors.", None),  # numbers that are not a score
    ],
)
def test_parse_rubric_score(reply: str, expected: int | None) -> None:
    assert parse_rubric_score(reply) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Reason: A is right.\nVerdict: A", "A"),
        ("Verdict: **B**", "B"),
        ("verdict: tie", "tie"),
        ("Winner: Answer B", "B"),
        ("The better answer is A.", "A"),
        ("[[B]]", "B"),
        ("[[C]]", "tie"),
        ("B", "B"),
        ("TIE.", "tie"),
        ("Both are fine, really.", None),
        ("A good question.", None),  # an article is not a verdict
        ("", None),
    ],
)
def test_parse_pairwise(reply: str, expected: str | None) -> None:
    assert parse_pairwise(reply) == expected


@pytest.mark.parametrize(
    ("first", "second", "outcome"),
    [
        ("A", "B", "win"),  # preferred in both positions
        ("B", "A", "loss"),
        ("A", "A", "tie"),  # always the first position: position bias cancels out
        ("B", "B", "tie"),
        ("tie", "tie", "tie"),
        ("A", "tie", "tie"),  # inconsistent verdicts count as ties
        ("A", None, None),  # one unreadable order: no verdict
    ],
)
def test_pairwise_outcome_needs_both_orders(
    first: str, second: str | None, outcome: str | None
) -> None:
    verdict = PairwiseVerdict("ex-1", first, second, ("r1", "r2"), ("x", "y"))
    assert verdict.outcome == outcome
    result = judge(build_completion("x"), build_example(), verdict=verdict)
    if outcome is None:
        assert not result.applicable and "unreadable judge reply" in (result.reason or "")
        assert "'y'" in (result.reason or "")  # the unreadable reply is quoted
    else:
        assert result.value == {"win": 1.0, "tie": 0.5, "loss": 0.0}[outcome]
        assert result.passed is (outcome != "loss")
        assert (result.reason or "").startswith(outcome) and "r1" in (result.reason or "")


def test_pointwise_metric_value_pass_and_reason() -> None:
    example, completion = build_example(), build_completion("x")
    good = judge(completion, example, verdict=RubricVerdict("ex-1", 4, "fine <b>", "raw", 4))
    assert (good.value, good.passed) == (pytest.approx(0.8), True)
    assert good.reason == "4/5: fine <b>" and good.details["score"] == 4
    low = judge(completion, example, verdict=RubricVerdict("ex-1", 3, "meh", "raw", 4))
    assert (low.value, low.passed) == (pytest.approx(0.6), False)
    garbage = judge(completion, example, verdict=RubricVerdict("ex-1", None, "", "no idea", 4))
    assert not garbage.applicable and garbage.value is None
    assert garbage.reason == "unreadable judge reply (no 1-5 score): 'no idea'"
    none = judge(completion, example)
    assert not none.applicable and "no judge verdict" in (none.reason or "")


def test_requests_fill_placeholders_once_and_swap_orders() -> None:
    example = build_example(prompt="Say {answer}", reference="Ref {answer_b}")
    text = (
        pointwise_request(
            POINTWISE, POINTWISE.template(), example, build_completion("It {question}")
        )
        .messages[0]
        .content
    )
    assert "REQUEST:\nSay {answer}\n" in text
    assert "REFERENCE ANSWER:\nRef {answer_b}\n" in text
    assert "ANSWER TO GRADE:\nIt {question}\n" in text
    ab, ba = pairwise_requests(PAIRWISE, PAIRWISE.template(), example, "mine", "theirs")
    assert "ANSWER A:\nmine\n\nANSWER B:\ntheirs\n" in ab.messages[0].content
    assert "ANSWER A:\ntheirs\n\nANSWER B:\nmine\n" in ba.messages[0].content
    assert "REFERENCE ANSWER:\n(none given)\n" in ab.messages[0].content
    assert (ab.id, ba.id) == ("judge:versus:ex-1:ab", "judge:versus:ex-1:ba")
    assert ab.sampling.greedy and ab.sampling.max_new_tokens == 64


def test_judging_goes_through_the_completion_cache(tmp_path: Path) -> None:
    examples = [build_example(example_id=f"ex-{i}", reference="42") for i in range(3)]
    completions = [build_completion(t) for t in ("42", "41", "forty")]
    script = {
        "judge:versus:ex-0:ab": "Verdict: A",
        "judge:versus:ex-0:ba": "Verdict: B",
        "judge:versus:ex-1:ab": "Verdict: A",  # prefers position A both times
        "judge:versus:ex-1:ba": "Verdict: A",
    }
    backend = ScriptedBackend(script, default="Verdict: nothing")
    cache = CompletionCache(tmp_path / "c.sqlite3")
    others = ["40", "40", None]
    verdicts = judge_pairwise(PAIRWISE, backend, cache, examples, completions, others)
    assert [v.outcome for v in verdicts] == ["win", "tie", None]
    assert verdicts[2].skipped == "no answer to compare with"
    assert sum(len(c) for c in backend.calls) == 4  # two orders for each compared example
    again = judge_pairwise(PAIRWISE, backend, cache, examples, completions, others)
    assert again == verdicts and sum(len(c) for c in backend.calls) == 4  # all cached
    points = ScriptedBackend({"judge:quality:ex-1": "Reason: off by one.\nScore: 2"})
    scored = judge_pointwise(POINTWISE, points, cache, examples, completions)
    assert [v.score for v in scored] == [None, 2, None]
    assert scored[1].reason == "off by one."
    cache.close()


def _pyproject(tmp_path: Path, judges: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.harness.models.base]\nbackend = "scripted"\n'
        '[tool.harness.models.judge]\nbackend = "scripted"\n' + judges,
        encoding="utf-8",
    )
    return path


def test_config_reads_rubric_judges(tmp_path: Path) -> None:
    config = load_config(
        _pyproject(
            tmp_path,
            '[tool.harness.judges.quality]\nvariant = "judge"\nthreshold = 3\n'
            'suites = ["general"]\n'
            '[tool.harness.judges.versus]\nvariant = "judge"\nmode = "pairwise"\n'
            'reference_variant = "base"\n'
            '[tool.harness.judges.refusal]\nvariant = "judge"\n',
        )
    )
    quality, versus = config.judges["quality"], config.judges["versus"]
    assert (quality.mode, quality.threshold, quality.max_new_tokens) == ("pointwise", 3, 256)
    assert quality.prompt_path == DEFAULT_RUBRIC_PROMPTS["pointwise"]
    assert (versus.mode, versus.reference_variant) == ("pairwise", "base")
    assert versus.prompt_path == DEFAULT_RUBRIC_PROMPTS["pairwise"]
    assert config.judges["refusal"].mode is None
    assert judge_metric_names(config) == ["judge:quality", "judge:versus"]
    assert (quality.suites, versus.suites) == (("general",), ())
    assert judge_metric_names(config, "qa") == ["judge:versus"]  # quality grades general only
    assert rubric_judge(config, "versus") is versus
    with pytest.raises(HarnessError, match=r"several rubric judges.*judge:quality"):
        rubric_judge(config)
    with pytest.raises(HarnessError, match="no rubric judge 'tone'"):
        rubric_judge(config, "tone")
    one = load_config(_pyproject(tmp_path, '[tool.harness.judges.q]\nvariant = "judge"\n'))
    assert judge_metric_names(one) == ["judge"] and rubric_judge(one).name == "q"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('mode = "both"', r"judges\.q\] mode: expected one of pointwise, pairwise, got 'both'"),
        ('reference_variant = "base"', r"reference_variant: only a pairwise judge"),
        (
            'mode = "pairwise"\nreference_variant = "gpt"',
            r"reference_variant: expected the name of a variant .*got 'gpt'",
        ),
        ("threshold = 6", r"threshold: expected the lowest passing score.*got 6"),
        ('suites = "general"', r"suites: expected a list of suite names, got 'general'"),
        ('mode = "pairwise"\nthreshold = 3', r"threshold: only a pointwise judge"),
        ("temperature = 0", r"judges\.q\] temperature: unknown key \(allowed: max_new_tokens"),
        ('prompt = "p.txt"', r"p\.txt lacks \{answer\}"),
        ('mode = "pairwise"\nprompt = "p.txt"', r"lacks \{answer_a\}, \{answer_b\}"),
    ],
)
def test_rubric_config_errors_are_one_line(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "p.txt").write_text("Grade: {question}", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(_pyproject(tmp_path, f'[tool.harness.judges.q]\nvariant = "judge"\n{table}\n'))
    assert "\n" not in str(info.value) and str(tmp_path / "pyproject.toml") in str(info.value)


def test_refusal_judge_keeps_its_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"judges\.refusal\] mode: unknown key"):
        load_config(
            _pyproject(tmp_path, '[tool.harness.judges.refusal]\nvariant = "judge"\nmode = "x"\n')
        )


def test_named_judge_metrics_and_gates() -> None:
    spec = get_metric("judge:quality")
    assert spec.name == "judge:quality" and "name" not in spec.options
    assert spec.description.startswith("A rubric judge's grade")
    result = spec.compute(build_completion("x"), build_example())
    assert "judge:quality: no judge verdict" in (result.reason or "")
    gate = ThresholdGate.parse("judge:quality >= 0.8")
    assert (gate.metric, gate.threshold) == ("judge:quality", 0.8)
    with pytest.raises(HarnessError, match="unknown metric 'rougeL:x'"):
        get_metric("rougeL:x")  # only metrics with a name option take one


# --- end to end, the judge behind a real OpenAI-compatible server process ----------------


@pytest.fixture
def judge_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """tests/_judge_server.py as its own process; yields its base URL and request log."""
    with running(tmp_path) as served:
        yield served


# (id, question, reference, answer of the evaluated variant, answer of the reference variant)
QA = [
    ("q1", "Capital of France?", "Paris", "Paris", "Lyon"),
    ("q2", "What is 2+2?", "4", "5 <script>alert(1)</script>", "4"),
    ("q3", "Colour of the sky?", "blue", "[garbage]", "blue"),
    ("q4", "Colour of grass?", "green", "green", "olive [biased]"),
]
QA_SUITE = """
def test_qa(evaluate):
    evaluate("qa").check("judge:quality >= 0.6")
"""


def test_rubric_judges_through_a_server(
    pytester: pytest.Pytester, judge_server: tuple[str, Path]
) -> None:
    url, log = judge_server
    golden = pytester.path / "golden"
    golden.mkdir()
    rows = [
        {
            "id": i,
            "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": ref}],
        }
        for i, q, ref, _, _ in QA
    ]
    (golden / "qa.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    for name, col in (("answers", 3), ("other", 4)):
        (pytester.path / f"{name}.json").write_text(
            json.dumps({row[1]: row[col] for row in QA}), encoding="utf-8"
        )
    pytester.makefile(
        ".toml",
        pyproject=f"""
[tool.pytest.ini_options]
addopts = "--harness-split all"
[tool.harness]
default_models = ["answers"]
report_dir = "out"
[tool.harness.models.answers]
backend = "scripted"
script = "answers.json"
[tool.harness.models.other]
backend = "scripted"
script = "other.json"
[tool.harness.models.judge]
backend = "openai"
base_url = "{url}"
model = "judge"
[tool.harness.judges.quality]
variant = "judge"
[tool.harness.judges.versus]
variant = "judge"
mode = "pairwise"
reference_variant = "other"
""",
    )
    pytester.makepyfile(test_qa=QA_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    # Four pointwise requests, and two orders for each of the four pairs.
    assert len(log.read_text().splitlines()) == 12

    data = json.loads((pytester.path / "out" / "results.json").read_text())
    metrics = {e["example_id"]: e["metrics"] for e in data["examples"]}
    quality = {i: m["judge:quality"] for i, m in metrics.items()}
    assert [quality[i]["value"] for i in ("q1", "q2", "q4")] == [1.0, 0.4, 1.0]
    assert quality["q1"]["passed"] is True and quality["q2"]["passed"] is False
    assert quality["q2"]["details"]["score"] == 2
    assert quality["q2"]["reason"].startswith("2/5: the answer '5 <script>")
    assert not quality["q3"]["applicable"]
    assert quality["q3"]["reason"].startswith("unreadable judge reply (no 1-5 score)")
    versus = {i: m["judge:versus"] for i, m in metrics.items()}
    assert {i: versus[i]["details"].get("outcome") for i in versus} == {
        "q1": "win",
        "q2": "loss",
        "q3": None,
        "q4": "tie",  # the judge always said A: position bias, cancelled by the swap
    }
    assert not versus["q3"]["applicable"]
    aggregates = {a["metric"]: a for a in data["aggregates"]}
    assert aggregates["judge:versus"]["mean"] == pytest.approx(0.5)  # (1 + 0 + 0.5) / 3
    assert aggregates["judge:quality"]["n"] == 3
    summary = data["metadata"]["extra"]["judges"]["qa/answers"]
    assert summary["versus"]["reference_variant"] == "other"
    assert (summary["versus"]["win"], summary["versus"]["tie"], summary["versus"]["loss"]) == (
        1,
        1,
        1,
    )
    assert summary["quality"]["unparsed"] == ["q3"] and summary["quality"]["threshold"] == 4
    gate = next(g for g in data["gates"] if g["metric"] == "judge:quality")
    assert gate["passed"] is True

    page = (pytester.path / "out" / "scorecard.html").read_text()
    assert "2/5: the answer &#39;5 &lt;script&gt;alert(1)&lt;/script&gt;&#39;" in page
    assert "<script>alert(1)" not in page

    # A second run asks the judge nothing: its replies come from the completion cache.
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    again.assert_outcomes(passed=1)
    assert len(log.read_text().splitlines()) == 12


# --- judge vs human ratings ---------------------------------------------------------------


def _record(example_id: str, output: str, metrics: dict[str, MetricResult]) -> ExampleRecord:
    return ExampleRecord(
        suite="qa",
        variant="tuned",
        example_id=example_id,
        source="golden/qa.jsonl:1",
        tags=[],
        input=[],
        expected={},
        output=output,
        outputs=[output],
        cached=False,
        latency_s=None,
        ttft_s=None,
        prompt_tokens=None,
        completion_tokens=None,
        finish_reason=None,
        metrics=metrics,
        verdict="n/a",
    )


def _rating(example_id: str, answer: str, rater: str, score: int, passed: bool) -> dict[str, Any]:
    return Rating(
        "qa", "tuned", example_id, answer_digest(answer), rater, score, score, score, score, passed
    ).to_json()


def test_judge_human_agreement_on_constructed_ratings() -> None:
    # (id, judge score, human scores of two raters, human passes)
    rows = [
        ("e1", 5, (5, 4), (True, True)),
        ("e2", 4, (4, 4), (True, True)),
        ("e3", 2, (2, 1), (False, False)),
        ("e4", 1, (2, 2), (False, False)),
        ("e5", 4, (2, 3), (False, False)),  # the judge passes what people failed
    ]
    records = [
        _record(
            i,
            f"answer {i}",
            {
                "judge": MetricResult(s / 5, s >= 4, f"{s}/5", details={"score": s}),
                "rougeL": MetricResult(0.5, None),
            },
        )
        for i, s, _, _ in rows
    ]
    # Judged but never rated, and rated for an answer the results no longer hold: not counted.
    records.append(
        _record("e6", "answer e6", {"judge": MetricResult(1.0, True, details={"score": 5})})
    )
    ratings = [
        _rating(i, f"answer {i}", rater, score, passed)
        for i, _, scores, passes in rows
        for rater, score, passed in zip(("ann", "bob"), scores, passes, strict=True)
    ]
    ratings.append(_rating("e1", "an older answer", "cy", 1, False))
    results = Results(metadata=RunMetadata.now(), examples=records, reviews={"ratings": ratings})

    (found,) = judge_human_agreement(results)
    assert (found.metric, found.n, found.pass_agree) == ("judge", 5, 4)
    assert found.pass_share == pytest.approx(0.8)
    assert found.disagreements == ("qa/tuned/e5",)
    assert found.score_spearman is not None and found.score_spearman > 0.6
    assert found.score_alpha is not None and 0.3 < found.score_alpha < 1.0
    assert found.pass_alpha is not None and found.pass_alpha < 1.0

    # Perfect agreement reads as such; no ratings, no rows.
    perfect = [
        _record(
            i, f"answer {i}", {"judge:q": MetricResult(h[0] / 5, p[0], details={"score": h[0]})}
        )
        for i, _, h, p in rows
    ]
    exact = Results(metadata=RunMetadata.now(), examples=perfect, reviews={"ratings": ratings})
    (same,) = judge_human_agreement(exact)
    assert same.metric == "judge:q" and same.pass_share == 1.0 and same.pass_alpha == 1.0
    assert same.disagreements == ()
    assert judge_human_agreement(Results(metadata=RunMetadata.now(), examples=records)) == []
    page = render_scorecard(results)
    section = page[page.index('id="gh-judge-human"') :]
    assert '<td>judge</td><td class="num">5</td>' in section
    assert "<code>qa/tuned/e5</code>" in section


def test_pairwise_against_the_golden_reference_in_a_session(tmp_path: Path) -> None:
    golden = tmp_path / "golden"
    golden.mkdir()
    rows = [
        {
            "id": "q1",
            "messages": [
                {"role": "user", "content": "Capital of France?"},
                {"role": "assistant", "content": "Paris"},
            ],
        },
    ]
    (golden / "qa.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (tmp_path / "answers.json").write_text(json.dumps({"Capital of France?": "Lyon"}))
    # The judge prefers the reference (shown second, then first) in both orders: a loss.
    (tmp_path / "judge.json").write_text(
        json.dumps({"judge:versus:q1:ab": "Verdict: B", "judge:versus:q1:ba": "Verdict: A"})
    )
    path = tmp_path / "pyproject.toml"
    path.write_text(
        f"""
[tool.harness]
cache_dir = "cache"
[tool.harness.models.answers]
backend = "scripted"
script = "{tmp_path / "answers.json"}"
[tool.harness.models.judge]
backend = "scripted"
script = "{tmp_path / "judge.json"}"
[tool.harness.judges.versus]
variant = "judge"
mode = "pairwise"
[tool.harness.judges.self]
variant = "judge"
mode = "pairwise"
reference_variant = "answers"
[tool.harness.judges.elsewhere]
variant = "judge"
suites = ["general"]
"""
    )
    config = load_config(path)
    answers = config.variant("answers")
    session = EvalSession(config, [answers], tmp_path / "out", progress=lambda *_: None)
    try:
        evaluation = session.evaluate("qa", answers)
        (q1,) = evaluation.results("judge:versus")
        mine = evaluation.results("judge:self")
        judge_backend = session.pool.get(config.variant("judge"))
        results = session.build_results()
    finally:
        session.close()
    assert (q1.value, q1.passed, q1.details["outcome"]) == (0.0, False, "loss")
    assert "shown first → the other" in (q1.reason or "")
    assert [r.reason for r in mine] == ["this is the judge's reference variant"]
    assert not mine[0].applicable
    asked = [r for batch in judge_backend.calls for r in batch]  # type: ignore[attr-defined]
    assert [r.id for r in asked] == ["judge:versus:q1:ab", "judge:versus:q1:ba"]
    # The reference is the other answer here, so it is not shown again as guidance.
    assert "REFERENCE ANSWER:\n(none given)\n\nANSWER A:\nLyon\n\nANSWER B:\nParis\n" in (
        asked[0].messages[0].content
    )
    summary = results.metadata.extra["judges"]["qa/answers"]["versus"]
    assert (summary["win"], summary["tie"], summary["loss"], summary["n"]) == (0, 0, 1, 1)
    names = {m for e in results.examples for m in e.metrics}
    assert {"judge:versus", "judge:self"} <= names
    assert "judge:elsewhere" not in names  # it grades another suite only
