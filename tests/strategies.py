"""Shared Hypothesis strategies (STYLE.md): models and probability vectors.

Each section is owned by the package it generates for; add new strategies here rather than
in test modules so that every test draws instances the same way.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

__all__ = ["simplex_vectors", "seeds", "discounted_mdps", "tabular_mdps", "policies"]

seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def simplex_vectors(draw, n=st.integers(1, 8), min_mass: float = 0.0):
    """A probability vector of length ``n`` (an int or a strategy); entries >= min_mass/n."""
    size = draw(n) if not isinstance(n, int) else n
    rng = np.random.default_rng(draw(seeds))
    w = rng.dirichlet(np.ones(size))
    if min_mass > 0:
        w = (1 - min_mass) * w + min_mass / size
    return w / w.sum()


# -- discounted tabular MDPs (owner: dual-RL helper; Sikchi et al. notes D9) ------------------
@st.composite
def discounted_mdps(draw, S=st.integers(2, 6), A=st.integers(1, 4),
                    gamma=st.floats(0.3, 0.97), concentration: float = 0.5):
    """A random :class:`mdps.DiscountedMDP`: rows of ``P`` ~ Dirichlet(concentration),
    ``r`` ~ U[0, 1], ``init`` ~ Dirichlet(1). ``S``, ``A``, ``gamma``: values or strategies."""
    from mdps import DiscountedMDP

    S = draw(S) if not isinstance(S, int) else S
    A = draw(A) if not isinstance(A, int) else A
    g = draw(gamma) if not isinstance(gamma, float) else gamma
    rng = np.random.default_rng(draw(seeds))
    P = rng.dirichlet(np.full(S, concentration), size=(S, A))
    P /= P.sum(axis=-1, keepdims=True)
    init = rng.dirichlet(np.ones(S))
    return DiscountedMDP(P, rng.uniform(size=(S, A)), g, init / init.sum())


# -- finite-horizon tabular MDPs and policies (owner: exact-solvers helper) -----------------
def _value(draw, x):
    return draw(x) if isinstance(x, st.SearchStrategy) else x


@st.composite
def tabular_mdps(draw, S=st.integers(1, 6), A=st.integers(1, 4), H=st.integers(1, 5),
                 homogeneous=st.booleans(), step_rewards=st.booleans()):
    """A random :class:`mdps.TabularMDP`. ``S``, ``A``, ``H``, ``homogeneous`` (kernel
    ``(S, A, S)`` vs ``(H, S, A, S)``), ``step_rewards`` (``(H, S, A)`` vs ``(S, A)``): values
    or strategies. Rows of ``P`` ~ Dirichlet(c) with c in {0.1, 1} (0.1 gives near-sparse
    rows); rewards ~ U[0, 1] or small integers (to produce ties between actions)."""
    from mdps import TabularMDP

    S, A, H = _value(draw, S), _value(draw, A), _value(draw, H)
    homogeneous, step_rewards = _value(draw, homogeneous), _value(draw, step_rewards)
    c = draw(st.sampled_from([0.1, 1.0]))
    integer_rewards = draw(st.booleans())
    rng = np.random.default_rng(draw(seeds))
    P = rng.dirichlet(np.full(S, c), size=(S, A) if homogeneous else (H, S, A))
    P /= P.sum(axis=-1, keepdims=True)
    rshape = (H, S, A) if step_rewards else (S, A)
    r = rng.integers(0, 3, size=rshape).astype(float) if integer_rewards else rng.uniform(size=rshape)
    init = rng.dirichlet(np.ones(S))
    return TabularMDP(P, r, H, init / init.sum())


@st.composite
def policies(draw, mdp, deterministic=st.booleans(), stationary=st.booleans()):
    """A random policy for ``mdp`` (TabularMDP or DiscountedMDP) in the forms accepted by
    :func:`mdps.evaluate_policy`: int ``(S,)`` / ``(H, S)`` or float ``(S, A)`` / ``(H, S, A)``
    (a DiscountedMDP always gets a stationary policy)."""
    deterministic, stationary = _value(draw, deterministic), _value(draw, stationary)
    H = getattr(mdp, "H", None)
    lead = () if (stationary or H is None) else (H,)
    rng = np.random.default_rng(draw(seeds))
    if deterministic:
        return rng.integers(0, mdp.A, size=lead + (mdp.S,))
    w = rng.dirichlet(np.full(mdp.A, 0.5), size=lead + (mdp.S,))
    return w / w.sum(axis=-1, keepdims=True)


# -- linear mixture and linear MDPs (owner: linear-models helper) ---------------------------
@st.composite
def linear_mixture_mdps(draw, S=st.integers(1, 6), A=st.integers(1, 4), d=st.integers(1, 5),
                        H=st.integers(1, 5)):
    """A random :class:`mdps.LinearMixtureMDP` from :func:`mdps.random_linear_mixture_mdp`
    (phi = base kernels / sqrt(d), theta = sqrt(d) w with w on the simplex; notes C1-1);
    Dirichlet concentration in {0.1, 1} (0.1 gives near-sparse base kernels)."""
    from mdps import random_linear_mixture_mdp

    S, A, d, H = _value(draw, S), _value(draw, A), _value(draw, d), _value(draw, H)
    alpha = draw(st.sampled_from([0.1, 1.0]))
    rng = np.random.default_rng(draw(seeds))
    return random_linear_mixture_mdp(S, A, d, H, rng, alpha=alpha)


@st.composite
def linear_mdps(draw, S=st.integers(1, 6), A=st.integers(1, 4), d=st.integers(1, 5),
                H=st.integers(1, 5), homogeneous=st.booleans()):
    """A random :class:`mdps.LinearMDP` with simplex features (notes C1-2), per-step or
    homogeneous ``mu``; Dirichlet concentration in {0.1, 1}."""
    from mdps import random_linear_mdp

    S, A, d, H = _value(draw, S), _value(draw, A), _value(draw, d), _value(draw, H)
    homogeneous = _value(draw, homogeneous)
    alpha = draw(st.sampled_from([0.1, 1.0]))
    rng = np.random.default_rng(draw(seeds))
    return random_linear_mdp(S, A, d, H, rng, homogeneous=homogeneous, alpha=alpha)


__all__ += ["linear_mixture_mdps", "linear_mdps"]


# -- binary ICM processes (owner: causal de Finetti helper; Guo et al. notes §2.6) ------------
@st.composite
def binary_icms(draw, d=st.integers(1, 4), mechanisms=("and", "xor", "random")):
    """A random :class:`theory.causal_de_finetti.BinaryICM`: a uniformly drawn DAG on ``d``
    nodes (a value or a strategy), mechanism AND / parity / random table, and per-node priors
    Beta(alpha, beta) with alpha, beta in [0.5, 4] and |alpha - beta| >= 0.5 (alpha = beta
    makes XOR mechanisms unfaithful, notes §2.6 C6)."""
    from theory.causal_de_finetti import binary_icm

    d = _value(draw, d)
    rng = np.random.default_rng(draw(seeds))
    A = np.triu(rng.random((d, d)) < 0.5, 1)
    perm = rng.permutation(d)
    A = A[np.ix_(perm, perm)]
    a = rng.uniform(0.5, 4.0, d)
    b = np.where(rng.random(d) < 0.5, a + rng.uniform(0.5, 3, d), np.maximum(a - rng.uniform(0.5, 3, d), 0.1))
    b = np.where(np.abs(a - b) < 0.4, a + 0.5, b)
    mech = draw(st.sampled_from(mechanisms))
    return binary_icm(A, mech, a, b, rng=rng)
