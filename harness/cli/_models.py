"""``harness models prepare|list``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from harness import models


def add_parser(sub: Any) -> None:
    """Register ``harness models``."""
    p = sub.add_parser("models", help="prepare and list local models")
    msub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    prep = msub.add_parser("prepare", help="convert the embedded model once into the cache")
    prep.add_argument("--force", action="store_true", help="convert again even if prepared")
    prep.set_defaults(func=cmd_prepare)
    lst = msub.add_parser("list", help="list known models and whether they are ready")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=cmd_list)


def cmd_prepare(args: argparse.Namespace) -> int:
    """Convert the embedded GGUF model to safetensors, with a progress bar."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not args.force and models.is_prepared():
        console.print(f"embedded model ready: {models.embedded_dir()}")
        return 0
    steps = 5
    with Progress(
        TextColumn("[bold]preparing embedded model"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("starting", total=steps)

        def on_step(msg: str) -> None:
            progress.update(task, advance=1, description=msg)

        info = models.prepare_embedded(force=args.force, on_step=on_step)
    console.print(f"embedded model ready: {info.path} ({info.size_bytes / 1e6:.0f} MB)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Show the embedded model's status."""
    info = models.embedded_info()
    row = {
        "name": info.name,
        "prepared": info.prepared,
        "path": str(info.path),
        "size_mb": round(info.size_bytes / 1e6, 1),
        "fingerprint": info.fingerprint,
    }
    if args.json:
        print(json.dumps([row], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="models")
    for col in ("name", "status", "size", "path"):
        table.add_column(col)
    table.add_row(
        info.name,
        "prepared" if info.prepared else "not prepared (harness models prepare)",
        f"{row['size_mb']} MB" if info.prepared else "-",
        str(info.path),
    )
    Console().print(table)
    return 0
