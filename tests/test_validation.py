"""The one formatter of validation errors: ``file:line: field: what is wrong (how to fix)``."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from harness._validation import (
    JSON,
    TOML,
    YAML,
    dotted,
    expected,
    problem,
    validation_issues,
    validation_lines,
)


def _positive_even(value: int) -> int:
    if value % 2:
        raise problem(f"{value} is odd", fix="give an even number")
    return value


def _name(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise expected("a non-empty name")
    return value


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    role: str
    content: Annotated[str, Field(min_length=1)]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    refuse: bool = False
    split: Literal["dev", "all"] = "dev"
    rank: Annotated[int, Field(gt=0)] = 1
    pairs: Annotated[int, AfterValidator(_positive_even)] = 2


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    items: Annotated[list[Item], Field(min_length=1)]
    settings: Settings = Settings()
    name: Annotated[object, AfterValidator(_name)] = "x"


def lines(data: object, **options: object) -> list[str]:
    with pytest.raises(ValidationError) as info:
        Record.model_validate(data)
    return validation_lines(info.value, where="f.jsonl", **options)  # type: ignore[arg-type]


GOOD_ITEM = {"role": "user", "content": "hi"}


@pytest.mark.parametrize(
    ("data", "words", "line"),
    [
        ({}, JSON, "f.jsonl: items: missing (add it)"),
        ({"items": []}, JSON, "f.jsonl: items: is empty (add at least one item)"),
        ({"items": "x"}, JSON, "f.jsonl: items: expected a list, got string (give a list)"),
        (
            {"items": " "},
            JSON,
            "f.jsonl: items: expected a list, got an empty string (give a list)",
        ),
        ({"items": "x"}, YAML, "f.jsonl: items: expected a list, got a string 'x' (give a list)"),
        ({"items": "x"}, TOML, "f.jsonl: items: expected a list, got 'x' (give a list)"),
        (
            {"items": [{"role": 1, "content": "a"}]},
            JSON,
            "f.jsonl: items[0].role: expected a string, got number (give a string)",
        ),
        (
            {"items": [GOOD_ITEM], "settings": [1]},
            JSON,
            "f.jsonl: settings: expected an object, got array (give an object)",
        ),
        (
            {"items": [GOOD_ITEM], "settings": [8]},
            YAML,
            "f.jsonl: settings: expected a mapping, got a list [8] (give a mapping)",
        ),
        (
            {"items": [GOOD_ITEM], "settings": {"refuse": "yes"}},
            JSON,
            'f.jsonl: settings.refuse: expected true or false, got string "yes" '
            "(give true or false)",
        ),
        (
            {"items": [GOOD_ITEM], "settings": {"split": "test"}},
            YAML,
            "f.jsonl: settings.split: expected dev or all, got a string 'test' (give dev or all)",
        ),
        (
            {"items": [GOOD_ITEM], "settings": {"rank": 0}},
            YAML,
            "f.jsonl: settings.rank: must be greater than 0, got a number 0 (change the value)",
        ),
        (
            {"items": [GOOD_ITEM], "settings": {"pairs": 3}},
            JSON,
            "f.jsonl: settings.pairs: 3 is odd (give an even number)",
        ),
        (
            {"items": [GOOD_ITEM], "name": " "},
            YAML,
            "f.jsonl: name: expected a non-empty name, got a string ' ' (give a non-empty name)",
        ),
    ],
)
def test_each_kind_of_error_in_plain_words(data: object, words: object, line: str) -> None:
    assert lines(data, words=words) == [line]


def test_unknown_keys_list_the_allowed_ones_and_guess_the_misspelt() -> None:
    got = lines(
        {"items": [{"role": "user", "contnt": "x"}], "settings": {"refusal": True}, "zzz": 1},
        model=Record,
        words=JSON,
    )
    assert got.pop() == "f.jsonl: items[0].content: missing (add it)", "after the unknown keys"
    assert got == [
        "f.jsonl: items[0].contnt: unknown key (allowed keys: role, content; did you mean content?)",
        "f.jsonl: settings.refusal: unknown key "
        "(allowed keys: refuse, split, rank, pairs; did you mean refuse?)",
        "f.jsonl: zzz: unknown key (allowed keys: items, settings, name)",
    ]
    assert lines({"items": [GOOD_ITEM], "zzz": 1}, words=YAML) == [
        "f.jsonl: zzz: unknown key (remove it)"
    ], "without the model the fix still says what to do"
    assert (
        "(allowed: items, settings, name)" in lines({"items": [GOOD_ITEM], "z": 1}, model=Record)[0]
    )


def test_line_numbers_and_hints_follow_the_location() -> None:
    seen: list[tuple[str | int, ...]] = []

    def line_of(loc: tuple[str | int, ...]) -> int | None:
        seen.append(loc)
        return 7 if loc[0] == "items" else None

    got = lines(
        {"items": [GOOD_ITEM, {"role": 2, "content": "a"}], "settings": {"rank": "1"}},
        line_of=line_of,
        hints={"items[].role": "use one of: user, assistant", "settings.rank": "e.g. 4"},
        words=JSON,
    )
    assert got == [
        "f.jsonl:7: items[1].role: expected a string, got number (use one of: user, assistant)",
        'f.jsonl: settings.rank: expected an integer, got string "1" (e.g. 4)',
    ]
    assert seen == [("items", 1, "role"), ("settings", "rank")]
    assert lines({"items": ["x"]}, hints={"items": "give chat messages"}, words=JSON) == [
        "f.jsonl: items[0]: expected an object, got string (give chat messages)"
    ], "an item without a hint of its own takes its list's"


def test_problem_can_name_a_part_below_the_field() -> None:
    class Pair(BaseModel):
        model_config = ConfigDict(extra="forbid")
        answers: list[str]

        def model_post_init(self, _: object) -> None:
            if len(set(self.answers)) < len(self.answers):
                raise problem("named twice", fix="name each once", at=("answers", 1))

    with pytest.raises(ValidationError) as info:
        Pair.model_validate({"answers": ["a", "a"]})
    issues = validation_issues(info.value, where="p.jsonl", line_of=lambda loc: 2)
    assert [str(i) for i in issues] == ["p.jsonl:2: answers[1]: named twice (name each once)"]


def test_dotted() -> None:
    assert dotted(("messages", 0, "role")) == "messages[0].role"
    assert dotted(("expect", "reject", 1)) == "expect.reject[1]"
    assert dotted(()) == ""
