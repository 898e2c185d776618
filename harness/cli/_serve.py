"""``harness serve``: a vLLM OpenAI-compatible server in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from harness.backends import check_option, require
from harness.backends.vllm import ENGINE_OPTIONS
from harness.errors import ConfigError

_POLL_S = 1.0


def add_parser(sub: Any) -> None:
    """Register ``harness serve``."""
    p = sub.add_parser(
        "serve",
        help="serve a model (default: the embedded one) with vLLM until Ctrl-C",
        description="Start a managed vLLM OpenAI-compatible server on 127.0.0.1, print its "
        "base URL, and stop it (with its engine process) on Ctrl-C.",
    )
    p.add_argument(
        "--model",
        default="embedded",
        help="'embedded' or a local model directory (default: %(default)s)",
    )
    p.add_argument("--port", type=int, default=None, help="TCP port (default: a free one)")
    p.add_argument(
        "--lora",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="serve a PEFT LoRA adapter as model NAME (repeatable); enables runtime loading",
    )
    p.add_argument(
        "--served-model-name",
        default=None,
        help="the model name clients send (default: the --model value, or the directory name)",
    )
    p.add_argument("--dtype", default="bfloat16", help="(default: %(default)s)")
    engine = p.add_argument_group(
        "engine options", "the vllm variant keys of the same names (default: vLLM's own)"
    )
    for key, kind in ENGINE_OPTIONS.items():
        flag = "--" + key.replace("_", "-")
        if kind is bool:
            engine.add_argument(flag, action=argparse.BooleanOptionalAction, default=None)
        else:
            # Checked in cmd_serve with the variant key's own rule, so the errors read alike.
            engine.add_argument(flag, type=kind, default=None)
    p.add_argument(
        "--startup-timeout", type=float, default=180.0, help="seconds to wait for readiness"
    )
    p.add_argument("--log", type=Path, default=None, help="server log file (default: a temp file)")
    p.set_defaults(func=cmd_serve)


def parse_lora(specs: list[str]) -> dict[str, Path]:
    """``["name=path", …]`` to ``{name: path}``; a clear error for malformed or repeated names."""
    adapters: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = (part.strip() for part in spec.partition("="))
        if not sep or not name or not path:
            raise ConfigError(
                f"--lora {spec!r}: expected NAME=PATH (e.g. --lora best=runs/demo/best)"
            )
        if name in adapters:
            raise ConfigError(f"--lora: adapter name {name!r} is given twice")
        adapters[name] = Path(path).expanduser().resolve()
    return adapters


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the server, print where it listens, wait for Ctrl-C, stop it."""
    adapters = parse_lora(args.lora)
    # Each flag checked like its variant key, so the error names the flag.
    engine_options = {
        key: check_option("vllm", key, value, "--" + key.replace("_", "-"))
        for key in ENGINE_OPTIONS
        if (value := getattr(args, key, None)) is not None
    }
    require("vllm", "vllm")
    from harness.models import resolve_model
    from harness.serve import VLLMServer

    path, _ = resolve_model(args.model)
    name = args.served_model_name or (args.model if args.model == "embedded" else path.name)
    server = VLLMServer(
        path,
        served_model_name=name,
        port=args.port,
        dtype=args.dtype,
        enable_lora=bool(adapters),
        lora_modules=adapters,
        engine_options=engine_options,
        startup_timeout_s=args.startup_timeout,
        log_path=args.log,
    )
    print(f"starting vLLM for {path} (model name {name!r}) ...", file=sys.stderr, flush=True)
    with server:
        print(server.base_url, flush=True)
        print(
            f"ready in {server.startup_s or 0:.1f} s; models: {', '.join([name, *adapters])}; "
            f"log: {server.log_path}; Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )
        try:
            while True:
                # Raises, quoting the log, if the server went away without being asked to.
                server.check()
                time.sleep(_POLL_S)
        except KeyboardInterrupt:
            print("stopping ...", file=sys.stderr, flush=True)
    return 0
