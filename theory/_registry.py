"""The one registry of claims: every paper module's ``CLAIMS``, in a fixed order.

The CLI, the tests, the report and the notebooks all read this registry; nothing else lists
claims. It is built once per process from :data:`PAPER_MODULES` (each a subpackage
``theory/<paper>/`` whose ``__init__`` exposes ``CLAIMS: tuple[Claim, ...]``), is read-only
(a :class:`types.MappingProxyType` from claim id to :class:`~theory._claim.Claim`), keeps
the order of ``PAPER_MODULES`` and, within a module, the order of its ``CLAIMS``. A claim
id that appears twice is an error when the registry is built, not a silent override.

Test-only claim modules
-----------------------
Tests need cheap claims that reach the CLI and the worker processes of a sweep without
editing :data:`PAPER_MODULES`. The environment variable ``BOUNDLAB_EXTRA_CLAIMS`` holds a
comma-separated list of extra module names (e.g. ``tests.theory._toyclaims``) whose
``CLAIMS`` are appended after the paper modules' when the registry is built. An environment
variable (rather than passing a registry into ``main``) is used because it is inherited by
the worker processes of the ``processes`` executor, which look claims up by id. It is meant
for tests only; the registry is cached per list of modules, so a test that sets the variable
sees its claims without affecting the cached registry of the paper modules.
"""

from __future__ import annotations

import difflib
import importlib
import os
import threading
from types import MappingProxyType
from typing import Mapping, Sequence

from ._claim import Claim

__all__ = [
    "PAPER_MODULES",
    "EXTRA_CLAIMS_ENV",
    "RegistryError",
    "UnknownClaimError",
    "registry",
    "get_claim",
    "select",
]

#: The paper modules, in registry order. Paper helpers ADD their module here (one line each).
PAPER_MODULES: tuple[str, ...] = (
    "theory.copg",
    "theory.dual_rl",
    "theory.reward_free",
)

#: Environment variable naming extra (test-only) claim modules, comma-separated.
EXTRA_CLAIMS_ENV = "BOUNDLAB_EXTRA_CLAIMS"


class RegistryError(ValueError):
    """A paper module is missing, exposes no valid ``CLAIMS``, or two claims share an id."""


class UnknownClaimError(ValueError):
    """A claim id or paper prefix that the registry does not know."""


_CACHE: dict[tuple[str, ...], Mapping[str, Claim]] = {}
_LOCK = threading.Lock()


def _modules() -> tuple[str, ...]:
    extra = tuple(m.strip() for m in os.environ.get(EXTRA_CLAIMS_ENV, "").split(",") if m.strip())
    return tuple(PAPER_MODULES) + extra


def _build(modules: tuple[str, ...]) -> Mapping[str, Claim]:
    claims: dict[str, Claim] = {}
    origin: dict[str, str] = {}
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise RegistryError(
                f"paper module {name!r}: expected an importable module listed in "
                f"PAPER_MODULES or ${EXTRA_CLAIMS_ENV}; got {type(exc).__name__}: {exc}"
            ) from exc
        found = getattr(module, "CLAIMS", None)
        if not isinstance(found, tuple):
            raise RegistryError(
                f"{name}.CLAIMS: expected a tuple of Claim; got {type(found).__name__}"
            )
        for claim in found:
            if not isinstance(claim, Claim):
                raise RegistryError(
                    f"{name}.CLAIMS: expected a tuple of Claim; got an element of type "
                    f"{type(claim).__name__}"
                )
            if claim.id in claims:
                raise RegistryError(
                    f"claim id {claim.id!r}: expected unique ids; got it from both "
                    f"{origin[claim.id]} and {name}"
                )
            claims[claim.id] = claim
            origin[claim.id] = name
    return MappingProxyType(claims)


def registry() -> Mapping[str, Claim]:
    """Every registered claim, id -> Claim, read-only, in ``PAPER_MODULES`` order (cached)."""
    key = _modules()
    cached = _CACHE.get(key)
    if cached is None:
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is None:
                cached = _CACHE[key] = _build(key)
    return cached


def _unknown(name: str, known: Sequence[str], what: str = "claim id") -> UnknownClaimError:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    listing = "boundlab list" if known else "no claims are registered"
    return UnknownClaimError(f"unknown {what} {name!r}{hint} (see `{listing}`)")


def get_claim(claim_id: str) -> Claim:
    """The claim with this id; :class:`UnknownClaimError` naming close matches otherwise."""
    reg = registry()
    try:
        return reg[claim_id]
    except KeyError:
        raise _unknown(claim_id, list(reg)) from None


def select(patterns: Sequence[str]) -> list[Claim]:
    """The claims named by ``patterns``, each a claim id or a paper prefix.

    A paper prefix (``copg`` or ``copg/``) selects every ``copg/...`` claim in registry
    order. The result keeps the order of the patterns and holds each claim once. An empty
    ``patterns`` selects every registered claim.
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    reg = registry()
    if not patterns:
        return list(reg.values())
    chosen: dict[str, Claim] = {}
    papers = sorted({c.paper_key for c in reg.values()})
    for pattern in patterns:
        if pattern in reg:
            chosen.setdefault(pattern, reg[pattern])
            continue
        prefix = pattern[:-1] if pattern.endswith("/") else pattern
        matched = [c for c in reg.values() if c.paper_key == prefix]
        if not matched:
            raise _unknown(pattern, list(reg) + papers, "claim id or paper")
        for claim in matched:
            chosen.setdefault(claim.id, claim)
    return list(chosen.values())
