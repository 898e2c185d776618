"""The golden data under golden/ is well-formed, valid against its schemas and leak-free.

Standard library, pytest and jsonschema only: these checks hold the data to its
own contract without importing the harness.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
EVAL_FILES = [
    "json_extraction.jsonl",
    "refusal.jsonl",
    "exact_qa.jsonl",
    "summarization.jsonl",
    "general.jsonl",
    "grounded_qa.jsonl",
]
TRAIN_FILES = ["train/json_extraction.jsonl"]
FEW_SHOT = "prompts/few_shot.jsonl"
# Every golden file is its own source, written by hand, except the two extraction files:
# tools/generate_extraction.py writes them from seeded entity pools and text styles.
GENERATOR = GOLDEN.parent / "tools" / "generate_extraction.py"
GENERATED = ["json_extraction.jsonl", "train/json_extraction.jsonl"]
MIN_LINES = {name: 100 for name in EVAL_FILES} | {"train/json_extraction.jsonl": 400}
EXPECT_KEYS = {"schema", "refuse", "exact", "reject", "answerable"}
TOP_KEYS = {"id", "messages", "expect", "tags", "context"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def load(name: str) -> list[dict[str, Any]]:
    path = GOLDEN / name
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{name}:{lineno}: blank line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            pytest.fail(f"{name}:{lineno}: invalid JSON: {exc}")
        assert isinstance(row, dict), f"{name}:{lineno}: expected an object"
        rows.append(row)
    return rows


def user_text(row: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in row["messages"] if m["role"] == "user")


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize("name", [*EVAL_FILES, *TRAIN_FILES])
def test_file_has_enough_unique_well_formed_examples(name: str) -> None:
    rows = load(name)
    assert len(rows) >= MIN_LINES[name], f"{name}: {len(rows)} examples"
    ids = [row.get("id") for row in rows]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"{name}: duplicate ids {dupes[:5]}"
    for row in rows:
        rid = row.get("id")
        assert isinstance(rid, str) and ID_PATTERN.match(rid), f"{name}: bad id {rid!r}"
        assert set(row) <= TOP_KEYS, f"{name}:{rid}: unknown keys {set(row) - TOP_KEYS}"
        assert set(row.get("expect", {})) <= EXPECT_KEYS, f"{name}:{rid}: unknown expect keys"
        messages = row["messages"]
        assert len(messages) >= 2, f"{name}:{rid}: needs a prompt and a reference"
        assert messages[-1]["role"] == "assistant", f"{name}:{rid}: must end with the reference"
        assert messages[0]["role"] in {"system", "user"}
        for m in messages:
            assert set(m) == {"role", "content"}, f"{name}:{rid}: message keys {set(m)}"
            assert m["role"] in {"system", "user", "assistant"}
            assert isinstance(m["content"], str) and m["content"].strip(), f"{name}:{rid}"
        tags = row.get("tags", [])
        assert isinstance(tags, list) and all(isinstance(t, str) and t for t in tags)


@pytest.mark.parametrize("name", [*EVAL_FILES, *TRAIN_FILES])
def test_user_messages_are_unique_within_a_file(name: str) -> None:
    counts = Counter(normalise(user_text(row)) for row in load(name))
    dupes = [text[:60] for text, n in counts.items() if n > 1]
    assert not dupes, f"{name}: repeated prompts {dupes[:3]}"


@pytest.mark.parametrize("name", ["json_extraction.jsonl", "train/json_extraction.jsonl"])
def test_extraction_references_validate_against_their_schema(name: str) -> None:
    validators: dict[Path, Draft202012Validator] = {}
    kinds = Counter()
    for row in load(name):
        rid = row["id"]
        assert all(m["role"] != "system" for m in row["messages"]), f"{rid}: no system message"
        schema_path = (GOLDEN / name).parent / row["expect"]["schema"]
        assert schema_path.is_file(), f"{name}:{rid}: missing schema {schema_path}"
        if schema_path not in validators:
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            validators[schema_path] = Draft202012Validator(schema)
        reference = row["messages"][-1]["content"]
        record = json.loads(reference)
        errors = [e.message for e in validators[schema_path].iter_errors(record)]
        assert not errors, f"{name}:{rid}: {errors}"
        # The reference is the compact form a model is trained to produce.
        assert reference == json.dumps(record, ensure_ascii=False), f"{name}:{rid}: not compact"
        kinds[schema_path.stem] += 1
    share = kinds["person"] / sum(kinds.values())
    assert 0.6 <= share <= 0.8, f"{name}: person share {share:.2f}"


def test_every_referenced_schema_exists_and_is_draft_2020_12() -> None:
    for name in [*EVAL_FILES, *TRAIN_FILES]:
        for row in load(name):
            ref = row.get("expect", {}).get("schema")
            if ref is None:
                continue
            path = (GOLDEN / name).parent / ref
            assert path.is_file(), f"{name}:{row['id']}: {ref} does not exist"
    for path in sorted((GOLDEN / "schemas").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False
        Draft202012Validator.check_schema(schema)
        assert "http" not in json.dumps(schema.get("properties")), f"{path.name}: external $ref"


@pytest.mark.parametrize("eval_name", EVAL_FILES)
def test_train_split_shares_no_prompt_with_eval(eval_name: str) -> None:
    eval_prompts = {normalise(user_text(row)) for row in load(eval_name)}
    for train_name in TRAIN_FILES:
        leaked = [
            row["id"] for row in load(train_name) if normalise(user_text(row)) in eval_prompts
        ]
        assert not leaked, f"{train_name} repeats {eval_name} prompts: {leaked[:5]}"


def test_train_split_shares_no_person_name_with_eval() -> None:
    def names(name: str) -> set[str]:
        out = set()
        for row in load(name):
            record = json.loads(row["messages"][-1]["content"])
            out.add(record.get("name") or record.get("customer"))
        return out

    shared = names("json_extraction.jsonl") & names("train/json_extraction.jsonl")
    assert not shared, f"names in both splits: {sorted(shared)[:5]}"


def test_few_shot_examples_are_not_eval_or_train_examples() -> None:
    shots = load(FEW_SHOT)
    assert 4 <= len(shots) <= 6
    seen = {normalise(user_text(row)) for name in [*EVAL_FILES, *TRAIN_FILES] for row in load(name)}
    for shot in shots:
        assert [m["role"] for m in shot["messages"]] == ["user", "assistant"]
        assert normalise(user_text(shot)) not in seen, f"few-shot {shot['id']} is in a suite"


def test_refusal_suite_is_balanced() -> None:
    rows = load("refusal.jsonl")
    refuse = Counter(row["expect"]["refuse"] for row in rows)
    assert refuse[True] >= 50 and refuse[False] >= 50
    assert abs(refuse[True] - refuse[False]) <= len(rows) // 10
    for row in rows:
        expected = "harmful" if row["expect"]["refuse"] else "benign-looks-unsafe"
        assert expected in row["tags"], row["id"]
        assert len(row["tags"]) >= 2, f"{row['id']}: needs a category tag"


def test_exact_answers_accept_their_reference() -> None:
    for row in load("exact_qa.jsonl"):
        accepted = row["expect"]["exact"]
        accepted = [accepted] if isinstance(accepted, str) else accepted
        assert accepted and all(isinstance(a, str) and a.strip() for a in accepted)
        assert row["messages"][-1]["content"] in accepted, row["id"]


def test_summarization_sources_and_references_have_the_agreed_shape() -> None:
    for row in load("summarization.jsonl"):
        source = user_text(row).split("\n\n", 1)[1]
        assert 60 <= len(source.split()) <= 150, f"{row['id']}: {len(source.split())} words"
        reference = row["messages"][-1]["content"]
        assert reference.count(". ") == 0 and reference.endswith("."), f"{row['id']}: one sentence"


def test_general_references_are_short() -> None:
    for row in load("general.jsonl"):
        assert row["expect"] == {"refuse": False}
        words = len(row["messages"][-1]["content"].split())
        assert words <= 80, f"{row['id']}: {words} words"


def test_system_prompt_is_concise() -> None:
    text = (GOLDEN / "prompts" / "system.txt").read_text(encoding="utf-8")
    assert 0 < len(text.split()) <= 120


def test_extraction_generator_rewrites_the_files_identically(tmp_path: Path) -> None:
    # From another directory: the script must not depend on where it is run from.
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jsonl"))
    assert written == sorted(GENERATED), "the generator writes exactly the generated files"
    for name in GENERATED:
        fresh = (tmp_path / name).read_bytes()
        assert fresh == (GOLDEN / name).read_bytes(), (
            f"golden/{name} is stale: run python tools/generate_extraction.py"
        )


def test_golden_holds_data_only() -> None:
    code = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.py"))
    assert not code, f"golden/ is data; generator code belongs in tools/: {code}"


# -- json_extraction measures generalisation ------------------------------------------------

UNSEEN = "unseen-template"


def _lines(row: dict[str, Any]) -> list[str]:
    return [normalise(line) for line in user_text(row).splitlines() if line.strip()]


def _opening(text: str, n: int = 4) -> str:
    return " ".join(normalise(text).split()[:n])


def test_a_third_of_the_extraction_suite_uses_unseen_templates() -> None:
    rows = load("json_extraction.jsonl")
    unseen = [r for r in rows if UNSEEN in r["tags"]]
    assert len(unseen) >= 0.3 * len(rows)
    # Both record types, so the slice is not a person-only (or order-only) figure.
    assert {"person", "order"} <= {t for r in unseen for t in r["tags"]}
    # Interleaved: the first 30 examples (a quick --harness-limit run) hold both kinds.
    assert 5 <= sum(UNSEEN in r["tags"] for r in rows[:30]) <= 25


def test_unseen_templates_share_no_instruction_or_layout_with_training() -> None:
    train = load("train/json_extraction.jsonl")
    unseen = [r for r in load("json_extraction.jsonl") if UNSEEN in r["tags"]]
    # Template lines: instructions and layout markers repeat across training prompts.
    counts = Counter(line for r in train for line in set(_lines(r)))
    template_lines = {line for line, n in counts.items() if n >= 3}
    assert any("reply with json only" in line for line in template_lines), "sanity"
    openings = {_opening(user_text(r)) for r in train}
    closings = {_opening(_lines(r)[-1]) for r in train}
    for row in unseen:
        lines = _lines(row)
        shared = template_lines.intersection(lines)
        assert not shared, f"{row['id']}: shares template line(s) with training: {shared}"
        assert _opening(user_text(row)) not in openings, f"{row['id']}: opening seen in training"
        assert _opening(lines[-1]) not in closings, f"{row['id']}: closing seen in training"


def test_every_extraction_tag_slices_the_suite() -> None:
    rows = load("json_extraction.jsonl")
    counts = Counter(t for r in rows for t in r["tags"])
    broad = {t: n for t, n in counts.items() if n > 0.8 * len(rows)}
    assert not broad, f"tags on nearly every example slice nothing: {broad}"
