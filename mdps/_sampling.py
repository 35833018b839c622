"""Sampling from tabular models: episodes of a policy and a generative model.

Setting. A finite-horizon MDP ``(P, r, H, init)`` and a Markov policy ``pi`` define the law of
an episode ``s_0 ~ init``, ``a_h ~ pi_h(.|s_h)``, ``s_{h+1} ~ P_h(.|s_h, a_h)``,
``h = 0..H-1``; the generative model of Kearns & Singh (1999) returns independent draws
``s' ~ P(.|s, a)`` for every pair ``(s, a)``.

Method. Inverse-CDF sampling: the cumulative sums of every row of ``P`` (and of a stochastic
``pi``) are computed once per :class:`Sampler`, normalised so the last entry is exactly 1, and
a uniform ``u`` maps to the smallest index whose cumulative sum exceeds ``u`` (kernel rows
through a guide table of ``S`` buckets per row, O(1) expected comparisons; small
distributions by bisection -- both give the same index, see ``_sampling_kernels``). A
:class:`Sampler` therefore holds, besides the model, a float64 copy and an int32 guide of the
kernel's size. The uniforms come from the caller's ``numpy.random.Generator`` in a
fixed order -- ``rng.random(n)`` for the initial states, then ``rng.random((n, H))``
(deterministic policy) or ``rng.random((n, H, 2))`` (stochastic policy: action, then next
state) -- so a seed fixes the arrays whether the kernels are compiled or not.

Policies. An *integer* array is deterministic: ``(S,)`` stationary or ``(H, S)`` per step,
entries in ``[0, A)``. A *float* array is stochastic: ``(S, A)`` or ``(H, S, A)``, rows on the
simplex. (The dtype decides, so ``(H, S)`` and ``(S, A)`` are never confused.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _sampling_kernels as _k
from ._linear import _check_rng
from ._models import DiscountedMDP, TabularMDP, _frozen
from ._validation import as_float_array, check_int, check_simplex, fail

__all__ = ["Episodes", "Sampler", "sample_episodes", "sample_transitions"]


@dataclass(frozen=True, eq=False)
class Episodes:
    """``n`` episodes of horizon ``H``.

    states : int64 ``(n, H+1)`` -- ``states[i, h]`` is ``s_h`` of episode ``i``.
    actions : int64 ``(n, H)``.
    rewards : float64 ``(n, H)`` -- ``r_h(s_h, a_h)``.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    @property
    def n(self) -> int:
        return self.actions.shape[0]

    @property
    def H(self) -> int:
        return self.actions.shape[1]

    @property
    def returns(self) -> np.ndarray:
        """Undiscounted return of each episode, ``(n,)``."""
        return self.rewards.sum(axis=1)


def _cumulative(p: np.ndarray) -> np.ndarray:
    """Row-wise cumulative sums along the last axis, last entry exactly 1."""
    c = np.cumsum(p, axis=-1)
    c /= c[..., -1:]  # x / x == 1.0 exactly in IEEE arithmetic
    return np.ascontiguousarray(c)


def _as_tabular(mdp):
    if isinstance(mdp, (TabularMDP, DiscountedMDP)):
        return mdp
    to_tab = getattr(mdp, "to_tabular", None)
    if to_tab is None:
        fail("mdp", "a TabularMDP, DiscountedMDP, or a model with .to_tabular()",
             repr(type(mdp)), TypeError)
    return to_tab()


class Sampler:
    """Cumulative kernel rows of one model, computed once, for repeated sampling.

    ``Sampler(mdp)`` accepts a :class:`TabularMDP`, a :class:`DiscountedMDP` (episodes then
    need an explicit ``H``) or any model with ``.to_tabular()`` (linear mixture and linear
    MDPs). The arrays are read-only; the object holds no random state.
    """

    __slots__ = ("mdp", "S", "A", "H", "Pc", "G", "r3", "init_c")

    def __init__(self, mdp):
        mdp = _as_tabular(mdp)
        self.mdp = mdp
        self.S, self.A = mdp.S, mdp.A
        if isinstance(mdp, DiscountedMDP):
            self.H = None
            P4, r3 = mdp.P[None], mdp.r[None]
        else:
            self.H = mdp.H
            P4, r3 = mdp.P4, mdp.r3
        Pc = _cumulative(P4)
        G = np.empty(Pc.shape[:-1] + (self.S,), dtype=np.int32)  # m = S buckets per row
        _k.build_guide(Pc.reshape(-1, self.S), G.reshape(-1, self.S))
        self.Pc = _frozen(Pc)
        self.G = _frozen(G)
        self.r3 = _frozen(np.ascontiguousarray(r3))
        self.init_c = _frozen(_cumulative(mdp.init))

    # -- policies -------------------------------------------------------------------------
    def _policy(self, pi, H: int):
        """Validated policy: ``(True, (Lp, S) int64)`` or ``(False, (Lp, S, A) cumulative)``."""
        S, A = self.S, self.A
        arr = np.asarray(pi)
        want = ("an integer array (S,) or (H, S) with entries in [0, A) (deterministic) or a "
                "float array (S, A) or (H, S, A) with rows on the simplex (stochastic), "
                f"S = {S}, A = {A}, H = {H}")
        if np.issubdtype(arr.dtype, np.integer):
            if arr.shape == (S,):
                arr = arr[None]
            elif arr.shape != (H, S):
                fail("pi", want, f"integer array of shape {arr.shape}")
            if arr.size and (arr.min() < 0 or arr.max() >= A):
                bad = int(arr.min()) if arr.min() < 0 else int(arr.max())
                fail("pi", f"actions in [0, A) = [0, {A})", f"action {bad}")
            return True, np.ascontiguousarray(arr, dtype=np.int64)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            fail("pi", want, f"array of dtype {arr.dtype}")
        arr = as_float_array("pi", arr, ndim=(2, 3))
        if arr.shape == (S, A):
            arr = arr[None]
        elif arr.shape != (H, S, A):
            fail("pi", want, f"float array of shape {arr.shape}")
        check_simplex("pi", arr, atol=self.mdp.atol)
        return False, _cumulative(np.clip(arr, 0.0, None))

    # -- sampling -------------------------------------------------------------------------
    def episodes(self, pi, n: int, rng: np.random.Generator, H: int | None = None) -> Episodes:
        """``n`` episodes of ``pi``; see :func:`sample_episodes`."""
        n = check_int("n", n, minimum=1)
        rng = _check_rng(rng)
        if self.H is None:
            if H is None:
                fail("H", "an episode length for a discounted model", None)
            H = check_int("H", H, minimum=1)
        elif H is None:
            H = self.H
        else:
            H = check_int("H", H, minimum=1)
            if H != self.H:
                fail("H", f"the model's horizon H = {self.H} (or None)", H)
        deterministic, pol = self._policy(pi, H)
        states = np.empty((n, H + 1), dtype=np.int64)
        actions = np.empty((n, H), dtype=np.int64)
        rewards = np.empty((n, H), dtype=np.float64)
        u0 = rng.random(n)
        if deterministic:
            u = rng.random((n, H))
            _k.rollout_deterministic(self.Pc, self.G, self.r3, self.init_c, pol, u0, u,
                                     states, actions, rewards)
        else:
            u = rng.random((n, H, 2))
            _k.rollout_stochastic(self.Pc, self.G, self.r3, self.init_c, pol, u0, u,
                                  states, actions, rewards)
        return Episodes(_frozen(states), _frozen(actions), _frozen(rewards))

    def transitions(self, n: int, rng: np.random.Generator, h: int | None = None) -> np.ndarray:
        """Generative model; see :func:`sample_transitions`."""
        n = check_int("n", n, minimum=1)
        rng = _check_rng(rng)
        L = self.Pc.shape[0]
        if L > 1:
            if h is None:
                fail("h", f"a step index in [0, H) = [0, {L}) for a per-step kernel", None)
            h = check_int("h", h, minimum=0, maximum=L - 1)
        else:
            if h is not None:  # homogeneous kernel: any valid step gives the same kernel
                check_int("h", h, minimum=0, maximum=None if self.H is None else self.H - 1)
            h = 0
        u = rng.random((self.S, self.A, n))
        out = np.empty((self.S, self.A, n), dtype=np.int64)
        _k.generative(self.Pc[h], self.G[h], u, out)
        return out


def sample_episodes(mdp, pi, n: int, rng: np.random.Generator, *, H: int | None = None
                    ) -> Episodes:
    """Roll out ``n`` independent episodes of the policy ``pi`` in ``mdp``.

    Parameters
    ----------
    mdp : TabularMDP, DiscountedMDP, LinearMixtureMDP, LinearMDP or Sampler
        Pass a :class:`Sampler` to reuse its cumulative rows across calls.
    pi : int array ``(S,)``/``(H, S)`` (deterministic) or float ``(S, A)``/``(H, S, A)``
    n : int >= 1
    rng : numpy.random.Generator
    H : int, optional
        Episode length; required for a :class:`DiscountedMDP` (rewards are then recorded
        undiscounted), otherwise must equal the model's ``H`` if given.

    Returns
    -------
    Episodes with ``states (n, H+1)``, ``actions (n, H)``, ``rewards (n, H)``.
    """
    sampler = mdp if isinstance(mdp, Sampler) else Sampler(mdp)
    return sampler.episodes(pi, n, rng, H)


def sample_transitions(mdp, n: int, rng: np.random.Generator, *, h: int | None = None
                       ) -> np.ndarray:
    """Generative model: ``out[s, a, k] ~ P_h(.|s, a)`` independently, int64 ``(S, A, n)``.

    ``h`` selects the step of a per-step kernel ``(H, S, A, S)`` (required there); for a
    homogeneous kernel it may be omitted. Uniforms: ``rng.random((S, A, n))``.
    """
    sampler = mdp if isinstance(mdp, Sampler) else Sampler(mdp)
    return sampler.transitions(n, rng, h)
