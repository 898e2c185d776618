"""results.json has one model: the published schema is generated from it and agrees with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _review_data import results_file
from jsonschema import Draft202012Validator
from test_gates import SUITE, VARIANT, make_results

from harness.cli import main as cli_main
from harness.errors import HarnessError
from harness.metrics import aggregate, get_metric
from harness.results import (
    SCHEMA_PATH,
    SCHEMA_VERSION,
    generate_schema,
    main,
    read_results,
    results_schema,
    schema_text,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
FOREIGN = f"(not a golden-harness results file of schema version {SCHEMA_VERSION}; "


def _published() -> Draft202012Validator:
    return Draft202012Validator(results_schema())


def test_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "harness/resources/results.schema.json is stale: run python -m harness.results --schema"
    )
    Draft202012Validator.check_schema(generate_schema())


def test_schema_command_writes_the_generated_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "results.schema.json"
    monkeypatch.setattr("harness.results.SCHEMA_PATH", target)
    assert main(["--schema"]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    assert capsys.readouterr().out.strip() == str(target)


def _written(tmp_path: Path) -> Path:
    results = make_results({(SUITE, VARIANT): {"exact_match": [True, False, None]}})
    values = [e.metrics["exact_match"] for e in results.examples]
    results.aggregates.append(
        aggregate(get_metric("exact_match"), values, suite=SUITE, variant=VARIANT)
    )
    results.reviews = {"ratings": [], "imports": []}
    results.metadata.variants[VARIANT].retrieval = {
        "corpus": "c.jsonl",
        "corpus_sha256": "0" * 64,
        "k": 3,
        "template": "t.txt",
        "template_sha256": "1" * 64,
    }
    return write_results(results, tmp_path / "results.json")


def test_files_the_harness_writes_validate_against_the_published_schema(tmp_path: Path) -> None:
    files = [_written(tmp_path), results_file(tmp_path), ROOT / "baselines" / "release.json"]
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = [e.message for e in _published().iter_errors(data)]
        assert errors == [], path


def test_a_file_reads_back_to_the_same_bytes(tmp_path: Path) -> None:
    path = _written(tmp_path)
    again = write_results(read_results(path), tmp_path / "again.json")
    assert again.read_bytes() == path.read_bytes()


def _break(data: dict[str, Any], how: str) -> None:
    metrics = data["examples"][0]["metrics"]["exact_match"]
    if how == "wrong type":
        metrics["value"] = "1.0"
    elif how == "unknown key":
        metrics["colour"] = "red"
    elif how == "missing":
        del data["aggregates"][0]["method"]
    elif how == "bad verdict":
        data["examples"][0]["verdict"] = "maybe"
    elif how == "negative count":
        data["metadata"]["suites"][SUITE]["n"] = -1


@pytest.mark.parametrize(
    ("how", "where", "what"),
    [
        ("wrong type", "examples[0].metrics.exact_match.value", 'a valid number, got string "1.0"'),
        ("unknown key", "examples[0].metrics.exact_match.colour", "unknown key"),
        ("missing", "aggregates[0].method", "missing"),
        (
            "bad verdict",
            "examples[0].verdict",
            'expected one of pass, fail, flaky, n/a, got string "maybe"',
        ),
        ("negative count", f"metadata.suites.{SUITE}.n", "greater than or equal to 0"),
    ],
)
def test_a_broken_file_is_named_with_its_field_in_one_line(
    tmp_path: Path, how: str, where: str, what: str
) -> None:
    path = _written(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    _break(data, how)
    path.write_text(json.dumps(data), encoding="utf-8")
    # The published schema rejects what the model rejects.
    assert list(_published().iter_errors(data))
    with pytest.raises(HarnessError) as caught:
        read_results(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {where}: ")
    assert what in message and message.endswith(FOREIGN + "re-run the evaluation to produce one)")


def test_the_cli_reports_a_broken_file_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _written(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    _break(data, "unknown key")
    path.write_text(json.dumps(data), encoding="utf-8")
    assert cli_main(["compare", str(path), str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}: examples[0].metrics.exact_match.colour: unknown key" in err
