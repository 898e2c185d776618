"""The garbage collector around loading a model: paused while its libraries import.

Importing torch, transformers or vLLM and loading weights makes hundreds of
thousands of objects that live as long as the process, and almost no garbage.
The collector cannot know that: each time enough objects are made it walks
them all again, and a full walk grows with the heap (~0.1-0.25 s each once
torch is in). On the project's 2-core machine, pausing it takes the ``hf``
backend's load (torch + transformers imports, tokenizer, weights) from 5.66 s
to 4.74 s (bench/hf_load.py) and a vLLM engine's start in process from 12.9 s
to 11.9 s (bench/engine_start.py --collection); bench/RESULTS.md, "Garbage
collection paused while a model loads".
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Turn automatic garbage collection off for the ``with`` block, then back to how it was.

    Nested blocks and a caller that disabled collection itself are left as they
    were; ``gc.collect()`` still works inside. Only automatic collection stops, so
    nothing is lost: the outermost block ends with one full collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            # One full pass now frees the load's garbage and, as important, tells the
            # collector how big the long-lived heap has become: it starts a full pass
            # only when objects that survived younger collections reach a quarter of
            # that size, and with the figure from before the load (small) it would
            # start one every few hundred thousand allocations while the model runs
            # (without this collection, 16 vLLM chats took 5.6 s instead of 4.5 s).
            gc.collect()
