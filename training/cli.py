"""``harness train`` and ``harness export``, plugged into the ``harness`` command line.

The ``harness`` package never imports ``training``; these sub-commands are
registered through the ``golden_harness.commands`` entry point group. Heavy
libraries load only when a command runs, so ``harness --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_train_parser(sub: Any) -> None:
    """Register ``harness train CONFIG``."""
    p = sub.add_parser(
        "train",
        help="fine-tune a LoRA/QLoRA adapter from a YAML run config",
        description="Fine-tune a LoRA/QLoRA adapter with TRL's SFTTrainer on golden chat data.",
    )
    p.add_argument("config", help="the run config (YAML)")
    p.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue from a checkpoint-N directory of this run ('last' for the latest one)",
    )
    p.add_argument(
        "--max-steps",
        type=_positive_int,
        metavar="N",
        help="stop after N optimizer steps (overrides epochs/max_steps in the config)",
    )
    p.set_defaults(func=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    """Validate the config, train, and print where the adapter went."""
    from training.config import load_config
    from training.sft import train

    config = load_config(args.config)
    if args.max_steps is not None:
        config = config.with_max_steps(args.max_steps)
    resume: str | bool | None = True if args.resume == "last" else args.resume
    gate = _gate_callback(config)
    result = train(config, resume_from_checkpoint=resume, callbacks=[gate] if gate else [])
    losses = [entry["loss"] for entry in result.log_history if "loss" in entry]
    last_loss = f", last logged loss {losses[-1]:.4f}" if losses else ""
    print(
        f"trained {config.run_name}: {result.global_step} steps in {result.seconds:.0f} s"
        f"{last_loss}\nadapter: {result.adapter_dir}",
        file=sys.stderr,
    )
    if gate is not None:
        best = gate.tracker.best_step
        print(
            (
                f"best passing checkpoint: {best} -> {gate.best_dir}"
                if best is not None
                else "no checkpoint passed every gate (the final adapter is not a release candidate)"
            )
            + (f"\nstopped early: {gate.stop_reason}" if gate.stop_reason else "")
            + f"\nrun page: {gate.report_dir / 'index.html'}",
            file=sys.stderr,
        )
    if result.truncated:
        print(
            f"note: {result.truncated} training example(s) were cut at max_length "
            f"{config.max_length}",
            file=sys.stderr,
        )
    return 0


def _gate_callback(config: Any) -> Any:
    """The config's checkpoint gate, or None (said out loud) when it has none."""
    if config.gate is None:
        why = "gate: false" if config.gate_disabled else "no gate: section"
        print(
            f"checkpoints are not gated ({why} in {config.source}); "
            "add a gate: section to evaluate every checkpoint",
            file=sys.stderr,
        )
        return None
    from training.gate import GateCallback

    return GateCallback.from_config(config)


def add_export_parser(sub: Any) -> None:
    """Register ``harness export CHECKPOINT --merge OUT``."""
    p = sub.add_parser(
        "export",
        help="merge a trained adapter into its base model",
        description="Merge a LoRA adapter (a checkpoint or final directory) into its base "
        "model and save safetensors, tokenizer and chat template.",
    )
    p.add_argument("checkpoint", help="adapter directory (checkpoint-N or final)")
    p.add_argument("--merge", metavar="OUT", required=True, help="directory for the merged model")
    p.add_argument(
        "--model",
        help="base model ('embedded' or a local directory); default: the adapter's recorded base",
    )
    p.add_argument("--force", action="store_true", help="write into a non-empty OUT directory")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Merge and save; print the output directory."""
    from training.export import merge_adapter

    result = merge_adapter(args.checkpoint, args.merge, model=args.model, force=args.force)
    print(
        f"merged {result.adapter} into {result.base_model} in {result.seconds:.0f} s\n"
        f"model: {result.output_dir}",
        file=sys.stderr,
    )
    return 0
