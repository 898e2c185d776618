"""The shipped CI workflow runs: its commands on a copy of the repo, its baseline committed."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from test_readme import _copy_repo, _script_the_base_variant

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "golden.yml"


def _runs() -> list[str]:
    """Every ``run:`` command of the workflow, in order."""
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]


def test_make_steps_name_real_targets() -> None:
    targets = set(re.findall(r"^([\w-]+):", (REPO / "Makefile").read_text(), re.M))
    makes = [shlex.split(run)[1:] for run in _runs() if run.startswith("make ")]
    assert makes and all(set(m) <= targets for m in makes), (makes, targets)


def test_gate_step_runs_against_the_committed_baseline(tmp_path: Path) -> None:
    gates = [run for run in _runs() if not run.startswith("make ")]
    assert len(gates) == 1 and "--harness-baseline baselines/release.json" in gates[0]
    repo = tmp_path / "repo"
    _copy_repo(repo)
    assert (repo / "baselines" / "release.json").is_file(), "committed, so a fresh clone has it"
    # The copy's base variant is scripted, so the suites take seconds; its answers are
    # worse than the release's, so regression gates fail (exit 1) rather than error (2).
    _script_the_base_variant(repo / "pyproject.toml")
    bin_dir = Path(sys.executable).parent
    command = gates[0].replace(".venv/bin/", f"{bin_dir}/")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    cases = ET.parse(repo / "reports" / "junit.xml").getroot().findall(".//testcase")
    names = {case.attrib["name"] for case in cases}
    assert names == {"test_no_regression[base]"}, names
    assert len(cases) == 6, "one regression test per suite"
    for case in cases:
        props = {p.attrib["name"]: p.attrib["value"] for p in case.iter("property")}
        assert any(k.endswith(".p_value") for k in props), (case.attrib, props)
        assert not any(k.endswith(".error") for k in props), props
