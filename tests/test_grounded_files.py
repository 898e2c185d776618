"""The Kestrel Lane corpus and the grounded_qa suite hold to their contract.

Corpus: one passage per line ``{"id", "title", "text"}``, 40-150 words, ids
unique. Suite: every example's context passages are corpus passages, copied
verbatim; about a fifth are unanswerable; every reference answer passes the
metrics the suite gates on.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from harness._types import Completion
from harness.golden import load_golden
from harness.metrics import get_metric
from harness.retrieval import load_corpus

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CORPUS = GOLDEN / "corpus"
SUITE = GOLDEN / "grounded_qa.jsonl"


def corpus() -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for path in sorted(CORPUS.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            row = json.loads(line)
            assert set(row) == {"id", "title", "text"}, f"{path.name}:{lineno}: keys {set(row)}"
            assert row["id"] not in rows, f"{path.name}:{lineno}: duplicate id {row['id']}"
            rows[row["id"]] = row
    return rows


def test_corpus_passages_have_the_agreed_shape() -> None:
    rows = corpus()
    assert 40 <= len(rows) <= 70
    for pid, row in rows.items():
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*-\d{2}", pid), pid
        words = len(row["text"].split())
        assert 40 <= words <= 150, f"{pid}: {words} words"
        assert row["title"].strip()
    assert len({r["title"] for r in rows.values()}) >= 5, "several documents"


def test_corpus_loads_through_the_retrieval_loader() -> None:
    loaded = load_corpus(CORPUS)
    assert {p.id: p.text for p in loaded} == {k: v["text"] for k, v in corpus().items()}


def test_context_passages_are_corpus_passages_copied_verbatim() -> None:
    rows = corpus()
    golden = load_golden(SUITE)
    for ex in golden.examples:
        assert ex.context, f"{ex.id}: no context"
        for passage in ex.context:
            assert passage.id in rows, f"{ex.id}: unknown passage {passage.id}"
            assert passage.text == rows[passage.id]["text"], f"{ex.id}: {passage.id} differs"


def test_suite_size_ids_tags_and_unanswerable_share() -> None:
    golden = load_golden(SUITE)
    assert len(golden) >= 100
    assert [ex.id for ex in golden] == [f"grounded-{n:03d}" for n in range(1, len(golden) + 1)]
    unanswerable = [ex for ex in golden if not ex.expect.answerable]
    assert 0.15 <= len(unanswerable) / len(golden) <= 0.25
    assert all("unanswerable" in ex.tags for ex in unanswerable)
    topics = Counter(ex.tags[0] for ex in golden)
    assert len(topics) >= 6 and min(topics.values()) >= 5, topics
    # The question alone is the prompt: the passages reach a model only through retrieval.
    for ex in golden:
        assert [m.role.value for m in ex.messages] == ["user"], ex.id
        assert not any(p.text[:40] in ex.messages[0].content for p in ex.context), ex.id
    # A --harness-limit 20 run sees unanswerable questions too.
    assert any(not ex.expect.answerable for ex in golden.examples[:20])


def test_every_passage_is_gold_for_some_question() -> None:
    used = {p.id for ex in load_golden(SUITE) for p in ex.context}
    assert used == set(corpus()), sorted(set(corpus()) - used)


def test_references_pass_the_gated_metrics() -> None:
    answer, grounded, abstain = (
        get_metric(n) for n in ("answer_match", "groundedness", "abstention")
    )
    for ex in load_golden(SUITE):
        assert ex.reference is not None
        out = Completion(ex.id, ex.reference, 0.0)
        if ex.expect.answerable:
            result = answer.compute(out, ex)
            assert result.passed, f"{ex.id}: {result.reason}"
        else:
            assert not answer.compute(out, ex).applicable
        g = grounded.compute(out, ex)
        assert g.value == 1.0, f"{ex.id}: {g.details}"
        assert abstain.compute(out, ex).passed, ex.id
