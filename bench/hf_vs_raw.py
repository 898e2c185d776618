"""Harness ``hf`` backend vs raw ``model.generate`` on the same 64 requests, side by side.

Both sides use the same loaded model, greedy decoding, 64 new tokens and
batches of 8, left padded. The raw side is what a careful user writes by
hand: chat template, batch in file order, ``generate``, decode. The harness
side is the full evaluation pass (variant prompts, length-sorted batching,
token counting, the cache wrapper with the cache bypassed). A third side,
``raw-sorted``, is the raw loop on the harness's own batches (prompts sorted by
length): harness/raw-sorted is the harness's overhead alone, harness/raw what
a user gains or loses by switching. Passes alternate and the best of
``--rounds`` is kept for each, so background load hits all sides.

    .venv/bin/python bench/hf_vs_raw.py [--n 64] [--rounds 2]

Prints seconds per pass and the ratios (goal: harness/raw-sorted <= 1.03).
"""

from __future__ import annotations

import argparse
import os
import time

from _timing import InsideTimer

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    """Run the benchmark and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    args = parser.parse_args()

    import torch

    from harness._types import SamplingParams
    from harness.backends.hf import HFBackend
    from harness.config import Variant
    from harness.engine import run_suite
    from harness.golden import GoldenFile, file_fingerprint, load_many
    from harness.models import resolve_model

    path, fp = resolve_model("embedded")
    backend = HFBackend(path, fingerprint=fp, batch_size=8)
    model, tok = backend.model, backend.tokenizer
    files = load_many(
        [
            "golden/exact_qa.jsonl",
            "golden/general.jsonl",
            "golden/refusal.jsonl",
            "golden/json_extraction.jsonl",
        ]
    )
    per = -(-args.n // len(files))
    examples = tuple(ex for g in files for ex in g.examples[:per])[: args.n]
    golden = GoldenFile(
        path=files[0].path, examples=examples, fingerprint=file_fingerprint(examples)
    )
    sampling = SamplingParams(max_new_tokens=args.max_new_tokens)
    variant = Variant("base", sampling=sampling)

    def raw(sort: bool = False) -> int:
        tokens = 0
        prompts = [
            tok.apply_chat_template(
                [m.to_dict() for m in ex.messages], add_generation_prompt=True, tokenize=False
            )
            for ex in examples
        ]
        if sort:  # the harness's order: by prompt length, so a batch has little padding
            prompts.sort(key=len)
        for i in range(0, len(prompts), 8):
            enc = tok(
                prompts[i : i + 8], return_tensors="pt", padding=True, add_special_tokens=False
            )
            with torch.inference_mode():
                out = model.generate(
                    **enc,
                    max_new_tokens=args.max_new_tokens,
                    do_sample=False,
                    pad_token_id=tok.pad_token_id,
                )
            for row in out[:, enc["input_ids"].shape[1] :].tolist():
                n = row.index(tok.eos_token_id) if tok.eos_token_id in row else len(row)
                tok.decode(row[:n], skip_special_tokens=True)
                tokens += n
        return tokens

    timer = InsideTimer()
    overhead: list[float] = []

    def harness() -> int:
        # Time inside model.generate is model time; the rest of the pass is the harness's.
        with timer.patched(model, ["generate"]):
            t0 = time.perf_counter()
            run = run_suite(golden, variant, backend, None, progress=False)
            overhead.append(time.perf_counter() - t0 - timer.seconds)
        return sum(c.completion_tokens or 0 for c in run.completions)

    raw()  # warm-up: first-call allocations are not the harness's cost
    sides = {"raw": raw, "raw-sorted": lambda: raw(sort=True), "harness": harness}
    best = dict.fromkeys(sides, float("inf"))
    toks = {}
    for _ in range(args.rounds):
        for name, fn in sides.items():
            start = time.perf_counter()
            toks[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    print(
        f"requests: {len(examples)}, max_new_tokens: {args.max_new_tokens}, batch 8, "
        f"threads: {torch.get_num_threads()}"
    )
    for name in sides:
        print(
            f"{name:10s} {best[name]:7.1f} s  {toks[name]:5d} tokens  "
            f"{toks[name] / best[name]:6.1f} tok/s"
        )
    print("harness time outside model.generate: " + ", ".join(f"{o:.2f} s" for o in overhead))
    print(f"ratio harness/raw (time): {best['harness'] / best['raw']:.3f}")
    print(
        f"ratio harness/raw-sorted (time): {best['harness'] / best['raw-sorted']:.3f}"
        "  (goal <= 1.03)"
    )


if __name__ == "__main__":
    main()
