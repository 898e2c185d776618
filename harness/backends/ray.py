"""The ``ray`` backend: another variant's backend, replicated over a Ray cluster by Ray Data.

A generation pass becomes one Ray Data pipeline,
``from_items(requests).map_batches(Replica, concurrency=replicas)``: each actor
builds one replica of the inner variant's backend (hf, peft or vllm, adapter
included) with the same :func:`harness.backends.build_backend` a direct run uses,
and answers batches of requests. The completions come back to the calling
process, where the completion cache stores them and the metrics score them; a
replica whose process dies is restarted by Ray and its batch retried
(``max_restarts`` / ``max_task_retries``). No scheduling of our own.

Cache entries are shared with the inner variant run directly: this backend
reports the inner backend's ``name`` and ``fingerprint``, because every
replica is that backend, built the same way from the same settings, so its
outputs are the ones a direct run gives (only where they are computed
differs). Each replica reports its own fingerprint with its answers and a
mismatch stops the run, so an adapter a replica failed to load can never be
stored as the adapter's answers.

``ray.data.llm`` is not used: it builds its own vLLM engine from its own
config, so the hf and peft backends, the harness's adapter identity and its
structured-output handling would not carry over; the actor-pool pattern it
runs on is this one.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field

from harness._types import Completion, GenerationRequest
from harness.backends import (
    BackendOptions,
    BuildContext,
    build_backend,
    check_arguments,
    register_backend,
)
from harness.backends._base import NonNegativeInt, NonNegativeNumber, PositiveInt, PositiveNumber
from harness.errors import ConfigError, HarnessError, MissingDependencyError

if TYPE_CHECKING:
    from harness.backends._base import Backend
    from harness.config import Variant

#: Builds one replica's backend from the inner variant (default: harness.backends.build_backend).
Factory = Callable[["Variant"], "Backend"]

#: Requests per Ray Data pipeline (the completion cache stores each pipeline's answers as it
#: returns). Each pipeline starts its replicas afresh, so one suite is one pipeline.
PIPELINE_REQUESTS = 1024
#: Seconds the replicas may take to start (a cluster short of resources fails after it).
REPLICA_START_TIMEOUT_S = 600


class _Replica:
    """One Ray Data actor: builds one replica of the inner backend, then answers batches."""

    def __init__(self, inner: Variant, factory: Factory | None) -> None:
        self.backend = (factory or build_backend)(inner)

    def __call__(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        """Requests in (pickled), completions out (pickled), with this replica's fingerprint."""
        import numpy as np

        requests = [pickle.loads(blob) for blob in batch["request"]]
        completions = self.backend.generate(requests)
        if len(completions) != len(requests):
            raise HarnessError(
                f"ray backend: the inner backend returned {len(completions)} completions "
                f"for {len(requests)} requests"
            )
        fingerprint = self.backend.fingerprint
        return {
            "index": np.asarray(batch["index"]),
            "completion": np.array([pickle.dumps(c) for c in completions], dtype=object),
            "fingerprint": np.array([fingerprint] * len(completions), dtype=object),
        }


class RayBackend:
    """Runs an inner variant's backend as ``replicas`` Ray Data actors; answers in request order.

    ``inner``: the wrapped variant (its backend, model, adapter and options;
    ``auto`` is resolved here, once, so every replica runs the same backend).
    ``address``: ``None`` starts a local Ray cluster (or joins ``$RAY_ADDRESS``),
    ``"auto"`` joins the cluster running on this node, ``"ray://head:10001"``
    a remote one. A Ray instance already started in this process is reused
    and left running. ``factory`` builds a replica from the inner variant
    (default :func:`harness.backends.build_backend`; it is pickled to the actors).
    """

    def __init__(
        self,
        inner: Variant,
        *,
        address: str | None = None,
        replicas: int = 1,
        cpus_per_replica: float = 1,
        gpus_per_replica: float = 0,
        max_retries: int = 3,
        factory: Factory | None = None,
    ) -> None:
        check_arguments("ray", locals())
        if inner.backend == "ray":
            raise ConfigError(
                f"ray backend: inner: variant {inner.name!r} is itself a ray variant "
                "(name the hf, peft or vllm variant it runs)"
            )
        from harness.config import resolve_auto

        self.inner = resolve_auto(inner)
        self.address = address
        self.replicas = replicas
        self.cpus_per_replica = cpus_per_replica
        self.gpus_per_replica = gpus_per_replica
        self.max_retries = max_retries
        self._factory = factory
        self._started_ray = False

    # -- identity: the inner backend's, so cache entries are shared with a direct run ----

    @functools.cached_property
    def _identity(self) -> tuple[str, str, int]:
        """The inner backend's name, fingerprint and batch size, without loading its model.

        An hf variant with an adapter builds a peft backend, which loads the model
        to attach the adapter; its identity is the lazily built base plus the
        adapter's content hash, composed as :class:`PeftBackend` composes it (the
        replicas' own fingerprints are checked against it on every batch).
        """
        inner = self.inner
        if self._factory is None and inner.backend in ("hf", "peft") and inner.adapter:
            from harness.backends.peft import adapter_fingerprint

            base = build_backend(replace(inner, backend="hf", adapter=None))
            batch = int(getattr(base, "batch_size", 8))
            return "peft", f"{base.fingerprint}+{adapter_fingerprint(inner.adapter)}", batch
        backend = (self._factory or build_backend)(inner)
        try:
            return backend.name, backend.fingerprint, int(getattr(backend, "batch_size", 8))
        finally:
            close = getattr(backend, "close", None)
            if callable(close):
                close()

    @property
    def name(self) -> str:
        """The inner backend's name (part of cache keys, so entries are shared with it)."""
        return self._identity[0]

    @property
    def fingerprint(self) -> str:
        """The inner backend's fingerprint: every replica is that backend, checked per batch."""
        return self._identity[1]

    @property
    def replica_batch_size(self) -> int:
        """Requests per actor call: the inner backend's own batch size."""
        return self._identity[2]

    @property
    def batch_size(self) -> int:
        """Requests per pipeline, the chunk the completion cache persists at a time."""
        return PIPELINE_REQUESTS

    # -- running ---------------------------------------------------------------------------

    def _ray(self) -> Any:
        try:
            import ray
            import ray.data  # the [data] extra: pandas, pyarrow
        except ImportError:
            raise MissingDependencyError("ray", "ray") from None
        if not ray.is_initialized():
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
            self._started_ray = True
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        # Every replica starts before the first batch goes out, so batches spread over all
        # of them; a cluster that cannot place them fails after this long instead of hanging.
        context.wait_for_min_actors_s = REPLICA_START_TIMEOUT_S
        # Ray Data logs each pipeline's start and end at INFO, and that its bars are off
        # (the progress bar is ours) at WARNING.
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        return ray

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """One Ray Data pipeline over the batch; every request answered exactly once, in order."""
        if not requests:
            return []
        expected = self.fingerprint
        ray = self._ray()
        self._check_resources(ray)
        # Ray Data's own default is to restart a dead replica and retry its batch forever;
        # a bound turns a replica that always dies (out of memory) into an error. Ray 2.60
        # marks these pass-through arguments deprecated but names no replacement for them.
        remote_args: dict[str, Any] = {
            "max_restarts": self.max_retries,
            "max_task_retries": self.max_retries,
        }
        if self.gpus_per_replica:
            remote_args["num_gpus"] = self.gpus_per_replica
        items = [{"index": i, "request": pickle.dumps(r)} for i, r in enumerate(requests)]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "`ray_remote_args` is deprecated", DeprecationWarning)
            dataset = ray.data.from_items(items).map_batches(
                _Replica,
                fn_constructor_kwargs={"inner": self.inner, "factory": self._factory},
                batch_size=self.replica_batch_size,
                batch_format="numpy",
                # One batch per replica at a time: a batch queued behind a busy replica
                # would wait while another one idles.
                compute=ray.data.ActorPoolStrategy(
                    size=self.replicas, max_tasks_in_flight_per_actor=1
                ),
                num_cpus=self.cpus_per_replica,
                **remote_args,
            )
        try:
            rows = dataset.take_all()
        except Exception as exc:  # Ray wraps the replica's error; show the person its cause
            cause = _harness_cause(exc)
            if cause is not None:
                raise cause from None
            raise
        return self._collect(rows, requests, expected)

    def _check_resources(self, ray: Any) -> None:
        """On a local cluster, too few CPUs or GPUs for the replicas is an error now, not a hang."""
        if self.address is not None or os.environ.get("RAY_ADDRESS"):
            return  # a remote cluster may add nodes on demand
        have = ray.cluster_resources()
        for what, each in (("CPU", self.cpus_per_replica), ("GPU", self.gpus_per_replica)):
            need = each * self.replicas
            if need > have.get(what, 0):
                raise ConfigError(
                    f"ray backend: {self.replicas} replica(s) x {each} {what} need {need:g} "
                    f"{what}s, the local Ray cluster has {have.get(what, 0):g} (lower replicas "
                    f"or {what.lower()}s_per_replica, or set address to a larger cluster)"
                )

    def _collect(
        self, rows: Sequence[Mapping[str, Any]], requests: Sequence[GenerationRequest], fp: str
    ) -> list[Completion]:
        out: list[Completion | None] = [None] * len(requests)
        for row in rows:
            index = int(row["index"])
            if row["fingerprint"] != fp:
                raise HarnessError(
                    f"ray backend: a replica of {self.inner.name!r} answered as "
                    f"{row['fingerprint']!r}, expected {fp!r} (does every node see the same "
                    "model and adapter files?)"
                )
            if out[index] is not None:
                raise HarnessError(f"ray backend: request {requests[index].id!r} answered twice")
            out[index] = pickle.loads(row["completion"])
        missing = [requests[i].id for i, c in enumerate(out) if c is None]
        if missing:
            raise HarnessError(
                f"ray backend: {len(missing)} request(s) got no answer: {', '.join(missing[:5])}"
            )
        return [c for c in out if c is not None]

    def close(self) -> None:
        """Shut down the Ray instance this backend started (one it found running stays)."""
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False


def _harness_cause(exc: BaseException) -> HarnessError | None:
    """The harness error a replica raised, from inside Ray's wrappers (None when there is none)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, HarnessError):
            return current
        todo += [current.__cause__, current.__context__, getattr(current, "cause", None)]
    return None


def _ray_address(value: object) -> object:
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"expected a Ray address such as 'auto' or 'ray://head:10001', got {value!r} "
            "(leave it out to start a local Ray cluster)"
        )
    return value


class RayOptions(BackendOptions):
    """The ``ray`` keys: see :class:`RayBackend` (``inner`` arrives resolved to its variant)."""

    inner: Any = Field(
        description="the name of the hf, peft or vllm variant to run on Ray, "
        'e.g. inner = "finetuned"'
    )
    address: Annotated[str, BeforeValidator(_ray_address)] | None = None
    replicas: PositiveInt | None = None
    cpus_per_replica: PositiveNumber | None = None
    gpus_per_replica: NonNegativeNumber | None = None
    max_retries: NonNegativeInt | None = None


@register_backend("ray", options=RayOptions, package="ray", extra="ray")
def build(variant: Variant, options: RayOptions, context: BuildContext) -> RayBackend:
    """The inner variant's backend as Ray Data actors; the ray variant's adapter goes to each."""
    inner = options.inner
    # The ray variant's adapter (a gate's checkpoint, or inherited) goes to every replica.
    adapter = variant.adapter if variant.adapter is not None else inner.adapter
    return RayBackend(
        replace(inner, adapter=adapter), **options.model_dump(exclude_none=True, exclude={"inner"})
    )


__all__ = ["PIPELINE_REQUESTS", "RayBackend", "RayOptions"]
