"""One LoRA training step of the demo: TRL's stock loss against the labelled-positions LM head.

    flock /tmp/model.lock .venv/bin/python bench/train_step.py --steps 4

Builds the demo's trainer (``golden/train/demo.yaml``: batch 8, max_length 448,
bf16 autocast, its thread count) and runs its first ``--steps`` training batches
through both loss paths, alternating which goes first: one forward and backward
each (``Trainer.training_step``, no optimizer step, so both see the same weights
and their losses and adapter gradients can be compared). Then one eval-loss pass
over the eval split per path (``Trainer.evaluate``, as at each save). "stock" is
TRL's ``SFTTrainer.compute_loss``, which on CPU projects every position of the
padded batch to the vocabulary; "labelled" is the trainer ``training.sft`` builds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=REPO / "golden/train/demo.yaml")
    parser.add_argument("--steps", type=int, default=4, help="timed batches per path")
    parser.add_argument("--warmup", type=int, default=1, help="untimed batches per path first")
    parser.add_argument("--no-eval", action="store_true", help="skip the eval-loss passes")
    parser.add_argument(
        "--threads",
        type=int,
        help="torch threads (default: the config's); 1 makes CPU time a "
        "fair measure on a busy machine, where two threads wait on each other",
    )
    args = parser.parse_args()

    import torch
    from trl import SFTTrainer  # type: ignore[attr-defined]

    from training.config import load_config
    from training.sft import build_trainer

    load_start = os.getloadavg()
    config = load_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        update: dict[str, Any] = {"output_dir": Path(tmp) / "run"}
        if args.threads is not None:
            update["threads"] = args.threads
        config = config.model_copy(update=update)
        trainer = build_trainer(config)
        # What Trainer.train does first: on CPU this wraps the forward in bf16 autocast.
        model = trainer.accelerator.prepare_model(trainer.model)
        loader = iter(trainer.get_train_dataloader())
        batches = [next(loader) for _ in range(args.warmup + args.steps)]
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]

        def stock() -> None:
            trainer.compute_loss = types.MethodType(SFTTrainer.compute_loss, trainer)

        def labelled() -> None:
            trainer.__dict__.pop("compute_loss", None)

        paths: dict[str, Callable[[], None]] = {"stock": stock, "labelled": labelled}

        def step(
            path: str, batch: dict[str, Any]
        ) -> tuple[float, float, float, list[torch.Tensor]]:
            paths[path]()
            _, num_items = trainer.get_batch_samples(iter([batch]), 1, trainer.args.device)
            model.zero_grad(set_to_none=True)
            start, cpu = time.perf_counter(), time.process_time()
            loss = trainer.training_step(model, batch, num_items)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            grads = [p.grad.detach().clone() for _, p in trainable if p.grad is not None]
            return seconds, cpu, float(loss), grads

        times: dict[str, list[float]] = {"stock": [], "labelled": []}
        cpu_times: dict[str, list[float]] = {"stock": [], "labelled": []}
        for i, batch in enumerate(batches):
            labels = batch["labels"]
            order = ("stock", "labelled") if i % 2 == 0 else ("labelled", "stock")
            out = {path: step(path, batch) for path in order}
            (ts, cs, ls, gs), (tl, cl, ll, gl) = out["stock"], out["labelled"]
            grad_diff = max(float((a - b).abs().max()) for a, b in zip(gs, gl, strict=True))
            grad_scale = max(float(a.abs().max()) for a in gs)
            warm = i < args.warmup
            if not warm:
                times["stock"].append(ts)
                times["labelled"].append(tl)
                cpu_times["stock"].append(cs)
                cpu_times["labelled"].append(cl)
            print(
                f"batch {i}{' (warm-up)' if warm else ''}: {tuple(labels.shape)}, "
                f"labelled {int((labels != -100).sum())}/{labels.numel()} positions | "
                f"stock {ts:.2f} s ({cs:.2f} s CPU) loss {ls:.6f} | "
                f"labelled {tl:.2f} s ({cl:.2f} s CPU) loss {ll:.6f} | "
                f"|dloss| {abs(ls - ll):.2e}, max |dgrad| {grad_diff:.2e} (max |grad| {grad_scale:.2e})",
                flush=True,
            )
        for path, values in times.items():
            if values:
                cpu = cpu_times[path]
                print(
                    f"{path}: {sum(values) / len(values):.2f} s/step wall, "
                    f"{sum(cpu) / len(cpu):.2f} s/step CPU, over {len(values)} steps"
                )

        if not args.no_eval and trainer.eval_dataset is not None:
            n_eval = len(trainer.eval_dataset)
            for path in ("labelled", "stock"):
                paths[path]()
                start, cpu = time.perf_counter(), time.process_time()
                metrics = trainer.evaluate()
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                print(
                    f"eval {path}: {seconds:.1f} s ({cpu:.1f} s CPU) for {n_eval} examples, "
                    f"eval_loss {metrics['eval_loss']:.6f}",
                    flush=True,
                )
    print(
        f"threads {torch.get_num_threads()}, load average at start {load_start[0]:.2f}, "
        f"at end {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
