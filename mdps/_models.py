"""Tabular MDP models: finite-horizon :class:`TabularMDP` and :class:`DiscountedMDP`.

Notation (used throughout ``mdps``): ``S`` states, ``A`` actions, horizon ``H`` (steps
``h = 0, ..., H-1``), transition kernel ``P[s, a, s'] = P(s' | s, a)``, reward ``r[s, a]``
in the same units as the values, initial distribution ``init[s]``.

A finite-horizon kernel is either time-homogeneous, shape ``(S, A, S)``, or given per step,
shape ``(H, S, A, S)``; rewards likewise ``(S, A)`` or ``(H, S, A)``. The model stores what it
was given -- a homogeneous kernel is never broadcast to ``(H, S, A, S)`` (at S = 2000, A = 10,
H = 50 that copy would be 16 GB) -- and exposes the per-step view through :meth:`P_at` and
:meth:`r_at`. Kernels see the stacked forms ``P4`` (``(1 or H, S, A, S)``) and ``r3``
(``(1 or H, S, A)``).

Models are immutable: arrays are copied to float64 on construction and made read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import (
    SIMPLEX_ATOL,
    as_float_array,
    check_int,
    check_real,
    check_shape,
    check_simplex,
    fail,
)

__all__ = ["TabularMDP", "DiscountedMDP"]


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


def _check_some_feasible(r: np.ndarray) -> None:
    """``-inf`` rewards mark infeasible actions; every state needs a feasible one."""
    bad = np.all(np.isneginf(r), axis=-1)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        fail("r", "at least one feasible action (reward > -inf) in every state",
             f"all actions -inf at (step, state) / state index {idx}")


def _validate_init(init, S: int, atol: float) -> np.ndarray:
    if init is None:
        out = np.zeros(S)
        out[0] = 1.0
        return out
    init = as_float_array("init", init, ndim=1)
    check_shape("init", init, (S,), "(S,)")
    check_simplex("init", init, atol=atol)
    return init


@dataclass(frozen=True, eq=False)
class TabularMDP:
    """Finite-horizon tabular MDP ``(P, r, H, init)``.

    Parameters
    ----------
    P : array ``(S, A, S)`` or ``(H, S, A, S)``
        Transition kernel; each ``P[..., s, a, :]`` a distribution within ``atol``.
    r : array ``(S, A)`` or ``(H, S, A)``
        Deterministic rewards.
    H : int >= 1
        Horizon (number of decisions per episode).
    init : array ``(S,)``, optional
        Initial-state distribution; defaults to the point mass on state 0.
    atol : float
        Tolerance of the simplex checks.
    gamma : float in ``[0, 1]``
        Per-step discount of the finite-horizon return ``sum_h gamma^h r_h`` (default 1): the
        solvers compute ``Q_h = r_h + gamma P_h V_{h+1}``.

    A reward of ``-inf`` marks an infeasible action (every state keeps at least one feasible
    action at every step); see ``mdps._solvers``.
    """

    P: np.ndarray
    r: np.ndarray
    H: int
    init: np.ndarray | None = None
    atol: float = field(default=SIMPLEX_ATOL, repr=False)
    gamma: float = 1.0

    def __post_init__(self):
        H = check_int("H", self.H, minimum=1)
        atol = check_real("atol", self.atol, low=0.0)
        gamma = check_real("gamma", self.gamma, low=0.0, high=1.0)
        P = as_float_array("P", self.P, ndim=(3, 4))
        if P.ndim == 4 and P.shape[0] != H:
            fail("P", f"a leading step axis of length H = {H} for a per-step kernel (H, S, A, S)",
                 f"shape {P.shape}")
        S, A = P.shape[-3], P.shape[-2]
        if S < 1 or A < 1:
            fail("P", "at least one state and one action", f"shape {P.shape}")
        if P.shape[-1] != S:
            fail("P", "last axis of length S = P.shape[-3] (next states)", f"shape {P.shape}")
        check_simplex("P", P, atol=atol)
        r = as_float_array("r", self.r, ndim=(2, 3), allow_neginf=True)
        if r.ndim == 2:
            check_shape("r", r, (S, A), "(S, A)")
        else:
            check_shape("r", r, (H, S, A), "(H, S, A)")
        _check_some_feasible(r)
        init = _validate_init(self.init, S, atol)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "P", _frozen(P))
        object.__setattr__(self, "r", _frozen(r))
        object.__setattr__(self, "init", _frozen(init))

    # -- shapes -------------------------------------------------------------------------
    @property
    def S(self) -> int:
        return self.P.shape[-3]

    @property
    def A(self) -> int:
        return self.P.shape[-2]

    @property
    def homogeneous(self) -> bool:
        """True when one kernel ``(S, A, S)`` serves every step."""
        return self.P.ndim == 3

    # -- per-step views -----------------------------------------------------------------
    def P_at(self, h: int) -> np.ndarray:
        """The kernel used at step ``h``, shape ``(S, A, S)``."""
        return self.P if self.P.ndim == 3 else self.P[h]

    def r_at(self, h: int) -> np.ndarray:
        """The reward at step ``h``, shape ``(S, A)``."""
        return self.r if self.r.ndim == 2 else self.r[h]

    @property
    def P4(self) -> np.ndarray:
        """Kernel stacked for kernels: ``(1, S, A, S)`` if homogeneous, else ``(H, S, A, S)``."""
        return self.P[None] if self.P.ndim == 3 else self.P

    @property
    def r3(self) -> np.ndarray:
        """Reward stacked for kernels: ``(1, S, A)`` if step-independent, else ``(H, S, A)``."""
        return self.r[None] if self.r.ndim == 2 else self.r

    def with_reward(self, r) -> "TabularMDP":
        """The same dynamics (and discount) with another reward (validated)."""
        return TabularMDP(self.P, r, self.H, self.init, self.atol, self.gamma)


@dataclass(frozen=True, eq=False)
class DiscountedMDP:
    """Infinite-horizon discounted tabular MDP ``(P, r, gamma, init)``.

    ``P`` has shape ``(S, A, S)``, ``r`` shape ``(S, A)`` (``-inf`` marks an infeasible
    action; every state keeps a feasible one), ``gamma`` lies in ``[0, 1)`` and ``init``
    (default: uniform) is the initial-state distribution used by occupancy measures and the
    LP formulations.
    """

    P: np.ndarray
    r: np.ndarray
    gamma: float
    init: np.ndarray | None = None
    atol: float = field(default=SIMPLEX_ATOL, repr=False)

    def __post_init__(self):
        gamma = check_real("gamma", self.gamma, low=0.0, high=1.0, high_open=True)
        atol = check_real("atol", self.atol, low=0.0)
        P = as_float_array("P", self.P, ndim=3)
        S, A = P.shape[0], P.shape[1]
        if S < 1 or A < 1:
            fail("P", "at least one state and one action", f"shape {P.shape}")
        if P.shape[2] != S:
            fail("P", "shape (S, A, S) with matching state axes", f"shape {P.shape}")
        check_simplex("P", P, atol=atol)
        r = as_float_array("r", self.r, ndim=2, allow_neginf=True)
        check_shape("r", r, (S, A), "(S, A)")
        _check_some_feasible(r)
        if self.init is None:
            init = np.full(S, 1.0 / S)
        else:
            init = _validate_init(self.init, S, atol)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "P", _frozen(P))
        object.__setattr__(self, "r", _frozen(r))
        object.__setattr__(self, "init", _frozen(init))

    @property
    def S(self) -> int:
        return self.P.shape[0]

    @property
    def A(self) -> int:
        return self.P.shape[1]

    def with_reward(self, r) -> "DiscountedMDP":
        return DiscountedMDP(self.P, r, self.gamma, self.init, self.atol)
