"""Core value types shared by every layer: golden examples, requests, completions.

Raw dicts stop at the loader (``harness.golden``); everything after works on
these frozen dataclasses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class RefusalClass(enum.StrEnum):
    """How a completion treats the request: it complies, partly refuses, or refuses."""

    COMPLY = "comply"
    PARTIAL = "partial"
    REFUSE = "refuse"


class Role(enum.StrEnum):
    """The role of one chat message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class Message:
    """One chat turn."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        """The OpenAI/TRL chat-format dict for this message."""
        return {"role": self.role.value, "content": self.content}


@dataclass(frozen=True)
class Location:
    """Where something came from: a file and a 1-based line number."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class Expect(enum.Enum):
    """The kinds of expectation an example can carry."""

    SCHEMA = "schema"
    REFUSE = "refuse"
    COMPLY = "comply"
    EXACT = "exact"


@dataclass(frozen=True)
class Expectation:
    """What a golden example expects of a completion.

    ``schema_path`` is resolved relative to the golden file and known to exist
    and to be a valid JSON Schema; ``schema`` holds its parsed content.
    ``refuse`` is ``None`` when the example says nothing about refusal.
    ``reject`` lists wrong answers that ``answer_match`` must not find in an
    output (plausible confusions, or answers that contain the right one).
    ``answerable`` is false when the example's context does not answer the
    question (the right answer says so).
    """

    schema_path: Path | None = None
    schema: dict[str, object] | None = field(default=None, compare=False, hash=False)
    refuse: bool | None = None
    exact: tuple[str, ...] | None = None
    reject: tuple[str, ...] | None = None
    answerable: bool = True

    @property
    def kinds(self) -> frozenset[Expect]:
        """The expectation kinds present on this example."""
        present = {
            Expect.SCHEMA: self.schema_path is not None,
            Expect.REFUSE: self.refuse is True,
            Expect.COMPLY: self.refuse is False,
            Expect.EXACT: self.exact is not None,
        }
        return frozenset(kind for kind, there in present.items() if there)


@dataclass(frozen=True)
class ContextPassage:
    """One document passage an answer must rest on: its corpus id and its text."""

    id: str
    text: str


@dataclass(frozen=True)
class GoldenExample:
    """One parsed, validated golden example.

    ``messages`` are the prompt turns (everything before the final assistant
    answer); ``reference`` is that final assistant answer, or ``None`` when the
    example has none. ``context`` holds the passages the answer must rest on
    (empty when the example names none).
    """

    id: str
    messages: tuple[Message, ...]
    reference: str | None
    expect: Expectation
    tags: tuple[str, ...]
    source: Location
    fingerprint: str
    context: tuple[ContextPassage, ...] = ()

    @property
    def last_user_turn(self) -> str | None:
        """What the model was last asked: the content of the final user message, if any."""
        users = [m.content for m in self.messages if m.role is Role.USER]
        return users[-1] if users else None


@dataclass(frozen=True)
class SamplingParams:
    """Decoding settings; greedy (temperature 0) by default."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None

    @property
    def greedy(self) -> bool:
        """True when decoding is deterministic argmax."""
        return self.temperature == 0.0


@dataclass(frozen=True)
class GenerationRequest:
    """One request to a backend: chat messages plus sampling settings.

    ``json_schema`` asks backends that support it (vLLM) for structured
    decoding; others ignore it.
    """

    id: str
    messages: tuple[Message, ...]
    sampling: SamplingParams = SamplingParams()
    json_schema: dict[str, object] | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Completion:
    """What a backend produced for one request.

    ``latency_s`` is the end-to-end time attributed to this request (see each
    backend's docs for how); ``ttft_s`` is set only where the first token was
    observed separately (streaming). ``cached`` completions carry the latency
    of the original run and must never feed latency statistics.
    """

    request_id: str
    text: str
    latency_s: float
    ttft_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    cached: bool = False
    inter_token_s: tuple[float, ...] = ()
