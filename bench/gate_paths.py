"""Do the checkpoint gate's two paths agree? hf (float32 PEFT) vs vLLM (bfloat16 LoRA) verdicts.

For every checkpoint of a training run, the gate's suites run twice on the
gate's split, once per path (``$HARNESS_AUTO_BACKEND=hf`` and ``=vllm`` with
``--harness-adapter``, exactly what a separate run of the gate's evaluation
does), and every example's pass/fail per metric is compared. For each
example whose verdict differs, the reason is looked for where greedy outputs
part: the first token at which the two answers differ, and the float32 hf
model's logit margin there between its own choice and vLLM's. A margin of a
few tenths of a logit is a greedy near-tie that bfloat16 rounding flips.

    .venv/bin/python bench/gate_paths.py runs/demo [--limit 30] [--split dev]

Runs the demo's gate suites by default (json_extraction, general, refusal).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SUITES = ["suites/test_json_extraction.py", "suites/test_general.py", "suites/test_refusal.py"]


def _run(checkpoint: Path, path: str, out: Path, limit: int, split: str, suites: list[str]) -> dict:
    cmd = [sys.executable, "-m", "pytest", *suites, "-q", "-p", "no:cacheprovider"]
    cmd += ["--harness-models", "base", "--harness-adapter", str(checkpoint)]
    cmd += ["--harness-split", split, "--harness-limit", str(limit), "--harness-report", str(out)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HARNESS_AUTO_BACKEND": path}
    subprocess.run(cmd, env=env, check=False, capture_output=True, text=True)
    data: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return data


def _verdicts(results: dict) -> dict[tuple[str, str], dict[str, Any]]:
    rows = {}
    for e in results["examples"]:
        if e["variant"] != "finetuned":
            continue
        passed = {name: m.get("passed") for name, m in e["metrics"].items()}
        rows[(e["suite"], e["example_id"])] = {
            "passed": passed,
            "output": e["output"],
            "input": e["input"],
        }
    return rows


def _margin(model: Any, tokenizer: Any, messages: list[dict], a: str, b: str) -> str:
    """Where ``a`` (hf) and ``b`` (vLLM) part, and hf's logit margin between the two tokens."""
    import torch

    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids_a = tokenizer(a, add_special_tokens=False)["input_ids"]
    ids_b = tokenizer(b, add_special_tokens=False)["input_ids"]
    k = 0
    while k < min(len(ids_a), len(ids_b)) and ids_a[k] == ids_b[k]:
        k += 1
    if k == min(len(ids_a), len(ids_b)):
        return f"one answer is a prefix of the other (token {k}; stop/length)"
    prefix = tokenizer(prompt, add_special_tokens=False)["input_ids"] + ids_a[:k]
    with torch.no_grad():
        logits = model(torch.tensor([prefix])).logits[0, -1].float()
    gap = float(logits[ids_a[k]] - logits[ids_b[k]])
    return (
        f"part at token {k}: hf {tokenizer.decode([ids_a[k]])!r} vs vLLM "
        f"{tokenizer.decode([ids_b[k]])!r}, hf logit margin {gap:.3f}"
    )


def main() -> int:
    """Compare the two paths on every checkpoint of a run; print agreement and the differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "run", type=Path, help="a training run's output folder (checkpoint-N inside)"
    )
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--suites", nargs="+", default=SUITES)
    args = parser.parse_args()
    checkpoints = sorted(args.run.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    if not checkpoints:
        print(f"{args.run}: no checkpoint-N folders (run `make demo` first)")
        return 2
    total = same = 0
    differing: list[tuple[Path, tuple[str, str], dict, dict]] = []
    per_metric: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for ck in checkpoints:
            hf = _verdicts(
                _run(ck, "hf", Path(tmp) / f"{ck.name}-hf", args.limit, args.split, args.suites)
            )
            vl = _verdicts(
                _run(ck, "vllm", Path(tmp) / f"{ck.name}-vllm", args.limit, args.split, args.suites)
            )
            for key in sorted(hf.keys() & vl.keys()):
                total += 1
                agree = True
                for metric, p in hf[key]["passed"].items():
                    q = vl[key]["passed"].get(metric)
                    if p is None or q is None:
                        continue
                    counts = per_metric.setdefault(metric, [0, 0])
                    counts[0] += p == q
                    counts[1] += 1
                    agree &= p == q
                same += agree
                if not agree:
                    differing.append((ck, key, hf[key], vl[key]))
            print(f"{ck.name}: {len(hf.keys() & vl.keys())} examples compared", flush=True)
    print(f"\nexamples with the same verdict on every metric: {same}/{total} = {same / total:.3f}")
    for metric, (agree_n, n) in sorted(per_metric.items()):
        print(f"  {metric:22s} {agree_n}/{n} = {agree_n / n:.3f}")
    if differing:
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from harness.models import resolve_model

        path, _ = resolve_model("embedded")
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        print("\nwhy they differ:")
        models: dict[Path, Any] = {}  # one load per checkpoint, not per example
        for ck, (suite, ex_id), a, b in differing:
            if ck not in models:
                base = AutoModelForCausalLM.from_pretrained(str(path), dtype="float32")
                models[ck] = PeftModel.from_pretrained(base, str(ck)).eval()
            model = models[ck]
            flips = [m for m, p in a["passed"].items() if b["passed"].get(m) not in (None, p)]
            reason = (
                "same answer (metric differs only through timing)"
                if a["output"] == b["output"]
                else _margin(model, tokenizer, a["input"], a["output"], b["output"])
            )
            print(f"  {ck.name} {suite}/{ex_id} [{', '.join(flips)}]: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
