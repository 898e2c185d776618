"""The review rubric: texts per criterion, a default and per-suite replacements (TOML)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from harness.errors import HarnessError

#: The rubric shipped with the harness.
DEFAULT_RUBRIC = Path(__file__).resolve().parent.parent / "resources" / "review" / "rubric.toml"
#: Every text a rubric holds, in the order a form shows them.
RUBRIC_KEYS = ("intro", "correct", "helpful", "format", "tone", "pass")


def load_rubric(path: Path | None = None) -> dict[str, dict[str, str]]:
    """``{"default": texts, suite: texts, ...}`` from a rubric file (the shipped one by default).

    Each suite's texts are the default's with the suite's own replacements applied.
    """
    path = path or DEFAULT_RUBRIC
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarnessError(f"{path}: rubric file not found (check --rubric)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(raw) - {"default", "suites"})
    if unknown:
        raise HarnessError(f"{path}: {unknown[0]}: unknown table (allowed: default, suites)")
    default = _texts(raw.get("default"), path, "default")
    missing = [k for k in RUBRIC_KEYS if k not in default]
    if missing:
        raise HarnessError(f"{path}: default.{missing[0]}: missing (every text needs a default)")
    suites = raw.get("suites", {})
    if not isinstance(suites, dict):
        raise HarnessError(f"{path}: suites: expected a table of [suites.NAME] tables")
    rubric = {"default": default}
    for name, texts in suites.items():
        rubric[name] = {**default, **_texts(texts, path, f"suites.{name}")}
    return rubric


def _texts(raw: object, path: Path, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise HarnessError(f"{path}: {where}: expected a table of texts")
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key not in RUBRIC_KEYS:
            raise HarnessError(
                f"{path}: {where}.{key}: unknown text (allowed: {', '.join(RUBRIC_KEYS)})"
            )
        if not isinstance(value, str) or not value.strip():
            raise HarnessError(f"{path}: {where}.{key}: expected a non-empty string")
        out[key] = value.strip()
    return out


def rubric_for(rubric: Mapping[str, Mapping[str, str]], suite: str) -> dict[str, str]:
    """The texts a suite's items are rated on."""
    return dict(rubric.get(suite, rubric["default"]))
