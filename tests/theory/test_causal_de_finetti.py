"""Causal de Finetti core: generator, exact joint, exact CI oracle, CdF and PC (issue 12).

References are independent of the code under test: Monte Carlo over theta with hand-written
mechanisms, the sampler's empirical table, d-separation in the extended graph (networkx),
plain-NumPy CMI, and the brute-force CPDAG (skeleton + v-structures over all DAGs).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.causal_de_finetti import (ExactOracle, all_dags, as_adjacency, binary_icm,
                                      cdf_identify, cmi, cpdags, d_separated, exact_joint,
                                      exact_joint_iid, extended_graph, pc_cpdag,
                                      sample_exchangeable, sample_iid, sink_layers)
from tests.strategies import binary_icms

CHAIN3 = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]], bool)


def _table_from_samples(X):
    """Empirical table of (E, N, d) samples in the exact table's axis order."""
    E, N, d = X.shape
    flat = X.reshape(E, N * d).astype(np.int64)
    idx = (flat << np.arange(N * d - 1, -1, -1)).sum(axis=1)
    return np.bincount(idx, minlength=2 ** (N * d)).reshape((2,) * (N * d)) / E


# -- generator and exact joint ----------------------------------------------------------------
def test_all_dags_counts_are_oeis_a003024():
    assert [len(all_dags(d)) for d in (1, 2, 3, 4)] == [1, 3, 25, 543]


def test_exact_joint_matches_monte_carlo_over_theta():
    """X0 -> X1, X1 = Ber(th1) XOR X0 (and), Beta(1, 3), Beta(2, 0.5); N = 2 observations.
    Reference: average over 4e5 theta draws of the hand-written conditional likelihood."""
    rng = np.random.default_rng(0)
    m = binary_icm(np.array([[0, 1], [0, 0]]), "and", alpha=[1.0, 2.0], beta=[3.0, 0.5])
    P = exact_joint(m, 2)
    th = np.stack([rng.beta(1, 3, 400_000), rng.beta(2, 0.5, 400_000)], axis=1)
    for x in itertools.product((0, 1), repeat=4):  # axes: X0;0 X1;0 X0;1 X1;1
        like = np.ones(len(th))
        for n in range(2):
            x0, x1 = x[2 * n], x[2 * n + 1]
            like *= np.where(x0, th[:, 0], 1 - th[:, 0])
            like *= np.where(x1 != x0, th[:, 1], 1 - th[:, 1])
        ref = like.mean()
        se = like.std() / np.sqrt(len(th))
        assert abs(P[x] - ref) < 5 * se + 1e-12, (x, P[x], ref)


def test_sampler_matches_exact_table_chain():
    """The exchangeable and i.i.d. samplers' empirical tables against the exact ones (5 sigma)."""
    rng = np.random.default_rng(1)
    m = binary_icm(CHAIN3, "and", 1.0, 3.0)
    E = 200_000
    for sampler, exact in ((sample_exchangeable, exact_joint), (sample_iid, exact_joint_iid)):
        F = _table_from_samples(sampler(m, E, 2, rng))
        P = exact(m, 2)
        se = np.sqrt(P * (1 - P) / E)
        assert np.all(np.abs(F - P) <= 5 * se + 1e-12)


@settings(max_examples=25, deadline=None)
@given(binary_icms(d=st.integers(1, 3)))
def test_exact_joint_is_exchangeable_and_normalised(m):
    P = exact_joint(m, 3)
    d = m.d
    assert abs(P.sum() - 1) < 1e-12
    for perm in itertools.permutations(range(3)):
        axes = [perm[n] * d + i for n in range(3) for i in range(d)]
        assert np.allclose(np.transpose(P, axes), P, atol=1e-15)
    # one observation of the exchangeable law is the i.i.d. marginal
    assert np.allclose(P.sum(axis=tuple(range(d, 3 * d))), exact_joint_iid(m, 1), atol=1e-14)


def test_shared_parameters_couple_mechanisms():
    """theta shared between X and Y: the table differs from the ICM one; the one-observation
    marginal (where the shared theta is integrated within one observation) too."""
    A = np.array([[0, 1], [0, 0]])
    icm = exact_joint(binary_icm(A, "and", 1.0, 3.0), 2)
    sh = exact_joint(binary_icm(A, "and", 1.0, 3.0, shared=[(0, 1)]), 2)
    assert np.abs(icm - sh).max() > 1e-3


# -- CMI and the exact oracle -------------------------------------------------------------------
def test_cmi_against_plain_numpy():
    rng = np.random.default_rng(2)
    P = rng.dirichlet(np.ones(8)).reshape(2, 2, 2)
    pz = P.sum(axis=(0, 1))
    pxz = P.sum(axis=1)
    pyz = P.sum(axis=0)
    ref = sum(P[x, y, z] * np.log(P[x, y, z] * pz[z] / (pxz[x, z] * pyz[y, z]))
              for x, y, z in itertools.product((0, 1), repeat=3))
    assert abs(cmi(P, [0], [1], [2]) - ref) < 1e-14
    # a product P(z) P(x|z) P(y|z) has zero CMI but (generically) dependent marginals
    px_z = rng.dirichlet(np.ones(2), size=2)  # [z, x]
    py_z = rng.dirichlet(np.ones(2), size=2)
    Q = np.einsum("z,zx,zy->xyz", [0.3, 0.7], px_z, py_z)
    assert cmi(Q, [0], [1], [2]) < 1e-15 and cmi(Q, [0], [1]) > 1e-6


ALPHA3, BETA3 = np.array([1.0, 2.0, 0.7]), np.array([3.0, 3.5, 2.5])  # distinct priors


@pytest.mark.parametrize("mechanism", ["and"])
def test_exact_oracle_equals_d_separation_all_queries_d3(mechanism):
    """Faithfulness with distinct priors per node: on every DAG with 3 nodes, every pairwise
    query with every conditioning set over the 6 variables X_{i;n}: exact CI = d-separation."""
    V = [(i, n) for n in range(2) for i in range(3)]
    for A in all_dags(3):
        o = ExactOracle(exact_joint(binary_icm(A, mechanism, ALPHA3, BETA3), 2), 3)
        G = extended_graph(A, 2)
        for a, b in itertools.combinations(V, 2):
            rest = [v for v in V if v not in (a, b)]
            for r in range(len(rest) + 1):
                for C in itertools.combinations(rest, r):
                    assert o([a], [b], C) == d_separated(G, [a], [b], C), (A, a, b, C)


def test_parity_mechanism_is_unfaithful_on_a_triangle():
    """Finding: parity (XOR) mechanisms on 0->1, 0->2, 1->2 give X_2 = N_2 ^ N_1 (X_0
    cancels), so X_0 ⊥ X_2 within an observation: PC then misses an edge, CdF does not."""
    A = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], bool)
    o = ExactOracle(exact_joint(binary_icm(A, "xor", 1.0, 3.0), 2), 3)
    assert o([(0, 0)], [(2, 0)]) and not d_separated(extended_graph(A, 2), [(0, 0)], [(2, 0)])
    assert (cdf_identify(o, 3) == A).all() and not pc_cpdag(o, 3)[0, 2]


def test_paper_prior_and_mechanism_is_unfaithful_off_the_algorithm_queries():
    """Finding: with the paper's Beta(1, 3) for every node and AND mechanisms, 0->1, 0->2,
    1->2 has X_{1;0} ⊥ X_{2;1} | X_{1;1} exactly, though the extended graph d-connects them
    (two open paths cancel because nodes 0 and 1 share a prior); distinct priors remove it."""
    A = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], bool)
    q = ([(1, 0)], [(2, 1)], [(1, 1)])
    assert not d_separated(extended_graph(A, 2), *q)
    assert ExactOracle(exact_joint(binary_icm(A, "and", 1.0, 3.0), 2), 3)(*q)
    assert not ExactOracle(exact_joint(binary_icm(A, "and", ALPHA3, BETA3), 2), 3)(*q)


@pytest.mark.parametrize("mechanism", ["and"])
def test_every_query_cdf_and_pc_issue_is_faithful_paper_prior(mechanism):
    """Under the paper's Beta(1, 3) prior, every CI query CdF and PC issue on every DAG up to
    4 nodes gets the d-separation answer from the exact oracle."""
    for d in (2, 3, 4):
        for A in all_dags(d):
            o = ExactOracle(exact_joint(binary_icm(A, mechanism, 1.0, 3.0), 2), d)
            G = extended_graph(A, 2)
            asked = []

            def indep(a, b, c, o=o, asked=asked):
                asked.append((tuple(a), tuple(b), tuple(c)))
                return o(a, b, c)

            cdf_identify(indep, d)
            pc_cpdag(indep, d)
            for a, b, c in set(asked):
                assert o(a, b, c) == d_separated(G, a, b, c), (A, a, b, c)


@settings(max_examples=20, deadline=None)
@given(binary_icms(d=st.just(4), mechanisms=("and",)), st.integers(0, 2**32 - 1))
def test_exact_oracle_equals_d_separation_random_d4(m, seed):
    """Random DAGs, priors (alpha != beta) and mechanisms on 4 nodes; 40 random queries each."""
    rng = np.random.default_rng(seed)
    o = ExactOracle(exact_joint(m, 2), 4)
    G = extended_graph(m.A, 2)
    V = [(i, n) for n in range(2) for i in range(4)]
    for _ in range(40):
        perm = rng.permutation(len(V))
        a, b = V[perm[0]], V[perm[1]]
        C = [V[k] for k in perm[2:2 + rng.integers(0, 7)]]
        assert o([a], [b], C) == d_separated(G, [a], [b], C)


def test_shared_parameters_break_theorem1_condition():
    """Theorem 1: Y_1 ⊥ X_2 | X_1 with independent (theta, psi), not with psi = theta."""
    A = np.array([[0, 1], [0, 0]])
    for shared, indep in (((), True), ([(0, 1)], False)):
        o = ExactOracle(exact_joint(binary_icm(A, "and", 1.0, 3.0, shared=shared), 2), 2)
        assert o([(1, 0)], [(0, 1)], [(0, 0)]) is indep
        assert d_separated(extended_graph(A, 2, shared), [(1, 0)], [(0, 1)], [(0, 0)]) is indep


# -- algorithms ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mechanism", ["and", "xor"])
def test_cdf_recovers_every_dag_up_to_4(mechanism):
    for d in (2, 3, 4):
        for A in all_dags(d):
            o = ExactOracle(exact_joint(binary_icm(A, mechanism, 1.0, 3.0), 2), d)
            assert (cdf_identify(o, d) == A).all(), A.astype(int)


def test_pc_returns_the_cpdag_of_every_dag_up_to_4():
    """AND mechanisms (faithful within an observation; parity is not, see below)."""
    for d in (2, 3, 4):
        dags = all_dags(d)
        for A, M in zip(dags, cpdags(dags)):
            o = ExactOracle(exact_joint(binary_icm(A, "and", 1.0, 3.0), 2), d)
            assert (pc_cpdag(o, d) == M).all(), A.astype(int)


def test_cdf_on_d_separation_oracle_recovers_every_dag_4():
    """The algorithm itself against the graphical truth (no numerics)."""
    for A in all_dags(4):
        G = extended_graph(A, 2)
        assert (cdf_identify(lambda a, b, c: d_separated(G, a, b, c), 4) == A).all()


def test_sink_layers_are_the_sink_peeling_of_the_dag():
    for A in all_dags(4):
        o = ExactOracle(exact_joint(binary_icm(A, "and", 1.0, 3.0), 2), 4)
        H = nx.from_numpy_array(A.astype(int), create_using=nx.DiGraph)
        expect = []
        while H.number_of_nodes():
            S = sorted(v for v in H if H.out_degree(v) == 0)
            expect.append(S)
            H.remove_nodes_from(S)
        assert sink_layers(o, 4) == expect


def test_official_variant_adds_spurious_edge_on_named_graph():
    """j'=1 -> m=2 <- j=0, 1 -> k=3, 2 -> 3: the empty co-parent set conditions on m but not
    on j', opening 0 -> 2 <- 1 -> 3, so the official variant adds 0 -> 3."""
    A = np.zeros((4, 4), bool)
    A[1, 2] = A[0, 2] = A[1, 3] = A[2, 3] = True
    o = ExactOracle(exact_joint(binary_icm(A, "and", 1.0, 3.0), 2), 4)
    assert (cdf_identify(o, 4) == A).all()
    B = cdf_identify(o, 4, variant="official")
    assert B[0, 3] and (B & ~A).sum() == 1 and (A & ~B).sum() == 0


def test_official_variant_fails_only_at_d4():
    fails = {d: sum(not (cdf_identify(ExactOracle(exact_joint(binary_icm(A, "and", 1.0, 3.0), 2), d),
                                      d, variant="official") == A).all() for A in all_dags(d))
             for d in (2, 3, 4)}
    assert fails[2] == fails[3] == 0 and fails[4] > 0


def test_pc_leaves_chain_unoriented_and_orients_collider():
    o = ExactOracle(exact_joint(binary_icm(CHAIN3, "and", 1.0, 3.0), 2), 3)
    M = pc_cpdag(o, 3)
    assert M[0, 1] and M[1, 0] and M[1, 2] and M[2, 1] and not M[0, 2]
    col = np.array([[0, 1, 0], [0, 0, 0], [0, 1, 0]], bool)
    o = ExactOracle(exact_joint(binary_icm(col, "and", 1.0, 3.0), 2), 3)
    assert (pc_cpdag(o, 3) == col).all()


def test_iid_data_cannot_orient():
    """One environment per observation: every cross-sample test is CI, so every node is a sink
    and CdF returns the empty graph, on every DAG."""
    for A in all_dags(3):
        o = ExactOracle(exact_joint_iid(binary_icm(A, "and", 1.0, 3.0), 2), 3)
        assert not cdf_identify(o, 3).any()


def test_equal_beta_priors_are_unfaithful_within_an_observation():
    """alpha = beta: E[theta] = 1/2 makes XOR children independent of their parents inside one
    observation, while the cross-sample dependence of a node with itself remains."""
    A = np.array([[0, 1], [0, 0]])
    o = ExactOracle(exact_joint(binary_icm(A, "xor", 1.0, 1.0), 2), 2)
    assert o([(0, 0)], [(1, 0)]) and not o([(1, 0)], [(1, 1)])
    assert not cdf_identify(o, 2).any()


# -- validation: one test per error path --------------------------------------------------------
BAD = [
    (lambda: as_adjacency(nx.DiGraph([(1, 2)])), ValueError, "graph: expected a DiGraph on nodes"),
    (lambda: as_adjacency(np.zeros((2, 3))), ValueError, "graph: expected a square"),
    (lambda: as_adjacency(np.array([[0, 2], [0, 0]])), ValueError, "graph: expected 0/1"),
    (lambda: as_adjacency(np.array([[0, 1], [1, 0]])), ValueError, "graph: expected an acyclic"),
    (lambda: as_adjacency(object()), ValueError, "graph: expected a square"),
    (lambda: binary_icm(CHAIN3, "or"), ValueError, "mechanism: expected one of"),
    (lambda: binary_icm(CHAIN3, "random"), TypeError, "rng: expected a numpy.random.Generator"),
    (lambda: binary_icm(CHAIN3, alpha=-1.0), ValueError, "alpha: expected a positive"),
    (lambda: binary_icm(CHAIN3, beta=[1.0, 2.0]), ValueError, "beta: expected a positive"),
    (lambda: binary_icm(CHAIN3, shared=[(0, 5)]), ValueError, "shared: expected disjoint"),
    (lambda: binary_icm(CHAIN3, alpha=[1, 2, 3.0], shared=[(0, 1)]), ValueError,
     "shared: expected groups whose nodes have equal"),
    (lambda: all_dags(6), ValueError, "d: expected an integer <= 5"),
    (lambda: sample_exchangeable(binary_icm(CHAIN3), 0, 2, np.random.default_rng()), ValueError,
     "n_env: expected an integer >= 1"),
    (lambda: sample_iid(binary_icm(CHAIN3), 3, 0, np.random.default_rng()), ValueError,
     "n_obs: expected an integer >= 1"),
    (lambda: exact_joint(binary_icm(CHAIN3), 6), ValueError, "d * n_obs: expected at most 16"),
    (lambda: cmi(np.full((2, 2), 0.25), [], [1]), ValueError, "A, B: expected non-empty"),
    (lambda: cmi(np.full((2, 2), 0.25), [0], [0]), ValueError, "A, B, C: expected disjoint"),
    (lambda: cmi(np.full((2, 2), 0.25), [0], [2]), ValueError, "A, B, C: expected axes in"),
    (lambda: ExactOracle(np.full((2, 2, 2), 0.125), 2), ValueError, "P: expected a (2,)*(d*N)"),
    (lambda: ExactOracle(np.full((2, 2), 0.5), 2), ValueError, "P: expected a probability table"),
    (lambda: ExactOracle(np.full((2, 2), 0.25), 2)([(0, 1)], [(1, 0)]), ValueError,
     "query: expected (node, observation)"),
    (lambda: cdf_identify(lambda *a: True, 2, variant="buggy"), ValueError, "variant: expected one of"),
]


@pytest.mark.parametrize("call, exc, msg", BAD, ids=[b[2] for b in BAD])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=f"^{__import__('re').escape(msg)}"):
        call()
