"""vLLM parallelism on this machine: does a parallel engine run, and agree with one engine?

Each setting runs in its own process (a fresh engine, its own CPU binding)
after a single engine (``tp=1``, the harness ``vllm`` backend) and answers the
same requests: ``tp=N`` (tensor parallel) and ``pp=N`` (pipeline parallel)
through the ``vllm`` backend; ``dp=N`` through a ``harness.serve.VLLMServer``
with ``data_parallel_size = N`` (vLLM's offline engine cannot run data
parallelism) and the ``openai`` backend, 8 requests in flight. The requests
are the demo's: the first ``--n`` examples of each ``--suites`` entry
(``suite:split``; by default the ``json_extraction`` and ``general`` dev
splits that the demo's checkpoint gate reads), as the ``base`` variant of
pyproject.toml sends them, greedy, with each suite's own ``TOKENS`` new tokens
(``--max-tokens`` caps them). Requests go out without their JSON schema, so
the server path decodes unconstrained like the ``vllm`` backend's ``base``.
The parent compares the answers text by text, each setting against ``tp=1``.

    HF_HUB_OFFLINE=1 flock /tmp/model.lock .venv/bin/python bench/vllm_parallel.py \\
        [--n 8] [--suites json_extraction:dev,general:dev] [--settings tp=3,dp=2] [--dtype float32]

The embedded model has 9 attention heads and 3 key/value heads, so tensor
parallelism needs a size that divides both (3); vLLM refuses 2 at start.

Prints each setting's engine start and generation time, how many answers are
identical to the single-engine ones, and where each differing answer parts.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
KEYS = {"tp": "tensor_parallel_size", "pp": "pipeline_parallel_size", "dp": "data_parallel_size"}


def demo_requests(suites: str, n: int, max_tokens: int | None) -> list[Any]:
    """The ``base`` variant's requests for the first ``n`` examples of each ``suite:split``."""
    from harness._types import SamplingParams
    from harness.config import load_config
    from harness.golden import load_golden, select_split

    config = load_config(REPO / "pyproject.toml")
    variant = config.variant("base")
    requests = []
    for entry in suites.split(","):
        suite, _, split = entry.partition(":")
        golden = load_golden(config.suite_path(suite))
        examples = select_split(golden.examples, split or "all", dev_fraction=config.dev_fraction)
        # The suite's own answer length (suites/test_<suite>.py: TOKENS), as its gates ask.
        tokens = int(runpy.run_path(str(REPO / "suites" / f"test_{suite}.py"))["TOKENS"])
        sampling = SamplingParams(max_new_tokens=min(tokens, max_tokens or tokens))
        for example in examples[:n]:
            request = variant.request(example, sampling)
            requests.append(dataclasses.replace(request, json_schema=None))
    return requests


def run_one(setting: str, args: argparse.Namespace, out: Path) -> None:
    """Start one engine (or server) as ``setting`` says, answer the requests, write them to ``out``."""
    from harness.backends.openai import OpenAIBackend
    from harness.backends.vllm import VLLMBackend
    from harness.models import resolve_model
    from harness.serve import VLLMServer

    path, fingerprint = resolve_model("embedded")
    requests = demo_requests(args.suites, args.n, args.max_tokens)
    log = out.with_suffix(".log")
    kind, _, size = setting.partition("=")
    options: dict[str, Any] = {KEYS[kind]: int(size)}
    start = time.perf_counter()
    if kind == "dp":
        server = VLLMServer(
            path,
            served_model_name="embedded",
            dtype=args.dtype,
            engine_options=options,
            startup_timeout_s=args.timeout,
            log_path=log,
        )
        with server:
            started = time.perf_counter() - start
            with OpenAIBackend(server.base_url, "embedded", timeout_s=args.timeout) as client:
                start = time.perf_counter()
                completions = client.generate(requests)
                generated = time.perf_counter() - start
        name = f"openai:embedded ({args.dtype}, dp={size})"
    else:
        backend = VLLMBackend(
            path, fingerprint=fingerprint, dtype=args.dtype, log_path=log, **options
        )
        _ = backend.llm
        started = time.perf_counter() - start
        start = time.perf_counter()
        completions = backend.generate(requests)
        generated = time.perf_counter() - start
        name = backend.fingerprint
        backend.close()
    result = {
        "setting": setting,
        "fingerprint": name,
        "start_s": round(started, 1),
        "generate_s": round(generated, 2),
        "tokens": sum(c.completion_tokens or 0 for c in completions),
        "answers": {c.request_id: c.text for c in completions},
    }
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


def parting(a: str, b: str) -> str:
    """Where two answers part: the shared head's length and a few characters of each after it."""
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return (
        f"same for {k} chars, then {a[max(0, k - 20) : k + 30]!r} | {b[max(0, k - 20) : k + 30]!r}"
    )


def main() -> int:
    """Run tp=1 and each setting in turn, each in a child process, and compare their answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="examples per suite")
    parser.add_argument("--suites", default="json_extraction:dev,general:dev")
    parser.add_argument("--settings", default="tp=3,dp=2")
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    parser.add_argument("--max-tokens", type=int, default=None, help="cap on each suite's TOKENS")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/vllm_parallel"))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out / args.dtype
    out.mkdir(parents=True, exist_ok=True)
    if args.child is not None:
        run_one(args.child, args, out / f"{args.child}.json")
        return 0
    settings = ["tp=1", *(s for s in args.settings.split(",") if s != "tp=1")]
    for setting in settings:
        kind, _, size = setting.partition("=")
        if kind not in KEYS or not size.isdigit() or int(size) < 1:
            print(f"--settings: {setting!r} is not tp=N, pp=N or dp=N (e.g. --settings tp=3,dp=2)")
            return 2
    results = {}
    for setting in settings:
        cmd = [sys.executable, __file__, "--child", setting, "--n", str(args.n)]
        cmd += ["--suites", args.suites, "--dtype", args.dtype, "--out", str(args.out)]
        cmd += ["--timeout", str(args.timeout)]
        if args.max_tokens is not None:
            cmd += ["--max-tokens", str(args.max_tokens)]
        wall = time.perf_counter()
        try:
            proc = subprocess.run(cmd, timeout=2 * args.timeout, env=os.environ.copy(), check=False)
            code: int | str = proc.returncode
        except subprocess.TimeoutExpired:
            code = f"timed out after {2 * args.timeout:g} s"
        wall = time.perf_counter() - wall
        file = out / f"{setting}.json"
        if code != 0 or not file.is_file():
            print(f"{setting}: failed ({code}) after {wall:.0f} s; log: {file.with_suffix('.log')}")
            continue
        results[setting] = r = json.loads(file.read_text(encoding="utf-8"))
        print(
            f"{setting}: start {r['start_s']} s, {len(r['answers'])} answers in "
            f"{r['generate_s']} s ({r['tokens'] / r['generate_s']:.1f} tok/s), {r['fingerprint']}",
            flush=True,
        )
    for setting in settings[1:]:
        if "tp=1" not in results or setting not in results:
            continue
        one, many = results["tp=1"]["answers"], results[setting]["answers"]
        same = [k for k in one if one[k] == many.get(k)]
        print(f"identical greedy answers tp=1 vs {setting} ({args.dtype}): {len(same)}/{len(one)}")
        for k in one:
            if one[k] != many.get(k):
                print(f"  {k}: {parting(one[k], many.get(k, ''))}")
    return 0 if len(results) == len(settings) else 1


if __name__ == "__main__":
    sys.exit(main())
