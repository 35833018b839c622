"""Sample-complexity bounds of horizon-free reward-free exploration (HF-UCRL-RFE++).

Setting (Zhang, Zhang & Gu, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture
MDPs", ICML 2023, arXiv 2303.10165). An episodic, time-homogeneous linear mixture MDP
``P(s'|s,a) = <phi(s'|s,a), theta*>`` with ``theta* in R^d``, ``||theta*||_2 <= B``,
horizon ``H``; rewards revealed only after ``K`` reward-free exploration episodes, with total
reward ``sum_h r_h <= 1`` on every trajectory (Assumption 2.6.1). Sample complexity = the
number ``K`` of exploration episodes after which the planned policy is ``epsilon``-optimal
for every such reward, with probability at least ``1 - 4 M delta``.

Source and provenance. The ICML/arXiv PDF was not available to us; every formula here comes
from the project notes (``shared/papers/reward_free_and_ftpedel.md``, A2.5, A4, A5, A7), which
read them in the second author's dissertation (W. Zhang, UCLA 2024, Ch. 2, Sec. 2.6 = the
ICML paper). A formula copied from there is tagged ``reconstructed`` (our statement of the
paper's result from a secondary source, not checked against the paper's text); a constant or
corollary we worked out ourselves is ``derived``.

The bounds (module constants, all :class:`bounds.Bound`):

``UPPER``
    Corollary 2.6.4 / eq. (2.6.7), explicit with every constant and log term::

        m = (16/eps^2) (64 max{8 beta sqrt(d iota), sqrt(2 zeta)} + 120 beta sqrt(d iota H alpha^2))^2
          + (8/eps) (2752 max{64 beta^2 d iota, 2 zeta} + 24 zeta + 240 d iota
                     + 240 beta gamma_w^2 d iota + 120 beta d iota sqrt(M))

    with the parameters of Theorem 2.6.3 (A2.5): ``alpha = H^(-1/2)``,
    ``gamma_w = d^(-1/4)``, ``lambda = d / B^2``, ``iota = eta = log(1 + K H / (d lambda
    alpha^2))``, ``tau = log(32 (max{log(gamma_w^2/alpha), 0} + 1) K^2 H^2 / delta)``,
    ``beta = 12 sqrt(d eta tau) + 30 tau / gamma_w^2 + sqrt(lambda) B``,
    ``M = log2(7 K H)`` (continuous: the ceiling of the algorithm is dropped so that the
    bound stays differentiable), ``zeta = 4 log(4 log(K H) / delta)``. Two deviations from
    the printed text, both from the notes: ``max{., 0}`` inside ``tau`` (the printed
    ``log(gamma^2/alpha)`` is negative for ``H < d``; the source inequality needs ``>= 0``),
    and ``delta`` is the algorithm's parameter (success probability ``1 - 4 M delta``).
    The formula is implicit: it depends on ``K`` through log factors, and the sample
    complexity is the fixed point ``K* = m(K*)`` -- :func:`sample_complexity`. Its
    constants (e.g. 2752 vs 4 x 896 in (2.8.60)) are order-of-magnitude only and
    astronomically loose (``K* ~ 10^12 d^2 / eps^2``); claims test exponents, never them.
``UPPER_H2``
    Corollary 2.6.6: rewards with ``sum_h r_h <= H`` (e.g. ``r_h in [0,1]``); the same
    formula with ``16/eps^2 -> 16 H^2/eps^2`` and ``8/eps -> 8H/eps``, i.e. ``eps -> eps/H``:
    ``O~(H^2 d^2 / eps^2)``.
``LOWER``
    Theorem 2.6.8, ``Omega(d^2 / eps^2)``. The theorem states no constant; the proof (A5:
    hard instance of Zhou & Gu 2022, regret-to-PAC reduction of Lemma 2.8.11) forces
    ``E[gap] >= d / (16 sqrt(3) c sqrt(c K))``, i.e. ``K >= d^2 / (768 c^3 eps^2)`` with
    ``c = max{5/c_1, 2} >= 2``. We take ``c = 2`` (the largest constant the argument can
    give): ``LOWER = d^2 / (6144 eps^2)``. ``derived``; valid for ``delta`` small enough
    (``delta < 1/(4c)``), ``B > 1`` and ``K >= 3 d^2``.
``LOWER_H2``
    Corollary 2.6.10 (``r_h in [0,1]``): ``Omega~(H^2 d^2 / eps^2)``, the same constant.
``UCRL_RFE``
    The baseline UCRL-RFE (Zhang, Zhou & Gu 2021, arXiv 2110.06394; dissertation Thm 2.4.3),
    rewards ``r_h in [0,1]``: ``O~(H^5 d^2 / eps^2)``. Only the rate is known to us (no
    explicit constants or logs): ``H^5 d^2 / eps^2``. ``paper``: the rate is the one the
    paper's abstract states (log factors and constants dropped).
``UCRL_RFE_RESCALED``
    The same guarantee for rewards ``r_h in [0, 1/H]`` (a subclass of total reward <= 1):
    ``epsilon``-accuracy on ``r`` is ``H epsilon``-accuracy on ``H r in [0,1]``, so
    ``H^5 d^2 / (H eps)^2 = H^3 d^2 / eps^2`` (notes C2 E3b). ``derived``. This is the curve
    to draw beside the horizon-free one at fixed total reward <= 1.
``UCRL_RFE_PLUS``
    UCRL-RFE+ (Bernstein version, dissertation Thm 2.5.1): ``O~(H^4 d (H + d) / eps^2)``.
``RADIUS``
    The confidence radius ``beta_K`` of Theorem 2.6.3 (A2.5), for simulations that scale it.

Which exponent a claim should use: ``UPPER`` at fixed ``K`` has eps-exponent exactly -2 but
d-exponent 0 as ``d -> oo`` (``iota -> 0`` when ``K`` does not grow with ``d``), which is
not the theorem's regime. The sample complexity moves ``K`` with ``d`` and ``eps``: use
``UPPER.exponent(x, towards, along=LEADING_PATH)`` (asymptotic: -2 in eps, 2 in d, 0 in H)
for ``predicted``, and ``UPPER.range_exponent(x, grid, at, implicit=K)`` to see how far the
log factors move the slope over the swept range.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ._bound import B, Bound, H, K, d, delta, epsilon

__all__ = [
    "PAPER",
    "BASELINE_PAPER",
    "UPPER",
    "UPPER_H2",
    "LOWER",
    "LOWER_H2",
    "UCRL_RFE",
    "UCRL_RFE_RESCALED",
    "UCRL_RFE_PLUS",
    "RADIUS",
    "LEADING_PATH",
    "LEADING_PATH_H2",
    "LOWER_CONSTANT_C",
    "parameters",
    "sample_complexity",
]

PAPER = ("Zhang, Zhang & Gu, \"Optimal Horizon-Free Reward-Free Exploration for Linear Mixture "
         "MDPs\", ICML 2023 (arXiv 2303.10165)")
BASELINE_PAPER = ("Zhang, Zhou & Gu, \"Reward-Free Model-Based Reinforcement Learning with Linear "
                  "Function Approximation\", 2021 (arXiv 2110.06394)")
_SOURCE = "formula from the notes A4, read in W. Zhang's UCLA dissertation (2024), Ch. 2"


def parameters(K_: Any = K) -> dict[str, sp.Expr]:
    """The parameter expressions of Theorem 2.6.3 (A2.5) at episode count ``K_``:
    ``alpha, gamma_w, lam, iota, eta, tau, beta, M, zeta`` (SymPy expressions)."""
    alpha = H ** sp.Rational(-1, 2)
    gamma_w = d ** sp.Rational(-1, 4)
    lam = d / B**2
    iota = sp.log(1 + K_ * H / (d * lam * alpha**2))
    eta = iota
    tau = sp.log(32 * (sp.Max(sp.log(gamma_w**2 / alpha), 0) + 1) * K_**2 * H**2 / delta)
    beta = 12 * sp.sqrt(d * eta * tau) + 30 * tau / gamma_w**2 + sp.sqrt(lam) * B
    M = sp.log(7 * K_ * H) / sp.log(2)
    zeta = 4 * sp.log(4 * sp.log(K_ * H) / delta)
    return dict(alpha=alpha, gamma_w=gamma_w, lam=lam, iota=iota, eta=eta, tau=tau,
                beta=beta, M=M, zeta=zeta)


def _upper_expr() -> sp.Expr:
    p = parameters()
    alpha, gamma_w, iota, beta, M, zeta = (p[k] for k in ("alpha", "gamma_w", "iota", "beta", "M", "zeta"))
    lead = 64 * sp.Max(8 * beta * sp.sqrt(d * iota), sp.sqrt(2 * zeta)) + 120 * beta * sp.sqrt(d * iota * H * alpha**2)
    lower_order = (2752 * sp.Max(64 * beta**2 * d * iota, 2 * zeta) + 24 * zeta + 240 * d * iota
                   + 240 * beta * gamma_w**2 * d * iota + 120 * beta * d * iota * sp.sqrt(M))
    return 16 / epsilon**2 * lead**2 + 8 / epsilon * lower_order


UPPER = Bound(
    name="HF-UCRL-RFE++ sample complexity (explicit, K in the log terms)",
    expr=_upper_expr(),
    paper=PAPER,
    theorem="Corollary 2.6.4, eq. (2.6.7) (dissertation numbering)",
    provenance="reconstructed",
    kind="upper",
    notes=(f"{_SOURCE}. Implicit in K: the sample complexity is the fixed point K* = m(K*) "
           "(sample_complexity). M = log2(7KH) without the ceiling; max{log(gamma^2/alpha), 0} "
           "in tau (notes A2.5); success probability 1 - 4 M delta. Rewards sum to <= 1."),
)

UPPER_H2 = UPPER.subs(
    {epsilon: epsilon / H},
    name="HF-UCRL-RFE++ sample complexity, rewards summing to <= H",
    theorem="Corollary 2.6.6 (dissertation numbering)",
    notes=(f"{_SOURCE}. (2.6.7) with 16/eps^2 -> 16H^2/eps^2 and 8/eps -> 8H/eps "
           "(rescale r' = r/H, accuracy eps/H). O~(H^2 d^2 / eps^2)."),
)

#: ``c = max{5/c_1, 2}`` of Lemma 2.8.11 (A5), at its smallest admissible value.
LOWER_CONSTANT_C = 2

LOWER = Bound(
    name="Reward-free lower bound Omega(d^2/eps^2)",
    expr=d**2 / (768 * LOWER_CONSTANT_C**3 * epsilon**2),
    paper=PAPER,
    theorem="Theorem 2.6.8 (dissertation numbering)",
    provenance="derived",
    kind="lower",
    notes=("The theorem is Omega(d^2/eps^2) without a constant; the constant 1/(768 c^3) with "
           "c = 2 is ours, from the proof skeleton in the notes A5 (E[gap] >= d/(16 sqrt(3) c "
           "sqrt(cK))); c = 2 gives the largest constant the argument allows."),
)

LOWER_H2 = Bound(
    name="Reward-free lower bound, r_h in [0,1]",
    expr=H**2 * d**2 / (768 * LOWER_CONSTANT_C**3 * epsilon**2),
    paper=PAPER,
    theorem="Corollary 2.6.10 (dissertation numbering)",
    provenance="derived",
    kind="lower",
    notes="Omega~(H^2 d^2 / eps^2) with r(x_3) = 1 in the hard instance; constant as LOWER.",
)

UCRL_RFE = Bound(
    name="UCRL-RFE sample complexity (r_h in [0,1])",
    expr=H**5 * d**2 / epsilon**2,
    paper=BASELINE_PAPER,
    theorem="Theorem 2.4.3 (dissertation numbering)",
    provenance="paper",
    kind="upper",
    notes=("Rate only: O~(H^5 d^2 / eps^2), as stated in the abstract of arXiv 2110.06394 (and the "
           "notes A7); constants and log factors are not available to us and are dropped."),
)

UCRL_RFE_RESCALED = Bound(
    name="UCRL-RFE sample complexity (r_h in [0,1/H], total reward <= 1)",
    expr=H**3 * d**2 / epsilon**2,
    paper=BASELINE_PAPER,
    theorem="Theorem 2.4.3 applied to H r (dissertation numbering)",
    provenance="derived",
    kind="upper",
    notes="H^5 d^2 / (H eps)^2: eps-accuracy for r is H eps-accuracy for H r in [0,1] (notes C2, E3b).",
)

UCRL_RFE_PLUS = Bound(
    name="UCRL-RFE+ sample complexity (r_h in [0,1])",
    expr=H**4 * d * (H + d) / epsilon**2,
    paper=BASELINE_PAPER,
    theorem="Theorem 2.5.1 (dissertation numbering)",
    provenance="paper",
    kind="upper",
    notes=("Rate only: O~(H^4 d (H + d) / eps^2), as stated in the abstract of arXiv 2110.06394 "
           "(and the notes A7); constants and logs dropped."),
)

RADIUS = Bound(
    name="HF-UCRL-RFE++ confidence radius beta_K",
    expr=parameters()["beta"],
    paper=PAPER,
    theorem="Theorem 2.6.3, parameter beta_k (dissertation numbering)",
    provenance="reconstructed",
    kind="other",
    notes=(f"{_SOURCE} (A2.5): beta_k = 12 sqrt(d eta tau) + 30 tau / gamma^2 + sqrt(lambda) B "
           "with max{log(gamma^2/alpha), 0} in tau. Simulations scale it by c_beta << 1."),
)

#: The leading-order path of the sample complexity, for asymptotic exponents of ``UPPER`` /
#: ``UPPER_H2`` with ``K`` moving as the theorem's regime requires:
#: ``UPPER.exponent(d, oo, along=LEADING_PATH) == 2``.
LEADING_PATH = {K: d**2 / epsilon**2}
#: The same for ``UPPER_H2`` (rewards summing to <= H): ``K ~ H^2 d^2 / eps^2``.
LEADING_PATH_H2 = {K: H**2 * d**2 / epsilon**2}


def sample_complexity(epsilon, d, H, delta, B, *, rewards_sum_to: str = "1", **kw):
    """The fixed point ``K* = m(epsilon, d, H, delta, B; K*)`` of ``UPPER`` (or of
    ``UPPER_H2`` with ``rewards_sum_to="H"``), vectorised over its arguments.

    ``kw`` goes to :meth:`bounds.Bound.fixed_point` (``start``, ``rtol``, ``max_iter``).
    """
    if rewards_sum_to not in ("1", "H"):
        from mdps._validation import fail

        fail("rewards_sum_to", "'1' or 'H'", repr(rewards_sum_to))
    bound = UPPER if rewards_sum_to == "1" else UPPER_H2
    return bound.fixed_point(K, epsilon=epsilon, d=d, H=H, delta=delta, B=B, **kw)
