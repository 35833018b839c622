"""The one registry of claims: every paper module's ``CLAIMS``, in a fixed order.

The CLI, the tests, the report and the notebooks all read this registry; nothing else lists
claims. It is built once per process from :data:`PAPER_MODULES` (each a subpackage
``theory/<paper>/`` whose ``__init__`` exposes ``CLAIMS: tuple[Claim, ...]``), is read-only
(a :class:`types.MappingProxyType` from claim id to :class:`~theory._claim.Claim`), keeps
the order of ``PAPER_MODULES`` and, within a module, the order of its ``CLAIMS``. A claim
id that appears twice is an error when the registry is built, not a silent override.

Claims from outside the package
-------------------------------
A researcher's own claims join the same registry (duplicate ids are the same error):

* an installed distribution declares an entry point in the group ``boundlab.claims`` whose
  value is a module exposing ``CLAIMS`` (``[project.entry-points."boundlab.claims"]
  mybounds = "mybounds.claims"``); entry-point modules follow the paper modules;
* ``boundlab --module path/to/claims.py`` (or a module name; repeatable), or
  :func:`add_claims` from Python, appends to ``$BOUNDLAB_EXTRA_CLAIMS`` (below), so the
  worker processes of a sweep see the same registry. A path ending in ``.py`` is imported
  from the file under a module name derived from its absolute path.

Extra claim modules
-------------------
Tests need cheap claims that reach the CLI and the worker processes of a sweep without
editing :data:`PAPER_MODULES`. The environment variable ``BOUNDLAB_EXTRA_CLAIMS`` holds a
comma-separated list of extra module names or ``.py`` paths (e.g. ``tests.theory._toyclaims``)
whose ``CLAIMS`` are appended after the paper and entry-point modules' when the registry is
built. An environment
variable (rather than passing a registry into ``main``) is used because it is inherited by
the worker processes of the ``processes`` executor, which look claims up by id. It is meant
for tests only; the registry is cached per list of modules, so a test that sets the variable
sees its claims without affecting the cached registry of the paper modules.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

from ._claim import Claim

__all__ = [
    "PAPER_MODULES",
    "EXTRA_CLAIMS_ENV",
    "RegistryError",
    "UnknownClaimError",
    "ENTRY_POINT_GROUP",
    "registry",
    "get_claim",
    "select",
    "add_claims",
]

#: The paper modules, in registry order. Paper helpers ADD their module here (one line each).
PAPER_MODULES: tuple[str, ...] = (
    "theory.copg",
    "theory.dual_rl",
    "theory.reward_free",
    "theory.sparse_cce",
    "theory.continual",
)

#: Environment variable naming extra claim modules (names or .py paths), comma-separated.
EXTRA_CLAIMS_ENV = "BOUNDLAB_EXTRA_CLAIMS"
#: Entry-point group through which installed distributions contribute claim modules.
ENTRY_POINT_GROUP = "boundlab.claims"


class RegistryError(ValueError):
    """A paper module is missing, exposes no valid ``CLAIMS``, or two claims share an id."""


class UnknownClaimError(ValueError):
    """A claim id or paper prefix that the registry does not know."""


_CACHE: dict[tuple[str, ...], Mapping[str, Claim]] = {}
_LOCK = threading.Lock()


def _entry_point_modules() -> tuple[str, ...]:
    """The values of the installed ``boundlab.claims`` entry points, sorted by name."""
    eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return tuple(ep.value for ep in sorted(eps, key=lambda ep: ep.name))


def _extra_modules() -> tuple[str, ...]:
    return tuple(m.strip() for m in os.environ.get(EXTRA_CLAIMS_ENV, "").split(",") if m.strip())


def _modules() -> tuple[str, ...]:
    seen: list[str] = []
    for m in tuple(PAPER_MODULES) + _entry_point_modules() + _extra_modules():
        if m not in seen:  # the same module named twice is loaded once (not a duplicate id)
            seen.append(m)
    return tuple(seen)


def _is_path(name: str) -> bool:
    return name.endswith(".py") or os.sep in name or "/" in name


def _import(name: str):
    """Import a module by name, ``module:attr`` (the attribute is the CLAIMS tuple or a
    module), or a ``.py`` path (under a module name derived from the absolute path)."""
    if _is_path(name):
        path = Path(name).expanduser().resolve()
        if not path.is_file():
            raise ImportError(f"no such file: {path}")
        mod_name = f"boundlab_user_claims_{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
        if mod_name in sys.modules:
            return sys.modules[mod_name]
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module  # before exec: pickling and dataclasses resolve it
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[mod_name]
            raise
        return module
    mod, _, attr = name.partition(":")
    module = importlib.import_module(mod)
    if attr:
        found = getattr(module, attr, None)
        if found is None:
            raise ImportError(f"module {mod!r} has no attribute {attr!r}")
        return found if hasattr(found, "CLAIMS") else _Claims(found)
    return module


class _Claims:
    """An entry point ``module:attr`` whose attribute is the CLAIMS tuple itself."""

    def __init__(self, claims):
        self.CLAIMS = claims


def _build(modules: tuple[str, ...]) -> Mapping[str, Claim]:
    claims: dict[str, Claim] = {}
    origin: dict[str, str] = {}
    for name in modules:
        try:
            module = _import(name)
        except ImportError as exc:
            raise RegistryError(
                f"claim module {name!r}: expected an importable module (PAPER_MODULES, a "
                f"'{ENTRY_POINT_GROUP}' entry point, --module or ${EXTRA_CLAIMS_ENV}); got "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        except Exception as exc:  # the user's module raised while importing
            raise RegistryError(
                f"claim module {name!r}: expected a module that imports; it raised "
                f"{type(exc).__name__}: {exc}"
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


def add_claims(*modules: str | os.PathLike) -> list[Claim]:
    """Add claim modules (module names or ``.py`` paths) to this process's registry and to
    ``$BOUNDLAB_EXTRA_CLAIMS`` (inherited by sweep workers); returns the claims they define,
    in order. The whole registry is rebuilt and checked, so a duplicate id is a
    :class:`RegistryError` naming both modules."""
    names = []
    for m in modules:
        text = os.fspath(m)
        if not isinstance(text, str) or not text.strip() or "," in text:
            raise ValueError(f"modules: expected module names or .py paths without commas; got {m!r}")
        names.append(str(Path(text).expanduser().resolve()) if _is_path(text) else text.strip())
    current = list(_extra_modules())
    new = current + [n for n in names if n not in current]
    previous = os.environ.get(EXTRA_CLAIMS_ENV)
    os.environ[EXTRA_CLAIMS_ENV] = ",".join(new)
    try:
        reg = registry()
    except RegistryError:
        if previous is None:
            os.environ.pop(EXTRA_CLAIMS_ENV, None)
        else:
            os.environ[EXTRA_CLAIMS_ENV] = previous
        raise
    return [reg[c.id] for n in names for c in _import(n).CLAIMS]
