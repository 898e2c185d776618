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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

#: The environment switch :func:`register` reads.
ENV = "HARNESS_CPU_LORA_OPS"


def lora_matmul(
    inputs: torch.Tensor, weights: torch.Tensor, indices: torch.Tensor, out_dtype: torch.dtype
) -> torch.Tensor:
    """``inputs[t] @ weights[indices[t]].T`` for every token ``t``; zero where the index is -1.

    Computed in the wider of the two dtypes: float32 for both halves, since vLLM hands
    the shrink a float32 buffer and the expand reads it. vLLM's ops round the expand's
    inputs and product to the model's bfloat16 before adding them to the layer's output.
    """
    import torch

    dtype = torch.promote_types(inputs.dtype, out_dtype)
    if weights.dim() == 4:  # (slots, 1, out, in): vLLM's stacked layout
        weights = weights.squeeze(1)
    x = inputs.to(dtype)
    slots = torch.unique(indices).tolist()
    if len(slots) == 1 and slots[0] >= 0:  # the usual case: one adapter for the whole batch
        return x @ weights[slots[0]].to(dtype).T
    out = torch.zeros((x.shape[0], weights.shape[1]), dtype=dtype, device=x.device)
    for slot in slots:
        if slot >= 0:
            rows = (indices == slot).nonzero().squeeze(1)
            out[rows] = x[rows] @ weights[slot].to(dtype).T
    return out


def bgmv_shrink(
    inputs: torch.Tensor,
    lora_a_weights: torch.Tensor,
    output_tensor: torch.Tensor,
    lora_indices_tensor: torch.Tensor,
    scaling: float = 1.0,
) -> None:
    """vLLM's ``bgmv_shrink``: ``output = scaling * inputs @ A.T`` per token's adapter."""
    outputs = lora_matmul(inputs, lora_a_weights, lora_indices_tensor, output_tensor.dtype)
    output_tensor[:, : outputs.shape[1]] = scaling * outputs


def bgmv_expand(
    inputs: torch.Tensor,
    lora_b_weights: torch.Tensor,
    output_tensor: torch.Tensor,
    lora_indices_tensor: torch.Tensor,
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
    lora_indices_tensor: torch.Tensor,
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
    }
    # sgmv_* call bgmv_* through lora_ops' globals; the wrapper imported all by name.
    for module in (lora_ops, punica_cpu):
        for name, op in ops.items():
            if hasattr(module, name):
                setattr(module, name, op)
