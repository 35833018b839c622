"""Small statistics shared by the claims' analyses: intervals a verdict can rest on.

* :func:`clopper_pearson` -- the exact (conservative) binomial interval for a rate k / n,
  used for violation rates of high-probability statements (compare the upper end with δ).
* :func:`mean_interval` -- the Student-t interval for the mean of independent replicates.
* :func:`worst_in_units` -- the worst |value| / tolerance over several columns, so that a
  multi-part exact check compares one figure with the bound 1.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from mdps._validation import check_int, fail

__all__ = ["clopper_pearson", "mean_interval", "worst_in_units"]


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        fail("alpha", "a level in (0, 1)", alpha)
    return alpha


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Two-sided ``1 - alpha`` Clopper–Pearson interval for a binomial proportion ``k / n``."""
    from scipy.stats import beta

    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=0)
    if k > n:
        fail("k", f"at most n = {n}", k)
    alpha = _check_alpha(alpha)
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def mean_interval(x, alpha: float = 0.05) -> tuple[float, float, float]:
    """``(mean, low, high)``: the Student-t ``1 - alpha`` interval for the mean of ``x``.

    One value gives an infinite interval (nothing to estimate the spread from); NaN values are
    an error, not silently dropped."""
    from scipy.stats import t

    x = np.asarray(x, dtype=float).ravel()
    if x.size == 0:
        fail("x", "at least one value", "an empty array")
    if not np.all(np.isfinite(x)):
        fail("x", "finite values", f"{int((~np.isfinite(x)).sum())} non-finite of {x.size}")
    alpha = _check_alpha(alpha)
    m = float(x.mean())
    if x.size == 1:
        return m, -math.inf, math.inf
    half = float(t.ppf(1 - alpha / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - half, m + half


def worst_in_units(values: Mapping[str, np.ndarray], tolerances: Mapping[str, float]
                   ) -> tuple[float, dict[str, float]]:
    """``(worst, per_column)``: max over columns of max |value| / tolerance.

    A NaN anywhere makes the worst NaN (a part of the check was not done), so a decision rule
    on it is INCONCLUSIVE rather than a silent PASS."""
    worst, per = 0.0, {}
    for name, tol in tolerances.items():
        if not float(tol) > 0:
            fail(f"tolerances[{name!r}]", "a positive number", tol)
        v = np.abs(np.asarray(values[name], dtype=float))
        m = float(v.max()) / float(tol) if v.size else math.nan
        per[name] = m
        worst = math.nan if (math.isnan(m) or math.isnan(worst)) else max(worst, m)
    return worst, per
