"""The hf backend: how requests are split into batches, and batching on the embedded model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from harness._types import Completion, GenerationRequest, SamplingParams
from harness.backends.hf import HFBackend, plan_batches
from harness.errors import ConfigError


def test_rows_only_when_no_token_budget() -> None:
    assert plan_batches([5] * 7, 10, batch_size=3, batch_tokens=None) == [[0, 1, 2], [3, 4, 5], [6]]


def test_token_budget_counts_rows_times_longest_prompt_plus_new_tokens() -> None:
    # (prompt + 10 new) per row: 20, 20, 30, 110, 110 positions at the last step.
    lengths = [10, 10, 20, 100, 100]
    assert plan_batches(lengths, 10, batch_size=8, batch_tokens=100) == [[0, 1, 2], [3], [4]]


def test_a_row_over_the_budget_still_gets_a_batch_of_its_own() -> None:
    assert plan_batches([500, 600], 10, batch_size=8, batch_tokens=64) == [[0], [1]]


def test_every_position_is_planned_once_in_order() -> None:
    lengths = sorted([3, 40, 7, 90, 12, 12, 300, 5, 64])
    batches = plan_batches(lengths, 32, batch_size=4, batch_tokens=400)
    assert [i for b in batches for i in b] == list(range(len(lengths)))
    assert all(len(b) <= 4 for b in batches)


def test_bad_budget_is_a_config_error() -> None:
    with pytest.raises(
        ConfigError, match=r"^hf backend: batch_tokens: expected an integer >= 1, got 0$"
    ):
        HFBackend("unused", fingerprint="x", batch_tokens=0)


@pytest.mark.model
def test_batched_greedy_equals_one_by_one_greedy(embedded_model_dir: Path) -> None:
    from harness.golden import load_golden
    from harness.models import resolve_model

    path, fp = resolve_model("embedded")
    examples = load_golden(Path(__file__).parents[2] / "golden/general.jsonl").examples[:6]
    sampling = SamplingParams(max_new_tokens=16)
    requests = [GenerationRequest(e.id, e.messages, sampling) for e in examples]
    backend = HFBackend(path, fingerprint=fp, batch_size=8, batch_tokens=320)
    sizes: list[int] = []
    inner = backend._generate_batch

    def recorded(reqs: Any, prompt_ids: Any) -> Any:
        sizes.append(len(reqs))
        return inner(reqs, prompt_ids)

    backend._generate_batch = recorded  # type: ignore[method-assign]
    batched = backend.generate(requests)
    assert len(sizes) > 1 and max(sizes) > 1, f"the budget should split 6 rows: {sizes}"
    single = [backend.generate([r])[0] for r in requests]
    assert [c.request_id for c in batched] == [r.id for r in requests]
    assert [c.text for c in batched] == [c.text for c in single]
    assert [c.completion_tokens for c in batched] == [c.completion_tokens for c in single]

    # The same batches, handed back one by one as each finishes, shortest prompts first.
    sizes.clear()
    groups = list(backend.generate_as_completed(requests))
    assert [len(g) for g in groups] == sizes
    assert sorted(i for g in groups for i, _ in g) == list(range(len(requests)))
    assert {i: (c.request_id, c.text) for g in groups for i, c in g} == {
        i: (c.request_id, c.text) for i, c in enumerate(batched)
    }
    lengths = [c.prompt_tokens for g in groups for _, c in g]
    assert lengths == sorted(lengths)


@pytest.mark.model
def test_a_cached_pass_is_batched_by_token_length_over_all_its_requests(
    embedded_model_dir: Path, tmp_path: Path
) -> None:
    # The engine hands the cache a pass sorted by characters; batches of that order carry
    # more padding than batches by token length (exact_qa: 7320 against 6680 prompt
    # positions), so the whole pass goes to the backend, which sorts by tokens.
    from harness.cache import CompletionCache, generate_with_cache
    from harness.golden import load_golden
    from harness.models import resolve_model

    path, fp = resolve_model("embedded")
    examples = load_golden(Path(__file__).parents[2] / "golden/exact_qa.jsonl").examples
    sampling = SamplingParams(max_new_tokens=4)
    requests = sorted(
        (GenerationRequest(e.id, e.messages, sampling) for e in examples),
        key=lambda r: sum(len(m.content) for m in r.messages),
    )
    backend = HFBackend(path, fingerprint=fp, batch_size=32)
    widths: list[list[int]] = []

    def recorded(reqs: Sequence[GenerationRequest], prompt_ids: Any) -> list[Completion]:
        widths.append([len(ids) for ids in prompt_ids])
        return [
            Completion(r.id, "x", 0.0, None, len(ids), 1, "stop")
            for r, ids in zip(reqs, prompt_ids, strict=True)
        ]

    backend._generate_batch = recorded  # type: ignore[method-assign]
    with CompletionCache(tmp_path / "c.sqlite3") as cache:
        done, _ = generate_with_cache(backend, requests, cache, chunk_size=backend.batch_size)
    assert [c.request_id for c in done] == [r.id for r in requests]
    assert [len(w) for w in widths] == [32, 32, 32, 32, len(requests) - 128]
    flat = [n for w in widths for n in w]
    assert flat == sorted(flat)


@pytest.mark.model
def test_loading_shows_no_weights_bar_and_restores_bars(
    embedded_model_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from transformers.utils import logging as hf_logging

    from harness.models import resolve_model

    path, fp = resolve_model("embedded")
    hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
    HFBackend(path, fingerprint=fp).model  # noqa: B018 - loads the weights
    captured = capfd.readouterr()
    assert "Loading weights" not in captured.err + captured.out
    assert hf_logging.is_progress_bar_enabled(), "the caller's setting is restored"
