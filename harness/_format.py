"""The one way numbers and p-values are shown: gate messages, the compare table, the scorecard.

And the one content policy of the self-contained HTML pages (scorecard, review form).
"""

from __future__ import annotations

import base64
import hashlib
import math


def format_number(x: float | None, *, signed: bool = False) -> str:
    """``x`` to four significant digits, whole and grouped from 10,000 on; ``n/a`` when missing.

    Grouping keeps large values (latencies in ms, token counts) out of exponent
    notation; ``signed`` writes ``+`` on positive values, for differences.
    """
    if x is None or math.isnan(x):
        return "n/a"
    sign = "+" if signed else ""
    return f"{x:{sign},.0f}" if math.isfinite(x) and abs(x) >= 10_000 else f"{x:{sign}.4g}"


def format_p(p: float | None) -> str:
    """A p-value: ``p = 0.0123`` to three significant digits, ``p < 0.0001`` below that floor."""
    if p is None or math.isnan(p):
        return "p n/a"
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.3g}"


def page_policy(css: str, js: str) -> str:
    """The Content-Security-Policy of a page: only its inline ``css`` and ``js`` run (by hash)."""
    hashes = [
        base64.b64encode(hashlib.sha256(t.encode("utf-8")).digest()).decode() for t in (css, js)
    ]
    return (
        f"default-src 'none'; style-src 'sha256-{hashes[0]}'; script-src 'sha256-{hashes[1]}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
