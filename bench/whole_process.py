"""Whole process: a pytest suite run of the harness vs a raw ``model.generate`` script.

The harness side is what a user types::

    pytest test_exact_qa.py -k test_answer_match --harness-models bench --harness-no-cache --harness-split all

run in a temporary directory whose ``pyproject.toml`` defines one explicit
``hf`` variant ``bench`` (the embedded model, float32, batches of 32, the
project's token budget), with ``golden_dir`` pointing at this repository's
``golden/``; the test file is ``suites/test_exact_qa.py`` copied there. The raw
side is ``bench/_raw_generate.py``: the same 136 prompts, model, dtype, greedy
decoding, batches (sorted by token length, 32 a batch) and 24 new tokens.
Both are fresh processes timed from spawn to exit.

Runs are paired and interleaved (the order alternates from pair to pair), so
background load hits both sides alike; the ratio is taken per pair and the
median of the pairs is reported (goal <= 1.03), in wall time and in CPU time
(user + system of the process and its children: steadier than wall time when
other jobs share the cores). An untimed warm-up run comes first. The harness's
modules are compiled to bytecode once, as on a user's machine
(``PYTHONDONTWRITEBYTECODE`` is unset unless ``--keep-env-bytecode``);
the pytest plugins that only the project's dev extra installs (hypothesis,
xdist) are turned off, as in a user's install (``--dev-plugins`` keeps them).

After the pairs, unless ``--no-breakdown``: one harness run with
``bench/_phase_timer.py`` loaded (wall and CPU time per phase, and inside the
harness's own functions) and one ``python -X importtime`` collection-only run
(import cost by top-level package), to show where the extra time goes.

``--in-process ROUNDS`` runs instead both generation loops in this one process on
one loaded model: the harness's ``hf`` backend ``generate`` against the raw
script's loop (``bench/_raw_generate.answer``, same batches), alternated, so the
generation itself is compared without two processes' start-up and noise.

    .venv/bin/python bench/whole_process.py --pairs 3
    .venv/bin/python bench/whole_process.py --in-process 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
SUITE = "exact_qa"
TEST = "test_answer_match"
MAX_NEW_TOKENS = 24  # suites/test_exact_qa.py's TOKENS
BATCH = 32  # [tool.harness.models.base] batch_size
BATCH_TOKENS = 12288  # [tool.harness.models.base] batch_tokens
# hypothesis's plugin imports all of hypothesis in its terminal summary, in every run.
DEV_PLUGINS_OFF = ["-p", "no:hypothesispytest", "-p", "no:xdist", "-p", "no:xdist.looponfail"]
EXTRA: list[str] = []  # more harness-side pytest arguments (DEV_PLUGINS_OFF unless --dev-plugins)

PYPROJECT = """\
[tool.harness]
default_models = ["bench"]
golden_dir = "{golden}"
report_dir = "reports"
cache_dir = ".harness-cache"

[tool.harness.models.bench]
backend = "hf"
model = "embedded"
dtype = "float32"
batch_size = {batch}
batch_tokens = {batch_tokens}
"""


def _env(bytecode: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HARNESS_"))}
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    if bytecode:
        # Installed libraries ship compiled bytecode; the harness's own modules (an
        # editable install) get theirs on first import, unless this is set, when every
        # run compiles them again, which a user's machine does not.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _setup(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / "pyproject.toml").write_text(
        PYPROJECT.format(golden=REPO / "golden", batch=BATCH, batch_tokens=BATCH_TOKENS),
        encoding="utf-8",
    )
    shutil.copy(REPO / "suites" / f"test_{SUITE}.py", work / f"test_{SUITE}.py")


def _pytest() -> list[str]:
    script = Path(sys.executable).parent / "pytest"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pytest"]


def harness_args(extra: list[str] | None = None) -> list[str]:
    """pytest's arguments on the harness side, run in the work directory."""
    return [
        f"test_{SUITE}.py",
        "-k",
        TEST,
        "--harness-models",
        "bench",
        "--harness-no-cache",
        "--harness-split",
        "all",
        *EXTRA,
        *(extra or []),
    ]


def harness_cmd(extra: list[str] | None = None) -> list[str]:
    """The harness command line, run in the work directory."""
    return [*_pytest(), *harness_args(extra)]


def raw_cmd(model_dir: Path, out: Path) -> list[str]:
    """The raw script's command line."""
    return [
        sys.executable,
        str(BENCH / "_raw_generate.py"),
        str(model_dir),
        str(REPO / "golden" / f"{SUITE}.jsonl"),
        str(out),
        "--batch",
        str(BATCH),
        "--max-new-tokens",
        str(MAX_NEW_TOKENS),
    ]


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...]
) -> tuple[float, float]:
    """Run one side to completion: (wall seconds, CPU seconds of the process and its children)."""
    cpu0 = _cpu_children()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(
            f"{' '.join(cmd)}: exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return wall, _cpu_children() - cpu0


def _same_answers(work: Path, raw_out: Path) -> tuple[int, int]:
    results = json.loads((work / "reports" / "results.json").read_text(encoding="utf-8"))
    raw = json.loads(raw_out.read_text(encoding="utf-8"))
    mine = {e["example_id"]: e["output"] for e in results["examples"] if e["suite"] == SUITE}
    same = sum(mine.get(k) == v for k, v in raw.items())
    return same, len(raw)


def _import_breakdown(work: Path, env: dict[str, str]) -> list[tuple[str, float]]:
    """Cumulative import time (s) per top-level package of a collection-only harness run."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pytest", *harness_args(["--co", "-q"])],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    per: dict[str, float] = defaultdict(float)
    line = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)")
    for text in proc.stderr.splitlines():
        m = line.match(text)
        if m and m.group(2) == " ":  # top level: imported by no other module
            per[m.group(3).split(".")[0]] += int(m.group(1)) / 1e6
    return sorted(per.items(), key=lambda kv: -kv[1])


def in_process(rounds: int) -> None:
    """Both generation loops in this process on one loaded model, alternated; print the ratio."""
    import _raw_generate

    from harness._types import GenerationRequest, SamplingParams
    from harness.backends.hf import HFBackend
    from harness.golden import load_golden
    from harness.models import resolve_model

    path, fingerprint = resolve_model("embedded")
    backend = HFBackend(path, fingerprint=fingerprint, batch_size=BATCH, batch_tokens=BATCH_TOKENS)
    backend.load()
    model, tok = backend.model, backend.tokenizer
    golden_path = REPO / "golden" / f"{SUITE}.jsonl"
    requests = [
        GenerationRequest(
            id=ex.id, messages=ex.messages, sampling=SamplingParams(max_new_tokens=MAX_NEW_TOKENS)
        )
        for ex in load_golden(golden_path).examples
    ]
    rows = [json.loads(line) for line in golden_path.read_text("utf-8").splitlines() if line]

    def raw() -> dict[str, str]:
        return _raw_generate.answer(model, tok, rows, BATCH, MAX_NEW_TOKENS)

    def harness() -> dict[str, str]:
        completions = backend.generate(requests)
        return {r.id: c.text for r, c in zip(requests, completions, strict=True)}

    sides = {"raw": raw, "harness": harness}
    times: dict[str, list[float]] = {name: [] for name in sides}
    ratios = []
    for i in range(rounds):
        order = ["raw", "harness"] if i % 2 == 0 else ["harness", "raw"]
        answers: dict[str, dict[str, str]] = {}
        for name in order:
            start = time.perf_counter()
            answers[name] = sides[name]()
            times[name].append(time.perf_counter() - start)
        ratios.append(times["harness"][-1] / times["raw"][-1])
        same = sum(answers["harness"].get(k) == v for k, v in answers["raw"].items())
        print(
            f"round {i + 1} ({order[0]} first): harness {times['harness'][-1]:6.2f} s  "
            f"raw {times['raw'][-1]:6.2f} s  ratio {ratios[-1]:.3f} | same answers "
            f"{same}/{len(rows)}",
            flush=True,
        )
    print(f"median ratio harness/raw, generation in one process: {statistics.median(ratios):.3f}")


def main() -> None:
    """Run the pairs, print the ratios and the breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument("--work", type=Path, default=None, help="keep the run files here")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="OMP_NUM_THREADS for both sides (default: torch's own choice); 1 is steadier "
        "when other jobs share the cores",
    )
    parser.add_argument(
        "--keep-env-bytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE from the environment (default: unset it, so the "
        "harness's modules are compiled once, as on a user's machine)",
    )
    parser.add_argument(
        "--dev-plugins",
        action="store_true",
        help="keep the pytest plugins only the project's dev extra installs (hypothesis, "
        "xdist); by default they are off, as in a user's install",
    )
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="ROUNDS",
        default=None,
        help="compare only the two generation loops, in this process, over ROUNDS rounds",
    )
    args = parser.parse_args()
    if args.in_process is not None:
        sys.path.insert(0, str(REPO))
        in_process(args.in_process)
        return
    if not args.dev_plugins:
        EXTRA.extend(DEV_PLUGINS_OFF)

    sys.path.insert(0, str(REPO))
    from harness.models import resolve_model

    model_dir, _ = resolve_model("embedded")
    work = args.work or Path(tempfile.mkdtemp(prefix="whole-process-"))
    _setup(work)
    env = _env(bytecode=not args.keep_env_bytecode)
    if args.threads is not None:
        env["OMP_NUM_THREADS"] = str(args.threads)
    raw_out = work / "raw_answers.json"
    print(f"harness: (cd {work} && {' '.join(harness_cmd())})")
    print(f"raw:     {' '.join(raw_cmd(model_dir, raw_out))}")
    print(f"PYTHONDONTWRITEBYTECODE: {env.get('PYTHONDONTWRITEBYTECODE', '(unset)')}")
    print(f"OMP_NUM_THREADS: {env.get('OMP_NUM_THREADS', '(unset: torch decides)')}")
    print(f"dev-extra pytest plugins: {'on' if args.dev_plugins else 'off, as in a user install'}")
    # Warm-up, untimed: compiles the harness's bytecode and the scorecard template (when
    # allowed) and reads the files both sides need into the page cache.
    _run(harness_cmd(["--harness-limit", "2", "-q"]), work, env, ok=(0, 1))
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for pair in range(args.pairs):
        sides = {
            # The gate fails for the embedded model (exit 1): that is the expected verdict.
            "harness": lambda: _run(harness_cmd(), work, env, ok=(0, 1)),
            "raw": lambda: _run(raw_cmd(model_dir, raw_out), work, env, ok=(0,)),
        }
        order = ["raw", "harness"] if pair % 2 == 0 else ["harness", "raw"]
        timed = {name: sides[name]() for name in order}
        wall = {name: w for name, (w, _) in timed.items()}
        cpu = {name: c for name, (_, c) in timed.items()}
        ratios.append(wall["harness"] / wall["raw"])
        cpu_ratios.append(cpu["harness"] / cpu["raw"])
        same, n = _same_answers(work, raw_out)
        print(
            f"pair {pair + 1} ({order[0]} first): wall harness {wall['harness']:6.2f} s  "
            f"raw {wall['raw']:6.2f} s  ratio {ratios[-1]:.3f} | CPU harness "
            f"{cpu['harness']:6.2f} s  raw {cpu['raw']:6.2f} s  ratio {cpu_ratios[-1]:.3f} | "
            f"same answers {same}/{n}"
        )
    print(f"median ratio harness/raw, wall: {statistics.median(ratios):.3f}  (goal <= 1.03)")
    print(f"median ratio harness/raw, CPU:  {statistics.median(cpu_ratios):.3f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.no_breakdown:
        return

    phases_out = work / "phases.json"
    timer_env = dict(env, PYTHONPATH=str(BENCH), BENCH_PHASES=str(phases_out))
    timer_env["BENCH_T0"] = repr(time.time())
    timer_wall, _ = _run(harness_cmd(["-p", "_phase_timer"]), work, timer_env, ok=(0, 1))
    phases = json.loads(phases_out.read_text(encoding="utf-8"))
    if not phases["inside"]:
        sys.exit(f"the phase-timer run evaluated nothing: run it by hand in {work} to see why")
    print(f"\nbreakdown of one harness run with the phase timer ({timer_wall:.2f} s wall):")
    print("     wall       CPU")
    for label, sec in phases["sequence"].items():
        print(f"  {sec:7.3f} s {phases['sequence_cpu'][label]:7.3f} s  {label}")
    print(f"  {timer_wall - phases['at_exit']:7.3f} s            interpreter shutdown after atexit")
    print("time inside the harness's functions (within the phases above):")
    for label, sec in phases["inside"].items():
        print(f"  {sec:7.3f} s {phases['inside_cpu'][label]:7.3f} s  {label}")
    print("\nimport time by top-level package (pytest --co under -X importtime, inflated by it):")
    for name, sec in _import_breakdown(work, env)[:15]:
        print(f"  {sec:7.3f} s  {name}")


if __name__ == "__main__":
    main()
