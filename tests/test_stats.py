"""Wilson intervals, exact McNemar and the bootstrap against known answers and scipy.stats."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from harness.errors import HarnessError
from harness.stats import (
    PairedTest,
    UnpairedError,
    bootstrap_mean_interval,
    mcnemar_exact,
    pair_by_id,
    paired_bootstrap,
    percentile,
    wilson_interval,
)


def _pairs(b: int, c: int, both_pass: int = 0, both_fail: int = 0) -> tuple[list[bool], list[bool]]:
    """Reference/new verdicts with ``b`` pass->fail and ``c`` fail->pass discordant pairs."""
    ref = [True] * b + [False] * c + [True] * both_pass + [False] * both_fail
    new = [False] * b + [True] * c + [True] * both_pass + [False] * both_fail
    return ref, new


def test_wilson_matches_known_value() -> None:
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_confidence_level_widens_the_interval() -> None:
    low95, high95 = wilson_interval(8, 10)
    low99, high99 = wilson_interval(8, 10, confidence=0.99)
    assert low99 < low95 and high99 > high95


@pytest.mark.parametrize(("k", "n"), [(0, 0), (3, 2), (-1, 5)])
def test_wilson_rejects_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(k, n)


def test_mcnemar_two_sided_matches_hand_computed_p() -> None:
    ref, new = _pairs(b=10, c=2, both_pass=5, both_fail=3)
    test = mcnemar_exact(ref, new)
    # P(X <= 2 | Binomial(12, 1/2)) = (1 + 12 + 66) / 4096, doubled for two sides.
    assert test.p_value == pytest.approx(2 * 79 / 4096)
    assert test.p_value == pytest.approx(0.0386, abs=1e-4)
    assert (test.b, test.c, test.n) == (10, 2, 20)
    assert test.delta == pytest.approx((2 - 10) / 20)
    assert test.reference_mean == pytest.approx(15 / 20)
    assert test.new_mean == pytest.approx(7 / 20)
    assert test.test == "exact McNemar"


def test_mcnemar_one_sided_drop_halves_the_p_value() -> None:
    ref, new = _pairs(b=10, c=2)
    assert mcnemar_exact(ref, new, alternative="less").p_value == pytest.approx(79 / 4096)
    # Asking whether the new run got better: almost certainly not.
    assert mcnemar_exact(ref, new, alternative="greater").p_value > 0.99


def test_mcnemar_real_drop_on_the_same_ids() -> None:
    ref = [True] * 40 + [False] * 10
    new = [True] * 20 + [False] * 30
    test = mcnemar_exact(ref, new, alternative="less")
    assert (test.b, test.c) == (20, 0)
    assert test.p_value == pytest.approx(0.5**20)
    assert test.delta == pytest.approx(-0.4)
    assert test.ci_low is not None and test.ci_high is not None
    assert test.ci_low < -0.4 < test.ci_high < 0


def test_mcnemar_without_discordant_pairs_has_p_one() -> None:
    test = mcnemar_exact([True, False, True], [True, False, True])
    assert test.p_value == 1.0
    assert (test.b, test.c, test.delta) == (0, 0, 0.0)
    assert (test.ci_low, test.ci_high) == (0.0, 0.0)


def test_paired_bootstrap_detects_a_real_drop() -> None:
    rng = random.Random(7)
    ref = [rng.uniform(0.4, 0.9) for _ in range(40)]
    new = [r - 0.1 + rng.gauss(0, 0.03) for r in ref]
    test = paired_bootstrap(ref, new)
    assert test.delta == pytest.approx(sum(new) / 40 - sum(ref) / 40)
    assert test.ci_low is not None and test.ci_high is not None
    assert test.ci_low < test.delta < test.ci_high < 0
    # No resample removes the drop: p is the floor 1 / (n_resamples + 1).
    assert test.p_value == pytest.approx(1 / 2001)
    assert test.alternative == "less"
    assert (test.b, test.c) == (None, None)


def test_paired_bootstrap_is_deterministic_and_seeded() -> None:
    rng = random.Random(3)
    ref = [rng.random() for _ in range(30)]
    new = [rng.random() for _ in range(30)]
    assert paired_bootstrap(ref, new) == paired_bootstrap(ref, new)
    assert paired_bootstrap(ref, new, seed=1) != paired_bootstrap(ref, new, seed=2)


def test_paired_bootstrap_no_change_is_not_significant() -> None:
    values = [0.2, 0.5, 0.7, 0.9]
    test = paired_bootstrap(values, values)
    assert (test.delta, test.ci_low, test.ci_high, test.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_paired_bootstrap_improvement_is_not_a_drop() -> None:
    rng = random.Random(5)
    ref = [rng.random() for _ in range(30)]
    new = [r + 0.2 + rng.gauss(0, 0.05) for r in ref]
    assert paired_bootstrap(ref, new, alternative="less").p_value > 0.99
    assert paired_bootstrap(ref, new, alternative="greater").p_value < 0.01
    assert paired_bootstrap(ref, new, alternative="two-sided").p_value < 0.01


def test_paired_bootstrap_noise_is_not_significant() -> None:
    rng = random.Random(11)
    ref = [rng.random() for _ in range(30)]
    new = [r + rng.gauss(0, 0.2) for r in ref]
    test = paired_bootstrap(ref, new, alternative="two-sided")
    assert test.ci_low is not None and test.ci_high is not None
    assert test.p_value > 0.05
    assert test.ci_low < 0 < test.ci_high


def test_paired_bootstrap_single_pair_has_no_evidence() -> None:
    test = paired_bootstrap([0.9], [0.1])
    assert test.delta == pytest.approx(-0.8)
    assert (test.ci_low, test.ci_high, test.p_value) == (None, None, 1.0)


def test_constant_difference_is_certain() -> None:
    test = paired_bootstrap([1.0, 2.0, 3.0], [0.5, 1.5, 2.5])
    assert (test.ci_low, test.ci_high) == (-0.5, -0.5)
    assert test.p_value == pytest.approx(1 / 2001)


@pytest.mark.parametrize(
    ("ref", "new", "match"),
    [([1.0, 2.0], [1.0], "equally long"), ([], [], "at least one pair")],
)
def test_paired_tests_reject_misaligned_input(
    ref: list[float], new: list[float], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        paired_bootstrap(ref, new)
    with pytest.raises(ValueError, match=match):
        mcnemar_exact([bool(x) for x in ref], [bool(x) for x in new])


def test_unknown_alternative_is_rejected() -> None:
    with pytest.raises(ValueError, match="alternative"):
        paired_bootstrap([1.0, 2.0], [1.0, 2.0], alternative="worse")  # type: ignore[arg-type]


def test_nan_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        paired_bootstrap([1.0, math.nan], [1.0, 2.0])


def test_pair_by_id_follows_the_reference_order() -> None:
    pairs = pair_by_id({"a": 1, "b": 2}, {"b": 20, "a": 10})
    assert pairs == [("a", 1, 10), ("b", 2, 20)]


def test_pair_by_id_names_unpaired_ids() -> None:
    ref = {f"ex-{i}": i for i in range(8)}
    new = {"ex-0": 0, "zz": 1}
    with pytest.raises(UnpairedError) as info:
        pair_by_id(ref, new)
    assert isinstance(info.value, HarnessError)
    assert info.value.only_new == ("zz",)
    assert len(info.value.only_reference) == 7
    assert "7 only in the reference (ex-1, ex-2, ex-3, ex-4, ex-5 +2 more)" in str(info.value)
    assert "1 only in the new run (zz)" in str(info.value)


def test_paired_test_is_a_frozen_value() -> None:
    test = paired_bootstrap([0.0, 1.0], [0.0, 1.0])
    assert isinstance(test, PairedTest)
    with pytest.raises(AttributeError):
        test.delta = 1.0  # type: ignore[misc]


def test_percentile_interpolates_between_order_statistics() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]  # unsorted on purpose
    assert percentile(values, 50) == 3.0
    # rank (5 - 1) * 0.9 = 3.6: 4 + 0.6 * (5 - 4), numpy's default and vLLM's
    assert percentile(values, 90) == pytest.approx(4.6)
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 5.0
    assert percentile([1.0, 2.0], 50) == 1.5, "a median between two values is their mean"
    assert percentile([7.0], 95) == 7.0
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


@pytest.mark.parametrize(("values", "q", "match"), [([], 50, "no values"), ([1.0], 101, "range")])
def test_percentile_rejects_bad_input(values: list[float], q: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        percentile(values, q)


def test_wilson_equals_scipy_on_a_grid() -> None:
    # The closed form replaced scipy.stats's binomtest; scorecards are diffed, so bit for bit.
    from scipy.stats import binomtest

    for n in (1, 2, 3, 7, 10, 30, 31, 100, 136, 608, 1000):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n} & set(range(n + 1))):
            for confidence in (0.8, 0.9, 0.95, 0.99):
                ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
                expected = (float(ci.low), float(ci.high))
                assert wilson_interval(k, n, confidence) == expected, (k, n, confidence)


def _samples() -> list[list[float]]:
    """Continuous, 0/1 and tied samples, 2 to 60 values: what metric aggregates see."""
    rng = random.Random(3)
    samples = [[0.0, 1.0], [0.2, 0.2, 0.2, 0.9], [1.0] * 29 + [0.0]]
    for size in (2, 5, 17, 30, 60):
        samples.append([rng.random() for _ in range(size)])
        samples.append([float(rng.random() < 0.3) for _ in range(size)])
        samples.append([round(rng.random(), 1) for _ in range(size)])
    return samples


@pytest.mark.parametrize("method", ["BCa", "percentile"])
def test_bootstrap_mean_interval_equals_scipy(method: str) -> None:
    import warnings

    import numpy as np
    from scipy.stats import bootstrap

    for values in _samples():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns where BCa is undefined (NaN)
            res = bootstrap(
                (np.asarray(values),),
                np.mean,
                n_resamples=9999,
                batch=500,
                vectorized=True,
                method=method,
                rng=np.random.default_rng(0),
            )
        expected = (float(res.confidence_interval.low), float(res.confidence_interval.high))
        got = bootstrap_mean_interval(
            values, method=method.lower(), n_resamples=9999, batch=500, seed=0
        )
        assert got == expected or (all(map(math.isnan, got)) and all(map(math.isnan, expected)))


def test_paired_bootstrap_interval_equals_scipy() -> None:
    import numpy as np
    from scipy.stats import bootstrap

    for ref, new in itertools.pairwise(_samples()):
        size = min(len(ref), len(new))
        ref_arr, new_arr = np.asarray(ref[:size]), np.asarray(new[:size])
        if len(set((new_arr - ref_arr).tolist())) < 2:
            continue  # constant differences: no resampling (another test)
        res = bootstrap(
            (ref_arr, new_arr),
            lambda r, w, axis=-1: np.mean(w - r, axis=axis),
            n_resamples=2000,
            paired=True,
            vectorized=True,
            method="percentile",
            rng=np.random.default_rng(0),
        )
        test = paired_bootstrap(ref[:size], new[:size])
        expected = (float(res.confidence_interval.low), float(res.confidence_interval.high))
        assert (test.ci_low, test.ci_high) == expected
        distribution = res.bootstrap_distribution
        assert test.p_value == (1 + int(np.count_nonzero(distribution >= 0))) / 2001


def test_bootstrap_mean_interval_needs_two_values() -> None:
    with pytest.raises(ValueError, match="at least two values"):
        bootstrap_mean_interval([1.0])
