"""Hash-based splits: deterministic, proportional, stable under additions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cli import main
from harness.golden import SplitRatios, assign_split


def split_ids(example_ids: list[str], seed: str = "") -> dict[str, str]:
    return {i: assign_split(i, seed=seed) for i in example_ids}


ids = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=60, unique=True)


@settings(max_examples=200, deadline=None)
@given(existing=ids, added=ids, seed=st.text(max_size=5))
def test_adding_examples_never_moves_an_existing_one(
    existing: list[str], added: list[str], seed: str
) -> None:
    before = split_ids(existing, seed=seed)
    after = split_ids(existing + [a for a in added if a not in before], seed=seed)
    assert all(after[i] == before[i] for i in existing)


def test_default_ratios_are_roughly_80_10_10() -> None:
    splits = split_ids([f"ex-{i}" for i in range(10_000)])
    counts = {name: sum(v == name for v in splits.values()) for name in ("train", "val", "test")}
    assert 7800 <= counts["train"] <= 8200
    assert 900 <= counts["val"] <= 1100 and 900 <= counts["test"] <= 1100


def test_seed_changes_the_assignment() -> None:
    a = split_ids([f"ex-{i}" for i in range(200)], seed="a")
    b = split_ids([f"ex-{i}" for i in range(200)], seed="b")
    assert a != b


def test_ratios_parse() -> None:
    assert SplitRatios.parse("80,10,10") == SplitRatios(0.8, 0.1, 0.1)
    assert assign_split("x", SplitRatios.parse("0,0,1")) == "test"
    with pytest.raises(Exception, match="three"):
        SplitRatios.parse("80,20")


def _file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "suite.jsonl"
    rows = [
        {
            "id": f"e{i}",
            "messages": [
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": f"a{i}"},
            ],
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_split_command_writes_files_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, 50)
    out = tmp_path / "out"
    assert main(["data", "split", str(path), "--out-dir", str(out)]) == 0
    parts = {
        n: (out / f"suite.{n}.jsonl").read_text().splitlines() for n in ("train", "val", "test")
    }
    assert sum(len(v) for v in parts.values()) == 50
    first = {n: set(v) for n, v in parts.items()}
    assert main(["data", "split", str(path), "--out-dir", str(out)]) == 2
    assert "already exists (pass --force to overwrite)" in capsys.readouterr().err
    path = _file(tmp_path, 80)
    assert main(["data", "split", str(path), "--out-dir", str(out), "--force"]) == 0
    for name in parts:
        assert first[name] <= set((out / f"suite.{name}.jsonl").read_text().splitlines())
