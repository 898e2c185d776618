"""Automatic garbage collection is paused while a backend loads its model, and only then."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness._heap import collection_paused
from harness.backends.hf import HFBackend


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records each explicit gc.collect() call."""
    calls: list[int] = []
    real = gc.collect

    def collect(generation: int = 2) -> int:
        calls.append(generation)
        return real(generation)

    monkeypatch.setattr(gc, "collect", collect)
    return calls


def test_paused_inside_and_back_on_after(collections: list[int]) -> None:
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner block does not turn it back on early"
        assert collections == [], "nor collect"
    assert gc.isenabled()
    assert collections == [2], "one full collection ends the outermost block"


def test_back_on_after_an_error() -> None:
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("load failed")
    assert gc.isenabled()


def test_a_caller_that_turned_it_off_keeps_it_off(collections: list[int]) -> None:
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()
    assert collections == []


def test_garbage_made_while_paused_is_collected_after() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    with collection_paused():
        cycle = Cycle()
        ref = weakref.ref(cycle)
        del cycle
        assert ref() is not None, "a reference cycle waits for a collection"
    gc.collect()
    assert ref() is None


class _Loaded:
    """Stands in for a model or tokenizer: records whether collection was on at load."""

    def __init__(self) -> None:
        self.collecting = gc.isenabled()
        self.padding_side = "right"
        self.pad_token = "<pad>"

    def to(self, device: str) -> _Loaded:
        return self

    def eval(self) -> _Loaded:
        return self


def test_hf_backend_loads_model_and_tokenizer_with_collection_paused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, collections: list[int]
) -> None:
    import transformers

    def load(*args: Any, **kwargs: Any) -> _Loaded:
        return _Loaded()

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", load)
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", load)
    alone = HFBackend(tmp_path, fingerprint="x", device="cpu")
    assert alone.tokenizer.collecting is False  # type: ignore[attr-defined]
    assert alone.model.collecting is False  # type: ignore[attr-defined]
    assert gc.isenabled(), "back on once loaded"
    collections.clear()
    both = HFBackend(tmp_path, fingerprint="x", device="cpu")
    both.load()  # what generate does first
    assert both.tokenizer.collecting is False  # type: ignore[attr-defined]
    assert both.model.collecting is False  # type: ignore[attr-defined]
    assert collections == [2], "one pause for both: one collection"
    both.load()
    assert collections == [2], "loaded once"
