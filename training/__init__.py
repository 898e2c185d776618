"""LoRA/QLoRA fine-tuning on golden data with TRL and PEFT, and GRPO rewards from harness metrics.

Heavy libraries (torch, transformers, peft, trl) load only when training,
exporting or scoring starts, so ``import training`` stays fast.
"""

from training.config import (
    GateSettings,
    LoraSettings,
    MixSource,
    SplitSettings,
    TrainConfig,
    load_config,
    parse_config,
)
from training.export import ExportResult, merge_adapter
from training.rewards import exact_match_reward, grpo_rows, refusal_reward, schema_valid_reward
from training.sft import TrainResult, build_trainer, train

__all__ = [
    "ExportResult",
    "GateCallback",
    "GateSettings",
    "LoraSettings",
    "MixSource",
    "SplitSettings",
    "TrainConfig",
    "TrainResult",
    "build_trainer",
    "exact_match_reward",
    "grpo_rows",
    "load_config",
    "merge_adapter",
    "parse_config",
    "refusal_reward",
    "schema_valid_reward",
    "train",
]


def __getattr__(name: str) -> object:
    # GateCallback subclasses transformers' TrainerCallback: importing it loads
    # transformers, so it is resolved on first use, not at ``import training``.
    if name == "GateCallback":
        from training.gate import GateCallback

        return GateCallback
    raise AttributeError(f"module 'training' has no attribute {name!r}")
