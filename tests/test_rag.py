"""A variant with retrieval, end to end on the scripted backend: prompt, record, recall, scorecard."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness._types import GenerationRequest
from harness.backends.scripted import ScriptedBackend, last_user_message
from harness.config import HarnessConfig, load_config
from harness.results import read_results, write_results
from harness.scorecard import render_scorecard
from harness.session import EvalSession

CORPUS = [
    {
        "id": "office-01",
        "title": "Vantor offices",
        "text": "The Vantor offices open at 07:45 <b>sharp</b> & close at 18:00.",
    },
    {"id": "lab-01", "title": "Lab safety", "text": "The lab is open until 19:30 on weekdays."},
    {"id": "canteen-01", "title": "Canteen", "text": "The canteen serves soup every Friday."},
]
QUESTIONS = [
    ("q-open", "When do the Vantor offices open?", "07:45", ["office-01"]),
    ("q-lab", "Until when is the lab open on weekdays?", "19:30", ["lab-01"]),
    ("q-free", "What colour is the Vantor logo?", "The documents do not say.", None),
]


def answer(request: GenerationRequest) -> str:
    """The first time in the question's turn, as a model reading its passages would."""
    found = re.search(r"\d\d:\d\d", last_user_message(request))
    return found.group(0) if found else "The documents do not say."


def project(tmp_path: Path) -> HarnessConfig:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "handbook.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p in CORPUS), encoding="utf-8"
    )
    rows = []
    for id_, question, reply, gold in QUESTIONS:
        row: dict[str, object] = {
            "id": id_,
            "messages": [
                {"role": "user", "content": question},
                {"role": "assistant", "content": reply},
            ],
            "expect": {"exact": [reply]},
        }
        if gold:
            texts = {p["id"]: p["text"] for p in CORPUS}
            row["context"] = [{"id": g, "text": texts[g]} for g in gold]
        rows.append(row)
    (tmp_path / "grounded.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.harness.models.base]\nbackend = "scripted"\n'
        '[tool.harness.models.rag]\nextends = "base"\n'
        'retrieval = {corpus = "corpus", k = 2}\n',
        encoding="utf-8",
    )
    return load_config(tmp_path / "pyproject.toml")


def run(config: HarnessConfig, tmp_path: Path, backend: ScriptedBackend) -> EvalSession:
    variants = [config.variant("base"), config.variant("rag")]
    session = EvalSession(
        config=config,
        variants=variants,
        report_dir=tmp_path / "out",
        progress=lambda text, end: None,
    )
    for variant in variants:
        session.pool.put(variant, backend)
        session.evaluate(tmp_path / "grounded.jsonl", variant)
    return session


def test_passages_reach_the_prompt_the_record_and_the_scorecard(tmp_path: Path) -> None:
    backend = ScriptedBackend(answer)
    session = run(project(tmp_path), tmp_path, backend)
    results = session.build_results()
    session.close()

    # The backend saw the passages, with their ids, only in the rag variant's prompts.
    sent = [(r.id, last_user_message(r)) for batch in backend.calls for r in batch]
    rag_sent = {i: text for i, text in sent if text.startswith("Answer the question")}
    base_sent = sorted(text for _, text in sent if not text.startswith("Answer the question"))
    assert sorted(rag_sent) == ["q-free", "q-lab", "q-open"]
    assert base_sent == sorted(q for _, q, *_ in QUESTIONS)  # base: the question alone
    opening = rag_sent["q-open"]
    assert "[office-01] Vantor offices\nThe Vantor offices open at 07:45" in opening
    # Best first: lab-01 shares only "open" with the question.
    assert opening.index("[office-01]") < opening.index("[lab-01]")
    assert opening.endswith("Question: When do the Vantor offices open?")

    records = {(e.variant, e.example_id): e for e in results.examples}
    rag_open = records["rag", "q-open"]
    assert rag_open.retrieved == ["office-01", "lab-01"]
    assert rag_open.input[-1]["content"] == opening
    assert records["rag", "q-lab"].retrieved == ["lab-01", "office-01"]
    # Only "Vantor" matches, and the passage it brings misleads the scripted reader.
    assert records["rag", "q-free"].retrieved == ["office-01"]
    assert all(records["base", i].retrieved is None for i, *_ in QUESTIONS)

    # The passages change the answers: rag finds both times, base neither.
    assert [records["rag", i].metrics["exact_match"].passed for i, *_ in QUESTIONS] == [
        True,
        True,
        False,
    ]
    assert [records["base", i].metrics["exact_match"].passed for i, *_ in QUESTIONS] == [
        False,
        False,
        True,
    ]

    # Recall@k: reported for rag on the examples with gold context, absent for base.
    recall = [records["rag", i].metrics["retrieval_recall"] for i, *_ in QUESTIONS]
    assert [(m.value, m.applicable) for m in recall] == [(1.0, True), (1.0, True), (None, False)]
    assert "retrieval_recall" not in records["base", "q-open"].metrics
    agg = results.aggregate("grounded", "rag", "retrieval_recall")
    assert agg is not None and (agg.n, agg.mean) == (2, 1.0)

    info = results.metadata.variants["rag"].retrieval
    assert info is not None and info["k"] == 2 and info["passages"] == 3
    assert info["corpus"] == str((tmp_path / "corpus").resolve())
    assert len(info["corpus_sha256"]) == len(info["template_sha256"]) == 64
    assert results.metadata.variants["base"].retrieval is None

    back = read_results(write_results(results, tmp_path / "results.json"))
    assert [e.retrieved for e in back.examples] == [e.retrieved for e in results.examples]

    html = render_scorecard(back)
    assert '<code class="passage gold" title="gold context passage">office-01</code>' in html
    assert "&lt;b&gt;sharp&lt;/b&gt; &amp; close" in html
    assert "<b>sharp</b>" not in html
    assert "+ retrieval top 2 from" in html


def test_a_changed_passage_changes_the_cache_key(tmp_path: Path) -> None:
    config = project(tmp_path)
    first = run(config, tmp_path, ScriptedBackend(answer))
    first.close()
    corpus = tmp_path / "corpus" / "handbook.jsonl"
    corpus.write_text(
        corpus.read_text(encoding="utf-8").replace("every Friday", "on Fridays"), encoding="utf-8"
    )
    backend = ScriptedBackend(answer)
    second = run(load_config(tmp_path / "pyproject.toml"), tmp_path, backend)
    second.close()
    # Keys follow the prompts: no prompt holds canteen-01, so everything is served cached.
    assert backend.calls == []
    corpus.write_text(
        corpus.read_text(encoding="utf-8").replace("until 19:30", "until 19:30 sharp"),
        encoding="utf-8",
    )
    backend = ScriptedBackend(answer)
    third = run(load_config(tmp_path / "pyproject.toml"), tmp_path, backend)
    third.close()
    regenerated = [r.id for batch in backend.calls for r in batch]
    # The prompts that carry lab-01 (q-open gets it second), not q-free's.
    assert sorted(regenerated) == ["q-lab", "q-open"]
