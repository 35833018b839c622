"""Continual RL definitions (Abel et al., NeurIPS 2023, arXiv 2307.11046): agents and
environments as finite-state transducers; "generates", "sometimes/never reaches" and CRL
decided exactly on product graphs; the switching bandit, continual supervised learning and
a switching MDP for Q-learning. See ``_model``."""

from ._claims import CLAIMS, PAPER
from ._instances import (BANDIT_REWARD, SUPERVISED_REWARD, bandit_basis, classifier_basis,
                         commit_agent, phase_agent, supervised_stream, switching_bandit,
                         tracking_classifier, win_stay_lose_shift)
from ._model import (Agent, Environment, average_reward, constant_agent, generates, is_crl,
                     never_reaches, product_graph, sometimes_reaches)

__all__ = ["CLAIMS", "PAPER", "Agent", "Environment", "constant_agent", "generates",
           "sometimes_reaches", "never_reaches", "is_crl", "average_reward", "product_graph",
           "switching_bandit", "phase_agent", "win_stay_lose_shift", "commit_agent",
           "bandit_basis", "BANDIT_REWARD", "supervised_stream", "classifier_basis",
           "tracking_classifier", "SUPERVISED_REWARD"]
