"""The grouped CPU LoRA ops against vLLM's own torch ops and an exact reference."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from types import ModuleType

import pytest
import torch
from _deps import require

require("vllm")
from vllm.lora.ops.torch_ops import lora_ops as patched_ops  # noqa: E402
from vllm.lora.punica_wrapper import punica_cpu  # noqa: E402

from harness.backends import _cpu_lora  # noqa: E402


def _fresh_copy(module: ModuleType) -> ModuleType:
    """The module as vLLM ships it: an engine started in this process patched the original."""
    spec = importlib.util.spec_from_file_location(f"{module.__name__}_as_shipped", module.__file__)
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    return copy


lora_ops = _fresh_copy(patched_ops)

T, IN, OUT, RANK, SLOTS = 48, 64, 96, 8, 3


def _weights(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    a = (torch.randn(SLOTS, 1, RANK, IN, generator=g) * 0.1).to(torch.bfloat16)
    b = (torch.randn(SLOTS, 1, OUT, RANK, generator=g) * 0.1).to(torch.bfloat16)
    x = torch.randn(T, IN, generator=g).to(torch.bfloat16)
    return a, b, x


def _apply(ops: object, a: torch.Tensor, b: torch.Tensor, x: torch.Tensor, idx: torch.Tensor):
    """One adapted projection as vLLM's CPU wrapper runs it: shrink into a float32 buffer, expand."""
    y = torch.ones(T, OUT, dtype=torch.bfloat16)
    buffer = torch.zeros(T, RANK)
    ops.bgmv_shrink(x, a, buffer, idx, 2.0)  # type: ignore[attr-defined]
    ops.bgmv_expand(buffer, b, y, idx, True)  # type: ignore[attr-defined]
    return y


def _exact(a: torch.Tensor, b: torch.Tensor, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    rows = [
        (x[t].double() @ a[i, 0].double().T * 2.0) @ b[i, 0].double().T
        if i >= 0
        else torch.zeros(OUT, dtype=torch.float64)
        for t, i in enumerate(idx.tolist())
    ]
    return 1.0 + torch.stack(rows)


def test_one_adapter_is_correctly_rounded_where_vllms_ops_are_not() -> None:
    a, b, x = _weights(0)
    idx = torch.full((T,), 1, dtype=torch.long)
    exact = _exact(a, b, x, idx)
    ours = _apply(_cpu_lora, a, b, x, idx)
    theirs = _apply(lora_ops, a, b, x, idx)
    assert torch.equal(ours, exact.to(torch.bfloat16))
    # vLLM's ops round the buffer and the product to bfloat16 first: close, not exact.
    assert not torch.equal(theirs, exact.to(torch.bfloat16))
    assert torch.allclose(theirs.double(), exact, atol=0.05)


def test_mixed_adapters_and_tokens_without_one() -> None:
    a, b, x = _weights(1)
    idx = torch.tensor([0, 2, -1, 1] * (T // 4), dtype=torch.long)
    ours = _apply(_cpu_lora, a, b, x, idx)
    assert torch.equal(ours, _exact(a, b, x, idx).to(torch.bfloat16))
    # Index -1 (no adapter) leaves the base output alone; vLLM's torch ops read it
    # as the last slot, which here holds an adapter.
    assert torch.equal(ours[idx == -1], torch.ones(T // 4, OUT, dtype=torch.bfloat16))
    theirs = _apply(lora_ops, a, b, x, idx)
    assert not torch.equal(theirs[idx == -1], ours[idx == -1])


@pytest.mark.parametrize("runs", [[1, 1, 1], [2, -1, 0], [-1]])
def test_per_run_indices_give_what_per_token_indices_give(runs: list[int]) -> None:
    a, b, x = _weights(3)
    lengths = torch.tensor([T // len(runs)] * len(runs))
    starts = torch.cumsum(lengths, 0) - lengths
    meta = (starts, lengths, torch.tensor(runs), len(runs), int(lengths.max()), T)
    idx = torch.repeat_interleave(torch.tensor(runs), lengths)
    y, buffer = torch.ones(T, OUT, dtype=torch.bfloat16), torch.zeros(T, RANK)
    _cpu_lora._per_run(_cpu_lora.bgmv_shrink)(x, a, buffer, *meta, 2.0)
    _cpu_lora._per_run(_cpu_lora.bgmv_expand)(buffer, b, y, *meta, True)
    assert torch.equal(y, _apply(_cpu_lora, a, b, x, idx))
    assert torch.equal(y, _exact(a, b, x, idx).to(torch.bfloat16))


def test_an_adapter_written_in_place_is_read_again() -> None:
    a, b, x = _weights(4)
    idx = torch.zeros(T, dtype=torch.long)
    before = _apply(_cpu_lora, a, b, x, idx)
    a[0].copy_(a[1])  # how vLLM loads another adapter into a slot
    after = _apply(_cpu_lora, a, b, x, idx)
    assert not torch.equal(after, before)
    assert torch.equal(after, _exact(a, b, x, idx).to(torch.bfloat16))


def test_expand_slice_writes_only_its_columns() -> None:
    _, b, _ = _weights(2)
    idx = torch.zeros(T, dtype=torch.long)
    buffer = torch.randn(T, RANK, generator=torch.Generator().manual_seed(2))
    y = torch.zeros(T, OUT + 10, dtype=torch.bfloat16)
    _cpu_lora.bgmv_expand_slice(buffer, b, y, idx, 5, OUT, add_inputs=True)
    # The float32 product (the expand's precision), rounded once to the output's bfloat16.
    expected = (buffer @ b[0, 0].float().T).to(torch.bfloat16)
    assert torch.equal(y[:, 5 : 5 + OUT], expected)
    assert not y[:, :5].any() and not y[:, 5 + OUT :].any()


def test_register_patches_only_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (patched_ops, punica_cpu):
        for name in ("bgmv_shrink", "bgmv_expand", "bgmv_expand_slice"):
            # vLLM's own op (restored to what it was after the test).
            monkeypatch.setattr(module, name, getattr(lora_ops, name))
    original = punica_cpu.bgmv_shrink
    monkeypatch.delenv(_cpu_lora.ENV, raising=False)
    _cpu_lora.register()
    assert punica_cpu.bgmv_shrink is original
    monkeypatch.setenv(_cpu_lora.ENV, "1")
    _cpu_lora.register()
    assert punica_cpu.bgmv_shrink is _cpu_lora.bgmv_shrink
    assert patched_ops.bgmv_expand is _cpu_lora.bgmv_expand  # what sgmv_expand calls


def test_vllm_finds_the_plugin_and_the_engines_switch_it_on() -> None:
    from harness.backends.vllm import ENGINE_ENV_DEFAULTS

    plugins = importlib.metadata.entry_points(group="vllm.general_plugins")
    assert {p.value for p in plugins} >= {"harness.backends._cpu_lora:register"}
    assert ENGINE_ENV_DEFAULTS[_cpu_lora.ENV] == "1"
