"""Log-log rates with a cluster-bootstrap confidence interval.

Setting. A sweep measures ``y`` (episodes needed, suboptimality, ...) at several values of
``x`` (epsilon, d, H, K), once per replicate (an independent seed). If ``y ~ C x^b``, the
least-squares slope of ``log y`` on ``log x`` estimates ``b``. The points of one replicate
are not independent of each other in general (a replicate may share an instance, a seed
stream or a data set across its ``x`` values), but replicates are independent; so the
interval resamples *replicates*, not points (the cluster, or "pairs-cluster", bootstrap:
Cameron, Gelbach & Miller 2008, "Bootstrap-based improvements for inference with clustered
errors", Rev. Econ. Stat. 90(3)). Each bootstrap draw takes ``R`` replicate ids with
replacement out of the ``R`` observed, refits the slope on all their points, and the
interval is read from the draws' distribution.

Interval methods:

* ``"percentile"`` -- the ``(1-level)/2`` and ``(1+level)/2`` quantiles of the draws
  (Efron & Tibshirani 1993, Sec. 13.3). With few clusters it under-covers: the bootstrap
  variance of a cluster mean is ``(R-1)/R`` times the unbiased one, and the normal quantile
  is too small for ``R-1`` degrees of freedom.
* ``"expanded"`` (default) -- the expanded percentile interval (Hesterberg 2015, "What
  teachers should know about the bootstrap", Am. Stat. 69(4), Sec. 5.1): the same draws read
  at the quantiles ``Phi(-/+ sqrt(R/(R-1)) t_{R-1, (1+level)/2})``, which corrects both
  effects. With 2 replicates it is the full range of the draws -- honest, wide.

Censored points. A sweep that measures "episodes needed" stops at a budget ``K_max``: a run
that has not reached the target is only known to need *more* than ``K_max``. Dropping such
points removes the slowest runs, which are the large-``x`` ones when the slope is steep, and
biases the slope towards 0 (a planted violation then escapes FAIL). :func:`fit_rate_censored`
keeps them as right-censored observations of a normal linear model on the log scale (the
Tobit model: Tobin 1958; Amemiya 1984, "Tobit models: a survey", J. Econometrics 24):
``log y = a + b log x + sigma e``, ``e ~ N(0, 1)``, each censored point contributing
``P(log y > log c)``. The maximum-likelihood estimate is found by Newton's method in Olsen's
(1978) parametrisation ``(a/sigma, b/sigma, 1/sigma)``, in which the log-likelihood is
globally concave; the interval is the same cluster bootstrap, every draw refitted (all draws
at once, vectorised). With no censored point it equals the least-squares slope.

Deterministic given ``rng``; without one, a fresh ``default_rng(DEFAULT_SEED)`` per call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from mdps._validation import as_float_array, check_int, check_real, check_shape, fail

__all__ = ["RateFit", "fit_rate", "fit_rate_censored", "DEFAULT_SEED", "METHODS"]

#: Seed of the generator ``fit_rate`` creates when none is given (an explicit rng is preferred).
DEFAULT_SEED = 20230310
METHODS = ("expanded", "percentile")
#: Largest share of bootstrap draws allowed to be degenerate (all drawn replicates at one x).
MAX_DEGENERATE_SHARE = 0.05


@dataclass(frozen=True)
class RateFit:
    """A fitted log-log slope: ``log y = intercept + slope * log x``.

    ``interval`` is the bootstrap confidence interval for the slope at ``level`` (method
    ``method``); ``se`` the standard deviation of the bootstrap slopes; ``n_boot`` the number
    of non-degenerate bootstrap draws used.
    """

    slope: float
    interval: tuple[float, float]
    intercept: float
    n_points: int
    n_replicates: int
    level: float
    method: str = "expanded"
    se: float = float("nan")
    n_boot: int = 0
    n_censored: int = 0

    def __post_init__(self):
        lo, hi = (float(v) for v in self.interval)
        object.__setattr__(self, "interval", (lo, hi))

    @property
    def width(self) -> float:
        return self.interval[1] - self.interval[0]

    def covers(self, value: float) -> bool:
        return self.interval[0] <= value <= self.interval[1]


def _slopes(sums: np.ndarray) -> np.ndarray:
    """OLS slopes from summed statistics ``(n, Su, Sv, Suu, Suv)`` along the last axis."""
    n, su, sv, suu, suv = np.moveaxis(sums, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = suu - su * su / n
        sxy = suv - su * sv / n
        return sxy / sxx, sxx


def _interval(boot: np.ndarray, R: int, level: float, method: str) -> tuple[float, float]:
    """The bootstrap interval of ``boot`` (slopes of ``R``-cluster draws), see the module docstring."""
    alpha = 1.0 - level
    if method == "percentile":
        q_lo, q_hi = alpha / 2, 1 - alpha / 2
    else:
        z = np.sqrt(R / (R - 1)) * stats.t.ppf(1 - alpha / 2, df=R - 1)
        q_lo, q_hi = float(stats.norm.cdf(-z)), float(stats.norm.cdf(z))
    lo, hi = np.quantile(boot, [q_lo, q_hi])
    return float(lo), float(hi)


def _check_common(x, replicate, n_boot, level, method, rng):
    """Validation shared by both fits; returns ``(x, rep, n_boot, level, rng)``."""
    x = as_float_array("x", x, ndim=1)
    if x.size and x.min() <= 0:
        fail("x", "positive entries (a log-log fit)", f"{float(x.min())!r} at index {int(np.argmin(x))}")
    rep = np.asarray(replicate)
    if rep.ndim != 1:
        fail("replicate", "a 1-dimensional array", f"shape {rep.shape}")
    check_shape("replicate", rep, x.shape, "(n_points,)")
    if rep.dtype.kind == "f" and not np.all(np.isfinite(rep)):
        fail("replicate", "finite ids", "NaN or inf")
    n_boot = check_int("n_boot", n_boot, minimum=100)
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    if method not in METHODS:
        fail("method", f"one of {METHODS}", repr(method))
    if rng is None:
        rng = np.random.default_rng(DEFAULT_SEED)
    elif not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator or None", type(rng).__name__, TypeError)
    return x, rep, n_boot, level, rng


def fit_rate(x, y, replicate, n_boot: int = 2000, level: float = 0.95,
             rng: np.random.Generator | None = None, method: str = "expanded") -> RateFit:
    """Least-squares slope of ``log y`` on ``log x``, with a cluster-bootstrap interval.

    Parameters
    ----------
    x, y : 1-D arrays of positive finite numbers, one entry per measured point
        (filter failed cells, NaN or zero before calling: a log-log fit cannot use them).
    replicate : 1-D array of the same length; the replicate id (int or str) of each point.
        Points with the same id are one cluster and are resampled together.
    n_boot : number of bootstrap draws (>= 100).
    level : confidence level in (0, 1).
    rng : the ``numpy.random.Generator`` driving the resampling; default a fresh
        ``default_rng(DEFAULT_SEED)`` (so the result is reproducible, but pass one).
    method : ``"expanded"`` (default) or ``"percentile"`` (see the module docstring).

    Raises ``ValueError`` when fewer than 2 distinct ``x`` values or fewer than 2 replicates
    are given (no interval is defined), or when more than 5% of bootstrap draws are
    degenerate (the drawn replicates all sit at one ``x``: give each replicate several
    ``x`` values). Callers that may hit these cases catch ``ValueError`` and report the
    claim INCONCLUSIVE.
    """
    x, rep, n_boot, level, rng = _check_common(x, replicate, n_boot, level, method, rng)
    y = as_float_array("y", y, ndim=1)
    check_shape("y", y, x.shape, "(n_points,)")
    if y.size and y.min() <= 0:
        fail("y", "positive entries (a log-log fit)", f"{float(y.min())!r} at index {int(np.argmin(y))}")

    n_x = np.unique(x).size
    if n_x < 2:
        fail("x", "at least 2 distinct values (a slope needs two abscissae)", f"{n_x} distinct value(s)")
    ids, inverse = np.unique(rep, return_inverse=True)
    R = ids.size
    if R < 2:
        fail("replicate", "at least 2 distinct replicate ids (no interval from one replicate)",
             f"{R} id(s)")

    u = np.log(x)
    v = np.log(y)
    u_c = u - u.mean()  # centre for numerical stability; the slope is unchanged
    v_c = v - v.mean()
    per_point = np.stack([np.ones_like(u_c), u_c, v_c, u_c * u_c, u_c * v_c], axis=-1)
    per_rep = np.zeros((R, 5))
    np.add.at(per_rep, inverse, per_point)

    slope_arr, _ = _slopes(per_rep.sum(axis=0))
    slope = float(slope_arr)
    intercept = float(v.mean() - slope * u.mean())

    counts = rng.multinomial(R, np.full(R, 1.0 / R), size=n_boot).astype(np.float64)
    boot, sxx = _slopes(counts @ per_rep)
    scale = max(float(np.sum(u_c * u_c)), np.finfo(float).tiny)
    degenerate = ~np.isfinite(boot) | (sxx <= 1e-12 * scale)
    share = float(degenerate.mean())
    if share > MAX_DEGENERATE_SHARE:
        fail("replicate", f"replicates spanning >= 2 distinct x values (at most "
             f"{MAX_DEGENERATE_SHARE:.0%} degenerate bootstrap draws)", f"{share:.1%} degenerate")
    boot = boot[~degenerate]
    lo, hi = _interval(boot, R, level, method)
    return RateFit(
        slope=slope,
        interval=(float(lo), float(hi)),
        intercept=intercept,
        n_points=int(x.size),
        n_replicates=int(R),
        level=level,
        method=method,
        se=float(np.std(boot, ddof=1)) if boot.size > 1 else float("nan"),
        n_boot=int(boot.size),
    )


#: Newton iterations of the Tobit fit (it converges quadratically from the least-squares start
#: in < 15 on every case we tried); the gradient tolerance, relative to the point count.
TOBIT_MAX_ITER = 60
TOBIT_GTOL = 1e-9


def _tobit_newton(u, v, cens, W, theta0):
    """Weighted Tobit MLE for every row of the weights ``W`` ``(B, n)`` at once.

    Model ``v = a + b u + sigma e`` with ``v`` known only to exceed itself where ``cens``.
    Olsen's parameters ``theta = (a/sigma, b/sigma, 1/sigma)``; returns ``(theta (B, 3),
    converged (B,))``. Damped Newton ascent on the concave log-likelihood."""
    X = np.stack([np.ones_like(u), u], axis=-1)  # (n, 2)
    obs = ~cens

    def loglik_grad_hess(theta):
        g0, g1, tau = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
        lin = g0 + g1 * u  # (B, n)
        z = tau * v - lin  # uncensored residual
        w = lin - tau * v  # censored: log Phi(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            ll_pt = np.where(obs, np.log(np.maximum(tau, 1e-300)) - 0.5 * z * z, special.log_ndtr(w))
            lam = np.exp(-0.5 * w * w - 0.5 * np.log(2 * np.pi) - special.log_ndtr(w))
        ll = np.sum(W * ll_pt, axis=1)
        # gradient per point: d/d(g0, g1, tau)
        da = np.where(obs, z, lam)
        dt = np.where(obs, 1.0 / tau - z * v, -lam * v)
        grad = np.stack([np.sum(W * da, 1), np.sum(W * da * u, 1), np.sum(W * dt, 1)], axis=-1)
        # Hessian entries
        k = np.where(obs, 1.0, lam * (w + lam))  # curvature weight along (x, -v) for censored
        Wk = W * k
        hgg00 = -np.sum(Wk, 1)
        hgg01 = -np.sum(Wk * u, 1)
        hgg11 = -np.sum(Wk * u * u, 1)
        # uncensored: d2/dg dtau = +v x ; censored: -lam(w+lam) * x * (-v) = +k v x
        hgt0 = np.sum(Wk * v, 1)
        hgt1 = np.sum(Wk * v * u, 1)
        htt = -np.sum(W * np.where(obs, 1.0 / tau ** 2 + v * v, k * v * v), 1)
        H = np.stack([np.stack([hgg00, hgg01, hgt0], -1), np.stack([hgg01, hgg11, hgt1], -1),
                      np.stack([hgt0, hgt1, htt], -1)], axis=-2)
        return ll, grad, H

    theta = np.array(theta0, dtype=float)
    B = theta.shape[0]
    done = np.zeros(B, dtype=bool)
    n_w = np.maximum(W.sum(axis=1), 1.0)
    ll, grad, H = loglik_grad_hess(theta)
    for _ in range(TOBIT_MAX_ITER):
        done |= np.max(np.abs(grad), axis=1) <= TOBIT_GTOL * n_w
        if done.all():
            break
        with np.errstate(invalid="ignore"):
            try:
                step = np.linalg.solve(H, grad[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = np.stack([np.linalg.lstsq(h, g, rcond=None)[0] for h, g in zip(H, grad)])
        step[done | ~np.all(np.isfinite(step), axis=1)] = 0.0
        t = np.ones(B)
        new = theta - t[:, None] * step
        for _ in range(30):  # halve until the log-likelihood does not fall and 1/sigma > 0
            ll_new, g_new, H_new = loglik_grad_hess(np.where(new[:, 2:3] > 0, new, theta))
            bad = ~((new[:, 2] > 0) & (ll_new >= ll - 1e-12 * np.abs(ll)))
            if not bad.any():
                break
            t = np.where(bad, t / 2, t)
            new = theta - t[:, None] * step
        ok = ~bad
        theta = np.where(ok[:, None], new, theta)
        ll, grad, H = np.where(ok, ll_new, ll), np.where(ok[:, None], g_new, grad), np.where(ok[:, None, None], H_new, H)
        done |= ~ok  # no ascent step possible: stop here (checked against the gradient below)
    converged = np.max(np.abs(grad), axis=1) <= 1e-6 * n_w
    return theta, converged


def fit_rate_censored(x, y, replicate, censored_at, n_boot: int = 1000, level: float = 0.95,
                      rng: np.random.Generator | None = None, method: str = "expanded") -> RateFit:
    """Log-log slope when some points are right-censored (module docstring: the Tobit fit).

    Parameters as :func:`fit_rate`, plus ``censored_at``: per point, the budget above which
    ``y`` was not observed (``K_max``), or one number for all. A point is censored when its
    ``y`` is NaN or infinite (not reached within the budget); its ``censored_at`` must then be
    positive and finite. Observed ``y`` must be positive. ``RateFit.n_censored`` counts them.

    Raises ``ValueError`` (callers report INCONCLUSIVE) when fewer than 2 distinct ``x`` carry
    observed points, fewer than 2 replicates are given, or more than 5% of the bootstrap draws
    have no maximum-likelihood estimate (e.g. every drawn point censored).
    """
    x, rep, n_boot, level, rng = _check_common(x, replicate, n_boot, level, method, rng)
    y = np.asarray(y, dtype=float)
    if y.ndim != 1:
        fail("y", "a 1-dimensional array", f"shape {y.shape}")
    check_shape("y", y, x.shape, "(n_points,)")
    c = np.broadcast_to(np.asarray(censored_at, dtype=float), x.shape).astype(float)
    cens = ~np.isfinite(y)
    if cens.any() and not (np.all(np.isfinite(c[cens])) and np.all(c[cens] > 0)):
        fail("censored_at", "positive finite budgets at the censored points", repr(c[cens][:5]))
    if np.any(y[~cens] <= 0):
        bad = np.flatnonzero(~cens & (y <= 0))[0]
        fail("y", "positive entries where observed (a log-log fit)", f"{y[bad]!r} at index {int(bad)}")
    n_x = np.unique(x[~cens]).size
    if n_x < 2:
        fail("y", "observed points at >= 2 distinct x values", f"{n_x} distinct x with observations")
    ids, inverse = np.unique(rep, return_inverse=True)
    R = ids.size
    if R < 2:
        fail("replicate", "at least 2 distinct replicate ids (no interval from one replicate)",
             f"{R} id(s)")

    u_raw = np.log(x)
    u_mean = u_raw.mean()
    u = u_raw - u_mean
    v = np.where(cens, np.log(np.where(cens, c, 1.0)), np.log(np.where(cens, 1.0, y)))
    v_mean = v.mean()
    v = v - v_mean
    # start: least squares on the observed points
    uo, vo = u[~cens], v[~cens]
    b0 = np.polyfit(uo, vo, 1)
    sigma0 = max(float(np.std(vo - np.polyval(b0, uo))), 1e-3)
    theta0 = np.array([[b0[1] / sigma0, b0[0] / sigma0, 1.0 / sigma0]])
    theta, conv = _tobit_newton(u, v, cens, np.ones((1, x.size)), theta0)
    if not conv[0]:
        fail("y", "data with a maximum-likelihood Tobit fit", "no convergence on the full sample")
    slope = float(theta[0, 1] / theta[0, 2])
    intercept = float(v_mean + theta[0, 0] / theta[0, 2] - slope * u_mean)

    counts = rng.multinomial(R, np.full(R, 1.0 / R), size=n_boot).astype(np.float64)
    W = counts[:, inverse]  # (B, n) point weights
    obs_x = W * (~cens)
    # a draw needs observed points at >= 2 distinct x (else no slope)
    spread = np.array([np.unique(x[(w > 0)]).size for w in obs_x])
    bt, bconv = _tobit_newton(u, v, cens, W, np.repeat(theta, n_boot, axis=0))
    boot = bt[:, 1] / bt[:, 2]
    degenerate = (spread < 2) | ~bconv | ~np.isfinite(boot)
    share = float(degenerate.mean())
    if share > MAX_DEGENERATE_SHARE:
        fail("replicate", f"replicates whose observed points span >= 2 x values (at most "
             f"{MAX_DEGENERATE_SHARE:.0%} bootstrap draws without a Tobit estimate)",
             f"{share:.1%} without")
    boot = boot[~degenerate]
    lo, hi = _interval(boot, R, level, method)
    return RateFit(slope=slope, interval=(lo, hi), intercept=intercept, n_points=int(x.size),
                   n_replicates=int(R), level=level, method=method,
                   se=float(np.std(boot, ddof=1)) if boot.size > 1 else float("nan"),
                   n_boot=int(boot.size), n_censored=int(cens.sum()))
