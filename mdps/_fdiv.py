"""f-divergences as objects: ``f``, its convex conjugate ``f*``, the non-negative-domain
conjugate ``f*_p`` and the CVXPY atoms each needs.

Definitions (Csiszar 1967; Nguyen, Wainwright, Jordan 2010; Sikchi et al. 2024, Sec. 2). For a
convex ``f`` with ``f(1) = 0``, ``D_f(p || q) = sum_x q(x) f(p(x)/q(x))`` with the perspective
conventions ``0 f(0/0) = 0`` and ``0 f(p/0) = p * f_inf``, ``f_inf = lim_{t->inf} f(t)/t``
(``+inf`` for KL and chi-square, so ``D_f`` is finite only when ``p << q``). The conjugates::

    f*(y)   = sup_w      [w y - f(w)]
    f*_p(y) = sup_{w>=0} [w y - f(w)] = y w*(y) - f(w*(y)),   w*(y) = max(0, (f')^{-1}(y))

``f*_p`` is the one the dual-V problem uses (its primal keeps ``d >= 0``); dual-Q uses
``f*`` (Sikchi et al. 2024, Eq. 9 with the erratum recorded in the project notes, D3).
Fenchel-Young: ``f(w) + f*(y) >= w y`` with equality at ``w = (f*)'(y)``.

| name        | f(t)            | f*(y)                  | f*_p(y)                          |
|-------------|-----------------|------------------------|----------------------------------|
| ``kl``      | t log t         | exp(y - 1)             | exp(y - 1)                       |
| ``chi2``    | (t - 1)^2       | y + y^2/4              | max(0, 1 + y/2)^2 - 1            |
| ``tv``      | |t - 1| / 2     | y on |y| <= 1/2        | max(y, -1/2) on y <= 1/2         |
| ``hellinger``| (sqrt t - 1)^2 | y/(1 - y), y < 1       | y/(1 - y), y < 1                 |

Outside its domain a conjugate is ``+inf``. ``kl`` here is what the Dual RL paper calls
"reverse KL" (``D_f(d || d^O) = KL(d || d^O)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from ._validation import as_float_array, check_shape, check_nonnegative, fail

__all__ = ["FDivergence", "KL", "Chi2", "TotalVariation", "SquaredHellinger",
           "F_DIVERGENCES", "get_divergence"]


@dataclass(frozen=True)
class FDivergence:
    """Base class; subclasses implement the scalar maps vectorised over NumPy arrays.

    Attributes: ``name``; ``f_inf`` the slope at infinity; ``conj_low``/``conj_high`` the
    closed domain of ``f*`` (TV: ``[-1/2, 1/2]``; Hellinger ``(-inf, 1)`` open at 1);
    ``strictly_convex``; ``solver`` the CVXPY solver its problems need (HiGHS for the
    polyhedral TV, Clarabel for the exponential / second-order cones).
    """

    name: str = ""
    f_inf: float = np.inf
    conj_low: float = -np.inf
    conj_high: float = np.inf
    strictly_convex: bool = True
    solver: str = "CLARABEL"

    # -- scalar maps (vectorised) --------------------------------------------------------
    def f(self, t):
        raise NotImplementedError

    def conj(self, y):
        """``f*(y)`` (``+inf`` outside the domain)."""
        raise NotImplementedError

    def conj_p(self, y):
        """``f*_p(y) = sup_{w >= 0} [w y - f(w)]``."""
        raise NotImplementedError

    def w_star(self, y):
        """A maximiser ``w >= 0`` of ``w y - f(w)``: ``(f*_p)'(y)`` where it exists."""
        raise NotImplementedError

    def conj_grad(self, y):
        """A maximiser ``w`` of ``w y - f(w)`` over the domain of ``f``: ``(f*)'(y)``."""
        raise NotImplementedError

    def w_star_prime(self, y):
        """``d w*/dy = (f*_p)''(y)`` where it exists (0 where ``w*`` is flat)."""
        raise NotImplementedError

    def divergence(self, p, q) -> float:
        """``D_f(p || q)`` for non-negative arrays of equal shape (perspective conventions)."""
        p = as_float_array("p", p)
        q = as_float_array("q", q)
        check_shape("q", q, p.shape, "p.shape")
        check_nonnegative("p", p)
        check_nonnegative("q", q)
        pos = q > 0
        total = float(np.sum(q[pos] * self.f(p[pos] / q[pos])))
        out = p[~pos]
        if np.any(out > 0):
            total += np.inf if np.isinf(self.f_inf) else float(self.f_inf * out.sum())
        return total

    # -- CVXPY ---------------------------------------------------------------------------
    def cp_divergence(self, d, q) -> tuple[cp.Expression, list]:
        """``(expr, constraints)`` with ``expr = D_f(d || q)`` for a CVXPY vector ``d`` and a
        constant ``q`` (1-D); when ``f_inf = inf`` the constraints pin ``d = 0`` where ``q = 0``."""
        q = as_float_array("q", q, ndim=1)
        check_nonnegative("q", q)
        pos = np.flatnonzero(q > 0)
        zero = np.flatnonzero(q <= 0)
        cons = []
        expr = self._cp_div(d[pos], q[pos]) if pos.size else cp.Constant(0.0)
        if zero.size:
            if np.isinf(self.f_inf):
                cons.append(d[zero] == 0)
            else:
                expr = expr + self.f_inf * cp.sum(d[zero])
        return expr, cons

    def _cp_div(self, d, q):
        raise NotImplementedError

    def cp_conj(self, y) -> tuple[cp.Expression, list]:
        """``(f*(y) elementwise, domain constraints)`` for a CVXPY expression ``y``."""
        raise NotImplementedError

    def cp_conj_p(self, y) -> tuple[cp.Expression, list]:
        """``(f*_p(y) elementwise, domain constraints)`` for a CVXPY expression ``y``."""
        raise NotImplementedError


def _arr(x):
    return np.asarray(x, dtype=float)


@dataclass(frozen=True)
class KL(FDivergence):
    """``f(t) = t log t`` (KL(p || q); "reverse KL" in Dual RL)."""

    name: str = "kl"

    def f(self, t):
        t = _arr(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0)
        return np.where(t < 0, np.inf, v)

    def conj(self, y):
        return np.exp(_arr(y) - 1.0)

    conj_p = conj
    w_star = conj
    conj_grad = conj
    w_star_prime = conj

    def _cp_div(self, d, q):
        return cp.sum(cp.rel_entr(d, q))

    def cp_conj(self, y):
        return cp.exp(y - 1.0), []

    cp_conj_p = cp_conj


@dataclass(frozen=True)
class Chi2(FDivergence):
    """Pearson ``f(t) = (t - 1)^2``."""

    name: str = "chi2"

    def f(self, t):
        return (_arr(t) - 1.0) ** 2

    def conj(self, y):
        y = _arr(y)
        return y + y * y / 4.0

    def conj_p(self, y):
        return np.maximum(0.0, 1.0 + _arr(y) / 2.0) ** 2 - 1.0

    def w_star(self, y):
        return np.maximum(0.0, 1.0 + _arr(y) / 2.0)

    def conj_grad(self, y):
        return 1.0 + _arr(y) / 2.0

    def w_star_prime(self, y):
        return np.where(1.0 + _arr(y) / 2.0 > 0, 0.5, 0.0)

    def _cp_div(self, d, q):
        return cp.sum(cp.multiply(1.0 / q, cp.square(d - q)))

    def cp_conj(self, y):
        return y + cp.square(y) / 4.0, []

    def cp_conj_p(self, y):
        return cp.square(cp.pos(1.0 + y / 2.0)) - 1.0, []


@dataclass(frozen=True)
class TotalVariation(FDivergence):
    """``f(t) = |t - 1| / 2`` (total variation distance); not strictly convex."""

    name: str = "tv"
    f_inf: float = 0.5
    conj_low: float = -0.5
    conj_high: float = 0.5
    strictly_convex: bool = False
    solver: str = "HIGHS"

    def f(self, t):
        return 0.5 * np.abs(_arr(t) - 1.0)

    def conj(self, y):
        y = _arr(y)
        return np.where(np.abs(y) <= 0.5, y, np.inf)

    def conj_p(self, y):
        y = _arr(y)
        return np.where(y <= 0.5, np.maximum(y, -0.5), np.inf)

    def w_star(self, y):
        """1 on (-1/2, 1/2], 0 below -1/2 (at -1/2 any w in [0, 1] maximises; 1 is returned)."""
        y = _arr(y)
        return np.where(y > 0.5, np.inf, np.where(y >= -0.5, 1.0, 0.0))

    def conj_grad(self, y):
        y = _arr(y)
        return np.where(np.abs(y) <= 0.5, 1.0, np.nan)

    def w_star_prime(self, y):
        return np.zeros_like(_arr(y))

    def _cp_div(self, d, q):
        return 0.5 * cp.sum(cp.abs(d - q))

    def cp_conj(self, y):
        return y, [y <= 0.5, y >= -0.5]

    def cp_conj_p(self, y):
        return cp.maximum(y, -0.5), [y <= 0.5]


@dataclass(frozen=True)
class SquaredHellinger(FDivergence):
    """``f(t) = (sqrt(t) - 1)^2`` (no 1/2 factor)."""

    name: str = "hellinger"
    f_inf: float = 1.0
    conj_high: float = 1.0

    def f(self, t):
        t = _arr(t)
        return np.where(t < 0, np.inf, (np.sqrt(np.abs(t)) - 1.0) ** 2)

    def conj(self, y):
        y = _arr(y)
        with np.errstate(divide="ignore"):
            return np.where(y < 1.0, y / np.where(y < 1.0, 1.0 - y, 1.0), np.inf)

    conj_p = conj

    def w_star(self, y):
        y = _arr(y)
        return np.where(y < 1.0, 1.0 / np.where(y < 1.0, 1.0 - y, 1.0) ** 2, np.inf)

    conj_grad = w_star

    def w_star_prime(self, y):
        y = _arr(y)
        return np.where(y < 1.0, 2.0 / np.where(y < 1.0, 1.0 - y, 1.0) ** 3, np.inf)

    def _cp_div(self, d, q):
        return cp.sum(d + q - 2.0 * cp.multiply(np.sqrt(q), cp.sqrt(d)))

    def cp_conj(self, y):
        return cp.inv_pos(1.0 - y) - 1.0, []

    cp_conj_p = cp_conj


F_DIVERGENCES = {
    "kl": KL(),
    "chi2": Chi2(),
    "tv": TotalVariation(),
    "hellinger": SquaredHellinger(),
}


def get_divergence(f) -> FDivergence:
    """An :class:`FDivergence` from itself or its name (``kl``, ``chi2``, ``tv``, ``hellinger``)."""
    if isinstance(f, FDivergence):
        return f
    if isinstance(f, str) and f in F_DIVERGENCES:
        return F_DIVERGENCES[f]
    fail("f", f"an FDivergence or one of {tuple(F_DIVERGENCES)}", repr(f))
