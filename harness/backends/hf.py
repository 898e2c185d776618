"""The ``hf`` backend: transformers ``generate`` with a chat template, left padding and real batching.

Latency, honestly: a batch is generated as one call, so every request in it
is assigned the batch's wall time as ``latency_s`` — the time a caller waited
for that answer — and ``ttft_s`` stays ``None`` because the first token of
one request is never observed separately. Use the ``openai`` backend in
streaming mode (against vLLM) for TTFT and inter-token latency.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness._heap import collection_paused
from harness._types import Completion, GenerationRequest, Message, SamplingParams
from harness.backends import check_arguments, register_backend, require
from harness.backends._base import (
    Backend,
    BackendOptions,
    BuildContext,
    DType,
    Finished,
    Name,
    PositiveInt,
    in_request_order,
)

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from harness.config import Variant


def _sampling_key(sampling: SamplingParams) -> tuple[Any, ...]:
    return (
        sampling.max_new_tokens,
        sampling.temperature,
        sampling.top_p,
        sampling.stop,
        sampling.seed,
    )


def plan_batches(
    lengths: Sequence[int], max_new_tokens: int, batch_size: int, batch_tokens: int | None
) -> list[list[int]]:
    """Split positions ``0..len(lengths)-1`` (sorted by prompt length) into batches.

    A batch holds at most ``batch_size`` rows and, when ``batch_tokens`` is set, at
    most ``batch_tokens`` key/value positions at its last step: rows x (longest
    prompt + ``max_new_tokens``). A row over the budget on its own gets its own batch.
    """
    batches: list[list[int]] = []
    batch: list[int] = []
    longest = 0
    for i, n in enumerate(lengths):
        widest = max(longest, n)
        full = len(batch) >= batch_size
        if batch_tokens is not None:
            full = full or (len(batch) + 1) * (widest + max_new_tokens) > batch_tokens
        if batch and full:
            batches.append(batch)
            batch, widest = [], n
        batch.append(i)
        longest = widest
    if batch:
        batches.append(batch)
    return batches


def truncate_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` at the first stop string; report whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    if cut < 0:
        return text, False
    return text[:cut], True


class HFBackend:
    """Batched generation with a local transformers model (CPU or GPU).

    Requests with equal sampling settings are batched together, sorted by
    prompt length so padding stays small, ``batch_size`` at a time and, with
    ``batch_tokens``, no more key/value positions per batch than that (see
    :func:`plan_batches`). On CPU a decode step costs about the same for 8 or 32
    short rows (reading the weights dominates), but copying a large key/value
    cache every step makes long prompts in big batches slower than small ones;
    the token budget lets short prompts share big batches and long ones not.
    """

    name = "hf"

    def __init__(
        self,
        model_path: str | Path,
        *,
        fingerprint: str,
        dtype: str = "float32",
        batch_size: int = 8,
        batch_tokens: int | None = None,
        threads: int | None = None,
        device: str | None = None,
        model: PreTrainedModel | None = None,
        tokenizer: PreTrainedTokenizerBase | None = None,
    ) -> None:
        check_arguments(self.name, locals())
        self.model_path = Path(model_path)
        self._fingerprint = fingerprint
        self.dtype = dtype
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.threads = threads
        self.device = device
        self._model = model
        self._tokenizer = tokenizer

    @property
    def fingerprint(self) -> str:
        """The base model's fingerprint plus the dtype (outputs differ across dtypes)."""
        return f"{self._fingerprint}:{self.dtype}"

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Load the tokenizer and the model now, if not yet loaded (else on first use).

        Both load under one pause of garbage collection (see :mod:`harness._heap`),
        so one full collection ends it rather than one after each.
        """
        if self._model is None or self._tokenizer is None:
            with collection_paused():
                self.tokenizer  # noqa: B018
                self.model  # noqa: B018

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        """The tokenizer, loaded on first use, padding on the left."""
        if self._tokenizer is None:
            with collection_paused():  # the first load imports transformers (and torch)
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(str(self.model_path))
        tok = self._tokenizer
        tok.padding_side = "left"  # decoder-only models continue from the right edge
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        return tok

    @property
    def model(self) -> PreTrainedModel:
        """The model, loaded on first use in eval mode."""
        if self._model is None:
            with collection_paused():
                self._model = self._load_model()
        return self._model

    def _load_model(self) -> PreTrainedModel:
        import torch
        from transformers import AutoModelForCausalLM
        from transformers.utils import logging as hf_logging

        if self.threads is not None:
            torch.set_num_threads(self.threads)
        # A 0.1-1 s "Loading weights" bar would land in pytest's captured output;
        # the harness reports progress per suite instead. Restored for other callers.
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            model = AutoModelForCausalLM.from_pretrained(
                str(self.model_path), dtype=getattr(torch, self.dtype)
            )
        finally:
            if bars:
                hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        model.to(device)  # type: ignore[arg-type]
        model.eval()  # type: ignore[no-untyped-call]
        return model

    # -- prompting -----------------------------------------------------------------------

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text the model sees: the tokenizer's chat template plus a generation cue."""
        text = self.tokenizer.apply_chat_template(
            [m.to_dict() for m in messages], add_generation_prompt=True, tokenize=False
        )
        assert isinstance(text, str)
        return text

    # -- generation ----------------------------------------------------------------------

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Generate every request, batched; results in request order."""
        return in_request_order(self.generate_as_completed(requests), len(requests))

    def generate_as_completed(self, requests: Sequence[GenerationRequest]) -> Iterator[Finished]:
        """Generate every request, batched; yield each batch's ``(position, completion)`` pairs."""
        if not requests:
            return
        self.load()
        order = sorted(range(len(requests)), key=lambda i: _sampling_key(requests[i].sampling))
        for _, group in groupby(order, key=lambda i: _sampling_key(requests[i].sampling)):
            indices = list(group)
            ids = {
                i: self.tokenizer(self.render(requests[i].messages), add_special_tokens=False)[
                    "input_ids"
                ]
                for i in indices
            }
            # Similar lengths together keep left padding (wasted compute) small.
            indices.sort(key=lambda i: len(ids[i]))
            plan = plan_batches(
                [len(ids[i]) for i in indices],
                requests[indices[0]].sampling.max_new_tokens,
                self.batch_size,
                self.batch_tokens,
            )
            for positions in plan:
                chunk = [indices[k] for k in positions]
                done = self._generate_batch([requests[i] for i in chunk], [ids[i] for i in chunk])
                yield list(zip(chunk, done, strict=True))

    def _generate_batch(
        self, requests: Sequence[GenerationRequest], prompt_ids: Sequence[list[int]]
    ) -> list[Completion]:
        import torch

        sampling = requests[0].sampling
        tok = self.tokenizer
        model = self.model
        # Prompts were tokenized once, to plan the batches; here they are only padded.
        enc = tok.pad({"input_ids": list(prompt_ids)}, return_tensors="pt")
        enc = enc.to(model.device)
        kwargs: dict[str, Any] = {
            "max_new_tokens": sampling.max_new_tokens,
            "pad_token_id": tok.pad_token_id,
            "eos_token_id": tok.eos_token_id,
        }
        if sampling.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(
                do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p, top_k=None
            )
        if sampling.stop:
            kwargs.update(stop_strings=list(sampling.stop), tokenizer=tok)
        seed = None if sampling.greedy else sampling.seed
        start = time.perf_counter()
        # A seed applies to this batch only: the CPU generator's previous state comes back after.
        with torch.inference_mode(), torch.random.fork_rng(devices=[], enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            out = model.generate(**enc, **kwargs)  # type: ignore[operator]
        elapsed = time.perf_counter() - start
        prompt_len = enc["input_ids"].shape[1]
        completions: list[Completion] = []
        for row, req in enumerate(requests):
            new = out[row, prompt_len:].tolist()
            n_tokens = len(new)
            finish = "length"
            if tok.eos_token_id in new:
                n_tokens = new.index(tok.eos_token_id)
                finish = "stop"
            text = str(tok.decode(new[:n_tokens], skip_special_tokens=True))
            text, hit = truncate_at_stop(text, sampling.stop)
            if hit:
                finish = "stop"
            completions.append(
                Completion(
                    request_id=req.id,
                    text=text,
                    latency_s=elapsed,
                    ttft_s=None,
                    prompt_tokens=int(enc["attention_mask"][row].sum()),
                    completion_tokens=n_tokens,
                    finish_reason=finish,
                )
            )
        return completions


class HFOptions(BackendOptions):
    """The ``hf`` (and ``peft``) keys: see :class:`HFBackend` (unset: its defaults)."""

    dtype: DType | None = None
    batch_size: PositiveInt | None = None
    batch_tokens: PositiveInt | None = None
    threads: PositiveInt | None = None
    device: Name | None = None


@register_backend("hf", options=HFOptions)
def build(variant: Variant, options: HFOptions, context: BuildContext) -> Backend:
    """The variant's model in transformers; with an adapter, through PEFT."""
    if variant.adapter is not None:
        from harness.backends.peft import build as build_peft

        require("peft", "train")
        return build_peft(variant, options, context)
    from harness.models import resolve_model

    path, fingerprint = resolve_model(variant.model)
    return HFBackend(path, fingerprint=fingerprint, **options.model_dump(exclude_none=True))
