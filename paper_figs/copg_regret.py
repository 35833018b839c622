"""Fig. 1 of Flet-Berliac et al., "Contrastive Policy Gradient", EMNLP 2024 (arXiv 2406.19185).

The toy bandit of Sec. 5.1: regret J(pi*) - J(pi_t) against training step for CoPG, off-policy
PG without baseline, PG with the exact value baseline, and IPO, with each method's exact limit
dashed -- the claim ``copg/toy_bandit``. The sweep runs (or resumes) at ``--scale`` (default
``$BOUNDLAB_SCALE`` or ``quick``) into ``--store`` (default ``$BOUNDLAB_STORE`` or
``./boundlab-results.sqlite``); the figure goes to ``--out`` (default ``paper_figs/out``) as
``copg_regret.png`` and ``copg_regret.pdf``.

    python paper_figs/copg_regret.py [--out DIR] [--scale smoke|quick|full] [--store PATH]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from matplotlib.figure import Figure

from theory import default_store_path, get_claim, sweep, table

CLAIM_ID = "copg/toy_bandit"
NAME = "copg_regret"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--scale", default=os.environ.get("BOUNDLAB_SCALE", "quick"))
    parser.add_argument("--store", type=Path, default=default_store_path())
    parser.add_argument("--executor", default=os.environ.get("BOUNDLAB_EXECUTOR", "processes"))
    args = parser.parse_args(argv)

    claim = get_claim(CLAIM_ID)
    args.store.parent.mkdir(parents=True, exist_ok=True)
    sweep(claim, scale=args.scale, store=args.store, executor=args.executor, progress=False)
    cells = table(claim, store=args.store, scale=args.scale)

    fig = Figure(figsize=(6, 4))
    claim.plot(cells, ax=fig.subplots())
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "pdf"):
        fig.savefig(args.out / f"{NAME}.{ext}", dpi=150)
    print(f"wrote {args.out / NAME}.png and .pdf ({len(cells)} cells, scale {args.scale})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
