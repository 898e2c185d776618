"""Supervised LoRA/QLoRA fine-tuning on golden chat data with TRL's ``SFTTrainer``.

Loss on the assistant answer only, by construction: every golden example
becomes a *prompt/completion* pair. The prompt is the model's own chat
template rendered with ``add_generation_prompt=True`` — byte for byte the text
the ``hf`` and ``peft`` backends send at inference — and the completion is
the reference answer followed by the end-of-turn token. TRL's
completion-only loss masks the prompt, so the model is trained on the answer
and on stopping, never on the system or user turns. The stock chat template
is used unchanged (SmolLM2's has no ``{% generation %}`` markers), so there is
no patched training template to keep in sync with the inference one.

``assistant_only_loss: false`` in the config trains on the whole sequence.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._types import GoldenExample
from harness.errors import ConfigError, HarnessError, MissingDependencyError
from harness.golden import file_fingerprint, load_golden, select_split, split_examples
from training.config import TrainConfig

if TYPE_CHECKING:
    from peft import LoraConfig
    from transformers import PreTrainedModel, PreTrainedTokenizerBase, TrainerCallback
    from trl import SFTConfig, SFTTrainer  # type: ignore[attr-defined]

#: Sub-directory of ``output_dir`` that receives the adapter after the last step.
FINAL_DIR = "final"
#: Run metadata written into ``output_dir`` when training starts.
RUN_FILE = "run.json"


@dataclass(frozen=True)
class TrainingData:
    """The examples a run trains and evaluates on, and where they came from."""

    train: tuple[GoldenExample, ...]
    eval: tuple[GoldenExample, ...]
    train_fingerprint: str
    eval_fingerprint: str | None
    mixed: int = 0  # how many of ``train`` came from ``mix`` files


@dataclass(frozen=True)
class RunInfo:
    """What a built trainer was made from: base model, data and how much of it was cut."""

    base_model: Path
    base_fingerprint: str
    data: TrainingData
    truncated: int


@dataclass(frozen=True)
class TrainResult:
    """The outcome of :func:`train`: where things are, the trainer's log and the wall time."""

    output_dir: Path
    adapter_dir: Path
    global_step: int
    checkpoints: tuple[Path, ...]
    log_history: tuple[Mapping[str, float], ...]
    seconds: float
    truncated: int


# -- data ---------------------------------------------------------------------------------


def load_training_data(config: TrainConfig) -> TrainingData:
    """Parse the training (and evaluation) golden files; bad data fails before any model loads."""
    if config.split is not None:
        golden = load_golden(config.split.source)
        parts = split_examples(golden.examples, config.split.ratios, config.split.seed)
        train, evaluation = parts["train"], parts["val"]
        if not train:
            raise ConfigError(
                f"{config.source}: split.ratios: the train split of {config.split.source} is empty"
            )
    else:
        assert config.train_file is not None
        train = list(load_golden(config.train_file).examples)
        evaluation = list(load_golden(config.eval_file).examples) if config.eval_file else []
        if not train:
            raise ConfigError(f"{config.source}: train_file: {config.train_file} has no examples")
        if config.eval_split != "all":
            from harness.config import load_config as load_harness_config

            # The suite's own dev/test split ([tool.harness] dev_fraction), as pytest uses it.
            fraction = load_harness_config().dev_fraction
            evaluation = list(select_split(evaluation, config.eval_split, dev_fraction=fraction))
    mixed = mix_examples(config, len(train))
    train += mixed
    return TrainingData(
        train=tuple(train),
        eval=tuple(evaluation),
        train_fingerprint=file_fingerprint(train),
        eval_fingerprint=file_fingerprint(evaluation) if evaluation else None,
        mixed=len(mixed),
    )


def mix_examples(config: TrainConfig, n_task: int) -> list[GoldenExample]:
    """The examples ``mix`` adds to ``n_task`` task examples, drawn deterministically by seed.

    ``fraction`` is the share of the *mixed* training set, so 0.1 with 432 task
    examples draws 48 (48 / 480 = 0.1). Drawing without replacement from each
    file, seeded by the run seed and the file name, gives the same rows every run.
    """
    if not config.mix:
        return []
    total = n_task / (1.0 - sum(m.fraction for m in config.mix))
    out: list[GoldenExample] = []
    for i, source in enumerate(config.mix):
        pool = list(load_golden(source.file).examples)
        wanted = max(1, round(source.fraction * total))
        if wanted > len(pool):
            raise ConfigError(
                f"{config.source}: mix[{i}].fraction: {source.file} has {len(pool)} examples, "
                f"fraction {source.fraction:g} of {n_task} task examples needs {wanted} "
                "(lower the fraction or add examples)"
            )
        rng = random.Random(f"{config.seed}:{source.file.name}")
        out.extend(rng.sample(pool, wanted))
    return out


def render_prompt(tokenizer: PreTrainedTokenizerBase, example: GoldenExample) -> str:
    """The prompt text for one example: the chat template plus the assistant generation cue."""
    text = tokenizer.apply_chat_template(
        [m.to_dict() for m in example.messages], add_generation_prompt=True, tokenize=False
    )
    assert isinstance(text, str)
    return text


def prompt_completion_rows(
    examples: Sequence[GoldenExample], tokenizer: PreTrainedTokenizerBase
) -> list[dict[str, str]]:
    """One ``{"prompt", "completion"}`` row per example: rendered prompt, answer + end token."""
    eos = tokenizer.eos_token
    assert isinstance(eos, str)
    rows = []
    for ex in examples:
        if ex.reference is None:
            raise HarnessError(f"{ex.source}: messages: no final assistant answer to train on")
        rows.append({"prompt": render_prompt(tokenizer, ex), "completion": ex.reference + eos})
    return rows


def by_length(
    rows: Sequence[dict[str, str]], tokenizer: PreTrainedTokenizerBase
) -> list[dict[str, str]]:
    """``rows`` ordered by token count, shortest first (a stable sort: ties keep their order).

    For the eval loss: its batches run in dataset order and pad to their
    longest row, so like lengths batched together skip the padding (on the
    demo's dev split 15,318 padded tokens instead of 21,830 for 14,260 real
    ones). Each batch's loss is still TRL's mean over its labelled tokens, so
    the regrouping moves the reported eval loss within rounding of the batch
    means, not its meaning.
    """
    sizes = [
        len(tokenizer(r["prompt"] + r["completion"], add_special_tokens=False)["input_ids"])
        for r in rows
    ]
    return [row for _, row in sorted(zip(sizes, rows, strict=True), key=lambda pair: pair[0])]


# -- model --------------------------------------------------------------------------------


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def load_base_model(config: TrainConfig, path: Path) -> PreTrainedModel:
    """The base model: float32, or 4-bit NF4 with double quantisation for QLoRA."""
    import torch
    from transformers import AutoModelForCausalLM

    if not config.qlora:
        model: PreTrainedModel = AutoModelForCausalLM.from_pretrained(
            str(path), dtype=torch.float32
        )
        return model
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise MissingDependencyError("bitsandbytes", "train") from None
    from peft import prepare_model_for_kbit_training
    from transformers import BitsAndBytesConfig

    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    device: str | int = torch.cuda.current_device() if _cuda() else "cpu"
    model = AutoModelForCausalLM.from_pretrained(
        str(path), quantization_config=quantization, device_map={"": device}, dtype=torch.bfloat16
    )
    # Casts norms to float32 and makes the frozen embeddings pass gradients to the adapters.
    prepared: PreTrainedModel = prepare_model_for_kbit_training(
        model, use_gradient_checkpointing=_cuda()
    )
    return prepared


def lora_config(config: TrainConfig) -> LoraConfig:
    """The PEFT ``LoraConfig`` for the run's ``lora`` settings."""
    from peft import LoraConfig

    targets = config.lora.target_modules
    return LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=targets if isinstance(targets, str) else list(targets),
        task_type="CAUSAL_LM",
    )


def sft_config(config: TrainConfig, *, has_eval: bool) -> SFTConfig:
    """The ``SFTConfig``: the run's settings, CPU-friendly defaults, then ``trainer_kwargs``."""
    import dataclasses

    from trl import SFTConfig  # type: ignore[attr-defined]

    known = {f.name for f in dataclasses.fields(SFTConfig)}
    for key in config.trainer_kwargs:
        if key not in known:
            raise ConfigError(
                f"{config.source}: trainer_kwargs.{key}: not an SFTConfig field "
                "(see trl.SFTConfig for the accepted names)"
            )
    cuda = _cuda()
    kwargs: dict[str, Any] = {
        "output_dir": str(config.output_dir),
        "max_length": config.max_length,
        "packing": config.packing,
        "completion_only_loss": config.assistant_only_loss,
        "seed": config.seed,
        "learning_rate": config.learning_rate,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        # Log at least at every save, so each checkpoint's trainer_state has a recent loss.
        "logging_steps": min(10, config.save_steps),
        "eval_strategy": "steps" if has_eval else "no",
        "use_cpu": not cuda,
        # TRL turns it on by default; on CPU it only costs time (memory is not the limit).
        "gradient_checkpointing": cuda,
        "report_to": "none",
    }
    if has_eval:
        kwargs["eval_steps"] = config.save_steps
    if config.max_steps is not None:
        kwargs["max_steps"] = config.max_steps
    else:
        assert config.epochs is not None
        kwargs["num_train_epochs"] = config.epochs
    kwargs.update(config.trainer_kwargs)
    try:
        return SFTConfig(**kwargs)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{config.source}: trainer_kwargs: {exc}") from None


# -- trainer ------------------------------------------------------------------------------


def _build(
    config: TrainConfig, callbacks: Sequence[TrainerCallback] = ()
) -> tuple[SFTTrainer, RunInfo]:
    """Validate, load data, tokenizer and model (in that order), then build the trainer."""
    import torch

    from harness.models import resolve_model
    from training.distributed import enable_cpu_fsdp
    from training.preflight import check_leakage, check_truncation, warn_near_duplicates

    if config.threads is not None:
        torch.set_num_threads(config.threads)
    data = load_training_data(config)
    # Before the tokenizer or any model: a copied eval example stops the run here.
    warn_near_duplicates(check_leakage(list(config.training_files), source=config.source))
    base_path, base_fingerprint = resolve_model(config.model)
    args = sft_config(config, has_eval=bool(data.eval))

    from datasets import Dataset
    from transformers import AutoTokenizer

    from training._sft_trainer import LabelledHeadSFTTrainer

    tokenizer = AutoTokenizer.from_pretrained(str(base_path))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    train_rows = prompt_completion_rows(data.train, tokenizer)
    truncated = check_truncation(data.train, train_rows, tokenizer, config)
    eval_rows = by_length(prompt_completion_rows(data.eval, tokenizer), tokenizer)

    model = load_base_model(config, base_path)
    trainer = LabelledHeadSFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(train_rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=lora_config(config),
        callbacks=list(callbacks),
    )
    # An FSDP accelerate config shards the model on CPU too (accelerate alone would not).
    enable_cpu_fsdp(trainer)
    info = RunInfo(
        base_model=base_path, base_fingerprint=base_fingerprint, data=data, truncated=truncated
    )
    return trainer, info


def build_trainer(config: TrainConfig, callbacks: Sequence[TrainerCallback] = ()) -> SFTTrainer:
    """A ready-to-train ``SFTTrainer`` with a LoRA (or QLoRA) adapter for the run."""
    return _build(config, callbacks)[0]


def _checkpoints(output_dir: Path) -> list[Path]:
    """The run's ``checkpoint-N`` directories, by step."""
    found = [
        p
        for p in output_dir.glob("checkpoint-*")
        if p.is_dir() and p.name.rpartition("-")[2].isdigit()
    ]
    return sorted(found, key=lambda p: int(p.name.rpartition("-")[2]))


def _resume_target(path: str | Path | bool | None, config: TrainConfig) -> str | None:
    """Check a resume target: a checkpoint directory, or True for the run's latest one."""
    source = config.source
    if path is None or path is False:
        return None
    if path is True:
        found = _checkpoints(config.output_dir)
        if not found:
            raise ConfigError(
                f"{source}: resume: no checkpoint-N directory in {config.output_dir} to resume from"
            )
        path = found[-1]
    folder = Path(path)
    if not (folder / "trainer_state.json").is_file():
        raise ConfigError(
            f"{source}: resume: {folder} is not a training checkpoint (no trainer_state.json); "
            "give a checkpoint-N directory of this run"
        )
    return str(folder)


def _write_run_file(config: TrainConfig, info: RunInfo) -> None:
    config.output_dir.mkdir(parents=True, exist_ok=True)
    meta = {
        "run_name": config.run_name,
        "config": config.source,
        "base_model": str(info.base_model),
        "base_fingerprint": info.base_fingerprint,
        "qlora": config.qlora,
        "train_examples": len(info.data.train),
        "train_fingerprint": info.data.train_fingerprint,
        "eval_examples": len(info.data.eval),
        "eval_fingerprint": info.data.eval_fingerprint,
        "mixed_examples": info.data.mixed,
        "mix": [{"file": str(m.file), "fraction": m.fraction} for m in config.mix],
        "eval_split": config.eval_split,
        "truncated_examples": info.truncated,
        "max_length": config.max_length,
    }
    (config.output_dir / RUN_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def train(
    config: TrainConfig,
    *,
    resume_from_checkpoint: str | Path | bool | None = None,
    callbacks: Sequence[TrainerCallback] = (),
) -> TrainResult:
    """Train the run's adapter, save it under ``output_dir/final`` and return what happened."""
    resume = _resume_target(resume_from_checkpoint, config)
    start = time.perf_counter()
    trainer, info = _build(config, callbacks)
    _write_run_file(config, info)
    trainer.train(resume_from_checkpoint=resume)
    final = config.output_dir / FINAL_DIR
    trainer.save_model(str(final))
    seconds = time.perf_counter() - start
    checkpoints = _checkpoints(config.output_dir)
    return TrainResult(
        output_dir=config.output_dir,
        adapter_dir=final,
        global_step=int(trainer.state.global_step),
        checkpoints=tuple(checkpoints),
        log_history=tuple(dict(entry) for entry in trainer.state.log_history),
        seconds=seconds,
        truncated=info.truncated,
    )
