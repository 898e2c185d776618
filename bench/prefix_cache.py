"""vLLM's automatic prefix caching on the ``prompted`` variant: the same requests with it off and on.

The requests are what ``prompted`` sends (system prompt + the ~950-token
few-shot block + the example) for the first ``--n`` examples of the demo's
two suites, ``json_extraction`` (208 new tokens) and ``refusal`` (96), greedy,
through the harness's ``VLLMBackend`` (bfloat16, eager). Two engines run side by
side in this process, one with ``enable_prefix_caching=False`` and one with
``True``; passes alternate between them and each engine's prefix cache is
emptied before each of its passes, so every pass is one cold suite pass, as
in a fresh ``pytest suites/`` run. Prints each pass's wall time, the median of
each side, the ratio, and whether the two sides' answers agree.

``--hf`` measures instead whether reusing the shared prefix's key/value cache
could pay in the ``hf`` backend (float32, its default): one batch of
``--hf-batch`` prompted extraction requests, timed whole and as prefill alone
(``max_new_tokens=1``); the prefill share bounds what any prefix reuse can save.

    .venv/bin/python bench/prefix_cache.py [--n 30] [--rounds 2]
    .venv/bin/python bench/prefix_cache.py --hf [--hf-batch 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from pathlib import Path
from typing import Any

# The demo's stage-2 suites, each with its suite file's token budget.
SUITES = (("json_extraction", 208), ("refusal", 96))


def prompted_requests(n: int) -> list[Any]:
    """The ``prompted`` variant's requests for the first ``n`` examples of each suite."""
    from harness.config import load_config
    from harness.golden import load_golden

    config = load_config(Path(__file__).resolve().parent.parent / "pyproject.toml")
    variant = config.variant("prompted")
    requests = []
    for suite, tokens in SUITES:
        golden = load_golden(config.suite_path(suite))
        sampling = dataclasses.replace(variant.sampling, max_new_tokens=tokens)
        requests += [variant.request(e, sampling) for e in golden.examples[:n]]
    return requests


def cache_counters(backend: Any) -> tuple[float, float]:
    """vLLM's running totals of prompt tokens looked up in, and found in, the prefix cache."""
    totals = {"vllm:prefix_cache_queries": 0.0, "vllm:prefix_cache_hits": 0.0}
    for metric in backend.llm.get_metrics():
        if metric.name in totals:
            totals[metric.name] += float(getattr(metric, "value", 0.0))
    return totals["vllm:prefix_cache_queries"], totals["vllm:prefix_cache_hits"]


def vllm_side_by_side(n: int, rounds: int) -> None:
    """Alternate passes on an engine without and one with prefix caching."""
    from harness.backends.vllm import VLLMBackend
    from harness.models import resolve_model

    requests = prompted_requests(n)
    path, fp = resolve_model("embedded")
    print(f"{len(requests)} prompted requests ({n} per suite), greedy; load {os.getloadavg()}")
    # Engine statistics on for both sides (the hit counters need them), so both pay for them.
    stats = {"disable_log_stats": False}
    sides = {
        "off": VLLMBackend(path, fingerprint=fp, enable_prefix_caching=False, engine_kwargs=stats),
        "on": VLLMBackend(path, fingerprint=fp, enable_prefix_caching=True, engine_kwargs=stats),
    }
    try:
        for name, backend in sides.items():
            start = time.perf_counter()
            _ = backend.llm
            print(f"engine {name}: started in {time.perf_counter() - start:.1f} s")
        times: dict[str, list[float]] = {name: [] for name in sides}
        texts: dict[str, list[str]] = {}
        for r in range(rounds):
            # Alternating sides: background load shifts hit both.
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for name in order:
                backend = sides[name]
                backend.llm.reset_prefix_cache()
                queried, hit = cache_counters(backend)
                start = time.perf_counter()
                out = backend.generate(requests)
                seconds = time.perf_counter() - start
                queried2, hit2 = cache_counters(backend)
                times[name].append(seconds)
                texts.setdefault(name, [c.text for c in out])
                tokens = sum(c.completion_tokens for c in out)
                prompt = sum(c.prompt_tokens for c in out)
                hits = f"{hit2 - hit:.0f} of {queried2 - queried:.0f} looked up"
                print(
                    f"round {r + 1} prefix caching {name:>3}: {seconds:7.1f} s, {tokens} new tokens; "
                    f"{prompt} prompt tokens, from the cache {hits}; load {os.getloadavg()[0]:.1f}"
                )
        off, on = statistics.median(times["off"]), statistics.median(times["on"])
        same = sum(a == b for a, b in zip(texts["off"], texts["on"], strict=True))
        print(f"median off {off:.1f} s, on {on:.1f} s, off/on {off / on:.2f}x")
        print(f"identical answers off vs on: {same}/{len(requests)}")
        differing = [(a, b) for a, b in zip(texts["off"], texts["on"], strict=True) if a != b]
        for a, b in differing[:2]:
            # Where greedy paths part shows whether it is a near-tie or broken output.
            common = next(
                (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)),
            )
            print(f"first difference at char {common}:\n  off: {a[:240]!r}\n  on:  {b[:240]!r}")
    finally:
        for backend in sides.values():
            backend.close()


def hf_prefill_share(batch: int) -> None:
    """Whole generation vs prefill alone for one batch of prompted extraction requests."""
    from harness.backends.hf import HFBackend
    from harness.models import resolve_model

    requests = prompted_requests(batch)[:batch]
    path, fp = resolve_model("embedded")
    backend = HFBackend(path, fingerprint=fp, batch_size=batch)
    one = [
        dataclasses.replace(r, sampling=dataclasses.replace(r.sampling, max_new_tokens=1))
        for r in requests
    ]
    backend.generate(one[:1])  # load the model and warm up outside the timings
    start = time.perf_counter()
    backend.generate(one)
    prefill = time.perf_counter() - start
    print(f"prefill alone ({batch} rows, 1 new token): {prefill:.1f} s", flush=True)
    start = time.perf_counter()
    out = backend.generate(requests)
    whole = time.perf_counter() - start
    prompt = statistics.mean(c.prompt_tokens for c in out)
    new = sum(c.completion_tokens for c in out)
    print(
        f"hf float32, {batch} prompted extraction requests in one batch, mean prompt {prompt:.0f} tokens"
    )
    print(f"prefill alone {prefill:.1f} s; whole generation {whole:.1f} s ({new} new tokens)")
    print(f"prefill share {prefill / whole:.1%} (the most a shared-prefix cache could save)")


def main() -> None:
    """Run the side-by-side vLLM measurement, or the hf prefill share with --hf."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="examples per suite")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hf", action="store_true", help="measure the hf prefill share instead")
    parser.add_argument("--hf-batch", type=int, default=10)
    args = parser.parse_args()
    if args.hf:
        hf_prefill_share(args.hf_batch)
    else:
        vllm_side_by_side(args.n, args.rounds)


if __name__ == "__main__":
    main()
