"""Sharded training under ``accelerate launch``: FSDP on GPUs, and on CPU over gloo.

An accelerate config with ``distributed_type: FSDP`` (``golden/train/fsdp_*.yaml``)
makes every rank hold a shard of the weights. On GPUs accelerate wraps the
model itself. On CPU, accelerate 1.x turns a multi-process run into plain data
parallelism (``MULTI_CPU``) and silently drops the FSDP plugin, although
PyTorch's FSDP runs on CPU tensors over gloo; :func:`enable_cpu_fsdp` puts the
plugin back, so the same config shards on a laptop as on a GPU node.

A sharded model cannot answer on one rank alone (every forward gathers
weights from all ranks), so the checkpoint gate evaluates a sharded run from
the files the trainer saved (:func:`is_sharded`), and loads what it needs for
that whole, outside the run's ZeRO-3 partitioning (:func:`whole_model_loading`).

DeepSpeed needs no help on CPU: with ``distributed_type: DEEPSPEED``
(``golden/train/deepspeed_cpu.yaml``) accelerate runs DeepSpeed's CPU
accelerator over gloo.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Set by ``accelerate launch`` when the config's ``distributed_type`` is FSDP.
FSDP_ENV = "ACCELERATE_USE_FSDP"


def fsdp_requested() -> bool:
    """Whether this process was launched with an FSDP accelerate config."""
    return os.environ.get(FSDP_ENV, "false").strip().lower() in ("1", "true", "yes")


def is_sharded(model: Any) -> bool:
    """Whether ``model``'s weights are split over ranks (FSDP 1 or 2, DeepSpeed ZeRO-3)."""
    if not hasattr(model, "modules"):
        return False
    # ZeRO-3 marks every partitioned parameter with a ``ds_id``.
    if any(hasattr(p, "ds_id") for p in model.parameters()):
        return True
    try:
        from torch.distributed.fsdp import FSDPModule, FullyShardedDataParallel
    except ImportError:  # a torch built without distributed support shards nothing
        return False
    return any(isinstance(m, FullyShardedDataParallel | FSDPModule) for m in model.modules())


@contextmanager
def whole_model_loading() -> Iterator[None]:
    """Inside this block ``from_pretrained`` loads whole models, even during a ZeRO-3 run."""
    # transformers keeps the run's DeepSpeed config in a module global; while it says
    # ZeRO-3, every from_pretrained partitions the new model over all ranks
    # (deepspeed.zero.Init), a collective the other ranks, waiting for rank 0's
    # verdict, never join: the run would die in gloo or hang.
    try:
        from transformers.integrations import deepspeed as hf_deepspeed
    except ImportError:
        yield
        return
    saved = hf_deepspeed._hf_deepspeed_config_weak_ref
    hf_deepspeed._hf_deepspeed_config_weak_ref = None
    try:
        yield
    finally:
        hf_deepspeed._hf_deepspeed_config_weak_ref = saved


def enable_cpu_fsdp(trainer: Any) -> bool:
    """Turn a CPU run launched with an FSDP config into an FSDP run; True when sharded.

    Call it after the trainer is built and before it trains (the model is
    wrapped at the start of ``train``). A no-op where accelerate already chose
    FSDP (GPUs) and where no FSDP config was given or only one process runs.
    """
    from accelerate.state import AcceleratorState, PartialState
    from accelerate.utils import DistributedType, FullyShardedDataParallelPlugin

    if not fsdp_requested():
        return False
    state = AcceleratorState()
    if state.distributed_type == DistributedType.FSDP:
        return True
    if state.distributed_type != DistributedType.MULTI_CPU:
        return False
    # The plugin reads the FSDP_* variables accelerate launch set from the config.
    plugin = FullyShardedDataParallelPlugin()
    if state.mixed_precision != "no":
        plugin.set_mixed_precision(state.mixed_precision)
    state.fsdp_plugin = plugin
    state.distributed_type = DistributedType.FSDP
    # PartialState keeps its own copy; collectives and data loaders read that one.
    PartialState._shared_state["distributed_type"] = DistributedType.FSDP
    # The trainer decided at construction how to wrap, save and load: tell it again.
    trainer.is_fsdp_enabled = True
    return True
