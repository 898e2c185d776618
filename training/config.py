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
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from harness._merge import AdapterMode
from harness._validation import YAML, expected, problem, validation_lines
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

#: Suites that guard what the base model could already do, unless ``gate.guard_suites`` says.
DEFAULT_GUARD_SUITES = ("general", "refusal")
#: ``gate.backend``: ``auto`` is vllm where it is installed, hf elsewhere.
GateBackend = Literal["auto", "vllm", "hf"]

_MIX_EXAMPLE = "write e.g. {file: general.jsonl, fraction: 0.1}"
#: How to fix a missing or wrong key, where the value's own check does not say.
_HINTS = {
    "run_name": "a short name for this run",
    "split.from": "the golden file to split",
    "gate.suites": "the suites that gate each checkpoint, e.g. [json_extraction]",
    "gate.primary_metric": "the metric that ranks checkpoints, e.g. schema_valid",
    "gate": "e.g. gate: {suites: [json_extraction], primary_metric: schema_valid}",
    "mix": "e.g. mix: [{file: general.jsonl, fraction: 0.1}]",
    "mix[].file": _MIX_EXAMPLE,
    "mix[].fraction": _MIX_EXAMPLE,
    "gate.split": "test is the release verdict's; checkpoints are chosen on dev",
    "gate.backend": "auto: vllm where it is installed, else hf",
    "gate.adapter_mode": "auto: merged on CPU, lora on a GPU",
    "truncation": "allow trains on answers cut at max_length",
}


# -- the checks of single values --------------------------------------------------------


def _integer(minimum: int) -> BeforeValidator:
    """An integer of at least ``minimum`` (a YAML boolean is not one)."""

    def check(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise expected(f"an integer >= {minimum}")
        return value

    return BeforeValidator(check)


def _number(*, positive: bool = True, below: float | None = None, why: str = "") -> BeforeValidator:
    """A finite number, above 0 (``positive``) or not negative, and under ``below``."""

    def check(value: object) -> object:
        # PyYAML reads 2e-4 (no dot) as a string; accept it rather than make people write 2.0e-4.
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise expected("a number")
        if positive and value <= 0:
            raise problem(f"must be greater than 0, got {value!r}", "give a positive number")
        if value < 0:
            raise problem(f"must not be negative, got {value!r}", "give 0 or more")
        if below is not None and value >= below:
            raise problem(
                f"must be below {below:g}{why}, got {value!r}", f"give less than {below:g}"
            )
        return float(value)

    return BeforeValidator(check)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise expected("a non-empty string")
    return value


def _input_path(text: str, info: ValidationInfo) -> Path:
    """A path as written, relative to the config file's folder (``base_dir``) unless absolute."""
    return Path((info.context or {}).get("base_dir", ".")) / Path(text).expanduser()


def _input_file(value: object, info: ValidationInfo) -> object:
    if value is None or isinstance(value, Path):
        return value  # already resolved: a copy, or a config built in code
    path = _input_path(_text(value), info)
    if not path.is_file():
        raise problem(f"file not found: {path}", "paths are relative to the config file")
    return path


_InputFile = Annotated[Path, BeforeValidator(_input_file)]


class _Settings(BaseModel):
    # strict: a quoted "true" is not true; fields come in the order "allowed:" lists them.
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True
    )


# -- the sections -----------------------------------------------------------------------


def _target_modules(value: object) -> object:
    if isinstance(value, str) and value.strip():
        return value
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, str) and v.strip() for v in value)
    ):
        return tuple(value)
    raise expected('"all-linear" or a list of module names')


class LoraSettings(_Settings):
    """The LoRA adapter's shape: rank, scaling, dropout and which linear layers get one."""

    r: Annotated[int, _integer(1)] = 16
    alpha: Annotated[int, _integer(1)] = 32
    dropout: Annotated[float, _number(positive=False, below=1)] = 0.05
    target_modules: Annotated[str | tuple[str, ...], BeforeValidator(_target_modules)] = (
        "all-linear"
    )


def _ratios(value: object) -> object:
    if isinstance(value, SplitRatios):
        return value
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str):
        raise expected('a string like "80,10,10"')
    try:
        return SplitRatios.parse(value)
    except HarnessError:
        raise problem(f"{value!r} must be three non-negative numbers", "e.g. 80,10,10") from None


def _seed(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise expected("a string")
    return str(value)


class SplitSettings(_Settings):
    """Train on the ``train`` split of one golden file and evaluate on its ``val`` split."""

    source: _InputFile = Field(alias="from")
    ratios: Annotated[SplitRatios, BeforeValidator(_ratios)] = SplitRatios()
    seed: Annotated[str, BeforeValidator(_seed)] = ""


def suite_module(name: str) -> str:
    """A suite name (``refusal``) as its module path (``suites/test_refusal.py``); paths stay."""
    if "/" in name or "\\" in name or name.endswith(".py"):
        return name
    return f"suites/test_{name}.py"


def _suites(value: object, info: ValidationInfo) -> object:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(
        isinstance(v, str) and v.strip() for v in names
    ):
        raise expected("a list of suite names or paths")
    if not names and info.field_name == "suites":
        raise problem("empty", "name at least one suite, e.g. [json_extraction]")
    modules = tuple(suite_module(v.strip()) for v in names)
    if len(set(modules)) != len(modules):
        raise problem(f"a suite is named twice in {value!r}", "name each suite once")
    return modules


def _metric(value: object) -> object:
    from harness.metrics import get_metric

    try:
        get_metric(_text(value))
    except HarnessError as exc:
        text, _, known = str(exc).partition(" (")
        raise problem(text, known.removesuffix(")") or None) from None
    return value


_Suites = Annotated[tuple[str, ...], BeforeValidator(_suites)]


class GateSettings(_Settings):
    """How every checkpoint is gated: task suites, forgetting guards and checkpoint selection.

    Suites are names (``json_extraction`` is ``suites/test_json_extraction.py``)
    or paths to suite modules, relative to the project root (where ``pytest
    suites/`` runs). Guard suites are judged as paired regressions against the
    base model with ``tolerance``, not by their release thresholds.
    """

    suites: _Suites
    guard_suites: _Suites = tuple(f"suites/test_{n}.py" for n in DEFAULT_GUARD_SUITES)
    primary_metric: Annotated[str, BeforeValidator(_metric)]
    patience: Annotated[int, _integer(0)] = 3
    min_delta: Annotated[float, _number(positive=False)] = 0.0
    # Never test, which is the release verdict's.
    split: Literal["dev", "all"] = "dev"
    tolerance: Annotated[float, _number(positive=False)] = 0.02
    limit: Annotated[int | None, _integer(1)] = None
    # Where checkpoints are evaluated: one vLLM engine with each checkpoint's adapter
    # hot-loaded (vllm), the live model in the trainer (hf), or vllm where installed (auto).
    backend: GateBackend = "auto"
    # How a checkpoint reaches the engine: merged into its weights (fast on CPU, where
    # vLLM's LoRA ops are pure torch), as a LoRA adapter (fast on a GPU), or auto.
    adapter_mode: AdapterMode = "auto"

    @model_validator(mode="after")
    def _each_suite_once(self) -> Self:
        both = sorted(set(self.suites) & set(self.guard_suites))
        if both:
            text = f"{', '.join(both)} is also a task suite"
            raise problem(text, "name each suite once", at=("guard_suites",))
        return self


class MixSource(_Settings):
    """General chats mixed into training: ``fraction`` of the mixed training set comes from ``file``."""

    file: _InputFile
    fraction: Annotated[float, _number(below=1, why=" (0.05 to 0.1 is typical)")]


# -- the run ----------------------------------------------------------------------------


def _run_name(value: object) -> object:
    if "/" in _text(value) or "\\" in str(value) or value in (".", ".."):
        raise problem(f"{value!r} must not contain a path separator", "name the run, not a path")
    return value


def _model(value: object, info: ValidationInfo) -> object:
    if _text(value) == "embedded":
        return value
    path = _input_path(str(value), info)
    if not path.is_dir():
        raise problem(
            f"{value!r} is neither 'embedded' nor a local model directory: {path} not found",
            "models are never downloaded: give the path of a local transformers model",
        )
    return str(path)


def _output_dir(value: object) -> object:
    return value if isinstance(value, Path) else Path(_text(value)).expanduser()


def _trainer_kwargs(value: object) -> object:
    if not isinstance(value, dict):
        raise expected("a mapping")
    for key in value:
        if not isinstance(key, str):
            raise problem("keys must be strings", "write the SFTConfig field name", at=(str(key),))
        if key in MANAGED_TRAINER_FIELDS:
            text = f"set by the top-level key {MANAGED_TRAINER_FIELDS[key]!r}"
            raise problem(text, "set it there instead", at=(key,))
    return value


def _gate(value: object) -> object:
    if value is False:
        return None
    if not isinstance(value, dict | GateSettings):
        raise expected("a mapping or false")
    return value


class TrainConfig(_Settings):
    """One validated training run; build it with :func:`load_config` or :func:`parse_config`."""

    run_name: Annotated[str, BeforeValidator(_run_name)]
    model: Annotated[str, BeforeValidator(_model)] = "embedded"
    train_file: _InputFile | None = None
    eval_file: _InputFile | None = None
    split: SplitSettings | None = None
    output_dir: Annotated[Path, BeforeValidator(_output_dir)]  # default: runs/<run_name>
    lora: LoraSettings = LoraSettings()
    qlora: bool = False
    max_length: Annotated[int, _integer(1)] = 512
    packing: bool = False
    assistant_only_loss: bool = True
    seed: Annotated[int, _integer(0)] = 42
    learning_rate: Annotated[float, _number()] = 2e-4
    epochs: Annotated[float | None, _number()] = None  # 1.0 unless max_steps is given
    max_steps: Annotated[int | None, _integer(1)] = None
    batch_size: Annotated[int, _integer(1)] = 8
    grad_accum: Annotated[int, _integer(1)] = 1
    save_steps: Annotated[int, _integer(1)] = 50
    threads: Annotated[int | None, _integer(1)] = None
    trainer_kwargs: Annotated[dict[str, Any], BeforeValidator(_trainer_kwargs)] = {}
    gate: Annotated[GateSettings | None, BeforeValidator(_gate)] = None
    # Lax: a YAML list is the tuple (each MixSource stays strict).
    mix: Annotated[tuple[MixSource, ...], Field(strict=False, min_length=1)] = ()
    # Which part of eval_file (a golden suite) gives the eval loss.
    eval_split: Literal["dev", "test", "all"] = "all"
    # refuse stops a run whose answers max_length would cut.
    truncation: Literal["refuse", "allow"] = "refuse"
    _source: str = PrivateAttr("<config>")
    _gate_disabled: bool = PrivateAttr(False)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        """Defaults that depend on other keys: ``output_dir`` and ``epochs``."""
        if not isinstance(data, dict):
            return data
        if "epochs" in data and "max_steps" in data:
            raise problem("give either epochs or max_steps, not both", "remove one", ("max_steps",))
        defaults: dict[str, object] = {} if "max_steps" in data else {"epochs": 1.0}
        if isinstance(data.get("run_name"), str):
            defaults["output_dir"] = DEFAULT_RUNS_DIR / data["run_name"]
        return {**defaults, **data}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.split is not None and (self.train_file or self.eval_file):
            text = "give either split or train_file/eval_file, not both"
            raise problem(text, "split provides both", ("split",))
        if self.split is None and self.train_file is None:
            raise problem("missing", "or give split: {from: FILE}", ("train_file",))
        if self.eval_split != "all" and self.eval_file is None:
            fix = "add eval_file, the golden suite whose split it picks, or remove eval_split"
            raise problem("needs eval_file", fix, ("eval_split",))
        total = sum(s.fraction for s in self.mix)
        if total >= 0.5:
            raise problem(
                f"fractions add up to {total:g}; mixed data must stay a minority of training",
                "keep the sum below 0.5; 0.05 to 0.1 is typical",
                ("mix",),
            )
        return self

    @property
    def source(self) -> str:
        """The config file it was read from, for messages."""
        return self._source

    @property
    def gate_disabled(self) -> bool:
        """``gate: false``: gating was switched off out loud, not left out."""
        return self._gate_disabled

    @property
    def training_files(self) -> tuple[Path, ...]:
        """Every file whose examples are trained on: the task data and each ``mix`` file."""
        task = self.split.source if self.split is not None else self.train_file
        return (*(() if task is None else (task,)), *(m.file for m in self.mix))

    def with_max_steps(self, max_steps: int) -> TrainConfig:
        """A copy that stops after ``max_steps`` optimizer steps (``--max-steps``)."""
        if max_steps < 1:
            raise ConfigError(f"--max-steps: must be at least 1, got {max_steps}")
        return self.model_copy(update={"max_steps": max_steps, "epochs": None})


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


def parse_config(
    data: object, *, source: str = "<config>", base_dir: str | Path = "."
) -> TrainConfig:
    """Validate a config mapping (already read from YAML) into a :class:`TrainConfig`."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, got {YAML.got(data, False)}")
    try:
        config = TrainConfig.model_validate(data, context={"base_dir": Path(base_dir)})
    except ValidationError as err:
        lines = validation_lines(err, where=source, hints=_HINTS, model=TrainConfig, words=YAML)
        raise ConfigError(lines[0]) from None  # the first mistake, on one line
    config._source = source
    config._gate_disabled = data.get("gate") is False
    return config
