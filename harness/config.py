"""``[tool.harness]`` in pyproject.toml: named model variants and run settings.

A *variant* is a backend plus what is done to each prompt: a system prompt
and few-shot examples ("prompted") or an adapter ("fine-tuned")::

    [tool.harness]
    default_models = ["base", "prompted"]

    [tool.harness.models.base]
    backend = "hf"
    model = "embedded"

    [tool.harness.models.prompted]
    extends = "base"
    system_prompt = "golden/prompts/system.txt"
    few_shot = "golden/prompts/few_shot.jsonl"

A variant with ``retrieval`` puts the top ``k`` BM25 passages of a corpus into
the last user turn through a template with ``{passages}`` and ``{question}``
(``template`` defaults to ``harness/resources/rag.txt``; see
:mod:`harness.retrieval`)::

    [tool.harness.models.rag]
    extends = "base"
    retrieval = {corpus = "golden/corpus", k = 4}

``[tool.harness.latency]`` sets how the latency suite measures (concurrency
levels, tokens, requests) and per-hardware budgets; ``$HARNESS_LATENCY_PROFILE``
picks a profile over its ``profile`` key::

    [tool.harness.latency]
    profile = "cpu"
    concurrency = [1, 4]

    [tool.harness.latency.profiles.cpu]
    ttft_p95_s = 1.0
    tpot_p95_s = 0.1

``backend = "auto"`` is resolved when the config loads: ``vllm`` where the
vllm package is installed, else ``hf`` with a one-line notice on stderr (once
per process); ``$HARNESS_AUTO_BACKEND=hf|vllm`` picks one instead. An auto
variant accepts the options of both backends and keeps those of the one it
resolved to; without ``dtype`` each backend keeps its own default (``hf``
float32, ``vllm`` bfloat16). Everything downstream (fingerprints,
results.json, the scorecard) sees the resolved backend.

Unknown keys and missing files are errors that name the table and key.
Paths are relative to the directory holding pyproject.toml.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self, TypeGuard, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from harness._types import GenerationRequest, GoldenExample, Message, Role, SamplingParams
from harness._validation import expected, problem, validation_issues
from harness.backends import AUTO_CHOICES, backend_names, check_options, option_names
from harness.errors import ConfigError, DataError
from harness.retrieval import (
    DEFAULT_RAG_TEMPLATE,
    DEFAULT_RETRIEVAL_K,
    Passage,
    RetrievalSettings,
    read_template,
    render_prompt,
)

#: Environment variable that makes every ``backend = "auto"`` variant use ``hf`` or ``vllm``.
AUTO_BACKEND_ENV = "HARNESS_AUTO_BACKEND"
# One fallback notice per process, however many times the config is loaded.
_auto_notice_shown = False
#: The judge with a fixed task; any other ``[tool.harness.judges.NAME]`` is a rubric judge.
JUDGES = ("refusal",)
#: How a rubric judge grades: one answer on a 1-5 scale, or two answers against each other.
RUBRIC_MODES = ("pointwise", "pairwise")
_JUDGES_DIR = Path(__file__).parent / "resources" / "judges"
#: The published refusal-judge prompt (``{question}`` and ``{answer}`` are filled in).
DEFAULT_REFUSAL_PROMPT = _JUDGES_DIR / "refusal.txt"
#: The published rubric prompts, per mode.
DEFAULT_RUBRIC_PROMPTS = {
    "pointwise": _JUDGES_DIR / "rubric_pointwise.txt",
    "pairwise": _JUDGES_DIR / "rubric_pairwise.txt",
}
#: Placeholders each kind of judge prompt must contain (``{reference}`` is optional).
JUDGE_PLACEHOLDERS = {
    None: ("question", "answer"),
    "pointwise": ("question", "answer"),
    "pairwise": ("question", "answer_a", "answer_b"),
}
#: Share of each suite's examples in its ``dev`` split (the rest is ``test``). 0.3 keeps
#: most examples for the release verdict, whose interval matters most, while leaving the
#: selection set large enough (62 of 186 extraction examples) to rank checkpoints.
DEFAULT_DEV_FRACTION = 0.3
DEFAULT_SAMPLING = SamplingParams(max_new_tokens=256)
#: Environment variable that picks the latency profile, over ``[tool.harness.latency] profile``.
LATENCY_PROFILE_ENV = "HARNESS_LATENCY_PROFILE"


@dataclass(frozen=True)
class Variant:
    """One named model variant, fully resolved (``extends`` applied, files read)."""

    name: str
    backend: str = "hf"
    model: str = "embedded"
    adapter: Path | None = None
    system_prompt: str | None = None
    system_prompt_path: Path | None = None
    few_shot: tuple[Message, ...] = ()
    few_shot_path: Path | None = None
    sampling: SamplingParams = DEFAULT_SAMPLING
    options: Mapping[str, Any] = field(default_factory=dict)
    retrieval: RetrievalSettings | None = None

    @property
    def backend_key(self) -> tuple[Any, ...]:
        """Variants with equal keys can share one loaded backend (prompting is not part of it)."""
        return (
            self.backend,
            self.model,
            None if self.adapter is None else str(self.adapter),
            tuple(sorted((k, repr(v)) for k, v in self.options.items())),
        )

    def prompt(self, example: GoldenExample) -> tuple[Message, ...]:
        """The messages this variant sends for an example.

        The variant's system prompt comes first, followed by the example's
        own system message (if any) after a blank line; then the few-shot
        turns; then the example's turns. With ``retrieval``, the last user
        turn becomes the retrieval template filled with the passages found for
        it and the question itself.
        """
        turns = list(example.messages)
        system_parts: list[str] = []
        if self.system_prompt:
            system_parts.append(self.system_prompt)
        if turns and turns[0].role is Role.SYSTEM:
            system_parts.append(turns.pop(0).content)
        if self.retrieval is not None:
            users = [i for i, m in enumerate(turns) if m.role is Role.USER]
            if users:
                question = turns[users[-1]].content
                turns[users[-1]] = Message(
                    Role.USER,
                    render_prompt(self.retrieval.template, question, self.retrieve(example)),
                )
        head = [Message(Role.SYSTEM, "\n\n".join(system_parts))] if system_parts else []
        return (*head, *self.few_shot, *turns)

    def retrieve(self, example: GoldenExample) -> tuple[Passage, ...]:
        """The passages this variant's retrieval finds for an example's last user turn.

        Empty without ``retrieval`` or without a user turn; the same passages
        every call (the retriever is deterministic and memoised).
        """
        question = example.last_user_turn
        if self.retrieval is None or question is None:
            return ()
        return self.retrieval.retrieve(question)

    def request(
        self, example: GoldenExample, sampling: SamplingParams | None = None
    ) -> GenerationRequest:
        """The generation request for one example."""
        return GenerationRequest(
            id=example.id,
            messages=self.prompt(example),
            sampling=sampling or self.sampling,
            json_schema=example.expect.schema,
        )


@dataclass(frozen=True)
class LatencyBudget:
    """One budget of a profile: a percentile of a timing must stay at or under ``seconds``."""

    timing: str  # "ttft", "tpot" or "e2e"
    percentile: int  # 50 or 95
    seconds: float

    @property
    def key(self) -> str:
        """The budget's config key, e.g. ``ttft_p95_s``."""
        return f"{self.timing}_p{self.percentile}_s"


@dataclass(frozen=True)
class LatencyProfile:
    """Latency budgets for one kind of hardware (``[tool.harness.latency.profiles.NAME]``)."""

    name: str
    budgets: tuple[LatencyBudget, ...]

    def budget(self, key: str) -> float | None:
        """The budget in seconds for a key such as ``ttft_p50_s``, or ``None`` when not set."""
        return next((b.seconds for b in self.budgets if b.key == key), None)


@dataclass(frozen=True)
class LatencySettings:
    """``[tool.harness.latency]``: how latency is measured and the active profile's budgets.

    ``requests`` streamed chat requests are sent at each concurrency level,
    after ``warmup`` requests that are not counted; prompts are the first
    examples of the golden ``suite`` as each variant would send them.
    """

    profile: LatencyProfile
    profiles: Mapping[str, LatencyProfile]
    concurrency: tuple[int, ...] = (1, 4)
    max_tokens: int = 32
    requests: int = 8
    warmup: int = 2
    suite: str = "general"
    profile_source: str = "profile"  # where the profile name came from, for messages


@dataclass(frozen=True)
class JudgeSettings:
    """One ``[tool.harness.judges.NAME]`` table: which variant judges, with which prompt.

    ``mode`` is ``None`` for the refusal judge and ``"pointwise"`` or
    ``"pairwise"`` for a rubric judge; a pairwise judge compares an answer with
    ``reference_variant``'s answer to the same example, or with the example's
    reference when none is named. ``threshold``: the lowest 1-5 score that passes.
    ``suites``: the suites it grades (empty: every evaluated suite).
    """

    name: str
    variant: str
    prompt_path: Path = DEFAULT_REFUSAL_PROMPT
    max_new_tokens: int = 16
    mode: str | None = None
    reference_variant: str | None = None
    threshold: int = 4
    suites: tuple[str, ...] = ()

    def template(self) -> str:
        """The prompt template, read from its file; the mode's placeholders must be there."""
        where = f"[tool.harness.judges.{self.name}] prompt"
        return read_template(self.prompt_path, where, JUDGE_PLACEHOLDERS[self.mode])

    @property
    def prompt_digest(self) -> str:
        """sha256 of the template, so results say exactly which prompt judged."""
        return hashlib.sha256(self.template().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class HarnessConfig:
    """The whole ``[tool.harness]`` table."""

    root: Path
    default_models: tuple[str, ...]
    report_dir: Path
    cache_dir: Path
    variants: Mapping[str, Variant]
    golden_dir: Path | None = None
    latency: LatencySettings | None = None
    dev_fraction: float = DEFAULT_DEV_FRACTION
    judges: Mapping[str, JudgeSettings] = field(default_factory=dict)

    def suite_path(self, suite: str | Path) -> Path:
        """A suite name (``json_extraction``) or path to its golden file."""
        candidate = Path(suite)
        if candidate.suffix == ".jsonl":
            return candidate if candidate.is_absolute() else self.root / candidate
        return (self.golden_dir or self.root / "golden") / f"{suite}.jsonl"

    def variant(self, name: str) -> Variant:
        """A variant by name; a clear error lists the known ones."""
        try:
            return self.variants[name]
        except KeyError:
            known = ", ".join(sorted(self.variants)) or "none"
            raise ConfigError(
                f"model variant {name!r} is not defined (known: {known}); "
                f"add [tool.harness.models.{name}] to pyproject.toml"
            ) from None

    def with_adapter(
        self, adapter: Path, name: str = "finetuned", extends: str = "base"
    ) -> HarnessConfig:
        """A copy with a fine-tuned variant ``name`` = ``extends`` + ``adapter``."""
        if not adapter.is_dir():
            what = "is not a directory" if adapter.exists() else "does not exist"
            raise ConfigError(
                f"adapter: {adapter} {what} (give a checkpoint folder such as "
                "runs/<run>/checkpoint-N; runs/<run>/best exists only when a checkpoint "
                "passed every gate)"
            )
        base = self.variant(extends)
        variants = dict(self.variants)
        variants[name] = replace(base, name=name, adapter=adapter.resolve())
        return replace(self, variants=variants)


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


# -- the tables of [tool.harness]: a pydantic model each, checked where it is named -------------


def _int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)  # TOML's true is not 1


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(s, str) and s for s in value)


def _must(what: str, ok: Callable[[Any], bool], convert: Callable[[Any], Any] = lambda v: v) -> Any:
    """A value ``ok`` accepts, as ``convert`` makes it; else "expected {what}, got {value}"."""

    def check(value: object) -> object:
        if not ok(value):
            raise expected(what)
        return convert(value)

    return BeforeValidator(check)


def _at_least(minimum: int, unit: str = "") -> Any:
    return _must(f"an integer >= {minimum}{unit}", lambda v: _int(v) and v >= minimum)


def _text(what: str) -> Any:
    return _must(what, lambda v: isinstance(v, str) and bool(v))


def _project_path(kind: str, fix: str = "") -> Any:
    """A file, directory or either that exists, relative to pyproject.toml (the context's ``root``)."""
    exists = {"file": Path.is_file, "directory": Path.is_dir}.get(kind, Path.exists)

    def check(value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str) or not value:
            raise expected(f"the path of a {kind}")
        path = Path((info.context or {})["root"]) / value
        if not exists(path):
            text = f"file {path} not found" if kind == "file" else f"{path} not found"
            raise problem(text, f"{fix}paths are relative to pyproject.toml")
        return path

    return BeforeValidator(check)


def _variant(says: str) -> Any:
    """The name of a variant in ``[tool.harness.models]`` (the context's ``variants``)."""

    def check(value: object, info: ValidationInfo) -> object:
        known = (info.context or {})["variants"]
        if not isinstance(value, str) or value not in known:
            raise problem(says.format(value=value), f"known: {', '.join(sorted(known))}")
        return value

    return BeforeValidator(check)


def _backend(value: object) -> object:
    known = (*backend_names(), "auto")
    if value not in known:
        raise problem(f"unknown backend {value!r}", f"known: {', '.join(known)}")
    return value


def _levels(value: object) -> object:
    if not isinstance(value, list) or not value:
        raise expected("a non-empty list of integers")
    for level in value:
        if not _int(level) or level < 1:
            raise problem(f"expected an integer >= 1, got {level!r}", _HINTS["concurrency"])
    if len(set(value)) != len(value):
        raise problem(f"{value} repeats a level", "give each level once")
    return tuple(value)


def _top_p(value: object) -> object:
    if not (_number(value) and 0 < value <= 1):
        raise problem(f"must be in (0, 1], got {value!r}", "e.g. top_p = 0.95")
    return float(value)


_JUDGING = "expected the name of a variant in [tool.harness.models], got {value!r}"
#: How to fix a key, where the check of its value does not say (keys as in the table checked).
_HINTS = {
    "models": "define one table per variant, e.g. [tool.harness.models.base]",
    "default_models": 'e.g. default_models = ["base"]',
    "dev_fraction": f"e.g. dev_fraction = {DEFAULT_DEV_FRACTION}",
    "retrieval.corpus": "the path of a directory of .jsonl passage files or of one .jsonl file",
    "retrieval.k": f"e.g. k = {DEFAULT_RETRIEVAL_K}",
    "retrieval.template": "leave it out for the default template",
    "concurrency": "e.g. concurrency = [1, 4]",
    "profiles": "define at least one profile, e.g. [tool.harness.latency.profiles.cpu] "
    "with ttft_p95_s = 1.0",
    "mode": 'e.g. mode = "pointwise"',
    "threshold": "e.g. threshold = 4",
    "suites": 'e.g. suites = ["general"]; leave it out to grade every suite',
}
_PositiveInt = Annotated[int, _at_least(1)]


class _Table(BaseModel):
    # strict: TOML's "4" is not the integer 4, nor true the number 1.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Sampling(_Table):
    """``sampling``: decoding settings; the keys given replace those inherited."""

    key_noun: ClassVar[str] = "sampling key"
    max_new_tokens: _PositiveInt | None = None
    temperature: Annotated[
        float | None, _must("a non-negative number", lambda v: _number(v) and v >= 0, float)
    ] = None
    top_p: Annotated[float | None, BeforeValidator(_top_p)] = None
    stop: Annotated[
        tuple[str, ...] | None,
        _must(
            "a string or a list of strings",
            lambda v: _strings([v] if isinstance(v, str) else v),
            lambda v: tuple([v] if isinstance(v, str) else v),
        ),
    ] = None
    seed: Annotated[int, _at_least(0)] | None = None

    def apply(self, base: SamplingParams) -> SamplingParams:
        """``base`` with the keys this table sets."""
        return replace(base, **{k: getattr(self, k) for k in self.model_fields_set})


class _Retrieval(_Table):
    """A variant's ``retrieval = {corpus = "...", k = 4, template = "..."}``."""

    corpus: Annotated[
        Path,
        _project_path(
            "file or directory", "give a directory of .jsonl passage files or one .jsonl file; "
        ),
    ]
    k: Annotated[int, _at_least(1, " (passages per question)")] = DEFAULT_RETRIEVAL_K
    template: Annotated[
        str | None, _text("the path of a prompt template file with {passages} and {question}")
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _table(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise problem("expected a table", 'e.g. retrieval = {corpus = "golden/corpus", k = 4}')
        return data


class _VariantTable(_Table):
    """The keys of every ``[tool.harness.models.NAME]``; its backend's options model checks the rest."""

    backend: Annotated[str | None, BeforeValidator(_backend)] = None
    extends: Annotated[str | None, _variant("{value!r} is not a defined variant")] = None
    model: Annotated[str | None, _text("a model name or path")] = None
    adapter: Annotated[
        Path | None, _project_path("directory", "give a PEFT adapter or checkpoint directory; ")
    ] = None
    system_prompt: Annotated[Path | None, _project_path("file")] = None
    few_shot: Annotated[Path | None, _project_path("file")] = None
    sampling: _Sampling | None = None
    retrieval: _Retrieval | None = None


_Seconds = Annotated[
    float | None, _must("a positive number of seconds", lambda v: _number(v) and v > 0, float)
]


class _Budgets(_Table):
    """``[tool.harness.latency.profiles.NAME]``: budgets ``<timing>_<percentile>_s``, in seconds."""

    key_noun: ClassVar[str] = "budget"
    ttft_p50_s: _Seconds = None
    ttft_p95_s: _Seconds = None
    tpot_p50_s: _Seconds = None
    tpot_p95_s: _Seconds = None
    e2e_p50_s: _Seconds = None
    e2e_p95_s: _Seconds = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.model_fields_set:
            raise problem("set at least one budget", ", ".join(LATENCY_BUDGET_KEYS))
        for timing in ("ttft", "tpot", "e2e"):
            p50, p95 = getattr(self, f"{timing}_p50_s"), getattr(self, f"{timing}_p95_s")
            if p50 is not None and p95 is not None and p50 > p95:
                text = f"{timing}_p50_s ({p50:g}) is above {timing}_p95_s ({p95:g})"
                raise problem(text, "a median cannot exceed the 95th percentile")
        return self

    def profile(self, name: str) -> LatencyProfile:
        """The budgets set, in key order."""
        budgets = []
        for key in LATENCY_BUDGET_KEYS:
            timing, percentile, _ = key.split("_")
            if (seconds := getattr(self, key)) is not None:
                budgets.append(LatencyBudget(timing, int(percentile[1:]), seconds))
        return LatencyProfile(name, tuple(budgets))


#: Budget keys a latency profile may set: ``<timing>_<percentile>_s``, in seconds.
LATENCY_BUDGET_KEYS = tuple(_Budgets.model_fields)


class _Latency(_Table):
    """``[tool.harness.latency]``; keys left out keep :class:`LatencySettings`' defaults."""

    profile: str | None = None
    concurrency: Annotated[tuple[int, ...] | None, BeforeValidator(_levels)] = None
    # TPOT spreads the time after the first token over the others: it needs two.
    max_tokens: Annotated[int | None, _at_least(2)] = None
    requests: _PositiveInt | None = None
    warmup: Annotated[int | None, _at_least(0)] = None
    suite: Annotated[str | None, _text("a golden suite name")] = None
    profiles: Annotated[dict[str, dict[str, Any]], Field(min_length=1)]


class _RefusalJudge(_Table):
    """``[tool.harness.judges.refusal]``: the variant that judges, and its prompt file."""

    max_new_tokens: _PositiveInt = 16
    prompt: Annotated[str | None, _text("a path to a prompt file")] = None
    variant: Annotated[str, _variant(_JUDGING)]


class _RubricJudge(_RefusalJudge):
    """Any other ``[tool.harness.judges.NAME]``: a rubric judge (see :class:`JudgeSettings`)."""

    max_new_tokens: _PositiveInt = 256
    mode: Annotated[str, _must("one of pointwise, pairwise", lambda v: v in RUBRIC_MODES)] = (
        "pointwise"
    )
    reference_variant: Annotated[str | None, _variant(_JUDGING)] = None
    suites: Annotated[tuple[str, ...], _must("a list of suite names", _strings, tuple)] = ()
    threshold: Annotated[
        int,
        _must(
            "the lowest passing score, a whole number from 1 to 5",
            lambda v: _int(v) and 1 <= v <= 5,
        ),
    ] = 4

    @model_validator(mode="after")
    def _keys_of_the_mode(self) -> Self:
        if self.reference_variant is not None and self.mode != "pairwise":
            fix, at = 'set mode = "pairwise"', ("reference_variant",)
            raise problem("only a pairwise judge compares with a variant", fix, at)
        if "threshold" in self.model_fields_set and self.mode != "pointwise":
            fix, at = 'remove it, or set mode = "pointwise"', ("threshold",)
            raise problem("only a pointwise judge has a passing score", fix, at)
        return self


class _Harness(_Table):
    """``[tool.harness]``; each variant, judge and the latency table is checked on its own."""

    default_models: Annotated[
        tuple[str, ...] | None, _must("a list of variant names", lambda v: _strings(v) and v, tuple)
    ] = None
    report_dir: str = "reports"
    cache_dir: str = ".harness-cache"
    golden_dir: str = "golden"
    models: Annotated[dict[str, dict[str, Any]], Field(min_length=1)] = {"base": {}}
    sampling: _Sampling = _Sampling()
    latency: dict[str, Any] | None = None
    dev_fraction: Annotated[
        float,
        _must("a number between 0 and 1 (exclusive)", lambda v: _number(v) and 0 < v < 1, float),
    ] = DEFAULT_DEV_FRACTION
    judges: dict[str, dict[str, Any]] = {}

    @model_validator(mode="after")
    def _defaults_defined(self) -> Self:
        for name in self.default_models or ():
            if name not in self.models:
                known = f"known: {', '.join(sorted(self.models))}"
                raise problem(f"{name!r} is not a defined variant", known, ("default_models",))
        return self


T = TypeVar("T", bound=BaseModel)


def _check(
    model: type[T], data: object, where: str, hints: Mapping[str, str] | None = None, **context: Any
) -> T:
    """``data`` as ``model``; the first problem is a one-line error after ``where`` (file and table)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        hints = {**_HINTS, **(hints or {})}
        issue = validation_issues(exc, where=where, hints=hints, model=model)[0]
        key = "" if issue.field == "(root)" else f" {issue.field}"
        raise ConfigError(f"{where}{key}: {issue.problem} ({issue.fix})") from None


def load_config(pyproject: Path | None = None) -> HarnessConfig:
    """Read ``[tool.harness]``; with no pyproject.toml, a single embedded ``base`` variant."""
    path = pyproject or find_pyproject()
    if path is None:
        root = Path.cwd()
        return HarnessConfig(
            root, ("base",), root / "reports", root / ".harness-cache", {"base": Variant("base")}
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    top = _check(_Harness, data.get("tool", {}).get("harness", {}), f"{path}: [tool.harness]")
    root = path.parent
    variants = _resolve_auto_variants({n: _resolve_variant(n, top, path) for n in top.models})
    return HarnessConfig(
        root=root,
        default_models=top.default_models or (next(iter(variants)),),
        report_dir=root / top.report_dir,
        cache_dir=root / top.cache_dir,
        variants=variants,
        golden_dir=root / top.golden_dir,
        latency=None if top.latency is None else _latency(top.latency, path),
        dev_fraction=top.dev_fraction,
        judges={n: _judge(n, table, path, variants) for n, table in top.judges.items()},
    )


def _resolve_variant(name: str, top: _Harness, path: Path, stack: tuple[str, ...] = ()) -> Variant:
    """Variant ``name``: what it extends (or the ray variant's ``inner``) with its own keys on top."""
    where = f"{path}: [tool.harness.models.{name}]"
    if name in stack:
        raise ConfigError(f"{where} extends: circular extends ({' -> '.join((*stack, name))})")
    raw = top.models[name]
    common = {k: v for k, v in raw.items() if k in _VariantTable.model_fields}
    table = _check(_VariantTable, common, where, root=path.parent, variants=top.models)
    inner = None
    if "inner" in raw and (table.backend or "ray") == "ray":
        inner = _ray_inner(name, raw["inner"], top, path, (*stack, name))
    # Without extends, a ray variant prompts like the variant it runs.
    parent = inner if table.backend == "ray" else None
    if table.extends is not None:
        parent = _resolve_variant(table.extends, top, path, (*stack, name))
    v = parent or Variant(name=name, sampling=top.sampling.apply(DEFAULT_SAMPLING))
    backend = table.backend or v.backend
    # An auto parent keeps the options of both backends until the config is resolved,
    # so a child that names hf or vllm still inherits its own backend's options.
    options = {k: x for k, x in v.options.items() if k in option_names(backend)}
    options.update({k: x for k, x in raw.items() if k not in common})
    checked = check_options(backend, options, where, also=_VariantTable.model_fields)
    # Kept as checked (a list of URLs as a tuple, a share as a float), only keys set.
    changes: dict[str, Any] = {
        "name": name,
        "backend": backend,
        "options": {k: getattr(checked, k) for k in checked.model_fields_set},
    }
    if backend == "ray":
        if table.model is not None:
            raise ConfigError(
                f"{where} model: a ray variant runs its inner variant's model (set model there)"
            )
        if inner is not None:
            # Only what builds the backend travels to the replicas; prompts are made here.
            changes["options"]["inner"] = replace(
                inner,
                system_prompt=None,
                system_prompt_path=None,
                few_shot=(),
                few_shot_path=None,
                retrieval=None,
            )
            changes["model"] = inner.model
    if table.model is not None:
        changes["model"] = table.model
    if table.adapter is not None:
        changes["adapter"] = table.adapter.resolve()
    if table.system_prompt is not None:
        text = table.system_prompt.read_text(encoding="utf-8").strip()
        if not text:
            raise ConfigError(f"{where} system_prompt: {table.system_prompt} is empty")
        changes.update(system_prompt=text, system_prompt_path=table.system_prompt.resolve())
    if table.few_shot is not None:
        changes.update(
            few_shot=_read_few_shot(table.few_shot, f"{where} few_shot"),
            few_shot_path=table.few_shot.resolve(),
        )
    if table.retrieval is not None:
        changes["retrieval"] = _load_retrieval(table.retrieval, f"{where} retrieval", path.parent)
    if table.sampling is not None:
        changes["sampling"] = table.sampling.apply(v.sampling)
    return replace(v, **changes)


def _ray_inner(
    name: str, target: object, top: _Harness, path: Path, stack: tuple[str, ...]
) -> Variant:
    """The variant a ray variant runs (``inner``), resolved; never itself a ray variant."""
    where = f"{path}: [tool.harness.models.{name}] inner"
    if not isinstance(target, str) or target not in top.models or target == name:
        known = ", ".join(sorted(n for n in top.models if n != name)) or "none"
        raise ConfigError(
            f"{where}: {target!r} is not another defined variant (name the hf, peft or vllm "
            f"variant to run on Ray; known: {known})"
        )
    inner = _resolve_variant(target, top, path, stack)
    if inner.backend == "ray":
        raise ConfigError(
            f"{where}: {target!r} is itself a ray variant (name the variant it runs instead)"
        )
    return inner


def _read_few_shot(path: Path, where: str) -> tuple[Message, ...]:
    from harness.golden import load_golden

    try:
        golden = load_golden(path, require_reference=True)
    except DataError as exc:
        raise ConfigError(f"{where}: few-shot file is invalid:\n{exc}") from None
    turns: list[Message] = []
    for ex in golden.examples:
        turns.extend(m for m in ex.messages if m.role is not Role.SYSTEM)
        assert ex.reference is not None
        turns.append(Message(Role.ASSISTANT, ex.reference))
    return tuple(turns)


def _load_retrieval(table: _Retrieval, where: str, root: Path) -> RetrievalSettings:
    """The corpus and the template read now: a bad passage line stops the run before a model loads."""
    template = DEFAULT_RAG_TEMPLATE if table.template is None else root / table.template
    try:
        return RetrievalSettings.load(table.corpus, table.k, template, where=where)
    except DataError as exc:
        raise ConfigError(f"{where}.corpus: the corpus is invalid:\n{exc}") from None


def _latency(raw: Mapping[str, Any], path: Path) -> LatencySettings:
    """``[tool.harness.latency]``; ``$HARNESS_LATENCY_PROFILE`` picks the profile over ``profile``."""
    where = f"{path}: [tool.harness.latency]"
    table = _check(_Latency, raw, where)
    profiles = {
        name: _check(_Budgets, body, f"{path}: [tool.harness.latency.profiles.{name}]").profile(
            name
        )
        for name, body in table.profiles.items()
    }
    chosen, source = os.environ.get(LATENCY_PROFILE_ENV), f"${LATENCY_PROFILE_ENV}"
    if not chosen:
        chosen, source = table.profile, f"{where} profile"
    if chosen is None:
        raise ConfigError(
            f"{where} profile: required (one of {', '.join(sorted(profiles))}; "
            f"or set ${LATENCY_PROFILE_ENV})"
        )
    if chosen not in profiles:
        raise ConfigError(
            f"{source}: latency profile {chosen!r} is not defined (known: "
            f"{', '.join(sorted(profiles))}; add [tool.harness.latency.profiles.{chosen}])"
        )
    given = {k: getattr(table, k) for k in table.model_fields_set - {"profile", "profiles"}}
    return LatencySettings(
        profile=profiles[chosen], profiles=profiles, profile_source=source, **given
    )


def _judge(
    name: str, raw: Mapping[str, Any], path: Path, variants: Mapping[str, Variant]
) -> JudgeSettings:
    """``[tool.harness.judges.NAME]``; its prompt is read now, not mid-run."""
    where = f"{path}: [tool.harness.judges.{name}]"
    if not re.fullmatch(r"[A-Za-z_][\w-]*", name):
        raise ConfigError(
            f"{where}: a judge name is letters, digits, _ and - (it names the metric judge:NAME)"
        )
    known = f"name the variant that judges; known: {', '.join(sorted(variants))}"
    model = _RefusalJudge if name in JUDGES else _RubricJudge
    table = _check(model, raw, where, {"variant": known}, variants=variants)
    mode = getattr(table, "mode", None)
    default = DEFAULT_REFUSAL_PROMPT if mode is None else DEFAULT_RUBRIC_PROMPTS[mode]
    settings = JudgeSettings(
        name=name,
        prompt_path=default if table.prompt is None else path.parent / table.prompt,
        **table.model_dump(exclude={"prompt"}),
    )
    try:
        settings.template()  # a missing file or placeholder is a config error now, not mid-run
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return settings


def auto_backend() -> str:
    """What ``backend = "auto"`` means here: ``$HARNESS_AUTO_BACKEND``, else vllm if installed, else hf."""
    from harness.backends import vllm_available

    chosen = os.environ.get(AUTO_BACKEND_ENV, "").strip()
    if chosen and chosen not in AUTO_CHOICES:
        raise ConfigError(
            f"${AUTO_BACKEND_ENV}: expected hf or vllm, got {chosen!r} "
            "(unset it to use vllm where installed, else hf)"
        )
    if chosen == "vllm" and not vllm_available():
        raise ConfigError(
            f"${AUTO_BACKEND_ENV}=vllm: vllm is not installed ({_VLLM_INSTALL}; "
            f"or set {AUTO_BACKEND_ENV}=hf)"
        )
    return chosen or ("vllm" if vllm_available() else "hf")


_VLLM_INSTALL = "pip install 'golden-harness[cpu]' on CPU, 'golden-harness[vllm]' on a GPU"


def resolve_auto(variant: Variant, backend: str | None = None) -> Variant:
    """An ``auto`` variant as the backend it resolves to, keeping only that backend's options."""
    if variant.backend != "auto":
        return variant
    chosen = backend or auto_backend()
    options = {k: v for k, v in variant.options.items() if k in option_names(chosen)}
    return replace(variant, backend=chosen, options=options)


def _resolve_auto_variants(variants: dict[str, Variant]) -> dict[str, Variant]:
    """Every ``auto`` variant resolved; one notice per process when that means hf for lack of vllm."""
    global _auto_notice_shown
    auto = [name for name, v in variants.items() if v.backend == "auto"]
    if not auto:
        return variants
    backend = auto_backend()
    if backend == "hf" and not os.environ.get(AUTO_BACKEND_ENV) and not _auto_notice_shown:
        _auto_notice_shown = True
        print(
            f"golden-harness: vllm is not installed, so variant(s) {', '.join(auto)} "
            f'(backend "auto") run on hf, several times slower; {_VLLM_INSTALL} '
            f"(or set {AUTO_BACKEND_ENV}=hf to keep hf without this notice)",
            file=sys.stderr,
        )
    return {name: resolve_auto(v, backend) for name, v in variants.items()}


def parse_model_list(text: str, config: HarnessConfig) -> list[Variant]:
    """``"base,prompted"`` to variants, in order, each defined."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ConfigError("--harness-models: give at least one variant name, e.g. base,prompted")
    for name in names:
        words = name.split()
        # "base prompted" is two names, not an undefined variant to add to pyproject.toml.
        if len(words) > 1 and name not in config.variants:
            raise ConfigError(
                f"--harness-models: {name!r} is not one variant name; separate names with "
                f"commas: {','.join(words)}"
            )
    return [config.variant(n) for n in names]
