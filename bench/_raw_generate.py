"""What a careful user writes by hand: answer a golden file's prompts with ``model.generate``.

The raw side of ``bench/whole_process.py``: same model, dtype, greedy
decoding, batches (prompts sorted by token length, 32 a batch) and
``max_new_tokens`` as the harness's ``hf`` backend. Writes ``{id: answer}`` as
JSON to OUT so the benchmark can check both sides gave the same answers.
``whole_process.py --in-process`` calls :func:`answer` on its own loaded model.

    python bench/_raw_generate.py MODEL_DIR GOLDEN_JSONL OUT_JSON [--batch 32] [--max-new-tokens 24]
"""

import argparse
import json
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def answer(
    model: Any, tok: Any, rows: list[dict[str, Any]], batch: int, max_new_tokens: int
) -> dict[str, str]:
    """``{id: answer}`` for golden rows: chat template, length-sorted batches, greedy."""
    # The prompt is every message before the reference answer (the last assistant turn).
    prompts = [
        tok.apply_chat_template(r["messages"][:-1], add_generation_prompt=True, tokenize=False)
        for r in rows
    ]
    ids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
    order = sorted(range(len(rows)), key=lambda i: len(ids[i]))
    answers = {}
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        enc = tok.pad({"input_ids": [ids[i] for i in chunk]}, return_tensors="pt")
        with torch.inference_mode():
            out = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tok.pad_token_id,
            )
        for i, row in zip(chunk, out[:, enc["input_ids"].shape[1] :].tolist(), strict=True):
            n = row.index(tok.eos_token_id) if tok.eos_token_id in row else len(row)
            answers[rows[i]["id"]] = str(tok.decode(row[:n], skip_special_tokens=True))
    return answers


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("model", "golden", "out"):
        parser.add_argument(name)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=24)
    args = parser.parse_args()

    tok = AutoTokenizer.from_pretrained(args.model, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    model.eval()  # type: ignore[no-untyped-call]
    rows = [json.loads(line) for line in Path(args.golden).read_text("utf-8").splitlines() if line]
    answers = answer(model, tok, rows, args.batch, args.max_new_tokens)
    Path(args.out).write_text(json.dumps(answers, indent=0), encoding="utf-8")
    print(f"{len(answers)} answers")
