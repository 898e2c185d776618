"""``form.html``: the offline review form, one self-contained file (inline CSS, JS and data)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harness._format import page_policy

if TYPE_CHECKING:
    from harness.review._export import ReviewItem

_RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "review"
# Inside <script type="application/json"> only "</script" or "<!--" could end the block;
# escaping every <, > and & (and the JS line separators) rules out all of them.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: object) -> str:
    """JSON that is inert inside an HTML ``<script>`` element, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def render_form(
    sheet: str, items: Sequence[ReviewItem], rubrics: Mapping[str, Mapping[str, str]]
) -> str:
    """The form's HTML: items (blinded: codes, never variant names) and each suite's rubric."""
    data = {
        "sheet": sheet,
        "rubrics": {s: dict(r) for s, r in rubrics.items()},
        "items": [
            {
                "item": it.item,
                "suite": it.suite,
                "example_id": it.example_id,
                "code": it.code,
                "prompt": it.prompt,
                "answer": it.answer,
                "reference": it.reference,
            }
            for it in items
        ],
    }
    page = (_RESOURCES / "form.html").read_text(encoding="utf-8")
    css = (_RESOURCES / "form.css").read_text(encoding="utf-8")
    js = (_RESOURCES / "form.js").read_text(encoding="utf-8")
    # Only this style and this script may run (by hash): nothing the data holds ever could.
    csp = page_policy(css, js)
    # One pass over fixed markers: a marker inside the data or the assets is never expanded.
    parts = {
        "__CSP__": csp,
        "__CSS__": css,
        "__JS__": js,
        "__DATA__": script_json(data),
        "__SHEET__": sheet,  # 12 hex digits, nothing to escape
    }
    return re.sub("|".join(parts), lambda m: parts[m.group(0)], page)
