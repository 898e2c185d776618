"""Ratings files (CSV from the form or the sheet) and the export key: read and validate.

Every row of every file is checked before anything is merged; each problem is
one line ``file:line: field: what (fix)``. A row whose rating cells are all
empty is an item nobody rated yet (a sheet row) and is skipped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.metrics._human import CRITERIA, SCORE_MAX, SCORE_MIN, Rating
from harness.review._export import KEY_FORMAT

#: Columns a ratings file must have (``sheet`` and ``comment`` may be left out).
REQUIRED_COLUMNS = ("item", "rater", *CRITERIA, "pass")
#: Problems shown before the rest are only counted.
MAX_SHOWN = 20


class ReviewInputError(HarnessError):
    """Bad ratings or a bad key: one line per problem, exit 2, nothing merged."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = list(problems[:MAX_SHOWN])
        if len(problems) > MAX_SHOWN:
            shown.append(f"… and {len(problems) - MAX_SHOWN} more problem(s)")
        shown.append(f"nothing imported: {len(problems)} problem(s); fix them and import again")
        super().__init__("\n".join(shown))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class KeyItem:
    """What one blinded item really is."""

    suite: str
    variant: str
    example_id: str
    answer_sha256: str


@dataclass(frozen=True)
class ReviewKey:
    """The unblinding key written beside a sheet: item ids and variant codes."""

    path: Path
    sheet: str
    variants: dict[str, str]
    items: dict[str, KeyItem]


def load_key(path: Path) -> ReviewKey:
    """Read ``key.json``; :class:`HarnessError` names what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarnessError(
            f"{path}: key not found (pass --key DIR/key.json of the export the ratings are from)"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HarnessError(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
        raise HarnessError(
            f"{path}: format: not a review key (pass the key.json `harness review export` wrote)"
        )
    try:
        items = {
            str(item): KeyItem(
                suite=str(v["suite"]),
                variant=str(v["variant"]),
                example_id=str(v["example_id"]),
                answer_sha256=str(v["answer_sha256"]),
            )
            for item, v in data["items"].items()
        }
        return ReviewKey(
            path=path,
            sheet=str(data["sheet"]),
            variants={str(k): str(v) for k, v in data["variants"].items()},
            items=items,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise HarnessError(
            f"{path}: {exc}: missing or malformed (export again; do not edit the key)"
        ) from None


@dataclass(frozen=True)
class RatingRow:
    """One parsed, valid row of a ratings file, still blinded (an item id)."""

    source: str  # ``file:line``
    sheet: str
    item: str
    rater: str
    scores: tuple[int, int, int, int]
    passed: bool
    comment: str

    def unblind(self, key: ReviewKey) -> Rating:
        """The rating of the real (suite, variant, example, answer) behind this row's item."""
        it = key.items[self.item]
        correct, helpful, fmt, tone = self.scores
        return Rating(
            suite=it.suite,
            variant=it.variant,
            example_id=it.example_id,
            answer_sha256=it.answer_sha256,
            rater=self.rater,
            correct=correct,
            helpful=helpful,
            format=fmt,
            tone=tone,
            passed=self.passed,
            comment=self.comment,
            source=self.source,
        )


def _rows(path: Path, problems: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(first line of the record, row) of a CSV file; problems for a missing file or columns."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(f"{path}: file not found (check the path)")
        return []
    except UnicodeDecodeError:
        problems.append(f"{path}:1: file: not UTF-8 text (save the ratings as CSV, UTF-8)")
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        problems.append(f"{path}:1: header: the file is empty (save the ratings again)")
        return []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        problems.append(
            f"{path}:1: header: missing column(s) {', '.join(missing)} "
            f"(a ratings file needs {', '.join(REQUIRED_COLUMNS)}; use the sheet's header)"
        )
        return []
    out = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                out.append((line, dict(zip(header, cells, strict=False))))
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(f"{path}:{reader.line_num}: file: not valid CSV ({exc})")
    return out


def read_ratings(files: Sequence[Path], key: ReviewKey) -> tuple[list[RatingRow], list[str]]:
    """Every rated row of ``files`` and every problem found (all rows are checked)."""
    problems: list[str] = []
    rows: list[RatingRow] = []
    seen: dict[tuple[str, str], str] = {}
    for path in files:
        for line, row in _rows(path, problems):
            where = f"{path}:{line}"
            values = {k: (row.get(k) or "").strip() for k in (*REQUIRED_COLUMNS, "sheet")}
            if not any(values[c] for c in (*CRITERIA, "pass")):
                continue  # an item nobody rated (a sheet row left empty)
            bad = len(problems)
            item = values["item"]
            if item not in key.items:
                problems.append(
                    f"{where}: item: unknown item id {item!r} (this file is not from the "
                    f"export whose key is {key.path}; pass that export's --key)"
                )
            if values["sheet"] and values["sheet"] != key.sheet:
                problems.append(
                    f"{where}: sheet: the row is from sheet {values['sheet']!r} but the key "
                    f"is for sheet {key.sheet!r} (pass the key.json of that export)"
                )
            rater = values["rater"]
            if not rater:
                problems.append(f"{where}: rater: empty (write the rater's name in every row)")
            scores: list[int] = []
            for c in CRITERIA:
                raw = values[c]
                if raw.isdigit() and SCORE_MIN <= int(raw) <= SCORE_MAX:
                    scores.append(int(raw))
                else:
                    got = f"{raw!r}" if raw else "nothing"
                    problems.append(
                        f"{where}: {c}: expected a whole number {SCORE_MIN}-{SCORE_MAX}, "
                        f"got {got} (rate {SCORE_MIN} to {SCORE_MAX})"
                    )
            verdict = values["pass"].lower()
            if verdict not in ("pass", "fail"):
                got = f"{values['pass']!r}" if values["pass"] else "nothing"
                problems.append(
                    f"{where}: pass: expected pass or fail, got {got} (write pass or fail)"
                )
            if rater and item:
                first = seen.setdefault((rater, item), where)
                if first != where:
                    problems.append(
                        f"{where}: rater: {rater!r} already rated {item} at {first} "
                        "(keep one rating per rater and item)"
                    )
            if len(problems) == bad:
                rows.append(
                    RatingRow(
                        source=where,
                        sheet=values["sheet"] or key.sheet,
                        item=item,
                        rater=rater,
                        scores=(scores[0], scores[1], scores[2], scores[3]),
                        passed=verdict == "pass",
                        comment=(row.get("comment") or "").strip(),
                    )
                )
    return rows, problems
