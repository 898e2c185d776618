"""Batched vs one-by-one generation through the ``hf`` backend, side by side.

The same 16 greedy requests (32 new tokens) are generated one request per
call and then in batches of 8; prints tokens/s of each and the speed-up.
Run on an idle machine: other CPU load distorts the one-by-one pass most.

    .venv/bin/python bench/batched_vs_single.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    """Run both passes and print the ratio."""
    from harness._types import GenerationRequest, SamplingParams
    from harness.backends.hf import HFBackend
    from harness.golden import load_golden
    from harness.models import resolve_model

    path, fp = resolve_model("embedded")
    backend = HFBackend(path, fingerprint=fp, batch_size=8)
    examples = load_golden("golden/general.jsonl").examples[:16]
    sampling = SamplingParams(max_new_tokens=32)
    requests = [GenerationRequest(e.id, e.messages, sampling) for e in examples]
    backend.generate(requests[:1])  # warm-up
    start = time.perf_counter()
    single = [backend.generate([r])[0] for r in requests]
    t_single = time.perf_counter() - start
    start = time.perf_counter()
    batched = backend.generate(requests)
    t_batched = time.perf_counter() - start
    n_single = sum(c.completion_tokens or 0 for c in single)
    n_batched = sum(c.completion_tokens or 0 for c in batched)
    same = sum(a.text == b.text for a, b in zip(single, batched, strict=True))
    print(f"one-by-one: {t_single:6.1f} s  {n_single / t_single:6.1f} tok/s")
    print(f"batch of 8: {t_batched:6.1f} s  {n_batched / t_batched:6.1f} tok/s")
    print(
        f"speed-up (tok/s): {(n_batched / t_batched) / (n_single / t_single):.2f}x; "
        f"identical greedy outputs: {same}/{len(requests)}"
    )


if __name__ == "__main__":
    main()
