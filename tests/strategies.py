"""Shared Hypothesis strategies (STYLE.md): models and probability vectors.

Each section is owned by the package it generates for; add new strategies here rather than
in test modules so that every test draws instances the same way.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

__all__ = ["simplex_vectors", "seeds"]

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
