"""Horizon-free reward-free exploration for linear mixture MDPs (HF-UCRL-RFE++).

Zhang, Zhang & Gu, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture MDPs",
ICML 2023 (arXiv 2303.10165); notes: shared/papers/reward_free_and_ftpedel.md, parts A and C.
"""

from ._regression import RidgeSnapshot, WeightedRidge, ridge_solve

__all__ = ["WeightedRidge", "RidgeSnapshot", "ridge_solve"]
