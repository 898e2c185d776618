"""``harness review export``: a stratified, shuffled, blinded sample for people to rate.

Blinding: variant names become codes ("A", "B", … in an order drawn from the
seed) and items get opaque ids (``item-001``); which code is which variant,
and which item is which answer, is written only to ``key.json`` beside the
sheet, never into ``sheet.csv`` or ``form.html``. The prompt shown is the
golden example's own (from its golden file), never the variant's request, whose
system prompt, few-shot turns or retrieved passages would give the variant away.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness._io import atomic_write_text
from harness.errors import HarnessError
from harness.metrics._human import answer_digest
from harness.results import ExampleRecord, Results
from harness.review._rubric import load_rubric, rubric_for

#: What ``--per`` may stratify by.
STRATA = ("suite", "variant")
#: The rating columns of a sheet and of a saved ratings file, in order.
RATING_COLUMNS = ("rater", "correct", "helpful", "format", "tone", "pass", "comment")
#: Columns of ``sheet.csv``: what a rater reads, then what they fill in.
SHEET_COLUMNS = (
    "sheet",
    "item",
    "suite",
    "example_id",
    "variant",
    "prompt",
    "answer",
    "reference",
    *RATING_COLUMNS,
)
KEY_FORMAT = "golden-harness review key"
# Spreadsheets run a cell that starts with one of these as a formula; model output is hostile.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReviewItem:
    """One blinded answer to rate: what the sheet and the form show, plus what the key keeps."""

    item: str
    suite: str
    example_id: str
    code: str
    prompt: str
    answer: str
    reference: str
    variant: str  # the real name: written to key.json only
    answer_sha256: str


@dataclass(frozen=True)
class Export:
    """A written review export: its id, items and files."""

    sheet: str
    items: tuple[ReviewItem, ...]
    codes: dict[str, str]  # code -> variant name
    sheet_path: Path
    form_path: Path
    key_path: Path


def parse_per(text: str) -> tuple[str, ...]:
    """``"suite,variant"`` to ``("suite", "variant")``; :class:`HarnessError` on anything else."""
    fields = tuple(f.strip() for f in text.split(",") if f.strip())
    for f in fields:
        if f not in STRATA:
            raise HarnessError(
                f"--per: unknown field {f!r} (allowed: {', '.join(STRATA)}, comma-separated)"
            )
    if len(set(fields)) != len(fields):
        raise HarnessError(f"--per: a field is named twice in {text!r}")
    return fields


def _rank(seed: int, suite: str, example_id: str) -> str:
    # The same example ranks the same for every variant, so strata of one suite pick
    # the same examples: ratings of two variants can then be compared pair by pair.
    return hashlib.sha256(f"{seed}\0{suite}\0{example_id}".encode()).hexdigest()


def allocate(sizes: Sequence[int], total: int) -> list[int]:
    """Split ``total`` over strata as evenly as their sizes allow (a full stratum passes on the rest)."""
    quota = [0] * len(sizes)
    left = min(total, sum(sizes))
    while left > 0:
        open_ = [i for i, s in enumerate(sizes) if quota[i] < s]
        share, extra = divmod(left, len(open_))
        for rank, i in enumerate(open_):
            take = min(sizes[i] - quota[i], share + (1 if rank < extra else 0))
            quota[i] += take
            left -= take
    return quota


def select(
    results: Results,
    sample: int,
    per: Sequence[str],
    seed: int,
    suites: Sequence[str] | None = None,
) -> list[ExampleRecord]:
    """The sampled records: stratified by ``per``, then shuffled with ``seed``."""
    if sample < 1:
        raise HarnessError(f"--sample: expected a number of items >= 1, got {sample}")
    records = [e for e in results.examples if suites is None or e.suite in suites]
    if suites is not None:
        missing = sorted(set(suites) - {e.suite for e in results.examples})
        if missing:
            raise HarnessError(
                f"--suites: {missing[0]!r} is not in the results "
                f"(suites there: {', '.join(results.suites()) or 'none'})"
            )
    if not records:
        raise HarnessError("the results hold no examples to review (run the suites first)")
    strata: dict[tuple[str, ...], list[ExampleRecord]] = {}
    for e in records:
        strata.setdefault(tuple(getattr(e, f) for f in per), []).append(e)
    keys = sorted(strata)
    for k in keys:
        strata[k].sort(key=lambda e: (_rank(seed, e.suite, e.example_id), e.variant))
    quota = allocate([len(strata[k]) for k in keys], sample)
    chosen = [e for k, q in zip(keys, quota, strict=True) for e in strata[k][:q]]
    random.Random(seed).shuffle(chosen)
    return chosen


def variant_codes(variants: Sequence[str], seed: int) -> dict[str, str]:
    """Variant name -> code ("A", "B", …, then "AA"), in an order drawn from ``seed``."""
    names = sorted(set(variants))
    random.Random(f"codes:{seed}").shuffle(names)
    letters = string.ascii_uppercase
    codes = [
        letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26] for i in range(len(names))
    ]
    return dict(zip(names, codes, strict=True))


def _golden_prompt(record: ExampleRecord, cache: dict[str, list[str]]) -> str | None:
    """The example's own prompt turns, read from its golden file (``source`` is ``path:line``)."""
    path, _, line = record.source.rpartition(":")
    if not path or not line.isdigit():
        return None
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            cache[path] = []
    lines = cache[path]
    n = int(line)
    if not 1 <= n <= len(lines):
        return None
    try:
        data = json.loads(lines[n - 1])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("id", record.example_id) != record.example_id:
        return None
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    if isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
        messages = messages[:-1]
    return _conversation([m for m in messages if isinstance(m, dict)])


def _conversation(messages: Sequence[Mapping[str, object]]) -> str:
    if len(messages) == 1 and messages[0].get("role") == "user":
        return str(messages[0].get("content", ""))
    return "\n\n".join(f"{m.get('role', '?')}: {m.get('content', '')}" for m in messages)


def _fallback_prompt(results: Results, record: ExampleRecord) -> str:
    """The shortest last user turn among the variants: the plain question, without additions."""
    turns = []
    for e in results.examples:
        if (e.suite, e.example_id) == (record.suite, record.example_id):
            users = [m.get("content", "") for m in e.input if m.get("role") == "user"]
            if users:
                turns.append(str(users[-1]))
    return min(turns, key=len) if turns else ""


def build_items(
    results: Results, records: Sequence[ExampleRecord], codes: Mapping[str, str]
) -> list[ReviewItem]:
    """Blinded items, numbered in the order given."""
    width = max(3, len(str(len(records))))
    cache: dict[str, list[str]] = {}
    items = []
    for i, e in enumerate(records, start=1):
        prompt = _golden_prompt(e, cache)
        if prompt is None:
            prompt = _fallback_prompt(results, e)
        reference = e.expected.get("reference")
        items.append(
            ReviewItem(
                item=f"item-{i:0{width}d}",
                suite=e.suite,
                example_id=e.example_id,
                code=codes[e.variant],
                prompt=prompt,
                answer=e.output,
                reference="" if reference is None else str(reference),
                variant=e.variant,
                answer_sha256=answer_digest(e.output),
            )
        )
    return items


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote first."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_sheet(sheet: str, items: Sequence[ReviewItem]) -> str:
    """``sheet.csv``: one row per item, the rating columns empty (CRLF rows, as RFC 4180 says)."""
    # The byte-order mark makes Excel read the file as UTF-8; LibreOffice and Python skip it.
    out = io.StringIO("\ufeff")
    out.seek(1)
    writer = csv.writer(out)
    writer.writerow(SHEET_COLUMNS)
    for it in items:
        writer.writerow(
            [
                sheet,
                it.item,
                _cell(it.suite),
                _cell(it.example_id),
                it.code,
                _cell(it.prompt),
                _cell(it.answer),
                _cell(it.reference),
                *([""] * len(RATING_COLUMNS)),
            ]
        )
    return out.getvalue()


def export_review(
    results: Results,
    out_dir: Path,
    *,
    sample: int = 100,
    per: Sequence[str] = STRATA,
    seed: int = 0,
    suites: Sequence[str] | None = None,
    rubric_path: Path | None = None,
    results_path: Path | None = None,
) -> Export:
    """Write ``sheet.csv``, ``form.html`` and ``key.json`` into ``out_dir``."""
    from harness.review._form import render_form

    rubric = load_rubric(rubric_path)
    records = select(results, sample, per, seed, suites)
    codes = variant_codes([e.variant for e in records], seed)
    items = build_items(results, records, codes)
    sheet = hashlib.sha256(
        json.dumps(
            [results.metadata.run_id, seed, [(i.item, i.answer_sha256) for i in items]]
        ).encode()
    ).hexdigest()[:12]
    key = {
        "format": KEY_FORMAT,
        "version": 1,
        "sheet": sheet,
        "results": None if results_path is None else str(results_path),
        "run_id": results.metadata.run_id,
        "seed": seed,
        "per": list(per),
        "variants": {code: name for name, code in codes.items()},
        "items": {
            it.item: {
                "suite": it.suite,
                "variant": it.variant,
                "example_id": it.example_id,
                "answer_sha256": it.answer_sha256,
            }
            for it in items
        },
    }
    suite_rubrics = {s: rubric_for(rubric, s) for s in sorted({it.suite for it in items})}
    out_dir.mkdir(parents=True, exist_ok=True)
    sheet_path = atomic_write_text(out_dir / "sheet.csv", render_sheet(sheet, items))
    form_path = atomic_write_text(out_dir / "form.html", render_form(sheet, items, suite_rubrics))
    key_path = atomic_write_text(out_dir / "key.json", json.dumps(key, indent=2) + "\n")
    return Export(
        sheet=sheet,
        items=tuple(items),
        codes={code: name for name, code in codes.items()},
        sheet_path=sheet_path,
        form_path=form_path,
        key_path=key_path,
    )
