"""theory.continual: the §3.4 properties over random transducers (Hypothesis), the explicit
counterexamples, a brute-force reference for "generates", a networkx reference for
"reaches", exact average rewards, the claim and its control, and the error paths."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory._claim import Status, control_claim
from theory.continual import (BANDIT_REWARD, CLAIMS, Agent, Environment, average_reward,
                              bandit_basis, commit_agent, constant_agent, generates, is_crl,
                              never_reaches, phase_agent, product_graph, sometimes_reaches,
                              switching_bandit, win_stay_lose_shift)

A = O = 2


@st.composite
def agents(draw, max_states=3, deterministic=None):
    M = draw(st.integers(1, max_states))
    det = draw(st.booleans()) if deterministic is None else deterministic
    if det:
        pi = np.eye(A)[[draw(st.integers(0, A - 1)) for _ in range(M)]]
    else:
        pi = np.array([[w, 1 - w] for w in (draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])) for _ in range(M))])
    delta = np.array(draw(st.lists(st.integers(0, M - 1), min_size=M * A * O, max_size=M * A * O))).reshape(M, A, O)
    return Agent(pi, delta)


@st.composite
def environments(draw, max_states=3):
    Q = draw(st.integers(1, max_states))
    rho = np.array([[w, 1 - w] for w in (draw(st.sampled_from([0.0, 0.5, 1.0])) for _ in range(Q * A))]).reshape(Q, A, O)
    delta = np.array(draw(st.lists(st.integers(0, Q - 1), min_size=Q * A * O, max_size=Q * A * O))).reshape(Q, A, O)
    return Environment(rho, delta)


def bf_generates(basis, lam, L):
    """Definition, checked on every history of length <= L (all (a, o), realizable or not)."""
    for n in range(L + 1):
        for h in itertools.product(itertools.product(range(A), range(O)), repeat=n):
            if not any(np.allclose(lam.act(h), b.act(h)) for b in basis):
                return False
    return True


def nx_reaches(agent, base, env):
    """The same graph criterion with networkx (an independent implementation)."""
    n, src, dst, start = product_graph(agent, base, env)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    reach = nx.descendants(G, start) | {start}
    B, M = base.M, agent.M
    bad = [v for v in range(n) if not np.allclose(agent.pi[(v // B) % M], base.pi[v % B])]
    to_bad = set(bad)
    for v in bad:
        to_bad |= nx.ancestors(G, v)
    return any(v not in to_bad for v in reach)


@settings(max_examples=15)  # the brute force walks ~22k histories per example
@given(lam=agents(max_states=2), b1=agents(max_states=2), b2=agents(max_states=2))
def test_generates_equals_the_definition_on_all_short_histories(lam, b1, b2):
    # joint states <= 2*2*2 = 8, so histories of length 7 visit every reachable joint state
    assert generates([b1, b2], lam) == bf_generates([b1, b2], lam, 7)


@settings(max_examples=40)
@given(lam=agents(), base=agents(), env=environments())
def test_reaches_equals_the_networkx_reference(lam, base, env):
    assert sometimes_reaches(lam, [base], env) == nx_reaches(lam, base, env)
    assert never_reaches(lam, [base], env) != sometimes_reaches(lam, [base], env)


@settings(max_examples=30)
@given(basis=st.lists(agents(), min_size=1, max_size=2), lam=agents(), env=environments(),
       extra=agents())
def test_properties_of_generates_and_reaches(basis, lam, env, extra):
    assert generates(basis, basis)  # reflexive
    assert all(sometimes_reaches(b, basis, env) for b in basis)  # a base agent reaches at h_0
    assert sometimes_reaches(lam, [lam], env)  # every agent reaches itself
    if sometimes_reaches(lam, basis, env):  # monotone in the basis
        assert sometimes_reaches(lam, basis + [extra], env)
    if generates(basis, lam):  # a larger basis generates more
        assert generates(basis + [extra], lam)


@settings(max_examples=30)
@given(b1=st.lists(agents(deterministic=True), min_size=1, max_size=2),
       b2=st.lists(agents(deterministic=True), min_size=1, max_size=2),
       lam=agents(deterministic=True))
def test_generates_is_transitive(b1, b2, lam):
    if generates(b1, b2) and generates(b2, lam):
        assert generates(b1, lam)
    # the |A| constant agents generate every deterministic agent
    assert generates([constant_agent(A, O, a) for a in range(A)], lam)


def test_generates_is_not_symmetric():
    c0, c1 = constant_agent(A, O, 0), constant_agent(A, O, 1)
    assert generates([c0, c1], c0) and not generates([c0], [c0, c1])


def test_reaches_is_not_transitive():
    """Notes §3.4, in an environment that always emits 0: λ3 plays 1 forever; λ2 plays 1 first
    and then repeats its first action forever (so it agrees with λ3 on the branch it
    realizes); λ1 plays 0 forever, which is λ2's behaviour on the branch whose first action is
    0. Then λ1 ◇⇝ {λ2} (after one step), λ2 ◇⇝ {λ3} (at h_0), but λ1 never reaches {λ3}."""
    env = Environment(np.tile([1.0, 0.0], (1, 2, 1)), np.zeros((1, 2, 2), dtype=np.int64))
    # λ3: always 1
    l3 = constant_agent(A, O, 1)
    # λ2: state 0 plays 1; after playing 1 -> state 1 (plays 1 forever); after playing 0 ->
    # state 2 (plays 0 forever)
    l2 = Agent(np.array([[0, 1.0], [0, 1.0], [1.0, 0]]),
               np.array([[[2, 2], [1, 1]], [[1, 1], [1, 1]], [[2, 2], [2, 2]]]))
    # λ1: plays 0 now, then behaves as λ2 would after its own first action 0 (plays 0 forever)
    l1 = Agent(np.array([[1.0, 0], [1.0, 0]]), np.array([[[1, 1], [1, 1]], [[1, 1], [1, 1]]]))
    assert sometimes_reaches(l1, [l2], env)  # after h = (0, o): both play 0 forever
    assert sometimes_reaches(l2, [l3], env)  # at h_0, λ2 plays 1, then 1 forever
    assert never_reaches(l1, [l3], env)  # λ1 plays 0 forever, λ3 plays 1


def test_never_reaches_is_not_transitive():
    env = switching_bandit(None)
    l1 = l3 = constant_agent(A, O, 0)
    l2 = constant_agent(A, O, 1)
    assert never_reaches(l1, [l2], env) and never_reaches(l2, [l3], env)
    assert not never_reaches(l1, [l3], env)


def test_reaching_depends_on_the_environment():
    # switch arms after every o = 1, keep the arm after o = 0
    lam = Agent(np.eye(2), np.array([[[0, 1], [0, 1]], [[1, 0], [1, 0]]]))
    quiet = Environment(np.tile([1.0, 0.0], (1, 2, 1)), np.zeros((1, 2, 2), dtype=np.int64))
    loud = Environment(np.tile([0.0, 1.0], (1, 2, 1)), np.zeros((1, 2, 2), dtype=np.int64))
    arm0 = [constant_agent(A, O, 0)]
    assert sometimes_reaches(lam, arm0, quiet)
    assert never_reaches(lam, arm0, loud) and never_reaches(lam, [constant_agent(A, O, 1)], loud)


@pytest.mark.parametrize("K", [1, 2, 3])
def test_switching_bandit_is_crl_and_its_properties(K):
    env, basis, opt = switching_bandit(K), bandit_basis(), phase_agent(K)
    assert average_reward(opt, env, BANDIT_REWARD) == pytest.approx(1.0, abs=1e-12)
    assert generates(basis, opt) and is_crl(env, [opt], basis)
    # (b) no base agent is optimal: each earns 1/2
    for b in basis:
        assert average_reward(b, env, BANDIT_REWARD) == pytest.approx(0.5, abs=1e-12)
    # (a) basis dependence: with the basis {λ*} (which generates {λ*}) it is not CRL
    assert generates([opt], opt) and not is_crl(env, [opt], [opt])
    # commit-after-n reaches the basis and is suboptimal
    c = commit_agent(3)
    assert sometimes_reaches(c, basis, env)
    assert average_reward(c, env, BANDIT_REWARD) == pytest.approx(0.5, abs=1e-12)


def test_average_reward_against_a_long_simulation_of_the_distribution():
    env, lam = switching_bandit(2), win_stay_lose_shift()
    # exact: Cesaro average of the state distribution over 4000 steps (error O(1/T))
    Q, M = env.Q, lam.M
    dist = np.zeros((Q, M))
    dist[env.q0, lam.m0] = 1.0
    total = 0.0
    T = 4000
    for _ in range(T):
        new = np.zeros_like(dist)
        for q, m in zip(*np.nonzero(dist)):
            for a in range(A):
                for o in range(O):
                    p = dist[q, m] * lam.pi[m, a] * env.rho[q, a, o]
                    total += p * BANDIT_REWARD[a, o]
                    new[env.delta[q, a, o], lam.delta[m, a, o]] += p
        dist = new
    assert average_reward(lam, env, BANDIT_REWARD) == pytest.approx(total / T, abs=5 / T)


@pytest.mark.parametrize("claim", CLAIMS[:2], ids=lambda c: c.id)
def test_claim_and_control(claim):
    def table(c):
        g = c.grids["smoke"]
        return pd.DataFrame([{**p, "replicate": 0, **c.run(p, np.random.default_rng(0))}
                             for p in g.points()])

    assert claim.analyse(table(claim)).status is Status.PASS
    (control,) = claim.controls
    assert claim.analyse(table(control_claim(claim, control))).status is Status.FAIL
    import matplotlib.pyplot as plt

    plt.close(claim.plot(table(claim)).figure)


def test_errors():
    with pytest.raises(ValueError, match="pi: expected"):
        Agent(np.array([[0.5, 0.6]]), np.zeros((1, 2, 2), dtype=np.int64))
    with pytest.raises(ValueError, match=r"delta: expected next states in \[0, 1\)"):
        Agent(np.array([[1.0, 0.0]]), np.ones((1, 2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match="delta: expected integer next-state indices"):
        Agent(np.array([[1.0, 0.0]]), np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="m0: expected a memory state below M = 1"):
        Agent(np.array([[1.0, 0.0]]), np.zeros((1, 2, 2), dtype=np.int64), m0=1)
    with pytest.raises(ValueError, match="basis: expected a non-empty list"):
        generates([], constant_agent(2, 2, 0))
    with pytest.raises(ValueError, match=r"basis\[0\]: expected an agent over the same A, O"):
        sometimes_reaches(constant_agent(2, 2, 0), [constant_agent(3, 2, 0)], switching_bandit(1))
    with pytest.raises(ValueError, match="reward: expected shape"):
        average_reward(constant_agent(2, 2, 0), switching_bandit(1), np.zeros((3, 2)))


def test_q_learning_claim_and_its_controls():
    claim = CLAIMS[2]

    def table(c):
        g = c.grids["smoke"]
        return pd.DataFrame([{**p, "replicate": r, **c.run(p, np.random.default_rng([r, 7]))}
                             for p in g.points() for r in range(g.replicates)])

    own = table(claim)
    assert claim.analyse(own).status is Status.PASS
    for control in claim.controls:
        assert claim.analyse(table(control_claim(claim, control))).status is Status.FAIL, control.name
    import matplotlib.pyplot as plt

    plt.close(claim.plot(own).figure)
    from theory.continual._qlearning import run_q_learning

    with pytest.raises(ValueError, match="step_size: expected 'constant' or '1/n'"):
        run_q_learning(10, 10, "adam", np.random.default_rng(0))


@pytest.mark.parametrize("K", [1, 2, 4])
def test_continual_supervised_learning_is_crl(K):
    from theory.continual import SUPERVISED_REWARD, classifier_basis, supervised_stream, tracking_classifier

    env, basis, opt = supervised_stream(K), classifier_basis(), tracking_classifier(K)
    assert average_reward(opt, env, SUPERVISED_REWARD) == pytest.approx(1.0, abs=1e-12)
    assert generates(basis, opt) and is_crl(env, [opt], basis)
    for b in basis:  # no classifier is optimal: each is right half of the time
        assert average_reward(b, env, SUPERVISED_REWARD) == pytest.approx(0.5, abs=1e-12)
    fixed = supervised_stream(None)
    assert not is_crl(fixed, [tracking_classifier(None)], basis)  # it is the identity classifier
    assert average_reward(basis[2], fixed, SUPERVISED_REWARD) == pytest.approx(1.0, abs=1e-12)
