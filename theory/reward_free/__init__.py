"""Horizon-free reward-free exploration for linear mixture MDPs (HF-UCRL-RFE++).

Zhang, Zhang & Gu, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture MDPs",
ICML 2023 (arXiv 2303.10165); notes: shared/papers/reward_free_and_ftpedel.md, parts A and C.

* :class:`WeightedRidge` -- incremental weighted ridge regression (Sherman-Morrison, Numba).
* :func:`explore_hf` -- HF-UCRL-RFE++ exploration (HOME-weighted VTR at M moment levels, two
  series, the exploration oracle, the confidence set with an explicit ``radius_scale``);
  :func:`oracle`, :func:`exact_oracle_values` (enumeration, for checking the oracle).
* :func:`plan_in_model`, :func:`suboptimality` -- the planning phase and its exact evaluation.
* Baselines: :func:`explore_ucrl_rfe` / :func:`plan_ucrl_rfe` (per-step bonus, not
  horizon-free) and :func:`explore_uniform`.
* ``CLAIMS`` -- the five claims of issue 5 as six ids (claim 2 is two fits):
  ``reward_free/k_rate``, ``eps_rate``, ``d_rate``, ``horizon_free``,
  ``lower_bound_divergence``, ``coverage``.
"""

from ._baselines import BaselineResult, explore_ucrl_rfe, explore_uniform, plan_ucrl_rfe, ucrl_rfe_radius
from ._claims import (
    CLAIMS,
    SIMULATED_RADIUS_SCALE,
    episodes_needed,
    hard_test_rewards,
    random_test_rewards,
)
from ._explore import (
    ExplorationResult,
    HFConfig,
    HFParameters,
    exact_oracle_values,
    explore_hf,
    geometric_checkpoints,
    hf_parameters,
    oracle,
    theory_radius,
)
from ._planning import (
    check_total_reward,
    model_kernel,
    optimal_values,
    plan_in_model,
    policy_values,
    reward_dictionary,
    suboptimality,
)
from ._regression import RidgeSnapshot, WeightedRidge, ridge_solve

__all__ = [
    "CLAIMS",
    "SIMULATED_RADIUS_SCALE",
    "WeightedRidge",
    "RidgeSnapshot",
    "ridge_solve",
    "HFConfig",
    "HFParameters",
    "ExplorationResult",
    "hf_parameters",
    "theory_radius",
    "explore_hf",
    "oracle",
    "exact_oracle_values",
    "geometric_checkpoints",
    "model_kernel",
    "plan_in_model",
    "policy_values",
    "optimal_values",
    "suboptimality",
    "reward_dictionary",
    "check_total_reward",
    "BaselineResult",
    "ucrl_rfe_radius",
    "explore_ucrl_rfe",
    "plan_ucrl_rfe",
    "explore_uniform",
    "episodes_needed",
    "random_test_rewards",
    "hard_test_rewards",
]
