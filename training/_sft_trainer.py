"""TRL's ``SFTTrainer`` with the LM head applied only at labelled positions, on CPU too.

TRL's fused LM head never builds the full logits: it projects hidden states to
the vocabulary in tiles. Where Triton runs it (CUDA, XPU) it projects only the
positions whose next token carries a label; elsewhere every position of the
padded batch, so that compiled backends (Neuron) keep one tile shape. Eager CPU
needs no fixed shape, and with assistant-only loss about a third of the demo's
positions carry a label (vocabulary 49,152): the rest were projected, in the
forward, again in the backward, and in each eval-loss pass, for nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
from trl import SFTTrainer  # type: ignore[attr-defined]
from trl.trainer import utils as trl_utils

#: The function of ``trl.trainer.utils`` by which the fused LM head picks its path (TRL 1.16).
_DEVICE_CHECK = "_use_triton"


@contextlib.contextmanager
def labelled_positions_only() -> Iterator[None]:
    """While open, TRL's fused LM head projects only labelled positions on CPU too.

    The head takes that path when its device check (``_use_triton``) says yes; the
    check is asked once per forward, so answering yes for CPU inside the loss call
    changes which rows are projected and nothing else (the tiles still run in torch).
    """
    device_check: Callable[[torch.device], bool] | None = getattr(trl_utils, _DEVICE_CHECK, None)
    if device_check is None:  # another TRL: its own path, slower on CPU but the same loss
        yield
        return
    setattr(trl_utils, _DEVICE_CHECK, lambda device: device.type == "cpu" or device_check(device))
    try:
        yield
    finally:
        setattr(trl_utils, _DEVICE_CHECK, device_check)


class LabelledHeadSFTTrainer(SFTTrainer):
    """``SFTTrainer`` whose loss (training and eval) projects only positions that carry a label.

    Same loss to float rounding: the skipped rows are masked to zero in TRL's sum
    anyway, and the normalisation (labelled tokens, or ``num_items_in_batch`` with
    gradient accumulation) is TRL's own.
    """

    def compute_loss(
        self,
        model: torch.nn.Module,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: torch.Tensor | int | None = None,
    ) -> Any:
        """TRL's loss, with the LM head on the labelled positions only."""
        with labelled_positions_only():
            return super().compute_loss(
                model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch
            )
