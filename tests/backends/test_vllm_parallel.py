"""vLLM data parallelism gives one engine's greedy answers on the demo's examples, in float32.

A data-parallel server (``data_parallel_size = 2``, one rank per core) and one
offline engine answer the same demo requests (the first examples of the
``json_extraction`` and ``general`` dev splits that the demo's checkpoint gate
reads, as the ``base`` variant sends them). In bfloat16 the two can part on
greedy near-ties (bench/RESULTS.md); in float32 they agree text for text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from _deps import missing

from harness._types import GenerationRequest, SamplingParams
from harness.config import load_config
from harness.golden import load_golden, select_split

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

if missing("vllm"):
    pytest.skip("vllm is not installed", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
#: (suite, examples) from each suite's dev split, as the demo's gate reads them.
SUITES = (("json_extraction", 3), ("general", 3))
MAX_NEW_TOKENS = 64


def demo_requests() -> list[GenerationRequest]:
    """The ``base`` variant's greedy requests for the first dev examples of each suite.

    Without the JSON schema: the ``openai`` backend would send it as a response
    format and constrain the server's decoding, which the ``vllm`` backend's
    ``base`` does not do.
    """
    config = load_config(REPO / "pyproject.toml")
    variant = config.variant("base")
    sampling = SamplingParams(max_new_tokens=MAX_NEW_TOKENS)
    requests = []
    for suite, n in SUITES:
        golden = load_golden(config.suite_path(suite))
        dev = select_split(golden.examples, "dev", dev_fraction=config.dev_fraction)
        for example in dev[:n]:
            request = variant.request(example, sampling)
            requests.append(dataclasses.replace(request, json_schema=None))
    return requests


def test_data_parallel_server_matches_one_engine_in_float32(embedded_model_dir: Path) -> None:
    from harness.backends.openai import OpenAIBackend
    from harness.backends.vllm import VLLMBackend
    from harness.models import resolve_model
    from harness.serve import VLLMServer

    path, fingerprint = resolve_model("embedded")
    requests = demo_requests()
    assert len(requests) == sum(n for _, n in SUITES)
    one = VLLMBackend(path, fingerprint=fingerprint, dtype="float32")
    try:
        single = [c.text for c in one.generate(requests)]
    finally:
        one.close()
    server = VLLMServer(
        path,
        served_model_name="embedded",
        dtype="float32",
        engine_options={"data_parallel_size": 2},
        startup_timeout_s=400,
    )
    with server, OpenAIBackend(server.base_url, "embedded", timeout_s=300) as client:
        parallel = [c.text for c in client.generate(requests)]
    assert all(text.strip() for text in single)
    differing = [(r.id, a, b) for r, a, b in zip(requests, single, parallel, strict=True) if a != b]
    assert not differing, f"dp=2 parted from one engine (float32): {differing}"
