"""vLLM parallelism on this machine: does a parallel engine run, and agree with one engine?

Each setting (``tp=N`` tensor parallel, ``pp=N`` pipeline parallel) runs in
its own process (a fresh engine, its own CPU binding) through the harness
``vllm`` backend, after a single engine (``tp=1``): the first ``--n`` examples
of the golden ``general`` suite as the ``base`` variant sends them, greedy,
``--max-tokens`` new tokens. The parent compares the answers text by text.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/vllm_parallel.py [--n 8] [--settings tp=3,pp=2]

The embedded model has 9 attention heads and 3 key/value heads, so tensor
parallelism needs a size that divides both (3); vLLM refuses 2 at start.

Prints each setting's engine start and generation time and how many answers
are identical to the single-engine ones.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_one(setting: str, n: int, max_tokens: int, out: Path) -> None:
    """Start one engine as ``setting`` says, answer ``n`` examples, write the answers to ``out``."""
    from harness._types import SamplingParams
    from harness.backends.vllm import VLLMBackend
    from harness.config import Variant
    from harness.golden import load_golden
    from harness.models import resolve_model

    path, fingerprint = resolve_model("embedded")
    golden = load_golden(REPO / "golden" / "general.jsonl")
    variant = Variant("base", backend="vllm")
    sampling = SamplingParams(max_new_tokens=max_tokens)
    requests = [variant.request(e, sampling) for e in golden.examples[:n]]
    log = out.with_suffix(".log")
    kind, _, size = setting.partition("=")
    key = {"tp": "tensor_parallel_size", "pp": "pipeline_parallel_size"}[kind]
    options = {key: int(size)}
    backend = VLLMBackend(path, fingerprint=fingerprint, log_path=log, **options)
    start = time.perf_counter()
    _ = backend.llm
    started = time.perf_counter() - start
    start = time.perf_counter()
    completions = backend.generate(requests)
    generated = time.perf_counter() - start
    tokens = sum(c.completion_tokens or 0 for c in completions)
    result = {
        "setting": setting,
        "fingerprint": backend.fingerprint,
        "start_s": round(started, 1),
        "generate_s": round(generated, 2),
        "tokens": tokens,
        "answers": {c.request_id: c.text for c in completions},
    }
    backend.close()
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


def main() -> int:
    """Run tp=1 and tp=N in turn, each in a child process, and compare their answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--settings", default="tp=3,pp=2")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/vllm_parallel"))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child is not None:
        run_one(args.child, args.n, args.max_tokens, args.out / f"{args.child}.json")
        return 0
    results = {}
    settings = ["tp=1", *args.settings.split(",")]
    for tp in settings:
        cmd = [sys.executable, __file__, "--child", tp, "--n", str(args.n)]
        cmd += ["--max-tokens", str(args.max_tokens), "--out", str(args.out)]
        wall = time.perf_counter()
        try:
            proc = subprocess.run(cmd, timeout=args.timeout, env=os.environ.copy(), check=False)
            code: int | str = proc.returncode
        except subprocess.TimeoutExpired:
            code = f"timed out after {args.timeout:g} s"
        wall = time.perf_counter() - wall
        file = args.out / f"{tp}.json"
        if code != 0 or not file.is_file():
            print(f"{tp}: failed ({code}) after {wall:.0f} s; log: {file.with_suffix('.log')}")
            continue
        results[tp] = json.loads(file.read_text(encoding="utf-8"))
        r = results[tp]
        print(
            f"{tp}: engine start {r['start_s']} s, {args.n} answers in {r['generate_s']} s "
            f"({r['tokens'] / r['generate_s']:.1f} tok/s), fingerprint {r['fingerprint']}"
        )
    for tp in settings[1:]:
        if "tp=1" not in results or tp not in results:
            continue
        one, many = results["tp=1"]["answers"], results[tp]["answers"]
        same = [k for k in one if one[k] == many.get(k)]
        print(f"identical greedy answers tp=1 vs {tp}: {len(same)}/{len(one)}")
        for k in one:
            if one[k] != many.get(k):
                print(f"  {k}: tp=1 {one[k][:60]!r} | {tp} {many.get(k, '')[:60]!r}")
    return 0 if len(results) == len(settings) else 1


if __name__ == "__main__":
    sys.exit(main())
