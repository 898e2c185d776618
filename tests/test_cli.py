"""The ``harness`` command line as a first-time user meets it: summaries, pipes, messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

GOOD = {
    "messages": [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris"},
    ],
    "expect": {"exact": "Paris"},
}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    good = json.dumps(GOOD)
    bad = json.dumps({**GOOD, "expect": {"refuse": "yes"}})
    return _write(tmp_path / "broken.jsonl", [good, bad])


@pytest.mark.parametrize(
    "argv",
    [
        ["data", "validate"],
        ["data", "stats", "--no-tokens"],
        ["data", "split"],
        ["data", "dedupe", "-o", "OUT"],
    ],
)
def test_every_data_command_ends_errors_with_the_same_summary(
    broken: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("OUT", str(broken.with_name("out.jsonl"))) for a in argv]
    code = main([*args[:2], str(broken), *args[2:]])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0].startswith(f"{broken}:2: expect.refuse: expected true or false")
    assert err[-1] == "1 error(s) in 1 file(s); nothing was loaded"
    assert not broken.with_name("out.jsonl").exists()


def test_json_syntax_error_names_the_column_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "cut.jsonl", ['{"messages": [{"role": "user", "content": "What is'])
    assert main(["data", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Unterminated string starting at column" in err and "at at" not in err


def test_validate_prints_the_readme_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "ok.jsonl", [json.dumps(GOOD)])
    assert main(["data", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: 1 examples OK, 0 warning(s) (fingerprint ")
    assert main(["data", "validate", "--no-warnings", str(path)]) == 0
    assert "warning" not in capsys.readouterr().out


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # One tag per row: about 400 KB of JSON, far beyond a pipe's 64 KiB buffer, so the
    # writer is still writing when the reader goes away (a smaller output can fit the
    # buffer whole and exit 0 before the pipe closes).
    rows = [json.dumps({**GOOD, "id": f"q{i}", "tags": [f"tag-{i}"]}) for i in range(20000)]
    path = _write(tmp_path / "many.jsonl", rows)
    # `harness data stats --json | head -1`, without a shell.
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "data", "stats", "--json", "--no-tokens", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert first.strip() == b"["
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert code == 141


def test_export_of_a_missing_folder_says_it_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "runs" / "demo" / "best"
    code = main(["export", str(missing), "--merge", str(tmp_path / "merged")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{missing} does not exist" in err and "best exists only when" in err
    assert "not a PEFT adapter" not in err
