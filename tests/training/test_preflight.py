"""Before any model loads, ``harness train`` refuses leaked eval examples and cut answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.golden import find_leakage, load_golden
from training.config import load_config, parse_config
from training.preflight import LeakageError, check_leakage

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "golden" / "refusal.jsonl"
TRAIN = REPO / "golden" / "train" / "json_extraction.jsonl"


def _line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[number - 1]


def _chat(i: int, question: str, answer: str) -> str:
    return json.dumps(
        {
            "id": f"mine-{i}",
            "messages": [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ],
        }
    )


def _own_rows() -> list[str]:
    return [
        _chat(i, f"Unrelated training question number {i} about cooking.", "Yes.") for i in range(4)
    ]


@pytest.fixture
def leaky_train(tmp_path: Path) -> Path:
    """Own chats, an eval example copied at line 3, and a lightly edited one at line 5."""
    copied = json.loads(_line(SUITE, 7))
    copied["id"] = "copied"
    edited = json.loads(_line(SUITE, 9))
    edited["id"] = "edited"
    edited["messages"][-2]["content"] += " Please."
    own = _own_rows()
    rows = [own[0], own[1], json.dumps(copied), own[2], json.dumps(edited), own[3]]
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_find_leakage_names_exact_and_near_duplicates(leaky_train: Path) -> None:
    leaks = find_leakage(load_golden(leaky_train).examples, load_golden(SUITE).examples)
    by_kind = {leak.kind: leak for leak in leaks}
    assert set(by_kind) == {"exact", "near"} and len(leaks) == 2
    assert by_kind["exact"].train.source.line == 3 and by_kind["exact"].eval.source.line == 7
    assert by_kind["near"].train.source.line == 5 and by_kind["near"].eval.source.line == 9
    assert 0.8 <= by_kind["near"].similarity < 1.0
    assert str(by_kind["exact"]).startswith(f"{leaky_train}:3: exact duplicate of eval example")
    assert f"{SUITE}:7" in str(by_kind["exact"])


def test_the_shipped_training_set_does_not_leak() -> None:
    evals = [ex for p in sorted((REPO / "golden").glob("*.jsonl")) for ex in load_golden(p)]
    assert find_leakage(load_golden(TRAIN).examples, evals) == []


def test_data_leakage_command_exit_codes(
    leaky_train: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "leakage", str(leaky_train), str(SUITE)]) == 1
    out, err = capsys.readouterr()
    assert f"{leaky_train}:3: exact duplicate" in out and f"{SUITE}:7" in out
    assert f"{leaky_train}:5: near duplicate" in out and f"{SUITE}:9" in out
    assert "1 exact, 1 near duplicate(s)" in err
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(_own_rows()) + "\n", encoding="utf-8")
    assert main(["data", "leakage", str(clean), str(SUITE)]) == 0
    assert "0 exact, 0 near" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": 3}\n', encoding="utf-8")
    assert main(["data", "leakage", str(broken), str(SUITE)]) == 2
    assert capsys.readouterr().err.startswith(f"{broken}:1: messages:")


def test_check_leakage_covers_every_training_file(leaky_train: Path, tmp_path: Path) -> None:
    clean = tmp_path / "mix.jsonl"
    clean.write_text("\n".join(_own_rows()) + "\n", encoding="utf-8")
    assert check_leakage([clean], [SUITE]) == []
    with pytest.raises(LeakageError) as info:
        check_leakage([clean, leaky_train], [SUITE], source="run.yaml")
    message = str(info.value)
    assert message.count("\n") == 0, "one line per exact duplicate"
    assert message.startswith(f"{leaky_train}:3: messages: exact duplicate of eval example")
    assert f"{SUITE}:7" in message and "run.yaml must not train on eval examples" in message
    assert info.value.exit_code == 2


def _no_model(*_: Any, **__: Any) -> Any:
    raise AssertionError("a model was loaded")


def _write_config(tmp_path: Path, train_file: Path, extra: str = "") -> Path:
    config = tmp_path / "run.yaml"
    config.write_text(
        f"run_name: leak\ntrain_file: {train_file}\noutput_dir: {tmp_path / 'out'}\n"
        f"max_steps: 1\n{extra}",
        encoding="utf-8",
    )
    return config


def test_harness_train_refuses_a_copied_eval_example_before_any_model_loads(
    leaky_train: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import training.sft

    monkeypatch.chdir(REPO)  # the project whose suites are checked
    monkeypatch.setattr("harness.models.resolve_model", _no_model)
    monkeypatch.setattr(training.sft, "load_base_model", _no_model)
    assert main(["train", str(_write_config(tmp_path, leaky_train))]) == 2
    err = capsys.readouterr().err
    assert f"{leaky_train}:3: messages: exact duplicate of eval example" in err
    assert f"{SUITE}:7" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.model
def test_harness_train_refuses_cut_answers_with_the_tokenizer_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import training.sft

    long_answer = json.dumps({"items": [f"item number {i}" for i in range(40)]})
    rows = [*_own_rows(), _chat(9, "List the items of my order.", long_answer)]
    train_file = tmp_path / "train.jsonl"
    train_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(training.sft, "load_base_model", _no_model)
    config = _write_config(tmp_path, train_file, "max_length: 96\n")
    assert main(["train", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{train_file}:5: messages: the assistant answer would be cut:" in err
    assert "> max_length 96" in err and "or set truncation: allow" in err
    assert f"{train_file}:1:" not in err, "short examples fit"
    # With truncation: allow the run goes on to load the model (stopped here by the stub).
    allowed = _write_config(tmp_path, train_file, "max_length: 96\ntruncation: allow\n")
    with pytest.raises(AssertionError, match="a model was loaded"):
        main(["train", str(allowed)])


def test_truncation_key_is_validated(tmp_path: Path) -> None:
    data = {"run_name": "x", "train_file": str(TRAIN), "truncation": "sometimes"}
    with pytest.raises(Exception, match=r"^t\.yaml: truncation: expected refuse or allow"):
        parse_config(data, source="t.yaml", base_dir=REPO)
    assert parse_config({**data, "truncation": "allow"}, source="t.yaml").truncation == "allow"
    assert parse_config({"run_name": "x", "train_file": str(TRAIN)}).truncation == "refuse"


@pytest.mark.model
def test_data_stats_reports_lengths_against_max_length(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["data", "stats", str(TRAIN), "--max-length", "256", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)[0]["max_length"]
    assert report["max_length"] == 256 and report["examples"] == 432
    assert 0 < report["cut"] == len(report["cut_examples"]) < 432
    assert all(item["tokens"] > 256 for item in report["cut_examples"])
    demo = load_config(REPO / "golden" / "train" / "demo.yaml")
    assert demo.train_file == TRAIN and report["longest"] <= demo.max_length, "the demo fits"
    assert main(["data", "stats", str(TRAIN), "--max-length", str(report["longest"])]) == 0
    assert f"max_length {report['longest']}: 0 of 432 answers would be cut" in (
        capsys.readouterr().out
    )


def test_data_stats_max_length_needs_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "stats", str(TRAIN), "--max-length", "256", "--no-tokens"]) == 2
    assert "--max-length counts tokens" in capsys.readouterr().err
