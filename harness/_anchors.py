"""Element ids of the scorecard, shared by the renderer and the gate messages that link to it.

Kept apart from both so that deciding a gate never imports the HTML renderer (Jinja).
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")


def anchor(*parts: str) -> str:
    """An element id made of ``parts`` joined by ``-`` (HTML ids cannot hold whitespace)."""
    return "-".join(_WHITESPACE.sub("_", part) or "_" for part in parts)
