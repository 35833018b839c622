"""Benchmarks of games/ and theory/continual, as ratios measured in one run.

* CCE and CE LPs: HiGHS direct (vectorised constraint build + ``scipy.optimize.linprog``)
  against the CVXPY reference formulation (Clarabel) on the same random games.
* Continual RL: the "sometimes reaches" decision on a product graph of ~10^5 nodes (10^4 in
  quick mode), scipy.sparse.csgraph against networkx on the same graph.
"""

from __future__ import annotations

import sys

import numpy as np

from benchmarks._common import best_time


def _cce_ratios(shape, rng, repeat):
    import games

    g = games.NormalFormGame(rng.integers(0, 10, size=(len(shape),) + shape) / 9.0)
    out = {}
    for name, solve in (("cce", games.cce), ("ce", games.ce)):
        a, b = solve(g), solve(g, backend="cvxpy")
        if abs(a.value - b.value) > 1e-6:
            raise RuntimeError(f"{name} backends disagree on {shape}: {a.value} vs {b.value}")
        t_h = best_time(lambda: solve(g), repeat)
        t_c = best_time(lambda: solve(g, backend="cvxpy"), repeat)
        out[f"{name}_{'x'.join(map(str, shape))}_cvxpy_over_highs"] = t_c / t_h
    return out


def _reaches_ratio(M, B, Q, rng, repeat):
    import networkx as nx

    from theory.continual import Agent, Environment, product_graph
    from theory.continual._model import _reaches_one

    def agent(m):
        return Agent(np.eye(2)[rng.integers(0, 2, size=m)], rng.integers(0, m, size=(m, 2, 2)))

    lam, base = agent(M), agent(B)
    env = Environment(rng.dirichlet(np.ones(2), size=(Q, 2)), rng.integers(0, Q, size=(Q, 2, 2)))

    def with_networkx():
        n, src, dst, start = product_graph(lam, base, env)
        G = nx.DiGraph()
        G.add_nodes_from(range(n))
        G.add_edges_from(zip(src.tolist(), dst.tolist()))
        reach = nx.descendants(G, start) | {start}
        v = np.arange(n)
        bad = np.flatnonzero(np.abs(lam.pi[(v // B) % M] - base.pi[v % B]).max(axis=1) > 1e-12)
        G.add_node(-1)
        G.add_edges_from((int(u), -1) for u in bad)  # a sink behind every bad node
        to_bad = nx.ancestors(G, -1)
        return any(x not in to_bad for x in reach)

    if with_networkx() != _reaches_one(lam, base, env):
        raise RuntimeError("networkx and scipy disagree on the reaches decision")
    t_s = best_time(lambda: _reaches_one(lam, base, env), repeat)
    t_n = best_time(with_networkx, repeat)
    return {f"reaches_{M * B * Q}_nodes_networkx_over_scipy": t_n / t_s,
            f"reaches_{M * B * Q}_nodes_scipy_seconds": t_s}


def run(quick: bool = False) -> dict:
    rng = np.random.default_rng(7)
    repeat = 2 if quick else 3
    out: dict = {}
    for shape in ((10, 10), (4, 4, 4)) if quick else ((10, 10), (30, 30), (4, 4, 4), (6, 6, 6)):
        out.update(_cce_ratios(shape, rng, repeat))
    out.update(_reaches_ratio(*((40, 5, 50) if quick else (100, 10, 100)), rng, repeat))
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for k, v in run(quick="--quick" in argv).items():
        print(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
