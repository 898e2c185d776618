"""vLLM's CPU LoRA ops vs the harness's grouped ones, side by side: time and rounding.

One adapted projection of SmolLM2-135M's MLP (576 -> 1536, rank 16) as vLLM's CPU
punica wrapper runs it (shrink into a float32 buffer, expand into the bfloat16
output), for a prefill chunk and a decode batch, both implementations alternated in
one run; then how far each result is from the exact (float64) one.

    .venv/bin/python bench/cpu_lora_ops.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    """Print ms per projection for each implementation, their ratio and their rounding."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    import torch
    from vllm.lora.ops.torch_ops import lora_ops

    from harness.backends import _cpu_lora

    torch.manual_seed(0)
    size_in, size_out, rank, slots = 576, 1536, 16, 2
    a = (torch.randn(slots, 1, rank, size_in) * 0.05).to(torch.bfloat16)
    b = (torch.randn(slots, 1, size_out, rank) * 0.05).to(torch.bfloat16)
    implementations = {"vllm": lora_ops, "grouped": _cpu_lora}
    print(f"torch threads: {torch.get_num_threads()}")
    for tokens in (2048, 32):
        x = torch.randn(tokens, size_in).to(torch.bfloat16)
        idx = torch.zeros(tokens, dtype=torch.long)
        base = torch.randn(tokens, size_out).to(torch.bfloat16)
        exact = base.double() + (x.double() @ a[0, 0].double().T * 2.0) @ b[0, 0].double().T
        seconds = dict.fromkeys(implementations, 0.0)
        results = {}
        for _ in range(args.repeats):
            for name, ops in implementations.items():
                y, buffer = base.clone(), torch.zeros(tokens, rank)
                start = time.perf_counter()
                ops.bgmv_shrink(x, a, buffer, idx, 2.0)
                ops.bgmv_expand(buffer, b, y, idx, True)
                seconds[name] += time.perf_counter() - start
                results[name] = y
        ms = {name: 1000 * s / args.repeats for name, s in seconds.items()}
        print(
            f"{tokens} tokens: vllm {ms['vllm']:.2f} ms, grouped {ms['grouped']:.2f} ms, "
            f"ratio {ms['vllm'] / ms['grouped']:.1f}x"
        )
        rounded = exact.to(torch.bfloat16)
        for name, y in results.items():
            error = (y.double() - exact).abs().mean().item()
            same = (y == rounded).double().mean().item()
            print(f"  {name}: mean abs error {error:.3e}, correctly rounded {same:.1%}")
    best = (rounded.double() - exact).abs().mean().item()
    print(f"(best possible in bfloat16 on the last shape: {best:.3e})")

    # vLLM's CPU wrapper calls the sgmv_* form (one adapter index per run of tokens) at
    # every step; a decode batch of 32 sequences on one adapter is one run.
    tokens = 32
    x = torch.randn(tokens, size_in).to(torch.bfloat16)
    meta = (torch.tensor([0]), torch.tensor([tokens]), torch.tensor([0]), 1, tokens, tokens)
    shrink, expand = (
        _cpu_lora._per_run(_cpu_lora.bgmv_shrink),
        _cpu_lora._per_run(_cpu_lora.bgmv_expand),
    )
    pairs = {"vllm": (lora_ops.sgmv_shrink, lora_ops.sgmv_expand), "grouped": (shrink, expand)}
    seconds = dict.fromkeys(pairs, 0.0)
    for _ in range(args.repeats * 10):
        for name, (shrink_op, expand_op) in pairs.items():
            y, buffer = torch.zeros(tokens, size_out).to(torch.bfloat16), torch.zeros(tokens, rank)
            start = time.perf_counter()
            shrink_op(x, a, buffer, *meta, 2.0)
            expand_op(buffer, b, y, *meta, True)
            seconds[name] += time.perf_counter() - start
    ms = {name: 1000 * s / (args.repeats * 10) for name, s in seconds.items()}
    print(
        f"sgmv, {tokens} tokens in one run: vllm {ms['vllm']:.3f} ms, grouped {ms['grouped']:.3f} ms, "
        f"ratio {ms['vllm'] / ms['grouped']:.1f}x"
    )


if __name__ == "__main__":
    main()
