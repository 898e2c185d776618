"""``GateCallback``: run the pytest suites on every saved checkpoint while training runs.

The callback is thin, like transformers' ``EarlyStoppingCallback``: the
trainer's ``**kwargs`` become one typed :class:`CheckpointEvent`, evaluation
is :class:`SuiteRunner`'s job (the real ``suites/`` through
:func:`harness.run_suites`, in process, on the live model, on each suite's
``dev`` split: the ``test`` split is the release verdict's and selection never
reads it), and the stop/best decision is :class:`GateTracker`'s, a pure
function of the verdicts so far.

Guard suites (``general``, ``refusal``) catch forgetting: the base model runs
them once per run (completions cached), and every checkpoint's guard metrics
are paired regression gates against it (:func:`forgetting_gates`). A
checkpoint that lost a capability the base had fails its gate.

Evaluation never changes training: the model is put in eval mode without
gradients and its train mode restored (``PeftBackend.from_model``), and the
Python, NumPy and torch RNG states are saved before and restored after, so
the same seed gives bit-identical weights with and without the callback.

The tracker's state (patience counter, best checkpoint, gates that passed)
is exported into each checkpoint's ``trainer_state.json`` after that
checkpoint is judged, so a resumed run keeps it. Under distributed training
only the main process evaluates; the decision is broadcast to every rank. A
sharded model (FSDP, ZeRO-3) is judged from the checkpoint's files, which hold
the whole adapter, since one rank alone cannot run it.
"""

from __future__ import annotations

import ast
import contextlib
import json
import math
import random
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.trainer_callback import ExportableState

from harness._io import atomic_write_text
from harness.config import Variant
from harness.errors import ConfigError, HarnessError
from harness.gates import DEFAULT_ALPHA, GateError, RegressionGate
from harness.metrics import get_metric
from harness.results import Results, RunResults
from harness.run import run_suites
from training.distributed import is_sharded, whole_model_loading
from training.gate_engine import GateEngine, gate_engine_for

if TYPE_CHECKING:
    from training.config import TrainConfig

#: ``kind`` of the gates that compare a checkpoint's guard suites with the base model.
FORGETTING = "forgetting"


@dataclass(frozen=True)
class CheckpointEvent:
    """A checkpoint that was just written: the typed form of the trainer's ``on_save`` kwargs."""

    step: int
    epoch: float | None
    checkpoint_dir: Path
    train_loss: float | None
    eval_loss: float | None


@dataclass
class CheckpointVerdict:
    """What the suites said about one checkpoint."""

    step: int
    passed: bool
    primary: float | None
    gates: list[dict[str, Any]]
    metrics: dict[str, float | None]
    results_path: str
    scorecard_path: str
    train_loss: float | None = None
    eval_loss: float | None = None
    exit_code: int = 0
    gate_seconds: float | None = None  # wall time of this checkpoint's evaluation
    guards: list[dict[str, Any]] = field(default_factory=list)  # forgetting checks vs the base
    split: str = "dev"  # the suites' split the checkpoint was judged on
    train_seconds: float | None = None  # wall time since the previous checkpoint, minus its gate
    # On the run's first checkpoint: the gates' once-per-run work before step 1 (engine
    # start, the base model's guard run), which neither gate_seconds nor train_seconds holds.
    setup_seconds: float | None = None


@dataclass
class Decision:
    """The tracker's answer after one checkpoint."""

    stop: bool
    reason: str | None
    is_best: bool


@dataclass
class GateTracker:
    """Best checkpoint and early stopping from checkpoint verdicts; no I/O, no torch.

    * best: among checkpoints that pass every gate, the highest ``primary``
      (lowest, for lower-is-better metrics); ties keep the earlier step;
    * regression: a gate that passed at the best checkpoint fails now → stop;
    * plateau: ``patience`` checkpoints in a row without improving the best
      passing ``primary`` by more than ``min_delta`` → stop;
    * forgetting: a guard suite's capability dropped significantly below the
      base model's (a failed ``forgetting`` gate) → stop (``stop_on_forgetting``);
    * ``stop_on_failure``: stop at the first checkpoint that fails any gate.
    """

    higher_is_better: bool = True
    patience: int = 3
    min_delta: float = 0.0
    stop_on_regression: bool = True
    stop_on_failure: bool = False
    stop_on_forgetting: bool = True
    counter: int = 0
    best_step: int | None = None
    best_value: float | None = None
    best_passing_gates: list[str] = field(default_factory=list)

    def _improves(self, value: float | None) -> bool:
        if value is None:
            return False
        if self.best_value is None:
            return True
        delta = value - self.best_value if self.higher_is_better else self.best_value - value
        return delta > self.min_delta

    def update(self, verdict: CheckpointVerdict) -> Decision:
        """Fold in one checkpoint's verdict; say whether to stop and whether it is the best."""
        failed = [g["key"] for g in verdict.gates if not g["passed"]]
        regressed = sorted(set(failed) & set(self.best_passing_gates))
        is_best = verdict.passed and self._improves(verdict.primary)
        if is_best:
            self.best_step, self.best_value = verdict.step, verdict.primary
            self.best_passing_gates = [g["key"] for g in verdict.gates if g["passed"]]
            self.counter = 0
        else:
            self.counter += 1
        if self.stop_on_regression and regressed:
            return Decision(
                True, f"regression: {', '.join(regressed)} passed at step {self.best_step}", is_best
            )
        forgot = [
            g["key"] for g in verdict.gates if g.get("kind") == FORGETTING and not g["passed"]
        ]
        if self.stop_on_forgetting and forgot:
            return Decision(True, f"forgetting: {', '.join(forgot)} below the base model", is_best)
        if self.stop_on_failure and failed:
            return Decision(True, f"gate failed: {', '.join(failed)}", is_best)
        if self.patience and self.counter >= self.patience:
            return Decision(
                True,
                f"plateau: no better passing checkpoint in {self.counter} checkpoint(s)",
                is_best,
            )
        return Decision(False, None, is_best)

    def export(self) -> dict[str, Any]:
        """The mutable state, for the checkpoint."""
        return {
            "counter": self.counter,
            "best_step": self.best_step,
            "best_value": self.best_value,
            "best_passing_gates": list(self.best_passing_gates),
        }

    def restore(self, attributes: Mapping[str, Any]) -> None:
        """Take back exported state (resume from a checkpoint)."""
        self.counter = int(attributes.get("counter", 0))
        self.best_step = attributes.get("best_step")
        self.best_value = attributes.get("best_value")
        self.best_passing_gates = list(attributes.get("best_passing_gates", []))


@contextlib.contextmanager
def preserved_rng() -> Iterator[None]:
    """Save Python, NumPy and torch (CPU and CUDA) RNG states; restore them afterwards."""
    import numpy as np
    import torch

    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        with torch.random.fork_rng(devices=range(torch.cuda.device_count())):
            yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def _report_folder(step: int) -> str:
    """The folder, under the run's report directory, of one checkpoint's results and scorecard."""
    return f"checkpoint-{step}"


@dataclass
class SuiteRunner:
    """Runs the suites in process (:func:`harness.run_suites`) on the model under judgement.

    A checkpoint is variant ``finetuned`` (the base + its adapter): on the live
    model the trainer holds (hf path, without reloading), on the run's vLLM engine
    with the checkpoint's weights loaded (``engine``), or with neither (``model=None``,
    a sharded run) on the variant's own backend loading the checkpoint's files, as
    ``pytest --harness-adapter`` does. The guard suites' base run uses the engine too.
    """

    suites: Sequence[str]
    report_root: Path
    project_root: Path = field(default_factory=Path.cwd)
    limit: int | None = None
    pytest_args: Sequence[str] = ()
    guard_suites: Sequence[str] = ()
    split: str = "dev"
    base_variant: str = "base"
    engine: GateEngine | None = None  # the run's vLLM engine; None: the live model via hf
    #: The checkpoint's variant: ``--harness-adapter``'s, as a separate run names it.
    variant_name: ClassVar[str] = "finetuned"

    def _backend_env(self) -> contextlib.AbstractContextManager[Any]:
        """``backend = "auto"`` variants resolve to the gate's own path while the suites run.

        The base run and every checkpoint are then evaluated the same way (hf: the
        live model and an hf base; vllm: the run's engine), so a forgetting guard
        never compares an hf checkpoint with a vLLM base.
        """
        import os
        from unittest import mock

        from harness.config import AUTO_BACKEND_ENV

        path = "vllm" if self.engine is not None else "hf"
        return mock.patch.dict(os.environ, {AUTO_BACKEND_ENV: path})

    def _run(
        self,
        suites: Sequence[str],
        report_dir: Path,
        variant: str,
        backend: Callable[[Variant], Any] | None,
        adapter: Path | None = None,
    ) -> RunResults:
        with self._backend_env(), preserved_rng():
            return run_suites(
                suites,
                variants=[variant],
                backends=None if backend is None else {variant: backend},
                report_dir=report_dir,
                root=self.project_root,
                adapter=adapter,
                # Checkpoints are chosen on dev; the test split is the release verdict's alone.
                split=self.split,
                limit=self.limit,
                pytest_args=["-q", *self.pytest_args],
            )

    def run(
        self, event: CheckpointEvent, model: Any, tokenizer: Any, base_fingerprint: str
    ) -> RunResults:
        """Evaluate one checkpoint on the task and guard suites."""
        engine = self.engine

        def live(variant: Variant) -> Any:
            if engine is not None:
                return engine.backend(event.checkpoint_dir)
            from harness.backends.peft import PeftBackend

            # The variant's batching, as a separate `pytest --harness-adapter` run uses:
            # batches pad differently, and padding can flip a greedy near-tie.
            batching = {
                k: v for k, v in variant.options.items() if k in ("batch_size", "batch_tokens")
            }
            return PeftBackend.from_model(
                model, tokenizer, fingerprint=base_fingerprint, **batching
            )

        try:
            return self._run(
                [*self.suites, *self.guard_suites],
                self.report_root / _report_folder(event.step),
                self.variant_name,
                # Neither an engine nor a model (a sharded run): the variant's own backend.
                live if engine is not None or model is not None else None,
                adapter=event.checkpoint_dir,
            )
        finally:
            if engine is not None:
                engine.unload()

    def run_base(self) -> RunResults:
        """Evaluate the guard suites on the base variant once, into ``<report>/base``.

        The base model is the project's ``base_variant`` (``[tool.harness.models]``),
        so its completions come from the completion cache after the first run.
        """
        engine = self.engine
        # On the engine path the base model runs on the same engine as the checkpoints,
        # so a guard compares like with like (same kernels, same dtype).
        return self._run(
            self.guard_suites,
            self.report_root / BASE_FOLDER,
            self.base_variant,
            None if engine is None else lambda variant: engine.backend(None),
        )


#: Folder, under the run's report directory, of the base model's guard-suite results.
BASE_FOLDER = "base"


def suite_name(module: Path) -> str:
    """The golden suite a suite module evaluates: its ``SUITE = "..."``, else the file's stem."""
    try:
        tree = ast.parse(module.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        tree = ast.Module(body=[], type_ignores=[])
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "SUITE" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return module.stem.removeprefix("test_")


def forgetting_gates(
    base: Results,
    checkpoint: Results,
    suites: Sequence[str],
    *,
    variant: str,
    base_variant: str = "base",
    tolerance: float = 0.02,
    alpha: float = DEFAULT_ALPHA,
) -> list[dict[str, Any]]:
    """Paired regression gates of each guard suite's metrics: checkpoint against the base model.

    A guard suite's metrics are the ones its own gates name in the base run
    (every directional metric it recorded, if it has no gate). A significant
    drop beyond ``tolerance`` means the fine-tune lost something the base model
    could do. Missing results are a :class:`HarnessError`, never a pass.
    """
    out: list[dict[str, Any]] = []
    for suite in suites:
        aggregates = [
            a
            for a in base.aggregates
            if a.suite == suite and a.variant == base_variant and a.higher_is_better is not None
        ]
        if not aggregates:
            raise HarnessError(
                f"forgetting guard: no base-model results for suite {suite!r} "
                f"(variant {base_variant!r}); run its suite on the base model first"
            )
        gated = [g.metric for g in base.gates if g.suite == suite and g.variant == base_variant]
        usable = {a.metric for a in aggregates if a.n > 0}
        metrics = [m for m in dict.fromkeys(gated) if m in usable] or sorted(usable)
        for metric in metrics:
            try:
                record = RegressionGate(
                    metric, tolerance=tolerance, alpha=alpha, name=f"{metric} no forgetting"
                ).evaluate(base, checkpoint, suite, variant, baseline_variant=base_variant)
            except GateError as exc:
                raise HarnessError(f"forgetting guard on {suite}/{metric}: {exc}") from None
            out.append(
                {
                    "key": f"{suite}/{record.gate}",
                    "suite": suite,
                    "metric": metric,
                    "kind": FORGETTING,
                    "op": "no significant drop vs base",
                    "threshold": None,
                    "value": record.value,
                    "base_value": record.baseline_value,
                    "p_value": record.p_value,
                    "tolerance": tolerance,
                    "n": record.n,
                    "higher_is_better": next(
                        a.higher_is_better for a in aggregates if a.metric == metric
                    ),
                    "lost_ids": list(record.failing_ids),
                    "passed": record.passed,
                }
            )
    return out


def verdict_from_results(
    results: Results,
    event: CheckpointEvent,
    primary_metric: str,
    variant: str,
    exit_code: int,
    *,
    guards: Sequence[dict[str, Any]] = (),
    guard_suites: Sequence[str] = (),
    failed_tests: Sequence[str] | None = None,
    split: str = "dev",
) -> CheckpointVerdict:
    """Turn a checkpoint's results.json into a verdict (gate keys are ``suite/metric op threshold``).

    Task suites are judged by their own gates; guard suites (``guard_suites``,
    by golden suite name) by ``guards``, the forgetting gates against the base
    model, since their release thresholds say nothing about what a fine-tune lost.
    """
    shown = ("suite", "metric", "kind", "op", "threshold", "value", "passed")
    gates = [
        {"key": f"{g.suite}/{g.gate}", **{k: getattr(g, k) for k in shown}}
        for g in results.gates
        if g.variant == variant and g.suite not in guard_suites
    ]
    gates += [dict(g) for g in guards]
    metrics = {f"{a.suite}/{a.metric}": a.mean for a in results.aggregates if a.variant == variant}
    primary_values = [
        a.mean
        for a in results.aggregates
        if a.variant == variant and a.metric == primary_metric and a.mean is not None
    ]
    # pytest exits 0 (all passed) or 1 (tests failed); anything else is an error, never a pass.
    # A failed test of a task suite without a failed gate (a gate error) fails the checkpoint too.
    # Unknown failures (``failed_tests=None``): only a clean exit passes.
    clean = exit_code == 0 if failed_tests is None else exit_code in (0, 1) and not failed_tests
    passed = clean and bool(gates) and all(g["passed"] for g in gates)
    folder = _report_folder(event.step)
    return CheckpointVerdict(
        step=event.step,
        passed=passed,
        primary=sum(primary_values) / len(primary_values) if primary_values else None,
        gates=gates,
        metrics=metrics,
        results_path=f"{folder}/results.json",
        scorecard_path=f"{folder}/scorecard.html",
        train_loss=event.train_loss,
        eval_loss=event.eval_loss,
        exit_code=exit_code,
        guards=[dict(g) for g in guards],
        split=split,
    )


class GateCallback(TrainerCallback, ExportableState):
    """Gate every checkpoint with the pytest suites; keep the best passing one; stop on regression."""

    def __init__(
        self,
        suites: Sequence[str],
        *,
        run_name: str,
        primary_metric: str = "schema_valid",
        report_root: str | Path = "reports",
        runs_root: str | Path = "runs",
        report_dir: str | Path | None = None,
        best_dir: str | Path | None = None,
        project_root: str | Path | None = None,
        tokenizer: Any = None,
        base_fingerprint: str = "base",
        patience: int = 3,
        min_delta: float = 0.0,
        stop_on_regression: bool = True,
        stop_on_failure: bool = False,
        limit: int | None = None,
        pytest_args: Sequence[str] = (),
        guard_suites: Sequence[str] = (),
        split: str = "dev",
        tolerance: float = 0.02,
        base_variant: str = "base",
        stop_on_forgetting: bool = True,
        engine: GateEngine | None = None,
    ) -> None:
        if not suites:
            raise HarnessError(
                "GateCallback: give at least one suite (e.g. suites/test_json_extraction.py)"
            )
        if split not in ("dev", "all"):
            raise HarnessError(
                f"GateCallback: split must be dev or all, got {split!r} "
                "(test is the release verdict's; checkpoints are chosen on dev)"
            )
        root = Path(project_root or Path.cwd()).resolve()
        missing = [s for s in [*suites, *guard_suites] if not (root / s).is_file()]
        if missing:
            raise HarnessError(
                f"GateCallback: suite module(s) not found under {root}: {', '.join(missing)} "
                "(name suites as in `pytest suites/`, e.g. suites/test_refusal.py)"
            )
        spec = get_metric(primary_metric)
        self.run_name = run_name
        self.primary_metric = primary_metric
        # reports/<run>/ and runs/<run>/best unless given explicitly
        self.report_dir = Path(report_dir) if report_dir else Path(report_root) / run_name
        self.best_dir = Path(best_dir) if best_dir else Path(runs_root) / run_name / "best"
        self.tokenizer = tokenizer
        self.base_fingerprint = base_fingerprint
        self.runner = SuiteRunner(
            suites=list(suites),
            report_root=self.report_dir,
            project_root=root,
            limit=limit,
            pytest_args=list(pytest_args),
            guard_suites=list(guard_suites),
            split=split,
            base_variant=base_variant,
            engine=engine,
        )
        if engine is not None and engine.log_path is None:
            # The engine's output goes beside the run page, not between the verdicts.
            engine.log_path = self.report_dir / "engine.log"
        self.tolerance = tolerance
        # Golden suite names, as results.json records them.
        self.guard_names = [suite_name(root / s) for s in guard_suites]
        self.base_results: Results | None = None
        self.tracker = GateTracker(
            higher_is_better=spec.higher_is_better is not False,
            patience=patience,
            min_delta=min_delta,
            stop_on_regression=stop_on_regression,
            stop_on_failure=stop_on_failure,
            stop_on_forgetting=stop_on_forgetting,
        )
        self.history: list[CheckpointVerdict] = []
        self.stop_reason: str | None = None
        self.evaluations = 0
        self._last_mark: float | None = None  # end of the previous gate (or train start)
        #: Seconds of the once-per-run work before the first step: the engine's start and
        #: the base model's guard run (None until then, or without guard suites).
        self.setup_seconds: float | None = None

    @classmethod
    def from_config(cls, config: TrainConfig, **overrides: Any) -> GateCallback:
        """The callback a run config's ``gate:`` section describes; ``overrides`` win.

        Suites are named from the working directory, the project root where
        ``pytest suites/`` runs; a missing one is an error naming the config key.
        """
        from harness.models import resolve_model

        gate = config.gate
        if gate is None:
            raise ConfigError(f"{config.source}: gate: missing (add a gate: section)")
        for key in ("suites", "guard_suites"):
            missing = [s for s in getattr(gate, key) if not Path(s).is_file()]
            if missing:
                raise ConfigError(
                    f"{config.source}: gate.{key}: {', '.join(missing)} not found under "
                    f"{Path.cwd()} (suites are named from the project root, where `pytest "
                    "suites/` runs)"
                )
        engine = gate_engine_for(
            gate.backend,
            model=config.model,
            lora_rank=config.lora.r,
            qlora=config.qlora,
            adapter_mode=gate.adapter_mode,
        )
        arguments = {
            # Every other setting is the argument of the same name.
            **gate.model_dump(exclude={"suites", "backend", "adapter_mode"}),
            "run_name": config.run_name,
            "best_dir": config.output_dir / "best",
            "base_fingerprint": resolve_model(config.model)[1],
            "engine": engine,
        }
        return cls(gate.suites, **{**arguments, **overrides})

    # -- exported state ------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What transformers stores in ``trainer_state.json`` (``ExportableState``)."""
        return {
            "args": {
                "suites": list(self.runner.suites),
                "guard_suites": list(self.runner.guard_suites),
                "split": self.runner.split,
                "run_name": self.run_name,
            },
            "attributes": self.tracker.export(),
        }

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        """Run the base model's guard suites; on resume, take the tracker's state back.

        The base run happens once, before the first step: guard suites or an
        engine that cannot run stop the run here rather than after the first
        stretch of training, and each checkpoint's ``gate_seconds`` is then its
        own evaluation (the once-per-run cost is :attr:`setup_seconds`).
        """
        if state.is_world_process_zero and self.runner.guard_suites and self.base_results is None:
            started = time.perf_counter()
            with whole_model_loading():
                self._base_results()
            self.setup_seconds = round(time.perf_counter() - started, 3)
        self._last_mark = time.perf_counter()
        callbacks: Any = state.stateful_callbacks or {}
        saved = callbacks.get(type(self).__name__) if isinstance(callbacks, dict) else None
        if isinstance(saved, list):
            saved = saved[0] if saved else None
        if isinstance(saved, dict):
            self.tracker.restore(saved.get("attributes", {}))
        history = self.report_dir / "history.json"
        if saved and history.is_file():
            rows = json.loads(history.read_text(encoding="utf-8"))
            self.history = [CheckpointVerdict(**r) for r in rows if r["step"] <= state.global_step]

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        """Shut down the run's vLLM engine (if the gates used one)."""
        if self.runner.engine is not None:
            self.runner.engine.close()

    # -- the hook ------------------------------------------------------------------------

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> TrainerControl:
        """Evaluate the checkpoint just written (main process), decide, tell every rank."""
        event = _event(args, state)
        decision: Decision | None = None
        if state.is_world_process_zero:
            decision = self._judge(event, kwargs.get("model"), kwargs.get("processing_class"))
        stop = _broadcast_stop(decision.stop if decision else False)
        if stop:
            control.should_training_stop = True
        return control

    def _judge(self, event: CheckpointEvent, model: Any, processing_class: Any) -> Decision:
        tokenizer = self.tokenizer or processing_class
        if tokenizer is None:
            raise HarnessError("GateCallback: no tokenizer (pass tokenizer=… to the callback)")
        self.evaluations += 1
        if model is not None and is_sharded(model):
            # Rank 0 holds a shard only, and a forward would wait for the other ranks
            # (they wait for this verdict): judge the whole adapter the trainer saved.
            model = None
        started = time.perf_counter()
        with whole_model_loading():  # this rank alone loads models: never ZeRO-3-partitioned
            base = self._base_results()
            results = self.runner.run(event, model, tokenizer, self.base_fingerprint)
        finished = time.perf_counter()
        code = results.exit_code
        if not results.examples:
            raise HarnessError(
                f"GateCallback: the suites wrote no results for checkpoint-{event.step} "
                f"(pytest exit code {code}); run them by hand to see why"
            )
        guards = (
            forgetting_gates(
                base,
                results,
                self.guard_names,
                variant=self.runner.variant_name,
                base_variant=self.runner.base_variant,
                tolerance=self.tolerance,
            )
            if base is not None
            else []
        )
        guard_files = {Path(s).name for s in self.runner.guard_suites}
        verdict = verdict_from_results(
            results,
            event,
            self.primary_metric,
            self.runner.variant_name,
            code,
            guards=guards,
            guard_suites=self.guard_names,
            # A guard suite's own release thresholds do not decide a checkpoint.
            failed_tests=[
                f for f in results.failed_tests if Path(f.split("::")[0]).name not in guard_files
            ],
            split=self.runner.split,
        )
        verdict.gate_seconds = round(finished - started, 3)
        if self._last_mark is not None:
            verdict.train_seconds = round(started - self._last_mark, 3)
        if not self.history:
            verdict.setup_seconds = self.setup_seconds
        self._last_mark = finished
        decision = self.tracker.update(verdict)
        self.history.append(verdict)
        if decision.is_best:
            _replace_dir(event.checkpoint_dir, self.best_dir)
        if decision.stop:
            self.stop_reason = decision.reason
        _export_into_checkpoint(event.checkpoint_dir, type(self).__name__, self.state())
        self._write_pages()
        return decision

    def _base_results(self) -> Results | None:
        """The base model's guard-suite results: evaluated once per run, then reused."""
        if not self.runner.guard_suites:
            return None
        if self.base_results is None:
            base = self.runner.run_base()
            if base.exit_code not in (0, 1) or not base.examples:
                raise HarnessError(
                    f"GateCallback: the guard suites did not run on the base model "
                    f"(pytest exit code {base.exit_code}); run them by hand to see why: pytest "
                    f"{' '.join(self.runner.guard_suites)} --harness-models "
                    f"{self.runner.base_variant} --harness-split {self.runner.split}"
                )
            self.base_results = base
        return self.base_results

    def _write_pages(self) -> None:
        from training.run_page import write_run_page

        atomic_write_text(
            self.report_dir / "history.json",
            json.dumps([asdict(v) for v in self.history], indent=2),
        )
        write_run_page(
            self.report_dir / "index.html",
            run_name=self.run_name,
            history=self.history,
            best_step=self.tracker.best_step,
            primary_metric=self.primary_metric,
            stop_reason=self.stop_reason,
            best_dir=str(self.best_dir),
            split=self.runner.split,
            base_scorecard=f"{BASE_FOLDER}/scorecard.html" if self.base_results else None,
        )


def _event(args: TrainingArguments, state: TrainerState) -> CheckpointEvent:
    train_loss = eval_loss = None
    for row in reversed(state.log_history):
        if train_loss is None and "loss" in row:
            train_loss = float(row["loss"])
        if eval_loss is None and "eval_loss" in row:
            eval_loss = float(row["eval_loss"])
    return CheckpointEvent(
        step=state.global_step,
        epoch=state.epoch,
        checkpoint_dir=Path(str(args.output_dir)) / f"checkpoint-{state.global_step}",
        train_loss=train_loss if train_loss is None or math.isfinite(train_loss) else None,
        eval_loss=eval_loss,
    )


def _broadcast_stop(stop: bool) -> bool:
    """Rank 0's decision reaches every rank (no-op without torch.distributed)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return stop
    flag = [stop]
    dist.broadcast_object_list(flag, src=0)
    return bool(flag[0])


def _replace_dir(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` (adapter files only), replacing it whole."""
    tmp = dst.with_name(dst.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in src.iterdir():
        # Optimizer and scheduler state (and FSDP's resume copy of the model) are for
        # resuming, not for shipping.
        resume_only = ("optimizer", "scheduler", "rng_state", "pytorch_model_fsdp")
        if f.is_file() and not f.name.startswith(resume_only):
            shutil.copy2(f, tmp / f.name)
    (tmp / "SOURCE").write_text(f"{src}\n", encoding="utf-8")
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)


def _export_into_checkpoint(checkpoint: Path, name: str, exported: dict[str, Any]) -> None:
    """Rewrite the checkpoint's callback state after judging it, so a resume keeps the verdict."""
    path = checkpoint / "trainer_state.json"
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("stateful_callbacks", {})[name] = exported
    # Atomic: a crash here must not leave the checkpoint unable to resume.
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
