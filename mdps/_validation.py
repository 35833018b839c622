"""Boundary validation shared by the public constructors and solvers.

Every check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) with one
message template::

    {name}: expected {condition}; got {received}

so that a user sees which parameter was wrong, what it had to satisfy and what arrived.
These helpers are the only place that template is spelled out; ``games/`` and ``theory/``
import them too.
"""

from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

__all__ = [
    "fail",
    "as_float_array",
    "check_shape",
    "check_finite",
    "check_nonnegative",
    "check_simplex",
    "check_int",
    "check_real",
    "check_rng",
    "SIMPLEX_ATOL",
]

#: Default tolerance for "sums to one" checks of probability vectors and kernels.
SIMPLEX_ATOL = 1e-8


def fail(name: str, condition: str, received: object, exc: type[Exception] = ValueError):
    """Raise ``exc`` with the project's message template."""
    raise exc(f"{name}: expected {condition}; got {received}")


def _describe(x: object) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return repr(x)


def as_float_array(name: str, x: object, ndim: int | Sequence[int] | None = None,
                   allow_neginf: bool = False) -> np.ndarray:
    """Convert ``x`` to a C-contiguous float64 array, checking the number of dimensions and
    that entries are finite (``-inf`` too when ``allow_neginf``: infeasible-action rewards)."""
    try:
        arr = np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        fail(name, "an array of real numbers", _describe(x), TypeError)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(k) for k in allowed)
            fail(name, f"a {want}-dimensional array", f"shape {arr.shape}")
    check_finite(name, np.where(np.isneginf(arr), 0.0, arr) if allow_neginf else arr,
                 "finite entries or -inf (an infeasible action)" if allow_neginf else "finite entries")
    return arr


def check_shape(name: str, arr: np.ndarray, shape: tuple, labels: str = "") -> None:
    """Check ``arr.shape == shape``; ``labels`` such as ``"(S, A, S)"`` documents the axes."""
    if arr.shape != tuple(shape):
        what = f"shape {labels} = {tuple(shape)}" if labels else f"shape {tuple(shape)}"
        fail(name, what, f"shape {arr.shape}")


def check_finite(name: str, arr: np.ndarray, condition: str = "finite entries") -> None:
    if not np.all(np.isfinite(arr)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        fail(name, condition, f"{arr[idx]} at index {idx}")


def check_nonnegative(name: str, arr: np.ndarray, atol: float = 0.0) -> None:
    if arr.size and arr.min() < -atol:
        idx = tuple(int(i) for i in np.unravel_index(np.argmin(arr), arr.shape))
        fail(name, "non-negative entries", f"{arr[idx]!r} at index {idx}")


def check_simplex(name: str, arr: np.ndarray, atol: float = SIMPLEX_ATOL) -> None:
    """Check that every slice along the last axis is a probability vector within ``atol``."""
    check_nonnegative(name, arr, atol=atol)
    sums = arr.sum(axis=-1)
    bad = np.abs(sums - 1.0) > atol
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(np.atleast_1d(bad))[0]) if sums.ndim else ()
        total = sums[idx] if sums.ndim else float(sums)
        where = f" at index {idx}" if idx else ""
        fail(
            name,
            f"entries along the last axis summing to 1 within atol={atol:g}",
            f"sum {float(total)!r}{where}",
        )


def check_int(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(name, "an integer", _describe(value), TypeError)
    value = int(value)
    if minimum is not None and value < minimum:
        fail(name, f"an integer >= {minimum}", value)
    if maximum is not None and value > maximum:
        fail(name, f"an integer <= {maximum}", value)
    return value


def check_real(
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check a real scalar lies in the interval given by ``low``/``high`` (closed by default)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(name, "a real number", _describe(value), TypeError)
    value = float(value)
    if not np.isfinite(value):
        fail(name, "a finite real number", value)
    lo_ok = low is None or (value > low if low_open else value >= low)
    hi_ok = high is None or (value < high if high_open else value <= high)
    if not (lo_ok and hi_ok):
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        fail(name, f"a value in {lb}{lo}, {hi}{rb}", value)
    return value


def check_rng(name: str, rng: object, allow_none: bool = False) -> np.random.Generator:
    """A ``numpy.random.Generator`` (or ``None`` when ``allow_none``); a legacy
    ``RandomState``, a seed or anything else is a ``TypeError`` naming the parameter (a seed
    would silently give every caller the same stream)."""
    if rng is None and allow_none:
        return None
    if not isinstance(rng, np.random.Generator):
        want = "a numpy.random.Generator" + (" or None" if allow_none else "")
        hint = " (use numpy.random.default_rng(seed))" if isinstance(rng, (int, np.integer, np.random.RandomState)) else ""
        fail(name, want + hint, type(rng).__name__, TypeError)
    return rng
