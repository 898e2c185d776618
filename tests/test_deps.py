"""Dependencies that `make test` installs never skip a test in CI, and helper modules load once."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from _deps import in_ci, missing, require

TESTS = Path(__file__).resolve().parent
ABSENT = "golden_harness_no_such_module"


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("1", True), ("", False), ("false", False)]
)
def test_ci_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.delenv("HARNESS_REQUIRE_TEST_DEPS", raising=False)
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected
    # `make test` asks for the same strictness without claiming to be CI.
    monkeypatch.delenv("CI")
    monkeypatch.setenv("HARNESS_REQUIRE_TEST_DEPS", value)
    assert in_ci() is expected


def test_a_missing_module_skips_off_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("HARNESS_REQUIRE_TEST_DEPS", raising=False)
    assert missing(ABSENT) is True
    with pytest.raises(pytest.skip.Exception, match=f"{ABSENT} is not installed; `make test`"):
        require(ABSENT)


def test_a_missing_module_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"{ABSENT} is not installed; `make test`"):
        missing(ABSENT)
    with pytest.raises(pytest.fail.Exception):
        require(ABSENT)


def test_an_installed_module_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert missing("json") is False
    assert require("json").dumps([1]) == "[1]"


def _sources() -> list[Path]:
    return [p for p in TESTS.rglob("*.py") if p.name not in ("_deps.py", "test_deps.py")]


def _make_test_modules() -> set[str]:
    """Top-level modules of the distributions `make test` installs: core and the Makefile's extras."""
    root = TESTS.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installs = re.findall(r"-e '\.\[([\w,]+)\]'", (root / "Makefile").read_text(encoding="utf-8"))
    extras = {extra for group in installs for extra in group.split(",")}
    assert {"train", "cpu", "dev"} <= extras, extras
    wanted = list(project["dependencies"])
    for extra in sorted(extras):
        wanted += project["optional-dependencies"][extra]
    names = {_canonical(re.match(r"[A-Za-z0-9._-]+", w)[0]) for w in wanted}  # type: ignore[index]
    return {
        module
        for module, dists in packages_distributions().items()
        if any(_canonical(d) in names for d in dists)
    }


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_no_test_skips_on_a_dependency_make_test_installs() -> None:
    # importorskip and find_spec skips would let a broken CI install pass: use _deps instead.
    installed = _make_test_modules()
    assert {"vllm", "peft", "bitsandbytes", "xdist"} <= installed
    hand_made = re.compile(r"(?:pytest\.importorskip|find_spec)\(\s*[\"']([\w.]+)")
    offenders = [
        f"{p.relative_to(TESTS)}: {module}"
        for p in _sources()
        for module in hand_made.findall(p.read_text())
        if module.split(".")[0] in installed
    ]
    assert offenders == []


def test_helper_modules_are_imported_under_one_name() -> None:
    # tests/ and tests/backends/ are both on sys.path; a helper reached as pkg._name and as
    # _name is two modules, whose classes do not match each other's.
    helpers = {p.stem for p in TESTS.rglob("_*.py") if p.stem != "__init__"}
    dotted = re.compile(r"^\s*(?:from|import)\s+[\w.]+\.(_\w+)\b", re.M)
    offenders = [
        f"{p.relative_to(TESTS)}: {name}"
        for p in _sources()
        for name in dotted.findall(p.read_text())
        if name in helpers
    ]
    assert offenders == []
