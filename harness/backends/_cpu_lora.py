"""Grouped LoRA matmuls for vLLM's CPU build, loaded into every vLLM process as a plugin.

vLLM's pure-torch punica ops (the CPU path) gather each token's adapter matrix
(``weights[indices]``, a ``tokens x out x rank`` copy) and multiply token by token. For
a prefill of 2,048 tokens that is ~100 MB copied per adapted projection, ~200 times a
forward pass, which made serving an adapter 2.4x slower than the same weights merged.
Here the tokens are grouped by adapter and each group is one matrix product with its
adapter's matrix: the same sums, no copies. Tokens of no adapter (index -1) get no
update, as in vLLM's GPU kernels; the torch ops read index -1 as the last adapter
slot, which is empty unless every slot is in use.

Registered under the ``vllm.general_plugins`` entry point, so vLLM calls
:func:`register` in each process it starts (engine core, workers). It patches only
when ``HARNESS_CPU_LORA_OPS=1`` in the environment — the harness sets it for the
engines it starts (``ENGINE_ENV_DEFAULTS``); other vLLM users of the environment are
left alone, and ``HARNESS_CPU_LORA_OPS=0`` turns it off for the harness's engines.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

#: The environment switch :func:`register` reads.
ENV = "HARNESS_CPU_LORA_OPS"


def _adapter_matrix(weights: torch.Tensor, slot: int, dtype: torch.dtype) -> torch.Tensor:
    """``weights[slot].T`` in ``dtype``, converted once per content of ``weights``.

    vLLM's stacked adapter weights are fixed buffers, written in place when an
    adapter is loaded; that bumps the tensor's version counter, which the copy
    kept on the tensor itself is checked against.
    """
    kept = getattr(weights, "_harness_converted", None)
    if kept is None or kept[0] != (weights._version, dtype):
        kept = ((weights._version, dtype), {})
        weights._harness_converted = kept  # type: ignore[attr-defined]
    matrices: dict[int, torch.Tensor] = kept[1]
    if slot not in matrices:
        matrix = weights[slot].squeeze(0) if weights.dim() == 4 else weights[slot]
        matrices[slot] = matrix.to(dtype).T  # (slots, 1, out, in): vLLM's stacked layout
    return matrices[slot]


def lora_matmul(
    inputs: torch.Tensor,
    weights: torch.Tensor,
    indices: torch.Tensor | int,
    out_dtype: torch.dtype,
) -> torch.Tensor:
    """``inputs[t] @ weights[indices[t]].T`` for every token ``t``; zero where the index is -1.

    ``indices`` is one slot for every token or a tensor of one slot per token.
    Computed in the wider of the two dtypes: float32 for both halves, since vLLM hands
    the shrink a float32 buffer and the expand reads it. vLLM's ops round the expand's
    inputs and product to the model's bfloat16 before adding them to the layer's output.
    """
    import torch

    dtype = torch.promote_types(inputs.dtype, out_dtype)
    x = inputs.to(dtype)
    if not isinstance(indices, int):
        low, high = (int(v) for v in torch.aminmax(indices))
        indices = low if low == high else indices
    if isinstance(indices, int) and indices >= 0:  # the usual case: one adapter for the batch
        return x @ _adapter_matrix(weights, indices, dtype)
    out = torch.zeros((x.shape[0], weights.shape[-2]), dtype=dtype, device=x.device)
    if isinstance(indices, int):
        return out
    for slot in torch.unique(indices).tolist():
        if slot >= 0:
            rows = (indices == slot).nonzero().squeeze(1)
            out[rows] = x[rows] @ _adapter_matrix(weights, slot, dtype)
    return out


def _per_run(op: Callable[..., None]) -> Callable[..., None]:
    """vLLM's ``sgmv_*`` form of a ``bgmv_*`` op: one adapter index per run of tokens.

    vLLM's torch ops spread the indices over every token first; one adapter for
    every run (the harness's calls) needs no per-token indices at all.
    """

    def sgmv(
        inputs: torch.Tensor,
        weights: torch.Tensor,
        output: torch.Tensor,
        b_seq_start_loc: torch.Tensor,
        seq_len_tensor: torch.Tensor,
        lora_indices_tensor: torch.Tensor,
        batches: int,
        max_seq_length: int,
        token_nums: int,
        *rest: object,
    ) -> None:
        import torch

        runs = lora_indices_tensor.tolist()
        if len(set(runs)) == 1:
            op(inputs, weights, output, runs[0], *rest)
        else:
            op(
                inputs,
                weights,
                output,
                torch.repeat_interleave(lora_indices_tensor, seq_len_tensor),
                *rest,
            )

    return sgmv


def bgmv_shrink(
    inputs: torch.Tensor,
    lora_a_weights: torch.Tensor,
    output_tensor: torch.Tensor,
    lora_indices_tensor: torch.Tensor | int,
    scaling: float = 1.0,
) -> None:
    """vLLM's ``bgmv_shrink``: ``output = scaling * inputs @ A.T`` per token's adapter."""
    outputs = lora_matmul(inputs, lora_a_weights, lora_indices_tensor, output_tensor.dtype)
    output_tensor[:, : outputs.shape[1]] = scaling * outputs


def bgmv_expand(
    inputs: torch.Tensor,
    lora_b_weights: torch.Tensor,
    output_tensor: torch.Tensor,
    lora_indices_tensor: torch.Tensor | int,
    add_inputs: bool = True,
) -> None:
    """vLLM's ``bgmv_expand``: ``output (+)= inputs @ B.T`` per token's adapter."""
    outputs = lora_matmul(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    limit = output_tensor.shape[0]
    if outputs.shape[0] == 1 and output_tensor.shape[0] != 1:
        limit = 1
    # The adapter and the model may pad their outputs differently.
    common = min(outputs.shape[1], output_tensor.shape[1])
    if add_inputs:
        output_tensor[:, :common] += outputs[:limit, :common]
    else:
        output_tensor[:, :common] = outputs[:limit, :common]


def bgmv_expand_slice(
    inputs: torch.Tensor,
    lora_b_weights: torch.Tensor,
    output_tensor: torch.Tensor,
    lora_indices_tensor: torch.Tensor | int,
    slice_offset: int,
    slice_size: int,
    add_inputs: bool = True,
) -> None:
    """vLLM's ``bgmv_expand_slice``: :func:`bgmv_expand` into ``output[:, offset:offset+size]``."""
    outputs = lora_matmul(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    if add_inputs:
        output_tensor[:, slice_offset : slice_offset + slice_size] += outputs
    else:
        output_tensor[:, slice_offset : slice_offset + slice_size] = outputs


def register() -> None:
    """vLLM plugin hook: swap the CPU punica ops for the grouped ones when :data:`ENV` is 1."""
    if os.environ.get(ENV) != "1":
        return
    try:
        from vllm.lora.ops.torch_ops import lora_ops
        from vllm.lora.punica_wrapper import punica_cpu
    except ImportError:  # a vLLM without the CPU punica wrapper: nothing to patch
        return
    ops: dict[str, object] = {
        "bgmv_shrink": bgmv_shrink,
        "bgmv_expand": bgmv_expand,
        "bgmv_expand_slice": bgmv_expand_slice,
        "sgmv_shrink": _per_run(bgmv_shrink),
        "sgmv_expand": _per_run(bgmv_expand),
        "sgmv_expand_slice": _per_run(bgmv_expand_slice),
    }
    # The wrapper imported every op by name.
    for module in (lora_ops, punica_cpu):
        for name, op in ops.items():
            if hasattr(module, name):
                setattr(module, name, op)
