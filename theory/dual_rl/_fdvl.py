"""f-DVL / XQL value losses: per-state implicit maximisers and a sampled tabular trainer.

Setting (Dual RL Sec. 6, notes D7; [V] loss forms from the official f-DVL code, [D] the
minimisers). One state, actions ``a`` with values ``Q`` ``(A,)`` and a data distribution ``mu``
``(A,)`` (zeros = out-of-support actions). With ``y = Q - V``:

| loss       | per-state loss of V                                   | minimiser                                    |
|------------|-------------------------------------------------------|----------------------------------------------|
| ``gumbel`` | E_mu[e^{y/beta} - y/beta - 1]            (XQL)        | beta log E_mu e^{Q/beta}                     |
| ``chi2``   | E_mu[lam f*_p(y) - (1-lam) y], f*_p = chi2's          | solves E_mu[max(0, 1 + y/2)] = (1-lam)/lam   |
| ``tv``     | E_mu[lam max(y, 0) - (1-lam) y]  (pinball, code form) | the (2 lam - 1)/lam quantile of Q under mu   |

As the temperature goes to zero (``beta -> 0``; ``lam -> 1``) the minimiser tends to
``max_{a in supp mu} Q(a)`` (chi2: plus 2), with explicit gaps:
``0 <= max Q - V_beta <= beta log(1/mu(a*))``, ``0 <= max Q + 2 - V_lam <= 2 (1-lam)/(lam mu(a*))``
and, for TV, ``V_lam = max Q`` once ``(2 lam - 1)/lam > 1 - mu(a*)``; ``a*`` = the in-support
argmax. The TV loss here is the official code's pinball form; the paper's ``f*_p`` form
``max(y, -1/2)`` shifts the minimiser by ``+1/2``.

The sampled trainer (:func:`fdvl_training`) runs the tabular analogue of the f-DVL/XQL update
on transitions sampled from an offline distribution: per-entry mean gradient steps on the
V loss (no clipping, no max-normalisation) alternating with Q regression to
``r + gamma V(s')``. XQL's exponential makes it overflow when ``(Q - V)/beta`` is large;
chi-square and TV gradients grow at most linearly.

Reference: Sikchi et al., "Dual RL", ICLR 2024 (arXiv 2302.08560), Sec. 6, Prop. 3;
Garg et al., "Extreme Q-Learning", ICLR 2023.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.special

from mdps import DiscountedMDP
from mdps._validation import check_int, check_real, fail

__all__ = ["FDVL_LOSSES", "value_loss", "implicit_maximiser", "limit_gap_bound",
           "numerical_minimiser", "TrainingResult", "fdvl_training"]

FDVL_LOSSES = ("gumbel", "chi2", "tv")


def _check_loss(loss):
    if loss not in FDVL_LOSSES:
        fail("loss", f"one of {FDVL_LOSSES}", repr(loss))
    return loss


def _check_temperature(loss, t):
    if loss == "gumbel":
        return check_real("temperature", t, low=0.0, low_open=True)
    if loss == "chi2":
        return check_real("temperature", t, low=0.0, high=1.0, low_open=True, high_open=True)
    return check_real("temperature", t, low=0.5, high=1.0, low_open=True, high_open=True)


def value_loss(loss: str, V, Q, mu, temperature: float):
    """The per-state loss (table above) at ``V`` (scalar or array); ``temperature`` is
    ``beta`` for ``gumbel`` and ``lam`` for ``chi2``/``tv``."""
    Q, mu = np.asarray(Q, float), np.asarray(mu, float)
    V = np.asarray(V, float)[..., None]
    y = Q - V
    if loss == "gumbel":
        z = y / temperature
        vals = np.exp(z) - z - 1.0
    elif loss == "chi2":
        lam = temperature
        vals = lam * (np.maximum(0.0, 1.0 + y / 2.0) ** 2 - 1.0) - (1 - lam) * y
    elif loss == "tv":
        lam = temperature
        vals = lam * np.maximum(y, 0.0) - (1 - lam) * y
    else:
        _check_loss(loss)
    return np.sum(np.where(mu > 0, mu * vals, 0.0), axis=-1)


def implicit_maximiser(loss: str, Q, mu, temperature: float) -> float:
    """The closed-form per-state minimiser of :func:`value_loss` (module docstring)."""
    _check_loss(loss)
    temperature = _check_temperature(loss, temperature)
    Q, mu = np.asarray(Q, float), np.asarray(mu, float)
    on = mu > 0
    q, m = Q[on], mu[on] / mu[on].sum()
    if loss == "gumbel":
        return float(temperature * scipy.special.logsumexp(q / temperature, b=m))
    if loss == "chi2":
        c = (1 - temperature) / temperature
        order = np.argsort(-q)
        q, m = q[order], m[order]
        # top-k active: sum_{i<k} m_i (1 + (q_i - V)/2) = c  =>  V = (sum m (2 + q) - 2c)/sum m
        for k in range(1, q.size + 1):
            mk = m[:k].sum()
            V = (np.sum(m[:k] * (2 + q[:k])) - 2 * c) / mk
            lo = q[k] + 2 if k < q.size else -np.inf
            if lo <= V <= q[k - 1] + 2:
                return float(V)
        return float(V)  # c >= 1 + E(q - q_min)/2: all actions active (last formula)
    level = (2 * temperature - 1) / temperature
    order = np.argsort(q)
    cdf = np.cumsum(m[order])
    k = int(np.searchsorted(cdf, level - 1e-15, side="left"))
    return float(q[order][min(k, q.size - 1)])


def limit_gap_bound(loss: str, Q, mu, temperature: float) -> float:
    """The bound on ``limit - V`` (module docstring): ``beta log(1/mu*)`` (gumbel),
    ``2 (1-lam)/(lam mu*)`` (chi2), and 0 for TV once the level exceeds ``1 - mu*`` (else the
    range of in-support ``Q``)."""
    Q, mu = np.asarray(Q, float), np.asarray(mu, float)
    on = mu > 0
    m = mu / mu[on].sum()
    star = np.flatnonzero(on)[np.argmax(Q[on])]
    if loss == "gumbel":
        return float(temperature * np.log(1.0 / m[star]))
    if loss == "chi2":
        return float(2 * (1 - temperature) / (temperature * m[star]))
    level = (2 * temperature - 1) / temperature
    return 0.0 if level > 1 - m[star] else float(Q[on].max() - Q[on].min())


def numerical_minimiser(loss: str, Q, mu, temperature: float) -> float:
    """Minimise :func:`value_loss` with ``scipy.optimize.minimize_scalar`` (bounded, on
    ``[min Q - 10, max Q + 10]``, which contains every minimiser for these temperatures)."""
    Q, mu = np.asarray(Q, float), np.asarray(mu, float)
    on = mu > 0
    lo, hi = Q[on].min() - 10.0, Q[on].max() + 10.0
    res = scipy.optimize.minimize_scalar(lambda v: float(value_loss(loss, v, Q, mu, temperature)),
                                         bounds=(lo, hi), method="bounded",
                                         options={"xatol": 1e-12, "maxiter": 2000})
    return float(res.x)


# -- sampled training ------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingResult:
    """``diverged`` (non-finite or ``|V| > 1e6``), ``step`` at divergence (or the number of
    steps), final ``V`` ``(S,)`` and ``Q`` ``(S, A)`` (NaN-filled after a divergence)."""

    diverged: bool
    step: int
    V: np.ndarray
    Q: np.ndarray


#: |V| beyond which a run counts as diverged (rewards in [0, 1] give |V*| <= 1/(1-gamma)).
DIVERGENCE_LEVEL = 1e6


def _v_grad(loss, y, temperature):
    """d loss / d V per sample at y = Q - V."""
    if loss == "gumbel":
        return (1.0 - np.exp(y / temperature)) / temperature
    if loss == "chi2":
        return -temperature * np.maximum(0.0, 1.0 + y / 2.0) + (1 - temperature)
    return -temperature * (y > 0) + (1 - temperature)


def fdvl_training(mdp: DiscountedMDP, dO, loss: str, temperature: float, rng: np.random.Generator,
                  *, n_transitions: int = 10_000, steps: int = 2_000, batch: int = 256,
                  lr: float = 0.5, lr_q: float = 0.5) -> TrainingResult:
    """Tabular f-DVL/XQL on ``n_transitions`` sampled from ``dO`` ``(S, A)``.

    Each step draws ``batch`` transitions; V takes a per-state mean-gradient step of size
    ``lr`` on the value loss (targets ``Q``), then Q a per-entry mean step of size ``lr_q``
    towards ``r + gamma V(s')``. Stops at the first divergence.
    """
    _check_loss(loss)
    temperature = _check_temperature(loss, temperature)
    n_transitions = check_int("n_transitions", n_transitions, minimum=1)
    steps = check_int("steps", steps, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    S, A = mdp.S, mdp.A
    flat = rng.choice(S * A, size=n_transitions, p=np.asarray(dO, float).reshape(-1))
    s, a = np.divmod(flat, A)
    cum = np.cumsum(mdp.P[s, a], axis=1)
    s_next = np.minimum((cum < rng.random((n_transitions, 1))).sum(axis=1), S - 1)
    r = mdp.r[s, a]
    V, Q = np.zeros(S), np.zeros((S, A))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            idx = rng.integers(0, n_transitions, size=batch)
            bs, ba, bn, br = s[idx], a[idx], s_next[idx], r[idx]
            g = _v_grad(loss, Q[bs, ba] - V[bs], temperature)
            G, C = np.zeros(S), np.zeros(S)
            np.add.at(G, bs, g)
            np.add.at(C, bs, 1.0)
            V = V - lr * G / np.maximum(C, 1.0)
            res = Q[bs, ba] - (br + mdp.gamma * V[bn])
            GQ, CQ = np.zeros((S, A)), np.zeros((S, A))
            np.add.at(GQ, (bs, ba), res)
            np.add.at(CQ, (bs, ba), 1.0)
            Q = Q - lr_q * GQ / np.maximum(CQ, 1.0)
            if not (np.all(np.isfinite(V)) and np.all(np.isfinite(Q))) or np.max(np.abs(V)) > DIVERGENCE_LEVEL:
                return TrainingResult(True, t + 1, np.full(S, np.nan), np.full((S, A), np.nan))
    return TrainingResult(False, steps, V, Q)
