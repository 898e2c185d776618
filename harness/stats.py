"""Intervals, paired tests and percentiles behind gates and comparisons.

The Wilson interval and the bootstrap are computed here with numpy and the
normal quantile of ``scipy.special`` (not ``scipy.stats``, whose import takes
most of a second): every figure is bit-identical to ``scipy.stats``'s
``binomtest(...).proportion_ci(method="wilson")`` and ``bootstrap(...)``
(tests/test_stats.py compares them). The exact binomial test and Student's t
still come from ``scipy.stats``, imported only by the comparisons that use them.

Paired tests take two equally long sequences already aligned example by example;
:func:`pair_by_id` builds them from per-example records keyed by example id and
refuses ids present on one side only, because a comparison on different
examples measures the data, not the model.

Signs: ``delta`` is always ``new - reference`` in metric units. ``alternative``
names the direction of the alternative hypothesis for ``new`` against
``reference``: ``"less"`` (new is lower), ``"greater"`` or ``"two-sided"``. A
gate that asks "did it drop?" passes ``"less"`` for higher-is-better metrics and
``"greater"`` for lower-is-better ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from harness.errors import HarnessError

CONFIDENCE_LEVEL = 0.95
# Fixed so the same results always give the same interval and p-value (scorecards are diffed).
BOOTSTRAP_SEED = 0
BOOTSTRAP_RESAMPLES = 2000

Alternative = Literal["two-sided", "less", "greater"]
_ALTERNATIVES = ("two-sided", "less", "greater")
# Example ids listed in a message; records keep them all.
MAX_IDS_SHOWN = 5

_T = TypeVar("_T")


@dataclass(frozen=True)
class PairedTest:
    """A paired comparison of ``new`` against ``reference`` on the same examples.

    ``ci_low``/``ci_high`` bound ``delta`` (``new - reference``) and are ``None``
    when fewer than two pairs make an interval meaningless. ``b`` and ``c`` are
    McNemar's discordant counts: ``b`` pairs passed by the reference and failed
    by the new run, ``c`` the other way round; ``None`` for continuous tests.
    """

    test: str
    alternative: Alternative
    n: int
    reference_mean: float
    new_mean: float
    delta: float
    ci_low: float | None
    ci_high: float | None
    p_value: float
    b: int | None = None
    c: int | None = None


class UnpairedError(HarnessError):
    """Example ids present on one side of a paired comparison only."""

    def __init__(
        self, only_reference: Sequence[str], only_new: Sequence[str], context: str = ""
    ) -> None:
        self.only_reference = tuple(only_reference)
        self.only_new = tuple(only_new)
        parts = []
        if self.only_reference:
            ids = format_ids(self.only_reference)
            parts.append(f"{len(self.only_reference)} only in the reference ({ids})")
        if self.only_new:
            parts.append(f"{len(self.only_new)} only in the new run ({format_ids(self.only_new)})")
        prefix = f"{context}: " if context else ""
        super().__init__(f"{prefix}example ids do not match: " + "; ".join(parts))


def format_ids(ids: Sequence[str], limit: int = MAX_IDS_SHOWN) -> str:
    """The first ``limit`` ids joined by commas, then ``+N more`` for the rest."""
    shown = ", ".join(ids[:limit])
    more = len(ids) - limit
    return f"{shown} +{more} more" if more > 0 else shown


def pair_by_id(reference: Mapping[str, _T], new: Mapping[str, _T]) -> list[tuple[str, _T, _T]]:
    """``(id, reference item, new item)`` in the reference's order; raises on unpaired ids."""
    only_reference = [i for i in reference if i not in new]
    only_new = [i for i in new if i not in reference]
    if only_reference or only_new:
        raise UnpairedError(only_reference, only_new)
    return [(i, reference[i], new[i]) for i in reference]


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE_LEVEL) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes out of ``n`` trials."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")
    from scipy.special import ndtri

    # Newcombe (1998), as scipy.stats computes it (same operations, same rounding).
    z = ndtri(0.5 + 0.5 * confidence)
    p = k / n
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    low = 0.0 if k == 0 else center - delta
    high = 1.0 if k == n else center + delta
    return float(low), float(high)


def mcnemar_exact(
    ref_pass: Sequence[bool],
    new_pass: Sequence[bool],
    *,
    alternative: Alternative = "two-sided",
) -> PairedTest:
    """Exact McNemar test of paired pass/fail verdicts (binomial test on the discordant pairs).

    Under no change a discordant pair is equally likely to go either way, so
    ``c`` (fail → pass) out of ``b + c`` is Binomial(b + c, 1/2); the p-value is
    scipy's exact ``binomtest``, 1.0 when there is no discordant pair.
    ``alternative="less"`` asks whether the new run passes less often (a drop).
    The interval on ``delta`` is the paired percentile bootstrap of the 0/1
    differences (see :func:`paired_bootstrap`).
    """
    _check_alternative(alternative)
    ref, new = _aligned(ref_pass, new_pass)
    b = sum(1 for r, w in zip(ref, new, strict=True) if r and not w)
    c = sum(1 for r, w in zip(ref, new, strict=True) if w and not r)
    if b + c == 0:
        p_value = 1.0
    else:
        from scipy.stats import binomtest

        p_value = float(binomtest(c, b + c, 0.5, alternative=alternative).pvalue)
    interval = paired_bootstrap([float(r) for r in ref], [float(w) for w in new])
    return PairedTest(
        test="exact McNemar",
        alternative=alternative,
        n=len(ref),
        reference_mean=sum(ref) / len(ref),
        new_mean=sum(new) / len(new),
        delta=(c - b) / len(ref),
        ci_low=interval.ci_low,
        ci_high=interval.ci_high,
        p_value=p_value,
        b=b,
        c=c,
    )


def paired_bootstrap(
    ref: Sequence[float],
    new: Sequence[float],
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    *,
    alternative: Alternative = "less",
) -> PairedTest:
    """Mean difference ``new - ref`` with a paired bootstrap interval and p-value.

    Pairs are resampled together (as ``scipy.stats.bootstrap`` with ``paired=True``,
    seeded); the interval is the percentile interval of the resampled mean
    differences. The p-value for ``alternative="less"`` (the default: did
    ``new`` drop?) is the share of resamples whose difference is not below zero,
    ``(1 + #{delta* >= 0}) / (n_resamples + 1)``, so a difference that vanishes
    in many resamples is not significant and the p-value is never 0;
    ``"greater"`` mirrors it and ``"two-sided"`` doubles the smaller side. With
    fewer than two pairs there is no evidence: p is 1.0 and no interval is given.
    """
    _check_alternative(alternative)
    import numpy as np

    r, w = _aligned(ref, new)
    ref_arr = np.asarray(r, dtype=float)
    new_arr = np.asarray(w, dtype=float)
    if not (np.all(np.isfinite(ref_arr)) and np.all(np.isfinite(new_arr))):
        raise ValueError("paired_bootstrap needs finite values")
    diffs = new_arr - ref_arr
    delta = float(np.mean(diffs))
    test = f"paired bootstrap ({n_resamples} resamples)"

    def result(ci_low: float | None, ci_high: float | None, p_value: float) -> PairedTest:
        return PairedTest(
            test=test,
            alternative=alternative,
            n=len(diffs),
            reference_mean=float(np.mean(ref_arr)),
            new_mean=float(np.mean(new_arr)),
            delta=delta,
            ci_low=ci_low,
            ci_high=ci_high,
            p_value=p_value,
        )

    if len(diffs) < 2:
        return result(None, None, 1.0)
    if np.all(diffs == diffs[0]):
        # Every resample has the same mean difference (an interval of one point).
        distribution = np.full(n_resamples, delta)
        return result(delta, delta, _bootstrap_p(distribution, alternative))

    def mean_difference(i: Any) -> Any:
        return np.mean(new_arr[..., i] - ref_arr[..., i], axis=-1)

    rng = np.random.default_rng(seed)
    distribution = _resampled(len(diffs), mean_difference, n_resamples, None, rng)
    low, high = _quantiles(distribution, _percentile_levels(CONFIDENCE_LEVEL))
    return result(float(low), float(high), _bootstrap_p(distribution, alternative))


def bootstrap_mean_interval(
    values: Sequence[float],
    *,
    method: Literal["percentile", "bca"] = "bca",
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    batch: int | None = None,
    confidence: float = CONFIDENCE_LEVEL,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """A seeded two-sided bootstrap interval for the mean of ``values`` (NaN where undefined).

    ``method`` is ``"bca"`` (bias-corrected and accelerated, Efron and
    Tibshirani 14.3 and 15.4) or ``"percentile"``; ``batch`` resamples are drawn
    at a time (memory: about ``batch * len(values) * 8`` bytes). The figures are
    ``scipy.stats.bootstrap``'s for ``np.mean``, ``vectorized=True`` and
    ``rng=np.random.default_rng(seed)``, bit for bit.
    """
    import numpy as np

    data = np.asarray(values, dtype=float)
    if data.ndim != 1 or len(data) < 2:
        raise ValueError("the bootstrap needs at least two values")

    def mean(i: Any) -> Any:
        return np.mean(data[..., i], axis=-1)

    rng = np.random.default_rng(seed)
    distribution = _resampled(len(data), mean, n_resamples, batch, rng)
    if method == "percentile":
        levels = _percentile_levels(confidence)
    else:
        with np.errstate(all="ignore"):  # degenerate samples give NaN, as in scipy
            levels = _bca_levels(data, distribution, (1 - confidence) / 2, batch)
    low, high = _quantiles(distribution, levels)
    return float(low), float(high)


def _resampled(
    n: int, statistic: Callable[[Any], Any], n_resamples: int, batch: int | None, rng: Any
) -> Any:
    """``statistic`` of ``n_resamples`` index resamples of ``n`` observations, drawn in batches."""
    import numpy as np

    step = batch or n_resamples or 1
    sizes = [min(step, n_resamples - k) for k in range(0, n_resamples, step)]
    return np.concatenate([statistic(rng.integers(0, n, (size, n))) for size in sizes], axis=-1)


def _percentile_levels(confidence: float) -> Any:
    import numpy as np

    alpha = np.asarray((1 - confidence) / 2, dtype=float)
    return np.stack((alpha, 1 - alpha), axis=-1)


def _bca_levels(data: Any, distribution: Any, alpha: float, batch: int | None) -> Any:
    """The BCa interval's two quantile levels of the bootstrap distribution of the mean."""
    import numpy as np
    from scipy.special import ndtr, ndtri

    # Bias correction: where the sample's own mean falls in the bootstrap distribution.
    theta_hat = np.expand_dims(np.mean(data, axis=-1), axis=-1)
    below = np.count_nonzero(distribution < theta_hat, axis=-1)
    below_or_at = np.count_nonzero(distribution <= theta_hat, axis=-1)
    share = (below + below_or_at).astype(theta_hat.dtype) / (2 * len(distribution))
    z0_hat = ndtri(np.asarray(share, dtype=theta_hat.dtype))
    # Acceleration, from the jackknife means (each leaves one observation out).
    n = data.shape[-1]
    step = batch or n
    jackknife = []
    for k in range(0, n, step):
        rows = min(step, n - k)
        keep = np.ones((rows, n), dtype=bool)
        np.fill_diagonal(keep[:, k : k + rows], False)
        i = np.broadcast_to(np.arange(n), (rows, n))[keep].reshape((rows, n - 1))
        jackknife.append(np.mean(data[..., i], axis=-1))
    theta_hat_i = np.concatenate(jackknife, axis=-1)
    n_j = float(theta_hat_i.shape[-1])
    u = (n_j - 1) * (np.mean(theta_hat_i, axis=-1, keepdims=True) - theta_hat_i)
    num = np.sum(u**3, axis=-1) / n_j**3
    den = np.sum(u**2, axis=-1) / n_j**2
    a_hat = 1 / 6 * num / den ** (3 / 2)
    z_alpha = float(ndtri(alpha))
    num1 = z0_hat + z_alpha
    num2 = z0_hat + -z_alpha
    return np.stack(
        (ndtr(z0_hat + num1 / (1 - a_hat * num1)), ndtr(z0_hat + num2 / (1 - a_hat * num2))),
        axis=-1,
    )


def _quantiles(distribution: Any, levels: Any) -> Any:
    """The quantiles at ``levels`` (Hyndman and Fan's type 7, ``scipy.stats.quantile``'s default)."""
    import numpy as np

    y = np.sort(distribution, axis=-1)
    p = np.asarray(levels, dtype=float).reshape(-1)
    undefined = (p < 0) | (p > 1) | np.isnan(p)  # BCa on degenerate data
    p = np.where(undefined, 0.5, p)
    n = np.asarray([float(y.shape[-1])])
    jg = p * n + (1 - p)
    jp1 = jg // 1
    j = jp1 - 1
    g = jg % 1
    g[j < 0] = 0
    j = np.clip(j, 0.0, n - 1)
    jp1 = np.clip(jp1, 0.0, n - 1)
    out = (1 - g) * y[j.astype(np.int64)] + g * y[jp1.astype(np.int64)]
    out[undefined] = np.nan
    return out


def _bootstrap_p(distribution: Any, alternative: Alternative) -> float:
    """The percentile-bootstrap p-value of the resampled differences for ``alternative``."""
    import numpy as np

    b = len(distribution)
    p_less = (1 + int(np.count_nonzero(distribution >= 0))) / (b + 1)
    p_greater = (1 + int(np.count_nonzero(distribution <= 0))) / (b + 1)
    if alternative == "less":
        return p_less
    if alternative == "greater":
        return p_greater
    return min(1.0, 2 * min(p_less, p_greater))


def _aligned(ref: Sequence[_T], new: Sequence[_T]) -> tuple[list[_T], list[_T]]:
    ref_list, new_list = list(ref), list(new)
    if len(ref_list) != len(new_list):
        raise ValueError(
            f"paired tests need equally long sequences, got {len(ref_list)} and {len(new_list)}"
        )
    if not ref_list:
        raise ValueError("paired tests need at least one pair")
    return ref_list, new_list


def _check_alternative(alternative: str) -> None:
    if alternative not in _ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {', '.join(_ALTERNATIVES)}, got {alternative!r}"
        )


def is_significant(p_value: float | None, alpha: float) -> bool:
    """True when a p-value is below ``alpha`` (``None`` and NaN are never significant)."""
    return p_value is not None and not math.isnan(p_value) and p_value < alpha


@dataclass(frozen=True)
class TwoSampleDifference:
    """``a - b`` between two independent samples, with a 95% interval.

    ``ci_low``/``ci_high`` are ``None`` when a sample is too small for an interval.
    """

    delta: float
    ci_low: float | None
    ci_high: float | None
    method: str

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or below 0: a gap beyond sampling noise."""
        if self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_low > 0 or self.ci_high < 0


def proportion_difference(
    k_a: int, n_a: int, k_b: int, n_b: int, confidence: float = CONFIDENCE_LEVEL
) -> TwoSampleDifference:
    """``k_a/n_a - k_b/n_b`` with Newcombe's hybrid score interval (built on Wilson intervals).

    Newcombe's interval keeps good coverage at rates near 0 or 1, where the
    Wald interval of a difference collapses to a point.
    """
    p_a, p_b = k_a / n_a, k_b / n_b
    low_a, high_a = wilson_interval(k_a, n_a, confidence)
    low_b, high_b = wilson_interval(k_b, n_b, confidence)
    delta = p_a - p_b
    low = delta - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = delta + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return TwoSampleDifference(delta, max(-1.0, low), min(1.0, high), "newcombe")


def mean_difference(
    a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE_LEVEL
) -> TwoSampleDifference:
    """``mean(a) - mean(b)`` with Welch's t interval (unequal variances)."""
    if not a or not b:
        raise ValueError("need at least one value on each side")
    from scipy.stats import t as student_t

    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    delta = mean_a - mean_b
    if len(a) < 2 or len(b) < 2:
        return TwoSampleDifference(delta, None, None, "none (fewer than 2 values)")
    var_a = sum((x - mean_a) ** 2 for x in a) / (len(a) - 1)
    var_b = sum((x - mean_b) ** 2 for x in b) / (len(b) - 1)
    se_a, se_b = var_a / len(a), var_b / len(b)
    se = math.sqrt(se_a + se_b)
    if se == 0:
        return TwoSampleDifference(delta, delta, delta, "constant")
    df = (se_a + se_b) ** 2 / (se_a**2 / (len(a) - 1) + se_b**2 / (len(b) - 1))
    half = float(student_t.ppf(0.5 + confidence / 2, df)) * se
    return TwoSampleDifference(delta, delta - half, delta + half, "welch")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``: the project's one definition.

    Linear between order statistics (numpy's default), as vLLM's benchmarks report it.
    """
    if not values:
        raise ValueError("percentile of no values")
    import numpy as np

    return float(np.percentile(values, q))
