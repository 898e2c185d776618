"""BM25 retrieval: corpus loading, ranking, the RAG template, config, recall@k, results."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from metrics.conftest import build_completion, build_example

from harness._types import ContextPassage, Message, Role
from harness.config import load_config
from harness.errors import ConfigError, DataError, HarnessError
from harness.metrics import MetricKind, get_metric, retrieval_recall
from harness.results import (
    ExampleRecord,
    Results,
    RunMetadata,
    VariantInfo,
    read_results,
    write_results,
)
from harness.retrieval import (
    DEFAULT_RAG_TEMPLATE,
    NO_PASSAGES,
    Bm25Settings,
    Passage,
    Retriever,
    corpus_digest,
    get_retriever,
    load_corpus,
    render_prompt,
)

ROOT = Path(__file__).resolve().parents[1]

PASSAGES = [
    {
        "id": "travel-01",
        "title": "Travel policy",
        "text": "Staff book trains for trips under 500 km. Flights need a director's approval.",
    },
    {
        "id": "travel-02",
        "title": "Travel policy",
        "text": "Hotel nights are refunded up to 140 euros in Vantor and 110 elsewhere.",
    },
    {
        "id": "lab-01",
        "title": "Lab safety",
        "text": "Goggles are worn in the lab at all times. The lab closes at 19:00.",
    },
    {
        "id": "canteen-01",
        "title": "Canteen",
        "text": "The canteen serves lunch from 11:30 to 14:00 on working days.",
    },
]


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus directory of two files; ``b.jsonl`` sorts after ``a.jsonl``."""
    folder = tmp_path / "corpus"
    write_jsonl(folder / "b.jsonl", PASSAGES[2:])
    write_jsonl(folder / "a.jsonl", PASSAGES[:2])
    (folder / "notes.txt").write_text("not a passage file", encoding="utf-8")
    return folder


# --- loading -------------------------------------------------------------------------


def test_a_directory_loads_in_file_name_then_line_order(corpus: Path) -> None:
    passages = load_corpus(corpus)
    assert [p.id for p in passages] == ["travel-01", "travel-02", "lab-01", "canteen-01"]
    assert passages[1] == Passage("travel-02", "Travel policy", PASSAGES[1]["text"])
    assert load_corpus(corpus / "b.jsonl") == passages[2:]


def _error(path: Path) -> str:
    with pytest.raises(DataError) as info:
        load_corpus(path)
    assert info.value.exit_code == 2
    return str(info.value)


def test_every_bad_line_is_named_by_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(PASSAGES[0]),
                "{not json",
                "[1, 2]",
                json.dumps({"id": "x-01", "title": "T"}),
                json.dumps({"id": "x-02", "title": "T", "text": "  "}),
                json.dumps({"id": "x-03", "title": 7, "text": "t"}),
                json.dumps({"id": "x-04", "title": "T", "text": "t", "url": "http://x"}),
                json.dumps({"id": "has space", "title": "T", "text": "t"}),
                "",
                json.dumps(PASSAGES[0]),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    lines = _error(path).splitlines()
    assert lines == [
        f"{path}:2: line: not valid JSON (Expecting property name enclosed in double quotes) "
        "(write one JSON object per line)",
        f'{path}:3: line: expected a JSON object, got array (write {{"id": ..., "title": ..., '
        '"text": ...})',
        f"{path}:4: text: missing (add a non-empty text string)",
        f"{path}:5: text: expected a non-empty string, got an empty string (give the text)",
        f"{path}:6: title: expected a non-empty string, got number (give the title)",
        f"{path}:7: url: unknown field (allowed: id, title, text)",
        f"{path}:8: id: 'has space' is not a plain id (use letters, digits, '.', '_', ':' or "
        "'-', e.g. handbook-03)",
        f"{path}:10: id: duplicate id 'travel-01' (first at {path}:1) "
        "(give every passage an id unique across the corpus)",
    ]


def test_duplicate_ids_are_caught_across_files(corpus: Path) -> None:
    write_jsonl(corpus / "c.jsonl", [PASSAGES[0]])
    assert _error(corpus) == (
        f"{corpus / 'c.jsonl'}:1: id: duplicate id 'travel-01' (first at "
        f"{corpus / 'a.jsonl'}:1) (give every passage an id unique across the corpus)"
    )


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p / "missing", "corpus: does not exist"),
        (lambda p: p, "corpus: holds no .jsonl files"),
        (lambda p: write_jsonl(p / "x.json", []), "corpus: is not a .jsonl file"),
        (lambda p: write_jsonl(p / "x.jsonl", []), "corpus: holds no passages"),
    ],
)
def test_a_corpus_path_without_passages_is_an_error(
    tmp_path: Path, make: object, problem: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    message = _error(path)
    assert message.startswith(f"{path}: {problem} (") and "\n" not in message


# --- ranking -------------------------------------------------------------------------


def test_the_best_matching_passage_comes_first(corpus: Path) -> None:
    retriever = Retriever(load_corpus(corpus))
    top = retriever.retrieve("When does the lab close?", 2)
    assert [p.id for p in top] == ["lab-01"]  # nothing else shares a word with the question
    ranked = retriever.retrieve("hotel nights in Vantor, or trains?", 4)
    assert [p.id for p in ranked] == ["travel-02", "travel-01"]
    scores = retriever.scores("hotel nights in Vantor, or trains?")
    assert scores[1] > scores[0] > 0 and scores[2] == scores[3] == 0


def test_titles_are_searched_too(corpus: Path) -> None:
    assert [p.id for p in Retriever(load_corpus(corpus)).retrieve("canteen", 4)] == ["canteen-01"]


def test_ties_keep_corpus_order_and_results_repeat(tmp_path: Path) -> None:
    same = "Parking permits are issued by the front desk."
    rows = [{"id": f"p-{i}", "title": "Parking", "text": same} for i in (3, 1, 2)]
    rows.insert(1, {"id": "other", "title": "Other", "text": "Bicycles stay in the yard."})
    passages = load_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    first = [p.id for p in Retriever(passages).retrieve("parking permits", 3)]
    assert first == ["p-3", "p-1", "p-2"]
    # A fresh index, and the same one asked again, give the same answer.
    assert [p.id for p in Retriever(passages).retrieve("parking permits", 3)] == first
    assert [p.id for p in Retriever(passages).retrieve("parking permits", 2)] == first[:2]


def test_no_shared_word_retrieves_nothing(corpus: Path) -> None:
    retriever = Retriever(load_corpus(corpus))
    assert retriever.retrieve("zebra", 4) == []
    assert retriever.retrieve("the of and", 4) == []  # stop words only


@pytest.mark.parametrize("k", [0, -1, True, 1.5])
def test_k_must_be_a_positive_integer(corpus: Path, k: object) -> None:
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        Retriever(load_corpus(corpus)).retrieve("lab", k)  # type: ignore[arg-type]


def test_the_index_is_built_once_per_corpus_and_settings(corpus: Path) -> None:
    passages = load_corpus(corpus)
    shared = get_retriever(passages)
    assert get_retriever(tuple(passages)) is shared
    assert get_retriever(passages, digest=corpus_digest(passages)) is shared
    assert get_retriever(passages, Bm25Settings(k1=1.2)) is not shared
    changed = (dataclasses.replace(passages[0], text="Trains only."), *passages[1:])
    assert get_retriever(changed) is not shared


def test_an_empty_corpus_cannot_be_indexed() -> None:
    with pytest.raises(HarnessError, match="no passages"):
        Retriever([])


def test_importing_the_config_does_not_load_bm25s() -> None:
    code = "import sys, harness, harness.config, harness.engine; print('bm25s' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- template --------------------------------------------------------------------------


def test_the_template_carries_ids_titles_and_the_question() -> None:
    passages = [Passage("a-1", "Title A", "Text {question} A."), Passage("b-2", "B", "Text B.")]
    text = render_prompt("P:\n{passages}\nQ: {question}", "What {passages}?", passages)
    assert text == "P:\n[a-1] Title A\nText {question} A.\n\n[b-2] B\nText B.\nQ: What {passages}?"
    assert render_prompt("{passages} | {question}", "Q", []) == f"{NO_PASSAGES} | Q"


def test_the_published_default_template() -> None:
    project = DEFAULT_RAG_TEMPLATE.read_text(encoding="utf-8")
    assert project.count("{passages}") == 1 and project.count("{question}") == 1
    # It confines the model to the passages and tells it what to say when they fall short.
    assert "using only the passages" in project
    assert "do not contain the answer" in project


# --- config ----------------------------------------------------------------------------


def _pyproject(tmp_path: Path, retrieval: str, extra: str = "") -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.harness.models.base]\nbackend = "scripted"\n'
        f'[tool.harness.models.rag]\nextends = "base"\nretrieval = {retrieval}\n' + extra,
        encoding="utf-8",
    )
    return path


def test_config_reads_retrieval_and_children_inherit_it(tmp_path: Path, corpus: Path) -> None:
    (tmp_path / "my.txt").write_text("Q={question}\n{passages}", encoding="utf-8")
    path = _pyproject(
        tmp_path,
        '{corpus = "corpus", k = 2, template = "my.txt"}',
        '[tool.harness.models.child]\nextends = "rag"\n',
    )
    config = load_config(path)
    settings = config.variant("rag").retrieval
    assert settings is not None and settings.k == 2
    assert settings.corpus_path == corpus.resolve()
    assert settings.template_path == (tmp_path / "my.txt").resolve()
    assert [p.id for p in settings.passages] == ["travel-01", "travel-02", "lab-01", "canteen-01"]
    assert config.variant("child").retrieval == settings
    assert config.variant("base").retrieval is None
    # k and the template have defaults.
    default = load_config(_pyproject(tmp_path, '{corpus = "corpus"}')).variant("rag").retrieval
    assert default is not None and default.k == 4 and default.template_path == DEFAULT_RAG_TEMPLATE


@pytest.mark.parametrize(
    ("retrieval", "message"),
    [
        ('"corpus"', 'retrieval: expected a table (e.g. retrieval = {corpus = "golden/corpus"'),
        (
            '{corpus = "corpus", top = 3}',
            "retrieval.top: unknown key (allowed: corpus, k, template)",
        ),
        ("{k = 3}", "retrieval.corpus: required"),
        ('{corpus = "nowhere"}', "nowhere not found (give a directory of .jsonl passage"),
        ('{corpus = "corpus", k = 0}', "retrieval.k: expected an integer >= 1 (passages per"),
        ('{corpus = "corpus", k = "4"}', "retrieval.k: expected an integer >= 1"),
        ('{corpus = "corpus", k = true}', "retrieval.k: expected an integer >= 1"),
        ('{corpus = "corpus", template = 3}', "retrieval.template: expected the path"),
        ('{corpus = "corpus", template = "none.txt"}', "retrieval.template: cannot read"),
        ('{corpus = "corpus", template = "half.txt"}', "lacks {passages} (the template needs"),
    ],
)
def test_config_rejects_bad_retrieval(
    tmp_path: Path, corpus: Path, retrieval: str, message: str
) -> None:
    (tmp_path / "half.txt").write_text("Only {question}", encoding="utf-8")
    path = _pyproject(tmp_path, retrieval)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert text.startswith(f"{path}: [tool.harness.models.rag] ") and message in text
    assert info.value.exit_code == 2


def test_config_names_the_bad_corpus_line(tmp_path: Path, corpus: Path) -> None:
    (corpus / "a.jsonl").write_text('{"id": "x-1", "title": "T"}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(_pyproject(tmp_path, '{corpus = "corpus"}'))
    assert str(info.value).splitlines()[1] == (
        f"{corpus / 'a.jsonl'}:1: text: missing (add a non-empty text string)"
    )


def test_the_variant_prompt_puts_passages_into_the_last_user_turn(
    tmp_path: Path, corpus: Path
) -> None:
    config = load_config(_pyproject(tmp_path, '{corpus = "corpus", k = 2}'))
    rag, base = config.variant("rag"), config.variant("base")
    example = dataclasses.replace(
        build_example(prompt="When does the lab close?"),
        messages=(
            Message(Role.SYSTEM, "You are terse."),
            Message(Role.USER, "Hello, lab"),
            Message(Role.ASSISTANT, "Hi."),
            Message(Role.USER, "When does the lab close?"),
        ),
    )
    assert [p.id for p in rag.retrieve(example)] == ["lab-01"]
    messages = rag.prompt(example)
    assert messages[:3] == example.messages[:3]  # only the last user turn changes
    last = messages[3].content
    assert last.startswith("Answer the question using only the passages below")
    assert "[lab-01] Lab safety\nGoggles are worn" in last
    assert last.endswith("Question: When does the lab close?")
    assert rag.request(example).messages == messages
    assert base.prompt(example) == example.messages and base.retrieve(example) == ()


# --- recall@k --------------------------------------------------------------------------


def _with_context(*ids: str) -> object:
    return dataclasses.replace(
        build_example(), context=tuple(ContextPassage(i, f"text of {i}") for i in ids)
    )


def test_recall_counts_gold_passages_among_the_retrieved() -> None:
    completion = build_completion("anything")
    half = retrieval_recall(completion, _with_context("a-1", "b-2"), retrieved=("c-3", "a-1"))
    assert (half.value, half.applicable, half.reason) == (0.5, True, "not retrieved: b-2")
    assert half.details == {"gold": ["a-1", "b-2"], "retrieved": ["c-3", "a-1"], "missed": ["b-2"]}
    full = retrieval_recall(completion, _with_context("a-1"), retrieved=("a-1", "c-3"))
    assert (full.value, full.reason) == (1.0, None)
    none = retrieval_recall(completion, _with_context("a-1"), retrieved=())
    assert none.value == 0.0


def test_recall_does_not_apply_without_context_or_without_retrieval() -> None:
    completion = build_completion("anything")
    no_retrieval = retrieval_recall(completion, _with_context("a-1"))
    assert (
        not no_retrieval.applicable and no_retrieval.reason == "the variant retrieves no passages"
    )
    no_context = retrieval_recall(completion, build_example(), retrieved=("a-1",))
    assert not no_context.applicable
    spec = get_metric("retrieval_recall")
    assert spec.higher_is_better is True and spec.options == {"retrieved": None}
    assert spec.kind is MetricKind.CONTINUOUS and spec.fn is retrieval_recall


# --- results.json ----------------------------------------------------------------------


def _record(variant: str, retrieved: list[str] | None) -> ExampleRecord:
    return ExampleRecord(
        suite="grounded",
        variant=variant,
        example_id="q-1",
        source="golden/grounded.jsonl:1",
        tags=[],
        input=[{"role": "user", "content": "Q"}],
        expected={"reference": "A"},
        output="A",
        outputs=["A"],
        cached=False,
        latency_s=0.1,
        ttft_s=None,
        prompt_tokens=None,
        completion_tokens=None,
        finish_reason=None,
        metrics={},
        verdict="n/a",
        pass_rate=None,
        retrieved=retrieved,
    )


def test_retrieved_ids_and_retrieval_info_round_trip(tmp_path: Path) -> None:
    metadata = RunMetadata.now()
    info = {
        "corpus": "/c",
        "corpus_sha256": "a" * 64,
        "passages": 4,
        "k": 4,
        "template": "/t.txt",
        "template_sha256": "b" * 64,
        "retriever": "bm25s 0.3 lucene k1=1.5 b=0.75 stopwords=en",
    }
    metadata.variants = {
        "base": VariantInfo(backend="scripted", model="m", fingerprint="f"),
        "rag": VariantInfo(backend="scripted", model="m", fingerprint="f", retrieval=info),
    }
    results = Results(
        metadata=metadata,
        examples=[_record("base", None), _record("rag", ["lab-01", "travel-02"]), _record("x", [])],
    )
    path = write_results(results, tmp_path / "results.json")
    back = read_results(path)
    assert [e.retrieved for e in back.examples] == [None, ["lab-01", "travel-02"], []]
    assert back.metadata.variants["rag"].retrieval == info
    assert back.metadata.variants["base"].retrieval is None


def test_a_file_written_before_retrieval_still_loads(tmp_path: Path) -> None:
    metadata = RunMetadata.now()
    metadata.variants = {"base": VariantInfo(backend="scripted", model="m", fingerprint="f")}
    data = Results(metadata=metadata, examples=[_record("base", None)]).to_json()
    for e in data["examples"]:
        del e["retrieved"]
    for v in data["metadata"]["variants"].values():
        del v["retrieval"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_results(path).examples[0].retrieved is None
