"""``make demo``: the whole loop on the embedded model, on CPU.

At this stage the loop is: validate every golden file (the model is never
loaded before the data is known good), then generate with the embedded
model for a few examples of each suite, batched, and show the answers next
to the references.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from harness._types import GenerationRequest, SamplingParams
from harness.errors import HarnessError
from harness.golden import load_many

GOLDEN = Path("golden")
PER_SUITE = 2


def main() -> int:
    """Run the demo; returns the exit code."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    files = sorted(GOLDEN.glob("*.jsonl")) + sorted((GOLDEN / "train").glob("*.jsonl"))
    console.rule("[bold]1. data check")
    try:
        goldens = load_many(files)
    except HarnessError as exc:
        print(exc, file=sys.stderr)
        return 2
    for g in goldens:
        console.print(f"{g.path}: {len(g)} examples OK (fingerprint {g.fingerprint[:12]})")

    console.rule("[bold]2. generate with the embedded model")
    from harness.backends.hf import HFBackend
    from harness.models import resolve_model

    path, fingerprint = resolve_model("embedded")
    backend = HFBackend(path, fingerprint=fingerprint, batch_size=8)
    examples = [ex for g in goldens if g.path.parent == GOLDEN for ex in g.examples[:PER_SUITE]]
    requests = [
        GenerationRequest(ex.id, ex.messages, SamplingParams(max_new_tokens=64)) for ex in examples
    ]
    start = time.perf_counter()
    completions = backend.generate(requests)
    elapsed = time.perf_counter() - start
    table = Table(show_lines=True)
    for col in ("id", "prompt", "reference", "embedded model"):
        table.add_column(col, overflow="fold")
    for ex, c in zip(examples, completions, strict=True):
        table.add_row(
            ex.id, ex.messages[-1].content[:160], (ex.reference or "")[:160], c.text[:200]
        )
    console.print(table)
    tokens = sum(c.completion_tokens or 0 for c in completions)
    console.print(
        f"{len(completions)} completions, {tokens} tokens in {elapsed:.1f} s "
        f"({tokens / elapsed:.0f} tok/s, batch size {backend.batch_size})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
