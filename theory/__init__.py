"""Claims of RL-theory papers and the engine that checks them by simulation.

A claim (:class:`Claim`) is frozen data plus pure functions: the grids of cells per scale,
``run(params, rng)`` for one cell, ``analyse(table) -> Verdict`` and ``plot(table, ax)``.
The one :func:`registry` collects every paper module's ``CLAIMS``; :func:`sweep` runs a
claim's missing cells into a :class:`Store`; :func:`verify` sweeps, analyses and records
verdicts; :func:`table` reads a claim's stored cells (with its controls'); ``boundlab`` (``theory.cli``) is the command line over all of it.

Names are resolved lazily (PEP 562) so that importing ``theory.cli`` -- and thus
``boundlab --help`` -- does not load NumPy, pandas or the paper modules.
"""

from __future__ import annotations

import importlib

__all__ = [
    "Claim",
    "Control",
    "Grid",
    "Verdict",
    "Paper",
    "Status",
    "registry",
    "get_claim",
    "select",
    "sweep",
    "verify",
    "table",
    "Store",
    "default_store_path",
    "write_report",
    "report",
    "add_claims",
]

_LOCATIONS = {
    "Claim": "._claim",
    "Control": "._claim",
    "Grid": "._claim",
    "Verdict": "._claim",
    "Paper": "._claim",
    "Status": "._claim",
    "registry": "._registry",
    "get_claim": "._registry",
    "select": "._registry",
    "sweep": "._sweep",
    "verify": "._verify",
    "table": "._verify",
    "Store": "._store",
    "default_store_path": "._store",
    "write_report": "._report",
    "report": "._report",
    "add_claims": "._registry",
}


def __getattr__(name: str):
    location = _LOCATIONS.get(name)
    if location is None:
        raise AttributeError(f"module 'theory' has no attribute {name!r}")
    value = getattr(importlib.import_module(location, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
