"""The README's walk-through runs as written: every shell command, in order, on a copy of the repo.

Rules, stated in the README too:

* every ```` ```bash ```` block runs, top to bottom, unless the line before it is
  ``<!-- walkthrough: skip (why) -->`` (training, servers, ``make``);
* the copy's ``base`` variant is the scripted backend, so the suites run in
  seconds; ``prompted`` extends it as in the real ``pyproject.toml``;
* a command fails the test when it exits non-zero, except that ``pytest`` and
  ``harness compare`` may exit 1, their verdict (the scripted model fails gates);
* every path a command names exists once the command has run (inputs before,
  outputs after), and every repository path the prose names exists.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

_BLOCK = re.compile(
    r"(?:<!--\s*walkthrough:\s*skip\s*\((?P<why>[^\n]*?)\)\s*-->\s*\n)?```bash\n(?P<body>.*?)```",
    re.S,
)
_FENCE = re.compile(r"```.*?```", re.S)
_PROSE_PATH = re.compile(
    r"`((?:golden|suites|harness|training|tests|bench|docs|baselines|\.github)/[^`\s]*)`"
)
_LINK_PATH = re.compile(r"\]\(((?:docs|golden|suites|harness|training|tests|bench)/[^)\s]+)\)")
# Only the README's own example line is compared; the fingerprint changes with the data.
_VALIDATE_LINE = re.compile(
    r"`(golden/exact_qa\.jsonl: \d+ examples OK, \d+ warning\(s\)) \(fingerprint"
)
_VERDICT_COMMANDS = ("pytest ", "harness compare ")
SCRIPTED_BASE = """[tool.harness.models.base]
backend = "scripted"
model = "scripted"
default = "I cannot help with that."
"""


@dataclass(frozen=True)
class Command:
    """One shell command of the README, with the block it came from."""

    text: str
    line: int


def readme_commands(text: str) -> tuple[list[Command], list[str]]:
    """The commands to run, in order, and the skip reasons of the blocks left out."""
    commands: list[Command] = []
    skipped: list[str] = []
    for block in _BLOCK.finditer(text):
        if block["why"] is not None:
            skipped.append(block["why"])
            continue
        first = text.count("\n", 0, block.start("body")) + 1
        pending = ""
        for offset, raw in enumerate(block["body"].splitlines()):
            line = raw.strip()
            if not pending and (not line or line.startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            commands.append(Command(pending + line, first + offset))
            pending = ""
    return commands, skipped


def named_paths(command: str) -> list[str]:
    """The repository paths a command names (outputs included), globs as written."""
    tokens = shlex.split(command, comments=True)
    return [
        t for t in tokens if "/" in t and not t.startswith("-") and "=" not in t and "://" not in t
    ]


def prose_paths(text: str) -> set[str]:
    """Repository paths named in backticks or links outside code blocks."""
    prose = _FENCE.sub("", text)
    found = set(_PROSE_PATH.findall(prose)) | set(_LINK_PATH.findall(prose))
    # Placeholders (``reports/<run>/…``) and patterns name no one file.
    return {p.rstrip(".,;:") for p in found if not set(p) & set("<>*{}…")}


def _copy_repo(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _script_the_base_variant(pyproject: Path) -> None:
    text = pyproject.read_text(encoding="utf-8")
    table = re.compile(r"\[tool\.harness\.models\.base\]\n.*?(?=\n\[)", re.S)
    assert table.search(text), "pyproject.toml has no [tool.harness.models.base] table"
    pyproject.write_text(table.sub(SCRIPTED_BASE, text, count=1), encoding="utf-8")


def test_readme_rules_find_commands_and_skips() -> None:
    commands, skipped = readme_commands(README.read_text(encoding="utf-8"))
    texts = [c.text for c in commands]
    assert any(t.startswith("harness data validate") for t in texts)
    assert any("--harness-baseline-variant base" in t for t in texts), "continuations joined"
    assert not any(t.startswith(("make ", "harness train", "harness serve")) for t in texts)
    assert all(why.strip() for why in skipped), "every skip says why"
    sample = "<!-- walkthrough: skip (slow) -->\n```bash\nmake demo\n```\n```bash\nls a/b \\\n  c  # note\n```\n"
    cmds, why = readme_commands(sample)
    assert [c.text for c in cmds] == ["ls a/b  c  # note"] and why == ["slow"]
    assert named_paths(cmds[0].text) == ["a/b"]


# About 50 s of CPU (19 commands, 7 suite runs over every example); more on a busy machine.
@pytest.mark.slow
def test_readme_walkthrough_runs_on_a_copy(tmp_path: Path, embedded_model_dir: Path) -> None:
    text = README.read_text(encoding="utf-8")
    commands, _ = readme_commands(text)
    repo = tmp_path / "repo"
    _copy_repo(repo)
    _script_the_base_variant(repo / "pyproject.toml")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["HF_HUB_OFFLINE"] = "1"
    outputs: dict[str, str] = {}
    for command in commands:
        proc = subprocess.run(
            ["bash", "-c", command.text],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        allowed = {0, 1} if command.text.startswith(_VERDICT_COMMANDS) else {0}
        assert proc.returncode in allowed, (
            f"README.md:{command.line}: `{command.text}` exited {proc.returncode}\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
        outputs[command.text] = proc.stdout
        for path in named_paths(command.text):
            assert glob.glob(path, root_dir=repo), (
                f"README.md:{command.line}: `{command.text}` names {path}, which does not exist"
            )
    missing = sorted(p for p in prose_paths(text) if not (repo / p).exists())
    assert not missing, f"README.md names paths that do not exist: {', '.join(missing)}"
    # The last suite run compared one variant with another's baseline: decided, not errored.
    gates = json.loads((repo / "reports" / "results.json").read_text(encoding="utf-8"))["gates"]
    regression = [g for g in gates if g["kind"] == "regression"]
    assert regression and not [g["message"] for g in regression if g.get("error")]
    quoted = _VALIDATE_LINE.search(text)
    validate = next(out for cmd, out in outputs.items() if cmd.startswith("harness data validate"))
    assert quoted is not None and quoted[1] in validate, "README quotes validate's real line"
