"""Benchmark: recall@k of the BM25 retriever on a golden suite's gold context passages.

For every example of the suite that names ``context`` passages, the question
(its last user turn) is sent to the same retriever a ``retrieval`` variant
uses (``harness.retrieval``, default BM25 settings) and recall@k is the share
of the example's context ids among the top k. Printed per k, for all examples
and split by ``expect.answerable``, with the examples whose gold passage is
missed at the largest k, and the time per query (a fresh index each round, so
no answer comes from the retriever's memo) and to build the index.

Run: ``.venv/bin/python bench/retrieval_recall.py [--corpus golden/corpus]
[--golden golden/grounded_qa.jsonl] [--k 1 4] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from harness.golden import load_golden
from harness.retrieval import Retriever, load_corpus
from harness.stats import percentile


def recall(gold: list[str], retrieved: list[str]) -> float:
    """Share of ``gold`` ids found in ``retrieved``."""
    return sum(g in retrieved for g in gold) / len(gold)


def main(argv: list[str] | None = None) -> int:
    """Print recall@k and timings; exit 1 when no example names context passages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("golden/corpus"))
    parser.add_argument("--golden", type=Path, default=Path("golden/grounded_qa.jsonl"))
    parser.add_argument("--k", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (fresh index each)")
    args = parser.parse_args(argv)

    passages = load_corpus(args.corpus)
    examples = [e for e in load_golden(args.golden).examples if e.context and e.last_user_turn]
    if not examples:
        print(f"{args.golden}: no example names context passages", file=sys.stderr)
        return 1
    top = max(args.k)

    started = time.perf_counter()
    import bm25s  # noqa: F401  (timed apart from the index build)

    import_s = time.perf_counter() - started
    build_s: list[float] = []
    query_s: list[float] = []
    ranked: dict[str, list[str]] = {}
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        retriever = Retriever(passages)
        build_s.append(time.perf_counter() - t0)
        for e in examples:
            t0 = time.perf_counter()
            found = retriever.retrieve(e.last_user_turn or "", top)
            query_s.append(time.perf_counter() - t0)
            ids = [p.id for p in found]
            # Deterministic: every round must rank the same way.
            assert ranked.setdefault(e.id, ids) == ids, e.id

    groups = {
        "all": examples,
        "answerable": [e for e in examples if e.expect.answerable],
        "unanswerable": [e for e in examples if not e.expect.answerable],
    }
    print(
        f"corpus {args.corpus}: {len(passages)} passages; suite {args.golden}: "
        f"{len(examples)} examples with context passages\n"
    )
    header = " | ".join(f"recall@{k}" for k in args.k)
    print(f"| examples | n | {header} |")
    print("|---|---:|" + "---:|" * len(args.k))
    for name, group in groups.items():
        if not group:
            continue
        means = [
            statistics.fmean(recall([c.id for c in e.context], ranked[e.id][:k]) for e in group)
            for k in args.k
        ]
        cells = " | ".join(f"{m:.3f}" for m in means)
        print(f"| {name} | {len(group)} | {cells} |")
    missed = [e.id for e in examples if recall([c.id for c in e.context], ranked[e.id]) < 1]
    print(f"\ngold passage missed at k={top}: {len(missed)} ({', '.join(missed) or 'none'})")
    print(
        f"\ntime per query (k={top}, {len(query_s)} queries over {args.rounds} rounds): "
        f"median {percentile(query_s, 50) * 1e3:.3f} ms, p95 {percentile(query_s, 95) * 1e3:.3f} ms"
    )
    print(
        f"index build: median {statistics.median(build_s) * 1e3:.1f} ms; "
        f"import bm25s: {import_s:.2f} s (once per process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
