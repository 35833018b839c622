"""Linear-mixture and linear MDPs on a finite state space, their generators and the
hard instance of the reward-free lower bound.

Linear mixture MDP (Jia et al. 2020; Ayoub et al. 2020; Zhou et al. 2021)
--------------------------------------------------------------------------
A known basis of signed measures ``phi(s' | s, a) in R^d`` and an unknown parameter
``theta in R^d`` give one time-homogeneous kernel

    P(s' | s, a) = <phi(s' | s, a), theta>,

stored here as ``phi[s, a, s', :]`` of shape ``(S, A, S, d)``. For any ``V : S -> R`` the
*integrated feature* ``psi_V(s, a) = sum_s' phi(s' | s, a) V(s')`` turns expectations into
inner products, ``[P V](s, a) = <psi_V(s, a), theta>``; this identity is what value-targeted
regression (HF-UCRL-RFE++, notes A1) estimates ``theta`` from. Rewards need not be linear.

Linear MDP (Jin et al. 2020; Pedel / FTPedel, notes B1)
-------------------------------------------------------
Known features ``phi(s, a) in R^d`` (shape ``(S, A, d)``) and per-step measures
``mu_h(s') in R^d`` (``(H, S, d)``, or ``(S, d)`` when homogeneous) with

    P_h(s' | s, a) = <phi(s, a), mu_h(s')>,     r_h(s, a) = <phi(s, a), theta_h>.

Both models are validated to define a transition kernel (non-negative, rows summing to one
within ``atol``) and convert exactly to :class:`mdps.TabularMDP` with :meth:`to_tabular`, so
every tabular solver and sampler applies to them.

Hard instance (notes A5, [V + P])
---------------------------------
:func:`hard_instance` builds the three-state, ``2^(d-1)``-action instance of Zhou & Gu (2022a,
HF-UCRL-VTR+) with reward ``1/H`` on the goal state, used in the dissertation of W. Zhang
(UCLA 2024, Fig. 2.2, proof of the lower bound of Zhang, Zhang & Gu, ICML 2023) to show that
reward-free exploration needs ``Omega(d^2 / eps^2)`` episodes.

References: notes ``shared/papers/reward_free_and_ftpedel.md`` sections A1, A5, B1, C1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._models import TabularMDP, _frozen, _validate_init
from ._validation import (
    SIMPLEX_ATOL,
    as_float_array,
    check_int,
    check_real,
    check_shape,
    fail,
)

__all__ = [
    "LinearMixtureMDP",
    "LinearMDP",
    "HardInstance",
    "random_linear_mixture_mdp",
    "random_linear_mdp",
    "hard_instance",
]

#: Largest d accepted by :func:`hard_instance`: 2^(d-1) actions make phi 9 * 2^(d-1) * d
#: floats (38 MB at d = 16).
HARD_INSTANCE_MAX_D = 16


def _check_kernel(name: str, P: np.ndarray, atol: float, entry: str, row: str) -> None:
    """Check that ``P[..., :]`` (built from features) is a kernel; name the offending row."""
    if P.size and P.min() < -atol:
        idx = tuple(int(i) for i in np.unravel_index(np.argmin(P), P.shape))
        fail(
            name,
            f"features that give a transition kernel with non-negative entries (atol={atol:g})",
            f"P = {float(P[idx])!r} at {entry} = {idx}",
        )
    sums = P.sum(axis=-1)
    bad = np.abs(sums - 1.0) > atol
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(
            name,
            f"features that give transition rows summing to 1 within atol={atol:g}",
            f"row sum {float(sums[idx])!r} at {row} = {idx}",
        )


def _check_reward(r_in, H: int, S: int, A: int) -> np.ndarray:
    r = as_float_array("r", r_in, ndim=(2, 3))
    if r.ndim == 2:
        check_shape("r", r, (S, A), "(S, A)")
    else:
        check_shape("r", r, (H, S, A), "(H, S, A)")
    return r


# ------------------------------------------------------------------------------------------
# Linear mixture MDP
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LinearMixtureMDP:
    """Finite-horizon linear mixture MDP with a time-homogeneous kernel.

    Parameters
    ----------
    phi : array ``(S, A, S, d)``
        Basis ``phi[s, a, s', :] = phi(s' | s, a)`` (signed measures allowed).
    theta : array ``(d,)``
        Mixture parameter; ``P[s, a, s'] = <phi[s, a, s', :], theta>`` must be a kernel
        (non-negative and rows summing to one within ``atol``).
    r : array ``(S, A)`` or ``(H, S, A)``
        Deterministic rewards (not required to be linear).
    H : int >= 1
        Horizon.
    init : array ``(S,)``, optional
        Initial distribution; defaults to the point mass on state 0 (``s_1`` of the notes).
    atol : float
        Tolerance of the kernel checks.

    Attributes
    ----------
    P : array ``(S, A, S)``
        The kernel ``<phi, theta>``, computed once.
    """

    phi: np.ndarray
    theta: np.ndarray
    r: np.ndarray
    H: int
    init: np.ndarray | None = None
    atol: float = field(default=SIMPLEX_ATOL, repr=False)
    P: np.ndarray = field(init=False, repr=False)
    _phiT: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        H = check_int("H", self.H, minimum=1)
        atol = check_real("atol", self.atol, low=0.0)
        phi = as_float_array("phi", self.phi, ndim=4)
        S, A, S2, d = phi.shape
        if S < 1 or A < 1 or d < 1:
            fail("phi", "at least one state, one action and one feature (d >= 1)",
                 f"shape {phi.shape}")
        if S2 != S:
            fail("phi", "shape (S, A, S, d) with matching state axes", f"shape {phi.shape}")
        theta = as_float_array("theta", self.theta, ndim=1)
        check_shape("theta", theta, (d,), "(d,)")
        P = phi @ theta
        _check_kernel("theta", P, atol, "(s, a, s')", "(s, a)")
        r = _check_reward(self.r, H, S, A)
        init = _validate_init(self.init, S, atol)
        # psi needs phi with s' last: (S * A * d, S), so that psi = phiT @ V is one GEMV
        # (one GEMM for a batch of V's).
        phiT = np.ascontiguousarray(phi.transpose(0, 1, 3, 2).reshape(S * A * d, S))
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "phi", _frozen(phi))
        object.__setattr__(self, "theta", _frozen(theta))
        object.__setattr__(self, "r", _frozen(r))
        object.__setattr__(self, "init", _frozen(init))
        object.__setattr__(self, "P", _frozen(P))
        object.__setattr__(self, "_phiT", _frozen(phiT))

    @property
    def S(self) -> int:
        return self.phi.shape[0]

    @property
    def A(self) -> int:
        return self.phi.shape[1]

    @property
    def d(self) -> int:
        return self.phi.shape[3]

    def psi(self, V) -> np.ndarray:
        """Integrated feature ``psi_V(s, a) = sum_s' phi(s' | s, a) V(s')``.

        ``V`` of shape ``(S,)`` gives ``(S, A, d)``; a batch ``(R, S)`` gives ``(R, S, A, d)``.
        One matrix product with a transposed copy of ``phi`` made at construction.
        """
        V = as_float_array("V", V, ndim=(1, 2))
        S, A, d = self.S, self.A, self.d
        if V.shape[-1] != S:
            fail("V", f"last axis of length S = {S}", f"shape {V.shape}")
        if V.ndim == 1:
            return (self._phiT @ V).reshape(S, A, d)
        return (V @ self._phiT.T).reshape(V.shape[0], S, A, d)

    def PV(self, V) -> np.ndarray:
        """``[P V](s, a) = E_{s' ~ P(.|s,a)} V(s')``: ``(S,) -> (S, A)``, ``(R, S) -> (R, S, A)``."""
        V = as_float_array("V", V, ndim=(1, 2))
        if V.shape[-1] != self.S:
            fail("V", f"last axis of length S = {self.S}", f"shape {V.shape}")
        return np.moveaxis(self.P @ V.T, -1, 0) if V.ndim == 2 else self.P @ V

    def to_tabular(self) -> TabularMDP:
        """The same MDP as a :class:`TabularMDP` with kernel ``P`` ``(S, A, S)``."""
        return TabularMDP(self.P, self.r, self.H, self.init, self.atol)

    def with_reward(self, r) -> "LinearMixtureMDP":
        return LinearMixtureMDP(self.phi, self.theta, r, self.H, self.init, self.atol)


# ------------------------------------------------------------------------------------------
# Linear MDP
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LinearMDP:
    """Finite-horizon linear MDP ``P_h(s'|s,a) = <phi(s,a), mu_h(s')>``, ``r_h = <phi, theta_h>``.

    Parameters
    ----------
    phi : array ``(S, A, d)``
        Known features.
    mu : array ``(H, S, d)`` or ``(S, d)``
        Per-step (or homogeneous) measures ``mu[h, s', :] = mu_h(s')``.
    theta : array ``(H, d)`` or ``(d,)``
        Reward parameters; ``r_h(s, a) = <phi(s, a), theta_h>`` (mean rewards).
    H : int >= 1
    init : array ``(S,)``, optional
        Defaults to the point mass on state 0 (the fixed start ``s_1``).
    atol : float
        Tolerance of the kernel checks.

    Attributes
    ----------
    P : array ``(H, S, A, S)`` or ``(S, A, S)`` -- follows the shape of ``mu``.
    r : array ``(H, S, A)`` or ``(S, A)`` -- follows the shape of ``theta``.
    """

    phi: np.ndarray
    mu: np.ndarray
    theta: np.ndarray
    H: int
    init: np.ndarray | None = None
    atol: float = field(default=SIMPLEX_ATOL, repr=False)
    P: np.ndarray = field(init=False, repr=False)
    r: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        H = check_int("H", self.H, minimum=1)
        atol = check_real("atol", self.atol, low=0.0)
        phi = as_float_array("phi", self.phi, ndim=3)
        S, A, d = phi.shape
        if S < 1 or A < 1 or d < 1:
            fail("phi", "at least one state, one action and one feature (d >= 1)",
                 f"shape {phi.shape}")
        mu = as_float_array("mu", self.mu, ndim=(2, 3))
        if mu.ndim == 2:
            check_shape("mu", mu, (S, d), "(S, d)")
        else:
            check_shape("mu", mu, (H, S, d), "(H, S, d)")
        theta = as_float_array("theta", self.theta, ndim=(1, 2))
        if theta.ndim == 1:
            check_shape("theta", theta, (d,), "(d,)")
        else:
            check_shape("theta", theta, (H, d), "(H, d)")
        # P[h, s, a, s'] = sum_i phi[s, a, i] mu[h, s', i]
        if mu.ndim == 2:
            P = phi @ mu.T
            _check_kernel("mu", P, atol, "(s, a, s')", "(s, a)")
        else:
            P = np.einsum("sai,hti->hsat", phi, mu)
            _check_kernel("mu", P, atol, "(h, s, a, s')", "(h, s, a)")
        r = phi @ theta if theta.ndim == 1 else np.einsum("sai,hi->hsa", phi, theta)
        init = _validate_init(self.init, S, atol)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "phi", _frozen(phi))
        object.__setattr__(self, "mu", _frozen(mu))
        object.__setattr__(self, "theta", _frozen(theta))
        object.__setattr__(self, "init", _frozen(init))
        object.__setattr__(self, "P", _frozen(np.ascontiguousarray(P)))
        object.__setattr__(self, "r", _frozen(np.ascontiguousarray(r)))

    @property
    def S(self) -> int:
        return self.phi.shape[0]

    @property
    def A(self) -> int:
        return self.phi.shape[1]

    @property
    def d(self) -> int:
        return self.phi.shape[2]

    @property
    def homogeneous(self) -> bool:
        return self.mu.ndim == 2

    def to_tabular(self) -> TabularMDP:
        """The same MDP as a :class:`TabularMDP` (kernel and reward shapes as attributes)."""
        return TabularMDP(self.P, self.r, self.H, self.init, self.atol)


# ------------------------------------------------------------------------------------------
# Generators
# ------------------------------------------------------------------------------------------
def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator", repr(type(rng)), TypeError)
    return rng


def random_linear_mixture_mdp(
    S: int, A: int, d: int, H: int, rng: np.random.Generator, *, alpha: float = 1.0,
    reward: str = "horizon_free",
) -> LinearMixtureMDP:
    """A random linear mixture MDP (notes C1-1).

    Draw ``d`` base kernels ``P_i`` with Dirichlet(``alpha``) rows, set
    ``phi_i(s'|s,a) = P_i(s'|s,a) / sqrt(d)`` and ``theta = sqrt(d) w`` with ``w`` uniform on
    the simplex. Then ``<phi, theta> = sum_i w_i P_i`` is a kernel, ``||psi_V||_2 <= 1`` for
    ``V`` with values in ``[0, 1]`` (each coordinate is at most ``1/sqrt(d)``) and
    ``||theta||_2 <= sqrt(d) =: B``.

    ``reward="horizon_free"`` draws ``r(s, a)`` uniform on ``[0, 1/H]`` so every trajectory's
    total reward is at most 1 (Assumption 2.6.1); ``reward="unit"`` draws it on ``[0, 1]``.
    Shapes: ``phi (S, A, S, d)``, ``theta (d,)``, ``r (S, A)``.
    """
    S = check_int("S", S, minimum=1)
    A = check_int("A", A, minimum=1)
    d = check_int("d", d, minimum=1)
    H = check_int("H", H, minimum=1)
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    rng = _check_rng(rng)
    if reward not in ("horizon_free", "unit"):
        fail("reward", "'horizon_free' or 'unit'", repr(reward))
    base = rng.dirichlet(np.full(S, alpha), size=(d, S, A))  # (d, S, A, S)
    phi = np.moveaxis(base, 0, -1) / math.sqrt(d)
    w = rng.dirichlet(np.ones(d))
    theta = math.sqrt(d) * w
    scale = 1.0 / H if reward == "horizon_free" else 1.0
    r = scale * rng.random((S, A))
    return LinearMixtureMDP(phi, theta, r, H)


def random_linear_mdp(
    S: int, A: int, d: int, H: int, rng: np.random.Generator, *, homogeneous: bool = False,
    alpha: float = 1.0,
) -> LinearMDP:
    """A random linear MDP with simplex features (notes C1-2).

    ``phi(s, a)`` is Dirichlet(``alpha``) on the simplex of ``R^d``, each column
    ``mu_h(., i)`` is a Dirichlet(``alpha``) distribution over ``S``, so
    ``P_h(.|s,a) = sum_i phi_i(s,a) mu_h(., i)`` is a kernel; ``theta_h`` is uniform on
    ``[0, 1]^d`` so the mean rewards lie in ``[0, 1]``. ``||phi||_2 <= 1`` and
    ``||theta_h||_2 <= sqrt(d)`` as Pedel assumes. Tabular MDPs are the case ``phi`` one-hot.
    """
    S = check_int("S", S, minimum=1)
    A = check_int("A", A, minimum=1)
    d = check_int("d", d, minimum=1)
    H = check_int("H", H, minimum=1)
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    rng = _check_rng(rng)
    phi = rng.dirichlet(np.full(d, alpha), size=(S, A))
    L = 1 if homogeneous else H
    mu = np.moveaxis(rng.dirichlet(np.full(S, alpha), size=(L, d)), -1, 1)  # (L, S, d)
    theta = rng.random((L, d))
    if homogeneous:
        mu, theta = mu[0], theta[0]
    return LinearMDP(phi, mu, theta, H)


# ------------------------------------------------------------------------------------------
# Hard instance of the lower bound (notes A5)
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class HardInstance:
    """The lower-bound instance with its parameters (see :func:`hard_instance`).

    Attributes
    ----------
    mdp : LinearMixtureMDP
        States ``0 = x1`` (start), ``1 = x2``, ``2 = x3`` (goal); ``A = 2^(d-1)`` actions.
    actions : int array ``(A, d-1)``
        ``actions[j]`` is the sign vector ``a in {-1, +1}^(d-1)`` of action ``j``
        (bit ``i`` of ``j`` set <=> ``a_i = +1``).
    signs : int array ``(d-1,)``
        ``sign(mu)``; the family is ``mu = Delta * signs`` over all ``2^(d-1)`` sign vectors.
    delta, Delta : float
        Base probability of reaching the goal and the gap parameter.
    alpha_f, beta_f : float
        Feature scales (cancel in ``P``).
    """

    mdp: LinearMixtureMDP
    d: int
    H: int
    delta: float
    Delta: float
    signs: np.ndarray
    actions: np.ndarray
    alpha_f: float
    beta_f: float
    r_goal: float

    @property
    def mu(self) -> np.ndarray:
        """``mu = Delta * signs``, shape ``(d-1,)``."""
        return self.Delta * self.signs

    @property
    def p_goal(self) -> np.ndarray:
        """``P(x3 | x1, a) = delta + <mu, a>`` for every action, shape ``(A,)``."""
        return self.delta + self.actions @ self.mu

    @property
    def V_star(self) -> float:
        """``V*_1(x1) = (H-1) r_goal (delta + (d-1) Delta)`` (``(H-1)/H (...)`` for r = 1/H)."""
        return (self.H - 1) * self.r_goal * (self.delta + (self.d - 1) * self.Delta)

    def gaps(self) -> np.ndarray:
        """Suboptimality of each first action, ``(H-1) r_goal 2 Delta #{i: a_i != sign(mu_i)}``."""
        mismatches = (self.actions != self.signs[None, :]).sum(axis=1)
        return (self.H - 1) * self.r_goal * 2.0 * self.Delta * mismatches

    @property
    def theta_norm(self) -> float:
        """``||theta||_2``; equals ``sqrt((1+Delta)(1+(d-1)^2 Delta))`` for the default scales."""
        return float(np.linalg.norm(self.mdp.theta))

    def flipped(self, i: int) -> "HardInstance":
        """The neighbour in the family with sign ``i`` of ``mu`` flipped (Assouad's pair)."""
        i = check_int("i", i, minimum=0, maximum=self.d - 2)
        signs = self.signs.copy()
        signs[i] = -signs[i]
        return hard_instance(self.d, self.H, self.Delta, delta=self.delta, signs=signs,
                             alpha_f=self.alpha_f, beta_f=self.beta_f, r_goal=self.r_goal)

    def kl_flip(self, i: int) -> np.ndarray:
        """Per-episode KL(P_this || P_flipped(i)) of the observation under each action, ``(A,)``.

        Only the first transition differs (x2, x3 are absorbing), so this is the KL between
        Bernoulli(``p_goal``) laws.
        """
        p = self.p_goal
        q = self.flipped(i).p_goal
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = np.where(p > 0, p * np.log(p / q), 0.0)
            t2 = np.where(p < 1, (1 - p) * np.log((1 - p) / (1 - q)), 0.0)
        return t1 + t2

    def kl_bound(self, K: int) -> float:
        """Notes A5/C2-E5: ``K`` episodes of any policy give KL at most
        ``4 K Delta^2 / ((delta - (d-1) Delta)(1 - delta - (d-1) Delta))`` for one flipped
        coordinate (chi-square bound on each Bernoulli KL)."""
        K = check_int("K", K, minimum=0)
        lo = self.delta - (self.d - 1) * self.Delta
        hi = 1.0 - self.delta - (self.d - 1) * self.Delta
        if lo <= 0 or hi <= 0:
            return math.inf
        return 4.0 * K * self.Delta**2 / (lo * hi)


def hard_instance(
    d: int,
    H: int,
    Delta: float | None = None,
    *,
    K: int | None = None,
    delta: float = 1.0 / 6.0,
    signs=None,
    alpha_f: float | None = None,
    beta_f: float | None = None,
    r_goal: float | None = None,
) -> HardInstance:
    """The hard instance of the reward-free lower bound (notes A5) [V + P].

    Provenance. [V] (dissertation of W. Zhang, UCLA 2024, Fig. 2.2, after Zhou & Gu 2022a):
    three states ``x1`` (start), ``x2``, ``x3``; actions ``a in {-1, +1}^(d-1)``;
    ``P(x3 | x1, a) = delta + <mu, a>``, ``P(x2 | x1, a) = 1 - delta - <mu, a>``, ``x2`` and
    ``x3`` absorbing; reward ``r(x3, .) = 1/H`` at every step (``r_goal=1`` gives the variant
    of Cor. 2.6.10), zero elsewhere; ``mu in {-Delta, +Delta}^(d-1)``, ``delta = 1/6``,
    ``Delta = sqrt(delta / K) / (4 sqrt 2)`` for ``K`` episodes. Features
    ``phi(x2|x1,a) = (alpha_f (1-delta), -beta_f a)``, ``phi(x3|x1,a) = (alpha_f delta, beta_f a)``,
    ``phi(s|s,a) = (alpha_f, 0)`` for ``s in {x2, x3}``, zero otherwise;
    ``theta = (1/alpha_f, mu / beta_f)``.
    [P] (the dissertation does not print them): ``alpha_f = 1/sqrt(1+Delta)``,
    ``beta_f = sqrt(Delta / ((d-1)(1+Delta)))`` so that ``alpha_f^2 + (d-1) beta_f^2 = 1``
    (``||psi_V|| <= 1`` for ``V`` in ``[0, 1]``) and ``||theta||^2 = (1+Delta)(1+(d-1)^2 Delta)``.

    Parameters
    ----------
    d : int >= 2
        Feature dimension; ``A = 2^(d-1)`` actions (``d <= 16``).
    H : int >= 1
        Horizon.
    Delta : float, optional
        Gap parameter. Give exactly one of ``Delta`` and ``K`` (then
        ``Delta = sqrt(delta/K) / (4 sqrt 2)``). Must satisfy ``(d-1) Delta <= delta`` and
        ``delta + (d-1) Delta <= 1`` so probabilities stay in ``[0, 1]``.
    delta : float in (0, 1)
        Base goal probability (1/6 in the proof).
    signs : array ``(d-1,)`` of +-1, optional
        ``sign(mu)``; defaults to all ``+1`` (the optimal action is then the last one).
    alpha_f, beta_f : float > 0, optional
        Feature scales; defaults as above.
    r_goal : float >= 0, optional
        Reward on ``x3``; defaults to ``1/H``.
    """
    d = check_int("d", d, minimum=2, maximum=HARD_INSTANCE_MAX_D)
    H = check_int("H", H, minimum=1)
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    if (Delta is None) == (K is None):
        fail("Delta", "exactly one of Delta and K to be given",
             f"Delta={Delta!r}, K={K!r}")
    if K is not None:
        K = check_int("K", K, minimum=1)
        Delta = math.sqrt(delta / K) / (4.0 * math.sqrt(2.0))
    Delta = check_real("Delta", Delta, low=0.0, low_open=True)
    if (d - 1) * Delta > delta or delta + (d - 1) * Delta > 1.0:
        fail("Delta", f"(d-1) Delta <= delta and delta + (d-1) Delta <= 1 (d={d}, "
             f"delta={delta:g}), so that probabilities lie in [0, 1]", Delta)
    if signs is None:
        signs = np.ones(d - 1, dtype=np.int64)
    else:
        s_arr = np.asarray(signs)
        if s_arr.shape != (d - 1,) or not np.all(np.isin(s_arr, (-1, 1))):
            fail("signs", f"a vector of shape (d-1,) = ({d - 1},) with entries +-1",
                 f"{s_arr!r}")
        signs = s_arr.astype(np.int64)
    if alpha_f is None:
        alpha_f = 1.0 / math.sqrt(1.0 + Delta)
    alpha_f = check_real("alpha_f", alpha_f, low=0.0, low_open=True)
    if beta_f is None:
        beta_f = math.sqrt(Delta / ((d - 1) * (1.0 + Delta)))
    beta_f = check_real("beta_f", beta_f, low=0.0, low_open=True)
    if r_goal is None:
        r_goal = 1.0 / H
    r_goal = check_real("r_goal", r_goal, low=0.0)

    A = 2 ** (d - 1)
    bits = (np.arange(A)[:, None] >> np.arange(d - 1)[None, :]) & 1
    actions = (2 * bits - 1).astype(np.int64)  # (A, d-1)
    x1, x2, x3 = 0, 1, 2
    phi = np.zeros((3, A, 3, d))
    phi[x1, :, x2, 0] = alpha_f * (1.0 - delta)
    phi[x1, :, x2, 1:] = -beta_f * actions
    phi[x1, :, x3, 0] = alpha_f * delta
    phi[x1, :, x3, 1:] = beta_f * actions
    phi[x2, :, x2, 0] = alpha_f
    phi[x3, :, x3, 0] = alpha_f
    mu = Delta * signs
    theta = np.concatenate([[1.0 / alpha_f], mu / beta_f])
    r = np.zeros((3, A))
    r[x3, :] = r_goal
    init = np.array([1.0, 0.0, 0.0])
    # Rounding in <phi, theta> (alpha_f * (1/alpha_f) etc.) is a few ulps: default atol holds.
    mdp = LinearMixtureMDP(phi, theta, r, H, init)
    return HardInstance(mdp=mdp, d=d, H=H, delta=delta, Delta=float(Delta),
                        signs=_frozen(signs), actions=_frozen(actions),
                        alpha_f=alpha_f, beta_f=beta_f, r_goal=r_goal)
