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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness._types import GenerationRequest, GoldenExample, Message, Role, SamplingParams
from harness.backends import backend_names, check_options, option_names
from harness.errors import ConfigError, DataError
from harness.retrieval import (
    DEFAULT_RAG_TEMPLATE,
    DEFAULT_RETRIEVAL_K,
    Passage,
    RetrievalSettings,
)

_COMMON_KEYS = {
    "backend",
    "model",
    "extends",
    "adapter",
    "system_prompt",
    "few_shot",
    "sampling",
    "retrieval",
}
#: Keys of a variant's ``retrieval`` table.
_RETRIEVAL_KEYS = ("corpus", "k", "template")
#: The backends ``auto`` chooses between; an auto variant accepts the options of both.
AUTO_CHOICES = ("vllm", "hf")
#: Environment variable that makes every ``backend = "auto"`` variant use ``hf`` or ``vllm``.
AUTO_BACKEND_ENV = "HARNESS_AUTO_BACKEND"
# One fallback notice per process, however many times the config is loaded.
_auto_notice_shown = False
_SAMPLING_KEYS = {"max_new_tokens", "temperature", "top_p", "stop", "seed"}
_TOP_KEYS = {
    "default_models",
    "report_dir",
    "cache_dir",
    "golden_dir",
    "models",
    "sampling",
    "latency",
    "dev_fraction",
    "judges",
}
#: The judge with a fixed task; any other ``[tool.harness.judges.NAME]`` is a rubric judge.
JUDGES = ("refusal",)
_JUDGE_KEYS = {"variant", "prompt", "max_new_tokens"}
#: Keys of a rubric judge's table (``mode``: pointwise 1-5 score or pairwise preference).
_RUBRIC_KEYS = _JUDGE_KEYS | {"mode", "reference_variant", "threshold", "suites"}
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
_JUDGE_PLACEHOLDER = re.compile(r"\{(question|answer|answer_a|answer_b|reference)\}")
#: Share of each suite's examples in its ``dev`` split (the rest is ``test``). 0.3 keeps
#: most examples for the release verdict, whose interval matters most, while leaving the
#: selection set large enough (62 of 186 extraction examples) to rank checkpoints.
DEFAULT_DEV_FRACTION = 0.3
DEFAULT_SAMPLING = SamplingParams(max_new_tokens=256)
#: Environment variable that picks the latency profile, over ``[tool.harness.latency] profile``.
LATENCY_PROFILE_ENV = "HARNESS_LATENCY_PROFILE"
#: Budget keys a latency profile may set: ``<timing>_<percentile>_s``, in seconds.
LATENCY_BUDGET_KEYS = (
    "ttft_p50_s",
    "ttft_p95_s",
    "tpot_p50_s",
    "tpot_p95_s",
    "e2e_p50_s",
    "e2e_p95_s",
)
_LATENCY_KEYS = {"profile", "concurrency", "max_tokens", "requests", "warmup", "suite", "profiles"}


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
                    Role.USER, self.retrieval.render(question, self.retrieve(example))
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
        try:
            text = self.prompt_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"[tool.harness.judges.{self.name}] prompt: cannot read {self.prompt_path} "
                f"({exc.strerror or exc})"
            ) from None
        needed = JUDGE_PLACEHOLDERS[self.mode]
        missing = set(needed) - set(_JUDGE_PLACEHOLDER.findall(text))
        if missing:
            raise ConfigError(
                f"[tool.harness.judges.{self.name}] prompt: {self.prompt_path} lacks "
                f"{', '.join('{' + m + '}' for m in sorted(missing))} "
                f"(the template needs {' and '.join('{' + m + '}' for m in needed)})"
            )
        return text

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


def _where(path: Path, table: str, key: str | None = None) -> str:
    return f"{path}: [{table}]" + (f" {key}" if key else "")


def _parse_sampling(raw: object, where: str, base: SamplingParams) -> SamplingParams:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table of sampling settings")
    unknown = sorted(set(raw) - _SAMPLING_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}.{unknown[0]}: unknown sampling key (allowed: {', '.join(sorted(_SAMPLING_KEYS))})"
        )
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "stop":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(f"{where}.stop: expected a string or a list of strings")
            values[key] = tuple(value)
        elif key in ("max_new_tokens", "seed"):
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or value < (1 if key == "max_new_tokens" else 0)
            ):
                raise ConfigError(f"{where}.{key}: expected a positive integer, got {value!r}")
            values[key] = value
        else:
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{where}.{key}: expected a non-negative number, got {value!r}")
            if key == "top_p" and not 0 < value <= 1:
                raise ConfigError(f"{where}.top_p: must be in (0, 1], got {value!r}")
            values[key] = float(value)
    return replace(base, **values)


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


def _resolve_variant(
    name: str,
    raw_variants: Mapping[str, Any],
    pyproject: Path,
    default_sampling: SamplingParams,
    stack: tuple[str, ...] = (),
) -> Variant:
    table = f"tool.harness.models.{name}"
    if name in stack:
        raise ConfigError(
            f"{_where(pyproject, table, 'extends')}: circular extends ({' -> '.join((*stack, name))})"
        )
    raw = raw_variants[name]
    if not isinstance(raw, dict):
        raise ConfigError(f"{_where(pyproject, table)}: expected a table")
    parent: Variant | None = None
    ray_inner = (
        _ray_inner(name, raw["inner"], raw_variants, pyproject, default_sampling, stack)
        if "inner" in raw and raw.get("backend", "ray") == "ray"
        else None
    )
    if "extends" not in raw and raw.get("backend") == "ray" and ray_inner is not None:
        # Without extends, a ray variant prompts like the variant it runs.
        parent = ray_inner
    if "extends" in raw:
        target = raw["extends"]
        if not isinstance(target, str) or target not in raw_variants:
            raise ConfigError(
                f"{_where(pyproject, table, 'extends')}: {target!r} is not a defined variant "
                f"(known: {', '.join(sorted(raw_variants))})"
            )
        parent = _resolve_variant(target, raw_variants, pyproject, default_sampling, (*stack, name))
    v = parent or Variant(name=name, sampling=default_sampling)
    backend = raw.get("backend", v.backend)
    known = (*backend_names(), "auto")
    if backend not in known:
        raise ConfigError(
            f"{_where(pyproject, table, 'backend')}: unknown backend {backend!r} "
            f"(known: {', '.join(known)})"
        )
    own = _option_names(backend)
    allowed = _COMMON_KEYS | own
    for key in sorted(set(raw) - allowed):
        owners = [b for b in known if key in _option_names(b)]
        why = (
            f"only for backend {', '.join(owners)}"
            if owners
            else f"allowed: {', '.join(sorted(allowed))}"
        )
        raise ConfigError(f"{_where(pyproject, table, key)}: unknown key ({why})")
    root = pyproject.parent
    changes: dict[str, Any] = {"name": name, "backend": backend}
    if "model" in raw:
        if not isinstance(raw["model"], str) or not raw["model"]:
            raise ConfigError(f"{_where(pyproject, table, 'model')}: expected a model name or path")
        changes["model"] = raw["model"]
    if "adapter" in raw:
        adapter = root / str(raw["adapter"])
        if not adapter.is_dir():
            raise ConfigError(
                f"{_where(pyproject, table, 'adapter')}: {adapter} not found "
                "(give a PEFT adapter or checkpoint directory; paths are relative to pyproject.toml)"
            )
        changes["adapter"] = adapter.resolve()
    if "system_prompt" in raw:
        sp = root / str(raw["system_prompt"])
        if not sp.is_file():
            raise ConfigError(
                f"{_where(pyproject, table, 'system_prompt')}: file {sp} not found "
                "(paths are relative to pyproject.toml)"
            )
        text = sp.read_text(encoding="utf-8").strip()
        if not text:
            raise ConfigError(f"{_where(pyproject, table, 'system_prompt')}: {sp} is empty")
        changes.update(system_prompt=text, system_prompt_path=sp.resolve())
    if "few_shot" in raw:
        fs = root / str(raw["few_shot"])
        where = _where(pyproject, table, "few_shot")
        if not fs.is_file():
            raise ConfigError(
                f"{where}: file {fs} not found (paths are relative to pyproject.toml)"
            )
        changes.update(few_shot=_read_few_shot(fs, where), few_shot_path=fs.resolve())
    if "retrieval" in raw:
        changes["retrieval"] = _parse_retrieval(
            raw["retrieval"], _where(pyproject, table, "retrieval"), root
        )
    if "sampling" in raw:
        changes["sampling"] = _parse_sampling(
            raw["sampling"], _where(pyproject, table, "sampling"), v.sampling
        )
    # An auto parent keeps the options of both backends until the config is resolved,
    # so a child that names hf or vllm still inherits its own backend's options.
    options = {k: v2 for k, v2 in v.options.items() if k in own}
    options.update({k: raw[k] for k in raw if k in own})
    if backend == "ray":
        _check_ray(raw, ray_inner, options, changes, _where(pyproject, table))
    changes["options"] = {}
    for chosen in AUTO_CHOICES if backend == "auto" else (backend,):
        mine = {k: x for k, x in options.items() if k in option_names(chosen)}
        checked = check_options(chosen, mine, _where(pyproject, table))
        # Kept as checked (a list of URLs as a tuple, a share as a float), only keys set.
        changes["options"].update({k: getattr(checked, k) for k in checked.model_fields_set})
    return replace(v, **changes)


def _option_names(backend: str) -> frozenset[str]:
    """The keys a backend takes; ``auto`` takes those of every backend it may choose."""
    if backend == "auto":
        return frozenset().union(*(option_names(b) for b in AUTO_CHOICES))
    return option_names(backend)


def _ray_inner(
    name: str,
    target: object,
    raw_variants: Mapping[str, Any],
    pyproject: Path,
    default_sampling: SamplingParams,
    stack: tuple[str, ...],
) -> Variant:
    """The variant a ray variant runs (``inner``), resolved; never itself a ray variant."""
    where = _where(pyproject, f"tool.harness.models.{name}", "inner")
    if not isinstance(target, str) or target not in raw_variants or target == name:
        known = ", ".join(sorted(n for n in raw_variants if n != name)) or "none"
        raise ConfigError(
            f"{where}: {target!r} is not another defined variant (name the hf, peft or vllm "
            f"variant to run on Ray; known: {known})"
        )
    inner = _resolve_variant(target, raw_variants, pyproject, default_sampling, (*stack, name))
    if inner.backend == "ray":
        raise ConfigError(
            f"{where}: {target!r} is itself a ray variant (name the variant it runs instead)"
        )
    return inner


def _check_ray(
    raw: Mapping[str, Any],
    inner: Variant | None,
    options: dict[str, Any],
    changes: dict[str, Any],
    where: str,
) -> None:
    """A ray variant's ``model`` refused; ``options["inner"]`` becomes the variant each replica builds."""
    if "model" in raw:
        raise ConfigError(
            f"{where} model: a ray variant runs its inner variant's model (set model there)"
        )
    if inner is not None:
        # Only what builds the backend travels to the replicas; prompts are made here.
        options["inner"] = replace(
            inner,
            system_prompt=None,
            system_prompt_path=None,
            few_shot=(),
            few_shot_path=None,
            retrieval=None,
        )
        changes["model"] = inner.model


def _parse_retrieval(raw: object, where: str, root: Path) -> RetrievalSettings:
    """A variant's ``retrieval = {corpus = "...", k = 4, template = "..."}``, checked now.

    The corpus and the template are read here, so a bad passage line or a
    template without its placeholders stops the run before any model loads.
    """
    example = f'(e.g. retrieval = {{corpus = "golden/corpus", k = {DEFAULT_RETRIEVAL_K}}})'
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table {example}")
    for key in sorted(set(raw) - set(_RETRIEVAL_KEYS)):
        raise ConfigError(f"{where}.{key}: unknown key (allowed: {', '.join(_RETRIEVAL_KEYS)})")
    corpus = raw.get("corpus")
    if not isinstance(corpus, str) or not corpus:
        raise ConfigError(
            f"{where}.corpus: required, the path of a directory of .jsonl passage files "
            f"or of one .jsonl file {example}"
        )
    corpus_path = root / corpus
    if not corpus_path.exists():
        raise ConfigError(
            f"{where}.corpus: {corpus_path} not found (give a directory of .jsonl passage "
            "files or one .jsonl file; paths are relative to pyproject.toml)"
        )
    k = raw.get("k", DEFAULT_RETRIEVAL_K)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ConfigError(f"{where}.k: expected an integer >= 1 (passages per question), got {k!r}")
    template = raw.get("template")
    if template is not None and (not isinstance(template, str) or not template):
        raise ConfigError(
            f"{where}.template: expected the path of a prompt template file with "
            f"{{passages}} and {{question}}, got {template!r}"
        )
    try:
        return RetrievalSettings.load(
            corpus_path,
            k,
            DEFAULT_RAG_TEMPLATE if template is None else root / template,
            where=where,
        )
    except DataError as exc:
        raise ConfigError(f"{where}.corpus: the corpus is invalid:\n{exc}") from None


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


def _positive_int(value: object, where: str, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{where}: expected an integer >= {minimum}, got {value!r}")
    return value


def _parse_profile(name: str, raw: object, where: str) -> LatencyProfile:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table of budgets in seconds")
    for key in sorted(set(raw) - set(LATENCY_BUDGET_KEYS)):
        raise ConfigError(
            f"{where} {key}: unknown budget (allowed: {', '.join(LATENCY_BUDGET_KEYS)})"
        )
    if not raw:
        raise ConfigError(f"{where}: set at least one budget ({', '.join(LATENCY_BUDGET_KEYS)})")
    budgets: list[LatencyBudget] = []
    for key in LATENCY_BUDGET_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ConfigError(
                f"{where} {key}: expected a positive number of seconds, got {value!r}"
            )
        timing, percentile, _ = key.split("_")
        budgets.append(LatencyBudget(timing, int(percentile[1:]), float(value)))
    for timing in ("ttft", "tpot", "e2e"):
        p50, p95 = raw.get(f"{timing}_p50_s"), raw.get(f"{timing}_p95_s")
        if p50 is not None and p95 is not None and p50 > p95:
            raise ConfigError(
                f"{where}: {timing}_p50_s ({p50}) is above {timing}_p95_s ({p95}); "
                "a median cannot exceed the 95th percentile"
            )
    return LatencyProfile(name=name, budgets=tuple(budgets))


def _parse_latency(raw: object, path: Path) -> LatencySettings:
    """``[tool.harness.latency]``, strictly; ``$HARNESS_LATENCY_PROFILE`` picks the profile."""
    table = "tool.harness.latency"
    if not isinstance(raw, dict):
        raise ConfigError(f"{_where(path, table)}: expected a table")
    for key in sorted(set(raw) - _LATENCY_KEYS):
        raise ConfigError(
            f"{_where(path, table, key)}: unknown key (allowed: {', '.join(sorted(_LATENCY_KEYS))})"
        )
    raw_profiles = raw.get("profiles", {})
    if not isinstance(raw_profiles, dict) or not raw_profiles:
        raise ConfigError(
            f"{_where(path, table + '.profiles')}: define at least one profile, e.g. "
            "[tool.harness.latency.profiles.cpu] with ttft_p95_s = 1.0"
        )
    profiles = {
        name: _parse_profile(name, body, _where(path, f"{table}.profiles.{name}"))
        for name, body in raw_profiles.items()
    }
    chosen = os.environ.get(LATENCY_PROFILE_ENV)
    source = f"${LATENCY_PROFILE_ENV}"
    if not chosen:
        chosen, source = raw.get("profile"), _where(path, table, "profile")
    if chosen is None:
        raise ConfigError(
            f"{_where(path, table, 'profile')}: required (one of {', '.join(sorted(profiles))}; "
            f"or set ${LATENCY_PROFILE_ENV})"
        )
    if not isinstance(chosen, str) or chosen not in profiles:
        raise ConfigError(
            f"{source}: latency profile {chosen!r} is not defined "
            f"(known: {', '.join(sorted(profiles))}; add [{table}.profiles.{chosen}])"
        )
    settings: dict[str, Any] = {}
    if "concurrency" in raw:
        levels = raw["concurrency"]
        where = _where(path, table, "concurrency")
        if not isinstance(levels, list) or not levels:
            raise ConfigError(f"{where}: expected a non-empty list of integers, e.g. [1, 4]")
        values = tuple(_positive_int(v, where) for v in levels)
        if len(set(values)) != len(values):
            raise ConfigError(f"{where}: {levels} repeats a level")
        settings["concurrency"] = values
    if "max_tokens" in raw:
        # TPOT spreads the time after the first token over the others: it needs two.
        settings["max_tokens"] = _positive_int(
            raw["max_tokens"], _where(path, table, "max_tokens"), minimum=2
        )
    if "requests" in raw:
        settings["requests"] = _positive_int(raw["requests"], _where(path, table, "requests"))
    if "warmup" in raw:
        settings["warmup"] = _positive_int(raw["warmup"], _where(path, table, "warmup"), 0)
    if "suite" in raw:
        if not isinstance(raw["suite"], str) or not raw["suite"]:
            raise ConfigError(f"{_where(path, table, 'suite')}: expected a golden suite name")
        settings["suite"] = raw["suite"]
    return LatencySettings(
        profile=profiles[chosen], profiles=profiles, profile_source=source, **settings
    )


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
    raw = data.get("tool", {}).get("harness", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{_where(path, 'tool.harness')}: expected a table")
    for key in sorted(set(raw) - _TOP_KEYS):
        raise ConfigError(
            f"{_where(path, 'tool.harness', key)}: unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})"
        )
    root = path.parent
    sampling = DEFAULT_SAMPLING
    if "sampling" in raw:
        sampling = _parse_sampling(
            raw["sampling"], _where(path, "tool.harness", "sampling"), sampling
        )
    raw_variants = raw.get("models", {"base": {}})
    if not isinstance(raw_variants, dict) or not raw_variants:
        raise ConfigError(f"{_where(path, 'tool.harness.models')}: expected one table per variant")
    variants = _resolve_auto_variants(
        {n: _resolve_variant(n, raw_variants, path, sampling) for n in raw_variants}
    )
    defaults = raw.get("default_models", [next(iter(variants))])
    if (
        not isinstance(defaults, list)
        or not all(isinstance(d, str) for d in defaults)
        or not defaults
    ):
        raise ConfigError(
            f"{_where(path, 'tool.harness', 'default_models')}: expected a list of variant names"
        )
    for d in defaults:
        if d not in variants:
            raise ConfigError(
                f"{_where(path, 'tool.harness', 'default_models')}: {d!r} is not a defined variant "
                f"(known: {', '.join(sorted(variants))})"
            )
    return HarnessConfig(
        root=root,
        default_models=tuple(defaults),
        report_dir=root / str(raw.get("report_dir", "reports")),
        cache_dir=root / str(raw.get("cache_dir", ".harness-cache")),
        variants=variants,
        golden_dir=root / str(raw.get("golden_dir", "golden")),
        latency=_parse_latency(raw["latency"], path) if "latency" in raw else None,
        dev_fraction=_parse_dev_fraction(raw.get("dev_fraction", DEFAULT_DEV_FRACTION), path),
        judges=_parse_judges(raw["judges"], path, variants) if "judges" in raw else {},
    )


def _parse_judges(
    raw: object, path: Path, variants: Mapping[str, Variant]
) -> dict[str, JudgeSettings]:
    """``[tool.harness.judges.NAME]`` tables: a configured variant and an optional prompt file.

    ``refusal`` is the refusal judge; any other name is a rubric judge
    (``mode``, ``reference_variant``, ``threshold`` besides the common keys).
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{_where(path, 'tool.harness', 'judges')}: expected a table of judges")
    judges: dict[str, JudgeSettings] = {}
    for name, table in raw.items():
        where = f"tool.harness.judges.{name}"
        if not re.fullmatch(r"[A-Za-z_][\w-]*", name):
            raise ConfigError(
                f"{_where(path, where)}: a judge name is letters, digits, _ and - "
                "(it names the metric judge:NAME)"
            )
        if not isinstance(table, dict):
            raise ConfigError(f'{_where(path, where)}: expected a table with variant = "NAME"')
        allowed = _JUDGE_KEYS if name in JUDGES else _RUBRIC_KEYS
        for key in sorted(set(table) - allowed):
            raise ConfigError(
                f"{_where(path, where, key)}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )
        variant = table.get("variant")
        if not isinstance(variant, str) or variant not in variants:
            raise ConfigError(
                f"{_where(path, where, 'variant')}: expected the name of a variant in "
                f"[tool.harness.models] (known: {', '.join(sorted(variants))}), got {variant!r}"
            )
        prompt = table.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise ConfigError(
                f"{_where(path, where, 'prompt')}: expected a path to a prompt file, got {prompt!r}"
            )
        mode = None if name in JUDGES else table.get("mode", "pointwise")
        if mode is not None and mode not in RUBRIC_MODES:
            raise ConfigError(
                f"{_where(path, where, 'mode')}: expected one of {', '.join(RUBRIC_MODES)}, "
                f'got {mode!r} (e.g. mode = "pointwise")'
            )
        reference = table.get("reference_variant")
        if reference is not None and (
            mode != "pairwise" or not isinstance(reference, str) or reference not in variants
        ):
            raise ConfigError(
                f"{_where(path, where, 'reference_variant')}: "
                + (
                    f"expected the name of a variant in [tool.harness.models] "
                    f"(known: {', '.join(sorted(variants))}), got {reference!r}"
                    if mode == "pairwise"
                    else 'only a pairwise judge compares with a variant (set mode = "pairwise")'
                )
            )
        threshold = table.get("threshold", 4)
        if mode != "pointwise" and "threshold" in table:
            raise ConfigError(
                f"{_where(path, where, 'threshold')}: only a pointwise judge has a passing score "
                '(remove it, or set mode = "pointwise")'
            )
        if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold <= 5:
            raise ConfigError(
                f"{_where(path, where, 'threshold')}: expected the lowest passing score, "
                f"a whole number from 1 to 5, got {threshold!r} (e.g. threshold = 4)"
            )
        suites = table.get("suites", [])
        if not isinstance(suites, list) or not all(isinstance(x, str) and x for x in suites):
            raise ConfigError(
                f"{_where(path, where, 'suites')}: expected a list of suite names, got "
                f'{suites!r} (e.g. suites = ["general"]; leave it out to grade every suite)'
            )
        default_prompt = DEFAULT_REFUSAL_PROMPT if mode is None else DEFAULT_RUBRIC_PROMPTS[mode]
        settings = JudgeSettings(
            name=name,
            variant=variant,
            prompt_path=default_prompt if prompt is None else path.parent / prompt,
            max_new_tokens=_positive_int(
                table.get("max_new_tokens", 16 if mode is None else 256),
                _where(path, where, "max_new_tokens"),
            ),
            mode=mode,
            reference_variant=reference,
            threshold=threshold,
            suites=tuple(suites),
        )
        try:
            settings.template()  # a missing file or placeholder is a config error now, not mid-run
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        judges[name] = settings
    return judges


def _parse_dev_fraction(value: object, path: Path) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 < value < 1
    ):
        raise ConfigError(
            f"{_where(path, 'tool.harness', 'dev_fraction')}: expected a number between 0 and 1 "
            f"(exclusive), got {value!r} (e.g. dev_fraction = {DEFAULT_DEV_FRACTION})"
        )
    return float(value)


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
