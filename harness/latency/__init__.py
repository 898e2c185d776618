"""Serving latency: streamed chat requests at several concurrency levels, percentiles, budgets.

:func:`run_latency` streams chat requests through the ``openai`` backend to a
server (a managed :class:`~harness.serve.VLLMServer` or any base URL) and keeps
per request, with vLLM's benchmark definitions: **TTFT** (send to first content
chunk), **TPOT** (``(e2e - TTFT) / (output tokens - 1)``, from two output tokens
on, as the server's ``usage`` counts them), **ITL** (every gap between content
chunks, pooled) and **e2e** (send to the end of the stream). Warm-up requests are
not counted, the completion cache is never used, throughput is over the wall
time of each level, and percentiles are :func:`harness.stats.percentile`'s.

One module per job: load generation (``_load``), the text table (``_table``),
results records (``_records``), where variants are served (``_servers``), and
one variant's pass through the suite (``_suite``: :func:`measure_variant`
measures, records, and decides the budgets of ``[tool.harness.latency]`` as
percentile :class:`~harness.gates.ThresholdGate` gates at every level).
"""

from harness.latency._load import TIMINGS, LatencyReport, LevelResult, run_latency
from harness.latency._records import budget_metric, latency_records
from harness.latency._servers import Endpoint, NotMeasurable, ServerPool
from harness.latency._suite import SUITE, budget_gates, measure_variant
from harness.latency._table import percentile_table
from harness.metrics._latency import time_per_output_token

__all__ = [
    "SUITE",
    "TIMINGS",
    "Endpoint",
    "LatencyReport",
    "LevelResult",
    "NotMeasurable",
    "ServerPool",
    "budget_gates",
    "budget_metric",
    "latency_records",
    "measure_variant",
    "percentile_table",
    "run_latency",
    "time_per_output_token",
]
