"""Shared Hypothesis strategies (STYLE.md): models and probability vectors.

Each section is owned by the package it generates for; add new strategies here rather than
in test modules so that every test draws instances the same way.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

__all__ = ["simplex_vectors", "seeds", "discounted_mdps"]

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
