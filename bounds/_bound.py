"""A theorem's bound as one SymPy expression, with the exponents a claim compares against.

Setting. A sample-complexity or error bound ``B(x_1, ..., x_k)`` is a positive function of
positive quantities (dimension ``d``, accuracy ``epsilon``, horizon ``H``, episodes ``K``,
failure probability ``delta``, ...). What a simulation can check is not its constant but its
*scaling*: the log-log slope

    e_x(B) = d log B / d log x = x * (dB/dx) / B

in one quantity ``x`` with the others held fixed. A :class:`Bound` gives three versions of it:

* :meth:`Bound.exponent` -- the **asymptotic** exponent ``lim e_x`` as ``x -> 0`` or
  ``x -> oo``, derived symbolically by a leading-order analysis on the scale
  ``x^p (log x)^q (log log x)^r`` (:func:`power_order`). Log factors do not change it: for
  ``d^2 log(1/epsilon) / epsilon^2`` it is exactly ``-2`` as ``epsilon -> 0``. This is the
  figure a theorem's ``O~(.)`` statement predicts, and the one a claim's ``predicted``
  should be.
* :meth:`Bound.local_exponent` -- ``e_x`` evaluated at a point (finite range). With log
  factors it differs from the asymptotic value, e.g. ``-2 - 1/log(1/epsilon)`` above.
* :meth:`Bound.range_exponent` -- the least-squares slope of ``log B`` on ``log x`` over the
  exact ``x`` values of a sweep: what :func:`bounds.fit_rate` would measure on noise-free
  data that followed the bound. Use it to reason a claim's tolerance: the gap between the
  range exponent and the asymptotic exponent is the slope shift the log factors cause over
  the swept range, and a tolerance smaller than that gap tests the logs, not the rate.

Some bounds are implicit: the sample complexity of a reward-free algorithm is the smallest
``K`` with ``K >= m(epsilon, ...; K)``, the right-hand side depending on ``K`` through log
factors only. :meth:`Bound.fixed_point` solves ``K = m(K)`` numerically, and the exponents
take ``implicit=K`` (local: the implicit-function theorem; the asymptotic exponent: pass
``along={K: leading-order path}``, e.g. ``{K: d**2 / epsilon**2}``, since log factors of
``K`` change only the log factors of the result).

References for the exponent algebra: Hardy-field / regular-variation calculus (Bingham,
Goldie & Teugels, *Regular Variation*, 1987, Sec. 1.5): the index of a product is the sum of
the indices, of a sum of positive terms the largest, of ``log`` of a regularly varying
function zero.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import sympy as sp

from mdps._validation import check_int, check_real, fail

__all__ = [
    "Bound",
    "KINDS",
    "PROVENANCES",
    "power_order",
    "d",
    "epsilon",
    "H",
    "K",
    "n",
    "N",
    "T",
    "delta",
    "gamma",
    "S",
    "A",
    "beta",
    "B",
    "symbols",
]

#: Where a bound's formula comes from (the same vocabulary as ``theory._claim.PROVENANCES``):
#: ``paper`` checked against the paper's text; ``reconstructed`` our statement of the
#: paper's result from a secondary source; ``derived`` our own corollary or constant.
PROVENANCES = ("paper", "reconstructed", "derived")
#: ``upper`` (a guarantee: at most this), ``lower`` (a necessity: at least this), ``other``.
KINDS = ("upper", "lower", "other")

# The declared symbols. All positive, so SymPy simplifies log(x*y) = log(x) + log(y) etc.
d = sp.Symbol("d", positive=True)  #: feature dimension
epsilon = sp.Symbol("epsilon", positive=True)  #: accuracy
H = sp.Symbol("H", positive=True)  #: horizon
K = sp.Symbol("K", positive=True)  #: episodes
n = sp.Symbol("n", positive=True)  #: samples
N = sp.Symbol("N", positive=True)  #: offline samples
T = sp.Symbol("T", positive=True)  #: online rounds / iterations
delta = sp.Symbol("delta", positive=True)  #: failure probability
gamma = sp.Symbol("gamma", positive=True)  #: discount factor
S = sp.Symbol("S", positive=True)  #: number of states
A = sp.Symbol("A", positive=True)  #: number of actions
beta = sp.Symbol("beta", positive=True)  #: temperature / radius
B = sp.Symbol("B", positive=True)  #: parameter-norm bound

#: name -> Symbol, for building expressions from strings and for validation messages.
symbols: Mapping[str, sp.Symbol] = {
    s.name: s for s in (d, epsilon, H, K, n, N, T, delta, gamma, S, A, beta, B)
}

_ZERO_ORDER = (sp.Integer(0), sp.Integer(0), sp.Integer(0))


# ---------------------------------------------------------------------------------------
# Leading-order analysis (asymptotic exponents)
# ---------------------------------------------------------------------------------------


class _Zero:
    """Marker: the expression is identically zero for all large ``x``."""


_ZERO = _Zero()
_REL_TOL = 1e-9  # coefficients this small relative to the terms summed count as cancelled

#: Generic reference values of the symbols held fixed while one symbol moves (three sets,
#: inside each symbol's usual domain: probabilities < 1, dimensions > 1, ...). The exponent
#: is computed at each set; if they disagree the exponent depends on the fixed values and
#: ``power_order`` raises. Symbols not listed take (3, 7, 1.7).
_REFERENCE = {
    "d": (5.0, 8.0, 3.0),
    "epsilon": (0.1, 0.05, 0.3),
    "H": (16.0, 7.0, 50.0),
    "K": (1000.0, 5000.0, 300.0),
    "n": (1000.0, 300.0, 5000.0),
    "N": (1000.0, 300.0, 5000.0),
    "T": (1000.0, 300.0, 5000.0),
    "delta": (0.05, 0.01, 0.2),
    "gamma": (0.9, 0.5, 0.99),
    "S": (5.0, 3.0, 10.0),
    "A": (3.0, 2.0, 6.0),
    "beta": (1.0, 0.5, 2.0),
    "B": (2.0, 1.5, 4.0),
}


class _Ctx:
    """One leading-order analysis: the moving symbol, the direction, the fixed values."""

    __slots__ = ("x", "inverse", "ref", "memo")

    def __init__(self, x: sp.Symbol, inverse: bool, ref: dict):
        self.x, self.inverse, self.ref, self.memo = x, inverse, ref, {}


_NUMERIC = {
    sp.Add: math.fsum,
    sp.Mul: math.prod,
    sp.Max: max,
    sp.Min: min,
}


def _num(e: sp.Expr, ref: dict) -> float:
    """Float value of an expression free of the moving symbol, the others at ``ref``.

    A small evaluator over the supported constructs: cheaper than ``subs``/``evalf``, which
    rebuild every ``Max`` (SymPy re-derives its arguments' order relations)."""
    if e.is_Number or e.is_NumberSymbol:
        return float(e)
    if e.is_Symbol:
        return float(ref[e])
    head = type(e)
    if head in _NUMERIC:
        return _NUMERIC[head]([_num(a, ref) for a in e.args])
    if head is sp.Pow:
        b, k = (_num(a, ref) for a in e.args)
        if b < 0 and not float(k).is_integer():
            raise ValueError("fractional power of a negative number")
        return b**k
    if head is sp.log:
        return math.log(_num(e.args[0], ref))
    if head is sp.exp:
        return math.exp(_num(e.args[0], ref))
    return float(e.evalf(subs=ref))


def _const(e: sp.Expr, ref: dict) -> float:
    try:
        c = _num(e, ref)
    except (TypeError, ValueError, OverflowError, KeyError):
        raise NotImplementedError(f"{e} is not a real number at the reference values") from None
    if not math.isfinite(c):
        raise NotImplementedError(f"{e} is not finite at the reference values")
    return c


def _leading(e: sp.Expr, ctx: _Ctx):
    """Memoised :func:`_leading_uncached` (bounds repeat subexpressions such as a radius)."""
    memo = ctx.memo
    if e not in memo:
        memo[e] = _leading_uncached(e, ctx)
    return memo[e]


def _leading_uncached(e: sp.Expr, ctx: _Ctx):
    """Leading behaviour of ``e`` as ``t -> oo``, where ``t = x`` (or ``t = 1/x`` when
    ``ctx.inverse``, for ``x -> 0``): ``(order, coeff)`` meaning
    ``e ~ coeff * t^p (log t)^q (log log t)^r`` with ``order = (p, q, r)`` exact numbers and
    ``coeff`` a float (other symbols at ``ctx.ref``); or ``_ZERO``."""
    x = ctx.x
    if not e.has(x):
        c = _const(e, ctx.ref)
        return _ZERO if c == 0.0 else (_ZERO_ORDER, c)
    if e == x:
        return (sp.Integer(-1 if ctx.inverse else 1), sp.Integer(0), sp.Integer(0)), 1.0
    if isinstance(e, sp.Add):
        parts = [p for p in (_leading(t, ctx) for t in e.args) if p is not _ZERO]
        if not parts:
            return _ZERO
        top = max(p[0] for p in parts)
        same = [c for o, c in parts if o == top]
        coeff = math.fsum(same)
        if abs(coeff) <= _REL_TOL * max(abs(c) for c in same):
            raise NotImplementedError(f"leading terms of {e} cancel as {x} grows")
        return top, coeff
    if isinstance(e, sp.Mul):
        order, coeff = list(_ZERO_ORDER), 1.0
        for f in e.args:
            lf = _leading(f, ctx)
            if lf is _ZERO:
                return _ZERO
            order = [a + b for a, b in zip(order, lf[0])]
            coeff *= lf[1]
        return tuple(order), coeff
    if isinstance(e, sp.Pow):
        base, k = e.args
        if k.has(x):
            raise NotImplementedError(f"exponent depending on {x} in {e}")
        k_num = k if k.is_Rational else sp.Float(_const(k, ctx.ref))
        lb = _leading(base, ctx)
        if lb is _ZERO:
            if k_num > 0:
                return _ZERO
            raise NotImplementedError(f"{e}: a negative power of a vanishing term")
        if lb[1] < 0 and not k_num.is_integer:
            raise NotImplementedError(f"{e}: a fractional power of a negative term")
        return tuple(k_num * o for o in lb[0]), lb[1] ** float(k_num)
    if isinstance(e, sp.log):
        la = _leading(e.args[0], ctx)
        if la is _ZERO:
            raise NotImplementedError(f"{e}: logarithm of a vanishing term")
        (p, q, r), c = la
        if c <= 0:
            raise NotImplementedError(f"{e}: logarithm of a negative term")
        if p != 0:
            return (sp.Integer(0), sp.Integer(1), sp.Integer(0)), float(p)
        if q != 0:
            return (sp.Integer(0), sp.Integer(0), sp.Integer(1)), float(q)
        if r != 0:
            raise NotImplementedError(f"{e}: triple logarithm in {x}")
        if abs(c - 1.0) <= _REL_TOL:
            # log(1 + u) ~ u when u -> 0 (the argument tends to exactly 1)
            return _leading(e.args[0] - 1, ctx)
        return _ZERO_ORDER, math.log(c)
    if isinstance(e, sp.exp):
        la = _leading(e.args[0], ctx)
        if la is _ZERO:
            return _ZERO_ORDER, 1.0
        if la[0] == _ZERO_ORDER:
            return _ZERO_ORDER, math.exp(la[1])
        if la[0] < _ZERO_ORDER:  # the argument vanishes: exp -> 1
            return _ZERO_ORDER, 1.0
        raise NotImplementedError(f"{e}: exponential of a growing term")
    if isinstance(e, (sp.Max, sp.Min)):
        return _leading_extremum(e, ctx)
    raise NotImplementedError(f"{type(e).__name__} ({e}) is not supported by the leading-order analysis")


def _leading_extremum(e, ctx):
    """Max/Min of terms: compare their eventual signs, then their orders."""
    is_max = isinstance(e, sp.Max)
    cands = []  # (sign, order, coeff)
    for a in e.args:
        la = _leading(a, ctx)
        if la is _ZERO:
            cands.append((0, None, 0.0))
        else:
            cands.append((1 if la[1] > 0 else -1, la[0], la[1]))
    pick = max if is_max else min
    want = 1 if is_max else -1
    pool = [c for c in cands if c[0] == want]
    if pool:  # the largest magnitude among those of the wanted sign
        top = max(c[1] for c in pool)
        return top, pick(c[2] for c in pool if c[1] == top)
    if any(c[0] == 0 for c in cands):
        return _ZERO
    low = min(c[1] for c in cands)  # all of the other sign: the smallest magnitude
    return low, pick(c[2] for c in cands if c[1] == low)


def _references(expr: sp.Expr, x: sp.Symbol, at: Mapping[str, Any] | None) -> list[dict]:
    others = sorted((s for s in expr.free_symbols if s != x), key=lambda s: s.name)
    if at is not None:
        missing = [s.name for s in others if s.name not in at]
        if missing:
            fail("at", f"a value for every other symbol {[s.name for s in others]}", f"no value for {missing[0]!r}")
        return [{s: check_real(s.name, at[s.name], low=0, low_open=True) for s in others}]
    return [{s: _REFERENCE.get(s.name, (3.0, 7.0, 1.7))[i] for s in others} for i in range(3)]


def power_order(expr: sp.Expr, x: sp.Symbol, towards: Any = sp.oo, at: Mapping[str, Any] | None = None) -> sp.Expr:
    """The asymptotic log-log slope ``lim x B'(x) / B(x)`` of ``expr`` as ``x -> towards``.

    Computed from the leading term ``c x^p (log x)^q (log log x)^r`` (log factors do not
    change the limit, which is ``p``) by structural recursion over ``+ * ** log exp Max
    Min``; the exponent algebra is exact (SymPy rationals). The other symbols are held at
    ``at`` (values by name) or, by default, at three generic reference sets; coefficients
    are evaluated there only to decide signs (inside ``Max``/``Min``) and cancellations. If
    the three sets give different exponents, or leading terms cancel, or a construct is
    not supported, it raises ``NotImplementedError``. ``towards`` is ``0`` or ``oo``.
    """
    towards = _parse_towards(towards)
    expr = sp.sympify(expr)
    results = set()
    for ref in _references(expr, x, at):
        # towards 0: analyse in t = 1/x (the base case x returns t^-1); d log B / d log x
        # = -d log B / d log t
        inverse = towards == 0
        lead, sign = _leading(expr, _Ctx(x, inverse, ref)), (-1 if inverse else 1)
        if lead is _ZERO:
            raise NotImplementedError(f"{expr} vanishes identically as {x} -> {towards}")
        results.add(sign * lead[0][0])
    if len(results) > 1:
        raise NotImplementedError(
            f"the exponent of {x} depends on the values of the other symbols: {sorted(results, key=float)}")
    (p,) = results
    return sp.nsimplify(p) if isinstance(p, sp.Float) else p


def _parse_towards(towards: Any):
    if isinstance(towards, str):
        towards = {"0": 0, "oo": sp.oo, "inf": sp.oo, "infinity": sp.oo}.get(towards.strip(), towards)
    if towards is sp.oo or (isinstance(towards, float) and towards == math.inf):
        return sp.oo
    if isinstance(towards, numbers.Number) and not isinstance(towards, bool) and towards == 0:
        return 0
    if isinstance(towards, sp.Basic) and towards.is_zero:
        return 0
    fail("towards", "0 or oo (the regime of the limit)", repr(towards))


# ---------------------------------------------------------------------------------------
# Bound
# ---------------------------------------------------------------------------------------


def _symbol_key(expr: sp.Expr, sym: Any, what: str = "symbol") -> sp.Symbol:
    """Accept a Symbol or its name; it must be a free symbol of ``expr``."""
    names = {s.name: s for s in expr.free_symbols}
    if isinstance(sym, sp.Symbol):
        found = names.get(sym.name)
    elif isinstance(sym, str):
        found = names.get(sym)
    else:
        fail(what, "a sympy Symbol or its name", repr(sym), TypeError)
    if found is None:
        fail(what, f"one of the bound's symbols {sorted(names)}", repr(getattr(sym, "name", sym)))
    return found


@dataclass(frozen=True)
class Bound:
    """One theorem's bound: a SymPy expression over positive symbols, and where it comes from.

    ``paper``, ``theorem`` and ``provenance`` are plain strings (``bounds`` sits below
    ``theory`` and must not import it). ``provenance`` is one of :data:`PROVENANCES`;
    ``kind`` one of :data:`KINDS`. ``notes`` says what was assumed (constants, conventions).

    ``evaluate(**values)`` (also ``bound(**values)``) takes one positive value or array per
    free symbol, by name, and broadcasts them; the lambdified function is built once per
    instance and cached.
    """

    name: str
    expr: sp.Expr
    paper: str = ""
    theorem: str = ""
    provenance: str = "paper"
    kind: str = "upper"
    notes: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            fail("name", "a non-empty string", repr(self.name))
        try:
            expr = sp.sympify(self.expr, locals=dict(symbols))
        except (sp.SympifyError, TypeError, SyntaxError):
            fail("expr", "a SymPy expression", repr(self.expr), TypeError)
        if not isinstance(expr, sp.Expr):
            fail("expr", "a SymPy expression", repr(self.expr), TypeError)
        bad = sorted(s.name for s in expr.free_symbols if not s.is_positive)
        if bad:
            fail("expr", "free symbols declared positive (use bounds.symbols)", f"non-positive symbols {bad}")
        object.__setattr__(self, "expr", expr)
        if self.provenance not in PROVENANCES:
            fail("provenance", f"one of {PROVENANCES}", repr(self.provenance))
        if self.kind not in KINDS:
            fail("kind", f"one of {KINDS}", repr(self.kind))
        for attr in ("paper", "theorem", "notes"):
            if not isinstance(getattr(self, attr), str):
                fail(attr, "a string", repr(getattr(self, attr)), TypeError)

    # -- pickling: drop the lambdified caches (functions built by exec do not pickle) --------
    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_cache")}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def _cache(self) -> dict:
        c = self.__dict__.get("_cache_fns")
        if c is None:
            c = {}
            self.__dict__["_cache_fns"] = c  # frozen dataclass: bypass __setattr__ on purpose
        return c

    # -- basic views -------------------------------------------------------------------
    @property
    def variables(self) -> tuple[str, ...]:
        """Names of the free symbols, sorted."""
        return tuple(sorted(s.name for s in self.expr.free_symbols))

    def latex(self) -> str:
        return sp.latex(self.expr)

    def __str__(self) -> str:
        return f"{self.name}: {self.expr}"

    def subs(self, substitutions: Mapping[Any, Any], name: str | None = None, **changes) -> "Bound":
        """A new Bound with symbols replaced (e.g. ``{epsilon: epsilon / H}``)."""
        expr = self.expr.subs({(symbols[k] if isinstance(k, str) else k): v for k, v in substitutions.items()})
        fields = dict(name=name or self.name, expr=expr, paper=self.paper, theorem=self.theorem,
                      provenance=self.provenance, kind=self.kind, notes=self.notes)
        fields.update(changes)
        return Bound(**fields)

    # -- evaluation --------------------------------------------------------------------
    def _function(self, expr: sp.Expr, key: Any, args: tuple[sp.Symbol, ...]):
        cache = self._cache()
        fn = cache.get(key)
        if fn is None:
            fn = sp.lambdify(args, expr, modules="numpy", dummify=True)
            cache[key] = fn
        return fn

    def _arguments(self, values: Mapping[str, Any], needed: tuple[sp.Symbol, ...], what: str):
        given = set(values)
        names = [s.name for s in needed]
        missing = [nm for nm in names if nm not in given]
        if missing:
            fail(what, f"a value for every symbol of {self.name} {names}", f"no value for {missing[0]!r}")
        # declared symbols the bound does not depend on are ignored (one point can be passed
        # to several bounds); any other name is a typo
        extra = sorted(given - set(names) - set(symbols))
        if extra:
            fail(what, f"values only for the symbols of {self.name} {names}", f"unknown name {extra[0]!r}")
        arrays = []
        for nm in names:
            try:
                arr = np.asarray(values[nm], dtype=np.float64)
            except (TypeError, ValueError):
                fail(nm, "a positive real number or array", repr(values[nm]), TypeError)
            if not np.all(np.isfinite(arr)) or not np.all(arr > 0):
                bad = arr[~(np.isfinite(arr) & (arr > 0))] if arr.ndim else arr
                fail(nm, "positive finite values", f"{float(np.ravel(bad)[0])!r}")
            arrays.append(arr)
        scalar = all(a.ndim == 0 for a in arrays)
        arrays = np.broadcast_arrays(*arrays) if arrays else []
        return [np.array(a, dtype=np.float64) for a in arrays], scalar

    def _ordered_symbols(self, expr: sp.Expr) -> tuple[sp.Symbol, ...]:
        return tuple(sorted(expr.free_symbols, key=lambda s: s.name))

    def _eval_expr(self, expr: sp.Expr, key: Any, values: Mapping[str, Any], what: str = "values",
                   over: sp.Expr | None = None):
        """Evaluate ``expr`` taking one value per free symbol of ``over`` (default ``expr``):
        a log-derivative may lose symbols (``d log d^2 / d log d = 2``) yet takes the same
        point as the bound."""
        args = self._ordered_symbols(expr if over is None else over)
        arrays, scalar = self._arguments(values, args, what)
        fn = self._function(expr, key, args)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*arrays), dtype=np.float64)
        if arrays:
            out = np.broadcast_to(out, arrays[0].shape).copy() if out.shape != arrays[0].shape else out
        return float(out) if scalar else out

    def evaluate(self, **values: Any):
        """``B`` at the given values (one positive scalar or array per free symbol, by name).

        Returns a float when every value is a scalar, else a broadcast array. Values outside
        the theorem's domain (e.g. ``delta >= 1``) are not rejected; the result may be NaN.
        Values for declared symbols the bound does not contain are ignored (so one point
        serves several bounds); any other name is an error.
        """
        return self._eval_expr(self.expr, "expr", values)

    __call__ = evaluate

    # -- exponents ---------------------------------------------------------------------
    def _absent(self, symbol: Any) -> bool:
        """True for a declared symbol (or its name) that does not occur in the bound: the
        bound is constant in it, every exponent is 0."""
        name = symbol.name if isinstance(symbol, sp.Symbol) else symbol
        if not isinstance(name, str):
            fail("symbol", "a sympy Symbol or its name", repr(symbol), TypeError)
        known = name in symbols or isinstance(symbol, sp.Symbol)
        return known and name not in {s.name for s in self.expr.free_symbols}

    def _path_expr(self, along: Mapping[Any, Any] | None) -> sp.Expr:
        if not along:
            return self.expr
        subs = {}
        for k, v in along.items():
            subs[_symbol_key(self.expr, k, "along")] = sp.sympify(v, locals=dict(symbols))
        key = ("path", tuple(sorted((str(k), str(v)) for k, v in subs.items())))
        cache = self._cache()
        if key not in cache:
            cache[key] = self.expr.subs(subs)
        return cache[key]

    def exponent(self, symbol: Any, towards: Any = sp.oo, along: Mapping[Any, Any] | None = None,
                 at: Mapping[str, Any] | None = None) -> sp.Expr:
        """Asymptotic log-log slope ``lim x dB/dx / B`` as ``x -> towards`` (``0`` or ``oo``),
        the other symbols fixed (at ``at``, or at generic reference values, see
        :func:`power_order`), or moving along the path ``along`` (a substitution such as
        ``{K: d**2 / epsilon**2}`` applied first). A SymPy number (exact: ``-2``, ``1/2``).
        Cached per arguments."""
        if self._absent(symbol):
            return sp.Integer(0)
        x = _symbol_key(self.expr, symbol)
        key = ("exponent", x.name, str(_parse_towards(towards)),
               tuple(sorted((str(k), str(v)) for k, v in (along or {}).items())),
               tuple(sorted((k, float(v)) for k, v in (at or {}).items())))
        cache = self._cache()
        if key not in cache:
            cache[key] = power_order(self._path_expr(along), x, towards, at)
        return cache[key]

    def log_derivative(self, symbol: Any, along: Mapping[Any, Any] | None = None) -> sp.Expr:
        """The symbolic ``x dB/dx / B`` (the local exponent as an expression)."""
        x = _symbol_key(self.expr, symbol)
        e = self._path_expr(along)
        return x * sp.diff(e, x) / e

    def local_exponent(self, symbol: Any, at: Mapping[str, Any], *, implicit: Any = None,
                       along: Mapping[Any, Any] | None = None):
        """``x dB/dx / B`` at the point ``at`` (values by name, vectorised like evaluate).

        With ``implicit=K`` the bound is read as the fixed point ``K* = B(K*)`` (``at`` gives
        no value for ``K``): the slope of ``K*`` in ``x`` by the implicit-function theorem,
        ``e_x / (1 - e_K)`` evaluated at ``K = K*``.
        """
        if self._absent(symbol):
            shape = np.broadcast_shapes(*(np.shape(v) for v in at.values())) if at else ()
            return 0.0 if shape == () else np.zeros(shape)
        x = _symbol_key(self.expr, symbol)
        if implicit is None:
            e = self.log_derivative(x, along)
            key = ("logderiv", x.name, tuple(sorted((str(k), str(v)) for k, v in (along or {}).items())))
            return self._eval_expr(e, key, at, "at", over=self._path_expr(along))
        if along:
            fail("along", "no path when implicit is given", repr(along))
        k = _symbol_key(self.expr, implicit, "implicit")
        if k == x:
            fail("symbol", f"a symbol other than the implicit one {k.name!r}", repr(k.name))
        kstar = self.fixed_point(k, **at)
        point = dict(at)
        point[k.name] = kstar
        ex = self._eval_expr(self.log_derivative(x), ("logderiv", x.name, ()), point, "at", over=self.expr)
        ek = self._eval_expr(self.log_derivative(k), ("logderiv", k.name, ()), point, "at", over=self.expr)
        return ex / (1.0 - ek)

    def range_exponent(self, symbol: Any, values: Any, at: Mapping[str, Any], *, implicit: Any = None) -> float:
        """Least-squares slope of ``log B`` on ``log x`` over the points ``values`` of ``x``,
        the other symbols at ``at`` (scalars): the slope ``fit_rate`` would measure on
        noise-free data following this bound over that grid. ``implicit`` as in
        :meth:`local_exponent` (the fixed point is solved at every grid value)."""
        if self._absent(symbol):
            return 0.0
        x = _symbol_key(self.expr, symbol)
        xs = np.asarray(values, dtype=np.float64).ravel()
        if xs.size < 2 or np.unique(xs).size < 2:
            fail("values", "at least 2 distinct values", repr(values))
        point = {k: v for k, v in at.items() if k != x.name}
        point[x.name] = xs
        if implicit is None:
            ys = self.evaluate(**point)
        else:
            ys = self.fixed_point(implicit, **point)
        u, v = np.log(xs), np.log(ys)
        u0 = u - u.mean()
        return float(np.dot(u0, v - v.mean()) / np.dot(u0, u0))

    # -- implicit bounds ---------------------------------------------------------------
    def fixed_point(self, symbol: Any, *, start: float = 1e3, rtol: float = 1e-12,
                    max_iter: int = 1000, **values: Any):
        """Solve ``x = B(x, ...)`` for ``x`` (the symbol named by ``symbol``) by iterating
        ``x <- B(x)`` from ``start``; vectorised over ``values``.

        Converges when ``|x B'(x) / B(x)| < 1`` near the solution (a contraction in log
        space), which holds when ``B`` depends on ``x`` through log factors only. Raises
        ``ValueError`` if the iteration has not converged within ``max_iter`` steps or leaves
        the positive reals.
        """
        x = _symbol_key(self.expr, symbol, "symbol")
        check_real("start", start, low=0, low_open=True)
        check_real("rtol", rtol, low=0, low_open=True)
        check_int("max_iter", max_iter, minimum=1)
        if x.name in values:
            fail("values", f"no value for the unknown {x.name!r}", f"{x.name}={values[x.name]!r}")
        # validate the others once, then iterate
        others = self._ordered_symbols(self.expr)
        others = tuple(s for s in others if s != x)
        arrays, scalar = self._arguments(values, others, "values")
        shape = arrays[0].shape if arrays else ()
        cur = np.full(shape, float(start))
        point = {s.name: a for s, a in zip(others, arrays)}
        for _ in range(max_iter):
            point[x.name] = cur
            nxt = np.asarray(self._eval_expr(self.expr, "expr", point), dtype=np.float64)
            if not np.all(np.isfinite(nxt) & (nxt > 0)):
                fail(f"fixed_point({x.name})", "the iteration to stay positive and finite",
                     f"{float(np.ravel(nxt)[~np.ravel(np.isfinite(nxt) & (nxt > 0))][0])!r}")
            done = np.all(np.abs(nxt - cur) <= rtol * np.abs(nxt))
            cur = nxt
            if done:
                return float(cur) if scalar else cur
        fail(f"fixed_point({x.name})", f"convergence within max_iter={max_iter} iterations",
             "no convergence (the bound may grow too fast in the unknown)")
