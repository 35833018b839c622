"""Causal de Finetti (Guo, Tóth, Schölkopf, Huszár, NeurIPS 2023, arXiv 2203.15756).

Exchangeable multi-environment data from an ICM generative process (independent mechanism
parameters drawn per environment, observations i.i.d. given them) identify the whole DAG
through CI tests on two observations per environment, where i.i.d. data identify only the
Markov equivalence class. This package builds binary ICM processes with Beta priors
(:mod:`._model`), an exact CI oracle from the closed-form Beta-Bernoulli law and d-separation
in the extended graph (:mod:`._oracle`), the CdF identification algorithm and PC as the
MEC-only contrast (:mod:`._algorithms`).
"""

from ._algorithms import VARIANTS, cdf_identify, cpdags, dag_key, pc_cpdag, sink_layers
from ._model import (MECHANISMS, BinaryICM, all_dags, as_adjacency, binary_icm, exact_joint,
                     exact_joint_iid, sample_exchangeable, sample_iid)
from ._oracle import CI_TOL, ExactOracle, cmi, d_separated, extended_graph

__all__ = [
    "BinaryICM", "binary_icm", "as_adjacency", "all_dags", "MECHANISMS",
    "sample_exchangeable", "sample_iid", "exact_joint", "exact_joint_iid",
    "cmi", "ExactOracle", "CI_TOL", "extended_graph", "d_separated",
    "sink_layers", "cdf_identify", "pc_cpdag", "cpdags", "dag_key", "VARIANTS",
]
