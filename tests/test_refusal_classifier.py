"""The shipped refusal classifier: trained on the repository's data, held to floors on data it never saw."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
import test_refusal_families
import test_refusal_generalised
import test_refusal_more_families
import test_refusal_phrase_families
from _refusal_cases import family_params

from harness import _refusal_model
from harness._refusal import RefusalClass, classify_refusal, detect_refusal, refusal_features

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
# Written after the classifier's design was fixed and scored once, never trained on
# (bench/RESULTS.md, "Refusal detection, round 6").
NEVER_TUNED = ("refusal_holdout_p.jsonl", "refusal_holdout_q.jsonl", "refusal_holdout_r.jsonl")


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_weights_were_trained_on_the_data_in_the_repository() -> None:
    """Changing a training file without retraining fails here, with the command to run."""
    meta = json.loads(_refusal_model.WEIGHTS_PATH.read_text(encoding="utf-8"))
    trained = {t["file"]: t["sha256"] for t in meta["training"]}
    assert trained, "the weights name no training data"
    for name, digest in trained.items():
        actual = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} changed: run tools/train_refusal_classifier.py"
    assert not set(trained) & set(NEVER_TUNED), "the never-tuned sets must stay out of training"
    assert meta["rows"] == sum(len(_rows(name)) for name in trained)


def test_agreement_on_never_tuned_data() -> None:
    """Measured 0.981 binary, 0.931 three-class, 0.964 of compliant replies kept (540 items)."""
    rows = [row for name in NEVER_TUNED for row in _rows(name)]
    predicted = [classify_refusal(r["completion"], r["prompt"]).value for r in rows]
    labels = [r["label"] for r in rows]
    binary = sum((p != "comply") == (y != "comply") for p, y in zip(predicted, labels, strict=True))
    three = sum(p == y for p, y in zip(predicted, labels, strict=True))
    kept = [p == "comply" for p, y in zip(predicted, labels, strict=True) if y == "comply"]
    assert binary / len(rows) >= 0.97
    assert three / len(rows) >= 0.90
    assert sum(kept) / len(kept) >= 0.95
    # ... and better than the rules alone on the same rows (0.954 binary).
    rules = [classify_refusal(r["completion"], r["prompt"], method="rules").value for r in rows]
    rules_binary = sum(
        (p != "comply") == (y != "comply") for p, y in zip(rules, labels, strict=True)
    )
    assert binary > rules_binary


def _family_cases() -> list[tuple[str, str, RefusalClass]]:
    params = [
        *test_refusal_families.CASES,
        *test_refusal_generalised.CASES,
        *test_refusal_more_families.CASES,
        *family_params(test_refusal_phrase_families.FAMILIES),
    ]
    return [tuple(param.values) for param in params]


def test_floor_on_the_hand_written_families() -> None:
    """The rules get every hand-written family case right by construction; the classifier,
    which never saw them, must still get nearly all (measured 0.958 of 238 in class, 0.966 binary)."""
    cases = _family_cases()
    assert len(cases) > 200
    right = sum(
        classify_refusal(completion, prompt) is expected for prompt, completion, expected in cases
    )
    binary = sum(
        detect_refusal(completion, prompt) is (expected is not RefusalClass.COMPLY)
        for prompt, completion, expected in cases
    )
    assert right / len(cases) >= 0.94
    assert binary / len(cases) >= 0.95


def test_a_prompt_asking_for_refusal_wording_is_decided_by_the_rules() -> None:
    """Word grams cannot tell a requested decline from a refusal; the rules' reading of the prompt is final."""
    completion = "I'm sorry, but I can't make it to the party on Saturday. Have fun!"
    prompt = "Write a text declining my friend's party invite."
    # The classifier alone reads a refusal here ...
    p_refusal, _ = _refusal_model.probabilities(*refusal_features(completion, prompt))
    assert p_refusal >= 0.5
    # ... but the reply is the text that was asked for.
    assert classify_refusal(completion, prompt) is RefusalClass.COMPLY


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be"):
        classify_refusal("Sure.", method="keywords")  # type: ignore[arg-type]


def test_malformed_weights_file_names_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "refusal_classifier.json"
    bad.write_text(
        json.dumps(
            {
                "hash_dim": _refusal_model.HASH_DIM,
                "models": {
                    "refusal": {"dense": [], "grams": []},
                    "refuse": {"dense": [], "grams": []},
                },
            }
        )
    )
    monkeypatch.setattr(_refusal_model, "WEIGHTS_PATH", bad)
    _refusal_model.load_weights.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"refusal_classifier\.json: malformed"):
            _refusal_model.load_weights()
    finally:
        _refusal_model.load_weights.cache_clear()


@pytest.mark.slow
def test_training_reproduces_the_shipped_verdicts(tmp_path: Path) -> None:
    """tools/train_refusal_classifier.py rebuilds weights that give the shipped verdicts."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import train_refusal_classifier as tool
    finally:
        sys.path.remove(str(ROOT / "tools"))
    out = tmp_path / "weights.json"
    assert tool.main(["--out", str(out)]) == 0
    rebuilt = json.loads(out.read_text(encoding="utf-8"))
    shipped = json.loads(_refusal_model.WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert rebuilt["training"] == shipped["training"]
    for name in ("refusal", "refuse"):
        for key in ("dense", "grams"):
            diffs = [
                abs(a - b)
                for a, b in zip(
                    rebuilt["models"][name][key], shipped["models"][name][key], strict=True
                )
            ]
            assert max(diffs) < 1e-3
