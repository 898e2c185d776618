"""The training run config: a small YAML file, validated once, before any model is loaded.

::

    run_name: demo
    model: embedded                  # or a local transformers model directory
    train_file: json_extraction.jsonl
    eval_file: ../json_extraction.jsonl
    lora: {r: 16, alpha: 32, dropout: 0.05, target_modules: all-linear}
    max_length: 256
    learning_rate: 3.0e-4
    max_steps: 90
    batch_size: 8
    save_steps: 30
    trainer_kwargs: {logging_steps: 5}

Input paths (``model`` when it is a path, ``train_file``, ``eval_file``,
``split.from``) are relative to the config file, like the schema paths in
golden files, so a config works from any working directory. ``output_dir``
is relative to the working directory (default ``runs/<run_name>``), where a
person running the command expects their results.

Instead of ``train_file``/``eval_file``, ``split: {from: FILE, ratios: "80,10,10",
seed: ""}`` takes the hash-based train and val splits of one golden file.

``gate: {suites: [json_extraction], primary_metric: schema_valid}`` gates every
checkpoint (guard suites ``general`` and ``refusal`` by default, on the ``dev``
split; ``backend: auto|vllm|hf``, where ``auto`` is one vLLM engine with each
checkpoint's adapter hot-loaded when vLLM is installed; ``adapter_mode:
auto|lora|merged``, how a checkpoint reaches that engine: merged into its weights,
the default on CPU, or as a LoRA adapter, the default on a GPU); ``gate: false``
trains ungated. ``mix: [{file: general.jsonl, fraction:
0.1}]`` mixes general chats into training; ``eval_split: dev`` takes the eval
loss on the eval suite's dev split only.

This is deliberately not a mirror of ``TrainingArguments``: anything else goes
through ``trainer_kwargs`` into ``trl.SFTConfig`` unchanged.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.errors import ConfigError, HarnessError
from harness.golden import SplitRatios

DEFAULT_RUNS_DIR = Path("runs")

#: ``SFTConfig`` fields that top-level keys set; ``trainer_kwargs`` may not set them again.
MANAGED_TRAINER_FIELDS: Mapping[str, str] = {
    "output_dir": "output_dir",
    "max_length": "max_length",
    "packing": "packing",
    "completion_only_loss": "assistant_only_loss",
    "assistant_only_loss": "assistant_only_loss",
    "seed": "seed",
    "learning_rate": "learning_rate",
    "num_train_epochs": "epochs",
    "max_steps": "max_steps",
    "per_device_train_batch_size": "batch_size",
    "gradient_accumulation_steps": "grad_accum",
    "save_steps": "save_steps",
}

_TOP_KEYS = (
    "run_name",
    "model",
    "train_file",
    "eval_file",
    "split",
    "output_dir",
    "lora",
    "qlora",
    "max_length",
    "packing",
    "assistant_only_loss",
    "seed",
    "learning_rate",
    "epochs",
    "max_steps",
    "batch_size",
    "grad_accum",
    "save_steps",
    "threads",
    "trainer_kwargs",
    "gate",
    "mix",
    "eval_split",
    "truncation",
)
#: ``truncation``: ``refuse`` (default) stops a run whose answers ``max_length`` would cut.
TRUNCATION_MODES = ("refuse", "allow")
_LORA_KEYS = ("r", "alpha", "dropout", "target_modules")
_SPLIT_KEYS = ("from", "ratios", "seed")
_GATE_KEYS = (
    "suites",
    "guard_suites",
    "primary_metric",
    "patience",
    "min_delta",
    "split",
    "tolerance",
    "limit",
    "backend",
    "adapter_mode",
)
_MIX_KEYS = ("file", "fraction")
#: Suites that guard what the base model could already do, unless ``gate.guard_suites`` says.
DEFAULT_GUARD_SUITES = ("general", "refusal")
#: Splits a checkpoint gate may read: never ``test``, which is the release verdict's.
GATE_SPLITS = ("dev", "all")
#: Which part of an ``eval_file`` (a golden suite) gives the eval loss.
EVAL_SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class LoraSettings:
    """The LoRA adapter's shape: rank, scaling, dropout and which linear layers get one."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | tuple[str, ...] = "all-linear"


@dataclass(frozen=True)
class SplitSettings:
    """Train on the ``train`` split of one golden file and evaluate on its ``val`` split."""

    source: Path
    ratios: SplitRatios = field(default_factory=SplitRatios)
    seed: str = ""


@dataclass(frozen=True)
class GateSettings:
    """How every checkpoint is gated: task suites, forgetting guards and checkpoint selection.

    Suites are names (``json_extraction`` is ``suites/test_json_extraction.py``)
    or paths to suite modules, relative to the project root (where ``pytest
    suites/`` runs). Guard suites are judged as paired regressions against the
    base model with ``tolerance``, not by their release thresholds.
    """

    suites: tuple[str, ...]
    primary_metric: str
    guard_suites: tuple[str, ...] = tuple(f"suites/test_{n}.py" for n in DEFAULT_GUARD_SUITES)
    patience: int = 3
    min_delta: float = 0.0
    split: str = "dev"
    tolerance: float = 0.02
    limit: int | None = None
    # Where checkpoints are evaluated: one vLLM engine with each checkpoint's adapter
    # hot-loaded (vllm), the live model in the trainer (hf), or vllm where installed (auto).
    backend: str = "auto"
    # How a checkpoint reaches the engine: merged into its weights (fast on CPU, where
    # vLLM's LoRA ops are pure torch), as a LoRA adapter (fast on a GPU), or auto.
    adapter_mode: str = "auto"


@dataclass(frozen=True)
class MixSource:
    """General chats mixed into training: ``fraction`` of the mixed training set comes from ``file``."""

    file: Path
    fraction: float


@dataclass(frozen=True)
class TrainConfig:
    """One validated training run; build it with :func:`load_config` or :func:`parse_config`."""

    run_name: str
    output_dir: Path
    model: str = "embedded"
    train_file: Path | None = None
    eval_file: Path | None = None
    split: SplitSettings | None = None
    lora: LoraSettings = LoraSettings()
    qlora: bool = False
    max_length: int = 512
    packing: bool = False
    assistant_only_loss: bool = True
    seed: int = 42
    learning_rate: float = 2e-4
    epochs: float | None = 1.0
    max_steps: int | None = None
    batch_size: int = 8
    grad_accum: int = 1
    save_steps: int = 50
    threads: int | None = None
    trainer_kwargs: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<config>"
    gate: GateSettings | None = None
    gate_disabled: bool = False  # ``gate: false``: said out loud, not assumed
    mix: tuple[MixSource, ...] = ()
    eval_split: str = "all"
    truncation: str = "refuse"  # "allow" trains on answers cut at max_length

    @property
    def training_files(self) -> tuple[Path, ...]:
        """Every file whose examples are trained on: the task data and each ``mix`` file."""
        task = self.split.source if self.split is not None else self.train_file
        return (*(() if task is None else (task,)), *(m.file for m in self.mix))

    def with_max_steps(self, max_steps: int) -> TrainConfig:
        """A copy that stops after ``max_steps`` optimizer steps (``--max-steps``)."""
        if max_steps < 1:
            raise ConfigError(f"--max-steps: must be at least 1, got {max_steps}")
        return replace(self, max_steps=max_steps, epochs=None)


# -- YAML ---------------------------------------------------------------------------------


def _strict_loader() -> type[Any]:
    """A safe YAML loader that rejects duplicate keys (PyYAML keeps the last one silently)."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return dict(loader.construct_mapping(node))

    StrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
        construct_mapping,
    )
    return StrictLoader


def load_config(path: str | Path) -> TrainConfig:
    """Read and validate a YAML run config; every problem is a one-line :class:`ConfigError`."""
    import yaml

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the config file ({exc})") from None
    try:
        data = yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else str(file)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    return parse_config(data, source=str(file), base_dir=file.parent)


# -- validation ---------------------------------------------------------------------------


def _type_name(value: object) -> str:
    """YAML's word for a value's type, with its article, for config errors.

    Not ``harness.golden._load._type_name``: that one names JSON types
    ("object", "array") for golden files; a run config is YAML.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Reader:
    """Typed access to one mapping of the config, with errors that name file and key."""

    def __init__(self, data: Mapping[str, Any], source: str, prefix: str = "") -> None:
        self.data = data
        self.source = source
        self.prefix = prefix

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self.prefix}{key}: {problem}")

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if not isinstance(key, str) or key not in allowed:
                raise self.error(str(key), f"unknown key (allowed: {', '.join(allowed)})")

    def _get(self, key: str, default: Any, check: Callable[[Any], bool], expected: str) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        if not check(value):
            raise self.error(key, f"expected {expected}, got {_type_name(value)} {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str, why: str = "") -> str:
        """A string that must be one of ``choices``; ``why`` explains them in the error."""
        value = self.string(key, default)
        assert value is not None
        if value not in choices:
            expected = ", ".join(choices[:-1]) + f" or {choices[-1]}"
            raise self.error(
                key, f"expected {expected}, got {value!r}" + (f" ({why})" if why else "")
            )
        return value

    def string(self, key: str, default: str | None = None) -> str | None:
        value: str | None = self._get(
            key, default, lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"
        )
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value: bool = self._get(key, default, lambda v: isinstance(v, bool), "true or false")
        return value

    def integer(self, key: str, default: int | None, minimum: int) -> int | None:
        value: int | None = self._get(
            key,
            default,
            lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum,
            f"an integer >= {minimum}",
        )
        return value

    def number(self, key: str, default: float | None, *, positive: bool = True) -> float | None:
        if key not in self.data:
            return default
        value = self.data[key]
        # PyYAML reads 2e-4 (no dot) as a string; accept it rather than make people write 2.0e-4.
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.error(key, f"expected a number, got {_type_name(value)} {value!r}")
        if positive and value <= 0:
            raise self.error(key, f"must be greater than 0, got {value!r}")
        if not positive and value < 0:
            raise self.error(key, f"must not be negative, got {value!r}")
        return float(value)

    def mapping(self, key: str) -> Mapping[str, Any] | None:
        value: Mapping[str, Any] | None = self._get(
            key, None, lambda v: isinstance(v, dict), "a mapping"
        )
        return value

    def input_file(self, key: str, base_dir: Path) -> Path | None:
        text = self.string(key)
        if text is None:
            return None
        path = Path(text).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.is_file():
            raise self.error(key, f"file not found: {path}")
        return path


def _parse_lora(reader: _Reader) -> LoraSettings:
    raw = reader.mapping("lora")
    if raw is None:
        return LoraSettings()
    lora = _Reader(raw, reader.source, "lora.")
    lora.check_keys(_LORA_KEYS)
    defaults = LoraSettings()
    targets: str | tuple[str, ...] = defaults.target_modules
    if "target_modules" in raw:
        value = raw["target_modules"]
        if isinstance(value, str) and value.strip():
            targets = value
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v.strip() for v in value)
        ):
            targets = tuple(value)
        else:
            raise lora.error(
                "target_modules",
                f'expected "all-linear" or a list of module names, got {_type_name(value)} {value!r}',
            )
    dropout = lora.number("dropout", defaults.dropout, positive=False)
    assert dropout is not None
    if dropout >= 1:
        raise lora.error("dropout", f"must be below 1, got {dropout!r}")
    r = lora.integer("r", defaults.r, 1)
    alpha = lora.integer("alpha", defaults.alpha, 1)
    assert r is not None and alpha is not None
    return LoraSettings(r=r, alpha=alpha, dropout=dropout, target_modules=targets)


def _parse_split(reader: _Reader, base_dir: Path) -> SplitSettings | None:
    raw = reader.mapping("split")
    if raw is None:
        return None
    split = _Reader(raw, reader.source, "split.")
    split.check_keys(_SPLIT_KEYS)
    if "from" not in raw:
        raise split.error("from", "missing (the golden file to split)")
    source = split.input_file("from", base_dir)
    assert source is not None
    ratios = SplitRatios()
    if "ratios" in raw:
        value = raw["ratios"]
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if not isinstance(value, str):
            raise split.error("ratios", f'expected a string like "80,10,10", got {value!r}')
        try:
            ratios = SplitRatios.parse(value)
        except HarnessError:
            raise split.error(
                "ratios", f"{value!r} must be three non-negative numbers, e.g. 80,10,10"
            ) from None
    seed = raw.get("seed", "")
    if isinstance(seed, bool) or not isinstance(seed, str | int):
        raise split.error("seed", f"expected a string, got {_type_name(seed)} {seed!r}")
    return SplitSettings(source=source, ratios=ratios, seed=str(seed))


def _parse_model(reader: _Reader, base_dir: Path) -> str:
    model = reader.string("model", "embedded")
    assert model is not None
    if model == "embedded":
        return model
    path = Path(model).expanduser()
    path = path if path.is_absolute() else base_dir / path
    if not path.is_dir():
        raise reader.error(
            "model",
            f"{model!r} is neither 'embedded' nor a local model directory ({path} not found; "
            "models are never downloaded)",
        )
    return str(path)


def _parse_trainer_kwargs(reader: _Reader) -> dict[str, Any]:
    raw = reader.mapping("trainer_kwargs")
    if raw is None:
        return {}
    for key in raw:
        if not isinstance(key, str):
            raise reader.error(f"trainer_kwargs.{key}", "keys must be strings")
        if key in MANAGED_TRAINER_FIELDS:
            raise reader.error(
                f"trainer_kwargs.{key}",
                f"set by the top-level key {MANAGED_TRAINER_FIELDS[key]!r}; set it there instead",
            )
    return dict(raw)


def suite_module(name: str) -> str:
    """A suite name (``refusal``) as its module path (``suites/test_refusal.py``); paths stay."""
    if "/" in name or "\\" in name or name.endswith(".py"):
        return name
    return f"suites/test_{name}.py"


def _suite_list(reader: _Reader, key: str, default: tuple[str, ...] | None) -> tuple[str, ...]:
    if key not in reader.data:
        if default is None:
            raise reader.error(
                key, "missing (the suites that gate each checkpoint, e.g. [json_extraction])"
            )
        return default
    value = reader.data[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise reader.error(
            key, f"expected a list of suite names or paths, got {_type_name(value)} {value!r}"
        )
    if default is None and not value:
        raise reader.error(key, "empty (name at least one suite, e.g. [json_extraction])")
    modules = tuple(suite_module(v.strip()) for v in value)
    if len(set(modules)) != len(modules):
        raise reader.error(key, f"a suite is named twice in {value!r}")
    return modules


def _parse_gate(reader: _Reader) -> GateSettings | None:
    if "gate" not in reader.data or reader.data["gate"] is False:
        return None
    raw = reader.data["gate"]
    if not isinstance(raw, dict):
        raise reader.error(
            "gate",
            f"expected a mapping (suites, guard_suites, primary_metric, ...) or false, "
            f"got {_type_name(raw)} {raw!r}",
        )
    gate = _Reader(raw, reader.source, "gate.")
    gate.check_keys(_GATE_KEYS)
    suites = _suite_list(gate, "suites", None)
    guards = _suite_list(gate, "guard_suites", GateSettings.guard_suites)
    both = sorted(set(suites) & set(guards))
    if both:
        raise gate.error(
            "guard_suites", f"{', '.join(both)} is also a task suite; name each suite once"
        )
    if "primary_metric" not in raw:
        raise gate.error(
            "primary_metric", "missing (the metric that ranks checkpoints, e.g. schema_valid)"
        )
    primary = gate.string("primary_metric")
    assert primary is not None
    from harness.metrics import get_metric

    try:
        get_metric(primary)
    except HarnessError as exc:
        raise gate.error("primary_metric", str(exc)) from None
    split = gate.choice(
        "split", GATE_SPLITS, "dev", "test is the release verdict's; checkpoints are chosen on dev"
    )
    patience = gate.integer("patience", GateSettings.patience, 0)
    min_delta = gate.number("min_delta", 0.0, positive=False)
    tolerance = gate.number("tolerance", GateSettings.tolerance, positive=False)
    assert patience is not None and min_delta is not None and tolerance is not None
    from training.gate_engine import ADAPTER_MODES, GATE_BACKENDS

    backend = gate.choice(
        "backend", GATE_BACKENDS, "auto", "auto: vllm where it is installed, else hf"
    )
    adapter_mode = gate.choice(
        "adapter_mode", ADAPTER_MODES, "auto", "auto: merged on CPU, lora on a GPU"
    )
    return GateSettings(
        suites=suites,
        primary_metric=primary,
        guard_suites=guards,
        patience=patience,
        min_delta=min_delta,
        split=split,
        tolerance=tolerance,
        limit=gate.integer("limit", None, 1),
        backend=backend,
        adapter_mode=adapter_mode,
    )


def _parse_mix(reader: _Reader, base_dir: Path) -> tuple[MixSource, ...]:
    if "mix" not in reader.data:
        return ()
    raw = reader.data["mix"]
    if not isinstance(raw, list) or not raw:
        raise reader.error(
            "mix",
            f"expected a list like [{{file: general.jsonl, fraction: 0.1}}], "
            f"got {_type_name(raw)} {raw!r}",
        )
    sources: list[MixSource] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise reader.error(
                f"mix[{i}]", f"expected a mapping with file and fraction, got {_type_name(entry)}"
            )
        item = _Reader(entry, reader.source, f"mix[{i}].")
        item.check_keys(_MIX_KEYS)
        for key in _MIX_KEYS:
            if key not in entry:
                raise item.error(key, "missing (write e.g. {file: general.jsonl, fraction: 0.1})")
        file = item.input_file("file", base_dir)
        fraction = item.number("fraction", None)
        assert file is not None and fraction is not None
        if fraction >= 1:
            raise item.error(
                "fraction", f"must be below 1 (0.05 to 0.1 is typical), got {fraction!r}"
            )
        sources.append(MixSource(file=file, fraction=fraction))
    total = sum(s.fraction for s in sources)
    if total >= 0.5:
        raise reader.error(
            "mix",
            f"fractions add up to {total:g}; mixed data must stay a minority of training "
            "(below 0.5; 0.05 to 0.1 is typical)",
        )
    return tuple(sources)


def _parse_eval_split(reader: _Reader, eval_file: Path | None) -> str:
    split = reader.choice("eval_split", EVAL_SPLITS, "all")
    if split != "all" and eval_file is None:
        raise reader.error("eval_split", "needs eval_file (the golden suite whose split it picks)")
    return split


def _parse_truncation(reader: _Reader) -> str:
    return reader.choice(
        "truncation", TRUNCATION_MODES, "refuse", "allow trains on answers cut at max_length"
    )


def parse_config(
    data: object, *, source: str = "<config>", base_dir: str | Path = "."
) -> TrainConfig:
    """Validate a config mapping (already read from YAML) into a :class:`TrainConfig`."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, got {_type_name(data)}")
    base = Path(base_dir)
    reader = _Reader(data, source)
    reader.check_keys(_TOP_KEYS)
    if "run_name" not in data:
        raise reader.error("run_name", "missing (a short name for this run)")
    run_name = reader.string("run_name")
    assert run_name is not None
    if "/" in run_name or "\\" in run_name or run_name in (".", ".."):
        raise reader.error("run_name", f"{run_name!r} must not contain a path separator")

    split = _parse_split(reader, base)
    if split is not None and ("train_file" in data or "eval_file" in data):
        raise reader.error(
            "split", "give either split or train_file/eval_file, not both (split provides both)"
        )
    if split is None and "train_file" not in data:
        raise reader.error("train_file", "missing (or give split: {from: FILE})")
    train_file = reader.input_file("train_file", base)
    eval_file = reader.input_file("eval_file", base)

    output_text = reader.string("output_dir")
    output_dir = Path(output_text).expanduser() if output_text else DEFAULT_RUNS_DIR / run_name

    if "epochs" in data and "max_steps" in data:
        raise reader.error("max_steps", "give either epochs or max_steps, not both")
    epochs = reader.number("epochs", None)
    max_steps = reader.integer("max_steps", None, 1)
    if epochs is None and max_steps is None:
        epochs = 1.0

    learning_rate = reader.number("learning_rate", 2e-4)
    assert learning_rate is not None
    int_values: dict[str, int] = {}
    for key, default in (
        ("max_length", 512),
        ("seed", 42),
        ("batch_size", 8),
        ("grad_accum", 1),
        ("save_steps", 50),
    ):
        value = reader.integer(key, default, 0 if key == "seed" else 1)
        assert value is not None
        int_values[key] = value

    return TrainConfig(
        run_name=run_name,
        output_dir=output_dir,
        model=_parse_model(reader, base),
        train_file=train_file,
        eval_file=eval_file,
        split=split,
        lora=_parse_lora(reader),
        qlora=reader.boolean("qlora", False),
        packing=reader.boolean("packing", False),
        assistant_only_loss=reader.boolean("assistant_only_loss", True),
        learning_rate=learning_rate,
        epochs=epochs,
        max_steps=max_steps,
        threads=reader.integer("threads", None, 1),
        trainer_kwargs=_parse_trainer_kwargs(reader),
        source=source,
        gate=_parse_gate(reader),
        gate_disabled=data.get("gate") is False,
        mix=_parse_mix(reader, base),
        eval_split=_parse_eval_split(reader, eval_file),
        truncation=_parse_truncation(reader),
        **int_values,
    )
