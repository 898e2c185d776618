"""Generation through a LoRA adapter vs its merged weights on vLLM's CPU engine.

30 extraction-style chat requests (greedy, 64 new tokens) through the ``vllm``
backend with the demo's adapter (``runs/demo/final``, written by ``make demo``),
once per ``adapter_mode``, each in a fresh interpreter; the time is the second of
two ``generate`` calls (the first warms the engine up).

    .venv/bin/python bench/lora_generate.py [--adapter runs/demo/final] [--modes lora,merged]

To compare two versions of harness/backends/_cpu_lora.py, run it once with each
file in place (the ops are loaded into the engine from that module).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def trial(adapter: str, mode: str) -> None:
    """Print the seconds of one warm ``generate`` call through ``mode``."""
    from harness._types import GenerationRequest, Message, Role, SamplingParams
    from harness.backends.vllm import VLLMBackend
    from harness.models import resolve_model

    path, fingerprint = resolve_model("embedded")
    backend = VLLMBackend(path, fingerprint=fingerprint, enable_lora=True, adapter_mode=mode)
    backend.set_adapter(adapter)
    requests = [
        GenerationRequest(
            id=f"r{i}",
            messages=(
                Message(
                    Role.USER,
                    f"Extract the name and age as JSON: Person {i} is {20 + i} years old "
                    "and lives in Oslo.",
                ),
            ),
            sampling=SamplingParams(max_new_tokens=64),
        )
        for i in range(30)
    ]
    backend.generate(requests[:2])
    start = time.perf_counter()
    backend.generate(requests)
    print(f"{time.perf_counter() - start:.2f}")
    backend.close()


def main() -> None:
    """Run one fresh interpreter per mode and print the times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default="runs/demo/final")
    parser.add_argument("--modes", default="lora,merged")
    parser.add_argument("--trial", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trial:
        trial(args.adapter, args.trial)
        return
    for mode in args.modes.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, "--adapter", args.adapter, "--trial", mode],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"{mode}: generate {proc.stdout.strip().splitlines()[-1]} s", flush=True)


if __name__ == "__main__":
    main()
