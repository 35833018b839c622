"""CoPG -- Contrastive Policy Gradient (Flet-Berliac et al., EMNLP 2024, arXiv 2406.19185).

Theory. For a K-armed bandit with rewards ``R``, reference policy ``pi_ref`` and temperature
``beta``, the KL-regularised objective ``J(pi) = E_pi[R] - beta KL(pi||pi_ref)`` has the unique
maximiser ``pi* ∝ pi_ref exp(R/beta)`` with ``J(pi*) = beta ln E_{pi_ref}[e^{R/beta}]``. CoPG
learns it off-policy from pairs ``(y, y') ~ mu1 ⊗ mu2`` by maximising
``L(pi) = E[(R^pi_{beta/2}(y) - R^pi_{beta/2}(y')) ln(pi(y)/pi_ref(y)) + (y <-> y')]`` (Eq. 7),
equivalently minimising ``E[(ΔR - beta h)²]``. Theorem 1: if ``pi_ref``, ``mu1``, ``mu2`` share
their support, the maximiser of ``L`` is ``pi*`` whatever ``mu1``, ``mu2`` -- an off-policy
policy gradient without importance sampling, made unbiased by its contrastive baseline.
Naive off-policy PG (with or without a value baseline) and IPO converge to biased policies.

Claims: ``copg/fixed_point`` (Theorem 1 on random bandits) and ``copg/toy_bandit`` (the
paper's Sec. 5.1 / Fig. 1 experiment). See ``_objective`` for the formulas, ``_training``
for Adam and the exact flows, ``_claims`` for the claims and their tolerances.
"""

from ._analysis import final_regret_summary, mean_interval, regret_curves
from ._claims import (
    CLAIMS,
    FIXED_POINT,
    METHOD_LABELS,
    PAPER,
    TOY_BANDIT,
    TOY_BETA,
    TOY_MU1,
    TOY_MU2,
    TOY_PI_REF,
    TOY_R,
    draw_instance,
    pairs_connected,
    plot_fixed_point,
    plot_toy_bandit,
    toy_bandit,
)
from ._objective import (
    METHODS,
    CoPGFit,
    RegularisedBandit,
    copg_gradient,
    copg_objective,
    copg_pair_gradient,
    copg_pair_loss,
    copg_squared_error,
    data_marginal,
    empirical_pair_distribution,
    empirical_preference_distribution,
    ipo_gradient,
    ipo_pair_gradient,
    maximise_copg,
    objective_gradient,
    pair_distribution,
    pg_gradient,
    preference_distribution,
    softmax,
)
from ._training import (
    AdamOptions,
    LimitPoint,
    PairDataset,
    TrainingResult,
    adam_step,
    checkpoint_steps,
    expected_flow,
    limit_point,
    sample_pairs,
    train,
)

__all__ = [
    "CLAIMS", "FIXED_POINT", "TOY_BANDIT", "PAPER", "METHODS", "METHOD_LABELS",
    "TOY_R", "TOY_BETA", "TOY_PI_REF", "TOY_MU1", "TOY_MU2",
    "RegularisedBandit", "softmax", "pair_distribution", "empirical_pair_distribution",
    "preference_distribution", "empirical_preference_distribution", "data_marginal",
    "copg_objective", "copg_gradient", "copg_squared_error", "copg_pair_loss",
    "copg_pair_gradient", "pg_gradient", "ipo_gradient", "ipo_pair_gradient",
    "objective_gradient", "CoPGFit", "maximise_copg",
    "AdamOptions", "adam_step", "PairDataset", "sample_pairs", "TrainingResult", "train",
    "expected_flow", "LimitPoint", "limit_point", "checkpoint_steps",
    "draw_instance", "pairs_connected", "toy_bandit",
    "plot_fixed_point", "plot_toy_bandit",
    "mean_interval", "final_regret_summary", "regret_curves",
]
