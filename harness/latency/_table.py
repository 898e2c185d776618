"""The fixed-width text table of a latency run, printed by the latency suite."""

from __future__ import annotations

from harness.latency._load import TIMINGS, LatencyReport


def percentile_table(report: LatencyReport) -> str:
    """A fixed-width text table: per level, p50/p90/p95/p99 of each timing (ms) and throughput."""
    head = f"{'conc':>5} {'n':>4}  {'timing':<8}{'p50':>10}{'p90':>10}{'p95':>10}{'p99':>10}"
    lines = [f"{report.model} @ {report.base_url}, max_tokens {report.max_tokens}", head]
    for level in report.levels:
        n = len(level.completions)
        for timing in TIMINGS:
            p = level.percentiles(timing)
            cells = (
                "".join(f"{v * 1000:>10.1f}" for v in (p.p50, p.p90, p.p95, p.p99))
                if p is not None
                else f"{'-':>10}" * 4
            )
            lines.append(f"{level.concurrency:>5} {n:>4}  {timing + '_ms':<8}{cells}")
        lines.append(
            f"{level.concurrency:>5} {n:>4}  throughput {level.output_tokens_per_s:.1f} output tok/s, "
            f"{level.requests_per_s:.2f} req/s"
        )
    return "\n".join(lines)
