"""The ``scripted`` backend: a deterministic fake for tests and docs. Never random.

It answers from a script: a mapping from the last user message (or the
request id) to a reply, or a function of the request. Unknown prompts get a
fixed default reply, or raise when ``strict``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harness._types import Completion, GenerationRequest, Role
from harness.backends import BackendOptions, BuildContext, register_backend
from harness.errors import ConfigError, HarnessError

if TYPE_CHECKING:
    from harness.config import Variant

Responder = Callable[[GenerationRequest], str]


def last_user_message(request: GenerationRequest) -> str:
    """The content of the request's last user message ('' when there is none)."""
    for message in reversed(request.messages):
        if message.role is Role.USER:
            return message.content
    return ""


class ScriptedBackend:
    """Replies from a script; counts what it was asked so tests can assert on it."""

    name = "scripted"

    def __init__(
        self,
        script: Mapping[str, str] | Responder | None = None,
        *,
        default: str = "",
        strict: bool = False,
        latency_s: float = 0.0,
        label: str = "scripted",
    ) -> None:
        self.script = script if script is not None else {}
        self.default = default
        self.strict = strict
        self.latency_s = latency_s
        self.label = label
        self.calls: list[list[GenerationRequest]] = []

    @property
    def fingerprint(self) -> str:
        """Depends on the script's content, so a changed script never hits an old cache."""
        if callable(self.script):
            ident = f"{self.label}:{getattr(self.script, '__qualname__', 'fn')}"
        else:
            ident = json.dumps(dict(self.script), sort_keys=True)
        digest = hashlib.sha256(f"{ident}\x00{self.default}".encode()).hexdigest()[:16]
        return f"scripted:{self.label}@{digest}"

    def reply(self, request: GenerationRequest) -> str:
        """The scripted reply to one request."""
        if callable(self.script):
            return self.script(request)
        for key in (request.id, last_user_message(request)):
            if key in self.script:
                return self.script[key]
        if self.strict:
            raise HarnessError(f"scripted backend: no reply scripted for request {request.id!r}")
        return self.default

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """One completion per request, in order; token counts are whitespace word counts."""
        self.calls.append(list(requests))
        out: list[Completion] = []
        for request in requests:
            text = self.reply(request)
            prompt_words = sum(len(m.content.split()) for m in request.messages)
            out.append(
                Completion(
                    request_id=request.id,
                    text=text,
                    latency_s=self.latency_s,
                    prompt_tokens=prompt_words,
                    completion_tokens=len(text.split()),
                    finish_reason="stop",
                )
            )
        return out


class ScriptedOptions(BackendOptions):
    """``script``: a JSON file mapping prompts (or request ids) to replies; ``default``: any other."""

    script: str | None = None
    default: str = ""


@register_backend("scripted", options=ScriptedOptions)
def build(variant: Variant, options: ScriptedOptions, context: BuildContext) -> ScriptedBackend:
    """A variant's scripted backend, its script file read now."""
    script: dict[str, str] = {}
    if options.script is not None:
        where = Path(options.script)
        try:
            script = json.loads(where.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else f"not JSON ({exc})"
            raise ConfigError(
                f"[tool.harness.models.{variant.name}] script: {where}: {reason} "
                "(give a JSON file mapping prompts to outputs)"
            ) from None
    return ScriptedBackend(script, default=options.default, label=variant.name)
