"""The claim contract: frozen data plus pure functions (see ARCHITECTURE.md).

A :class:`Claim` says what a theorem asserts and how to test it: a grid of cells per scale,
``run(params, rng) -> dict[str, float]`` for one cell, ``analyse(table) -> Verdict`` on the
tidy table of all cells, and ``plot(table, ax=None) -> Axes``. The engine (sweeps, store,
executors, CLI, report) treats every claim the same way.
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from mdps._validation import check_int, fail

__all__ = ["Status", "Verdict", "Paper", "Grid", "Control", "Claim", "SCALES", "PROVENANCES",
           "KINDS", "EXPECTATIONS", "RESERVED_COLUMNS", "combine", "control_claim"]

SCALES = ("smoke", "quick", "full")
#: Columns of the tidy table that are not parameters or metrics; no parameter may use them.
RESERVED_COLUMNS = ("claim", "version", "replicate", "seconds")
PROVENANCES = ("paper", "reconstructed", "derived")
#: What a claim asserts: a rate (a slope or exponent), a bound (an inequality with a
#: constant), or an identity (an exact equality, e.g. LP value = closed form). Rate and bound
#: claims must declare at least one negative control (tests/theory/test_registry.py).
KINDS = ("rate", "bound", "identity")
#: What a control's table must get under the claim's own ``analyse``.
EXPECTATIONS = ("fail", "not_pass")


class Status(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"
    #: Set by the engine (``theory._verify``) when ``analyse`` or the sweep raised: a bug in
    #: the claim, not an outcome of the data. No decision rule below ever returns it.
    ERROR = "ERROR"
    #: Set by the engine when one of the claim's negative controls PASSes the claim's own
    #: test: the test does not tell the theorem from its baseline, so it verifies nothing.
    UNDISCRIMINATING = "UNDISCRIMINATING"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``analyse``: what was measured, against what, and why this status.

    ``measured`` is the figure computed from the data with its confidence ``interval``
    ``(low, high)``; ``predicted`` is the theorem's figure and ``tolerance`` how far from it
    still counts as agreement (reasoned in the claim's docs). ``quantity`` names the figure,
    e.g. ``"log-log slope of regret in K"``.
    """

    status: Status
    quantity: str
    measured: float
    interval: tuple[float, float]
    predicted: float
    tolerance: float
    reason: str
    details: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "status", Status(self.status))
        lo, hi = (float(v) for v in self.interval)
        if lo > hi:
            fail("interval", "(low, high) with low <= high", (lo, hi))
        if float(self.tolerance) < 0:
            fail("tolerance", "a non-negative number", self.tolerance)
        object.__setattr__(self, "interval", (lo, hi))
        object.__setattr__(self, "measured", float(self.measured))
        object.__setattr__(self, "predicted", float(self.predicted))
        object.__setattr__(self, "tolerance", float(self.tolerance))
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    @classmethod
    def from_interval(
        cls,
        quantity: str,
        measured: float,
        interval: tuple[float, float],
        predicted: float,
        tolerance: float,
        reason: str = "",
        details: Mapping[str, float] | None = None,
    ) -> "Verdict":
        """The standard two-sided decision rule for "measured equals predicted within tolerance".

        PASS when the whole interval lies inside ``[predicted - tol, predicted + tol]``;
        FAIL when the interval lies entirely outside it; INCONCLUSIVE otherwise (the data
        cannot decide, e.g. too few replicates make the interval wider than the band).
        """
        lo, hi = interval
        band_lo, band_hi = predicted - tolerance, predicted + tolerance
        if not (math.isfinite(lo) and math.isfinite(hi)):
            status, why = Status.INCONCLUSIVE, "the confidence interval is not finite"
        elif band_lo <= lo and hi <= band_hi:
            status, why = Status.PASS, "the interval lies within the tolerance band"
        elif hi < band_lo or lo > band_hi:
            status, why = Status.FAIL, "the interval lies outside the tolerance band"
        else:
            status, why = Status.INCONCLUSIVE, "the interval straddles the tolerance band"
        text = f"{why}: {quantity} {measured:.4g} in [{lo:.4g}, {hi:.4g}] vs predicted {predicted:.4g} ± {tolerance:.3g}"
        if reason:
            text = f"{text}. {reason}"
        return cls(status, quantity, measured, (lo, hi), predicted, tolerance, text, details or {})

    @classmethod
    def at_most(
        cls,
        quantity: str,
        measured: float,
        interval: tuple[float, float],
        bound: float,
        reason: str = "",
        details: Mapping[str, float] | None = None,
    ) -> "Verdict":
        """One-sided rule for "measured <= bound": PASS if the upper end of the interval is
        at most ``bound``, FAIL if the lower end exceeds it, INCONCLUSIVE otherwise."""
        lo, hi = interval
        if not (math.isfinite(lo) and math.isfinite(hi)):
            status, why = Status.INCONCLUSIVE, "the confidence interval is not finite"
        elif hi <= bound:
            status, why = Status.PASS, "the whole interval is below the bound"
        elif lo > bound:
            status, why = Status.FAIL, "the whole interval is above the bound"
        else:
            status, why = Status.INCONCLUSIVE, "the interval contains the bound"
        text = f"{why}: {quantity} {measured:.4g} in [{lo:.4g}, {hi:.4g}] vs bound {bound:.4g}"
        if reason:
            text = f"{text}. {reason}"
        return cls(status, quantity, measured, (lo, hi), bound, 0.0, text, details or {})


    @classmethod
    def at_least(
        cls,
        quantity: str,
        measured: float,
        interval: tuple[float, float],
        bound: float,
        reason: str = "",
        details: Mapping[str, float] | None = None,
    ) -> "Verdict":
        """One-sided rule for "measured >= bound": PASS if the lower end of the interval is
        at least ``bound``, FAIL if the upper end is below it, INCONCLUSIVE otherwise."""
        lo, hi = interval
        if not (math.isfinite(lo) and math.isfinite(hi)):
            status, why = Status.INCONCLUSIVE, "the confidence interval is not finite"
        elif lo >= bound:
            status, why = Status.PASS, "the whole interval is above the bound"
        elif hi < bound:
            status, why = Status.FAIL, "the whole interval is below the bound"
        else:
            status, why = Status.INCONCLUSIVE, "the interval contains the bound"
        text = f"{why}: {quantity} {measured:.4g} in [{lo:.4g}, {hi:.4g}] vs bound {bound:.4g}"
        if reason:
            text = f"{text}. {reason}"
        return cls(status, quantity, measured, (lo, hi), bound, 0.0, text, details or {})

    @classmethod
    def inconclusive(cls, reason: str, quantity: str = "",
                     details: Mapping[str, float] | None = None) -> "Verdict":
        """INCONCLUSIVE with nothing measured (too few cells, a required column missing, ...)."""
        nan = math.nan
        return cls(Status.INCONCLUSIVE, quantity, nan, (nan, nan), nan, nan, reason, details or {})


#: Severity order used by :func:`combine`: the worst status wins.
_SEVERITY = {Status.PASS: 0, Status.INCONCLUSIVE: 1, Status.UNDISCRIMINATING: 2,
             Status.FAIL: 3, Status.ERROR: 4}


def combine(verdicts: Sequence[Verdict], quantity: str, reason: str = "") -> Verdict:
    """One verdict from several parts of a claim: the worst status wins (ERROR > FAIL >
    UNDISCRIMINATING > INCONCLUSIVE > PASS).

    The measured figure, interval, prediction and tolerance are those of the first part with
    the worst status; each part's reason is kept, numbered, in the combined reason, and each
    part's details are kept under ``"<i>.<key>"``. An empty list is INCONCLUSIVE.
    """
    verdicts = list(verdicts)
    if not verdicts:
        return Verdict.inconclusive(f"nothing to combine. {reason}".strip(), quantity)
    worst = max(verdicts, key=lambda v: _SEVERITY[v.status])
    parts = "; ".join(f"({i + 1}) {v.status.value}: {v.reason}" for i, v in enumerate(verdicts))
    details = {f"{i + 1}.{k}": float(x) for i, v in enumerate(verdicts) for k, x in v.details.items()}
    text = f"{reason} {parts}".strip() if reason else parts
    return Verdict(worst.status, quantity, worst.measured, worst.interval, worst.predicted,
                   worst.tolerance, text, details)


@dataclass(frozen=True)
class Paper:
    title: str
    authors: str
    venue: str
    arxiv: str

    def cite(self) -> str:
        return f"{self.authors}, \"{self.title}\", {self.venue} (arXiv {self.arxiv})"


@dataclass(frozen=True)
class Grid:
    """The cells of one scale: the Cartesian product of ``params`` times ``replicates``.

    ``params`` maps a parameter name to the tuple of values swept (a single value for a
    fixed parameter). Values must be str, int, float or bool so that a cell's key is stable.
    """

    params: Mapping[str, Sequence[Any]]
    replicates: int

    def __post_init__(self):
        check_int("replicates", self.replicates, minimum=1)
        frozen = {}
        for name, values in dict(self.params).items():
            if not isinstance(name, str) or not name.isidentifier() or name in RESERVED_COLUMNS:
                fail("params", f"parameter names that are identifiers other than {RESERVED_COLUMNS}",
                     repr(name))
            if isinstance(values, np.ndarray):
                values = values.ravel().tolist()
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                values = (values,)
            values = tuple(values)
            if not values:
                fail(f"params[{name!r}]", "at least one value", "an empty sequence")
            for v in values:
                if not isinstance(v, (str, int, float, bool, np.integer, np.floating, np.bool_)):
                    fail(f"params[{name!r}]", "str, int, float or bool values", repr(v), TypeError)
                if isinstance(v, (float, np.floating)) and not math.isfinite(v):
                    fail(f"params[{name!r}]", "finite values", repr(v))
            frozen[name] = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
        object.__setattr__(self, "params", MappingProxyType(frozen))

    def points(self) -> list[dict[str, Any]]:
        """Every parameter combination, in a fixed order."""
        names = list(self.params)
        return [dict(zip(names, combo)) for combo in itertools.product(*self.params.values())]

    def __len__(self) -> int:
        return len(self.points()) * self.replicates

    def with_overrides(self, overrides: Mapping[str, Sequence[Any]] | None = None,
                       replicates: int | None = None) -> "Grid":
        params = dict(self.params)
        for k, v in (overrides or {}).items():
            params[k] = v
        return Grid(params, self.replicates if replicates is None else replicates)


@dataclass(frozen=True)
class Control:
    """A negative control of a claim: a variant its own ``analyse`` must not PASS.

    A control is the claim's grid with ``overrides`` applied at every scale (the same ``run``,
    the same claim id in the store): a baseline algorithm (``{"method": ("uniform",)}``) or
    an instance that violates an assumption of the theorem. If the claim's test also PASSes
    on the control, the test does not tell the theorem from the baseline and the engine
    reports the claim as ``UNDISCRIMINATING``. ``expect`` is what the control should get:
    ``"fail"`` (the test refutes it) or ``"not_pass"`` (FAIL or INCONCLUSIVE).
    """

    name: str
    description: str
    overrides: Mapping[str, Sequence[Any]]
    expect: str = "not_pass"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            fail("name", "an identifier", repr(self.name))
        if self.expect not in EXPECTATIONS:
            fail("expect", f"one of {EXPECTATIONS}", repr(self.expect))
        if not dict(self.overrides):
            fail("overrides", "at least one parameter", "an empty mapping")
        # normalise the values exactly as a Grid does (tuples of str/int/float/bool)
        normal = Grid(dict(self.overrides), 1).params
        object.__setattr__(self, "overrides", normal)

    def grid(self, grid: Grid) -> Grid:
        """The control's grid at one scale: ``grid`` with the overrides applied."""
        return grid.with_overrides(self.overrides)


@dataclass(frozen=True)
class Claim:
    """One checkable statement of one paper (the contract of ARCHITECTURE.md).

    ``run`` must be a module-level function (so it travels to worker processes) and pure
    given its ``rng``. ``analyse`` and ``plot`` compute from the tidy table only.
    """

    id: str
    paper: Paper
    theorem: str
    statement: str
    provenance: str
    grids: Mapping[str, Grid]
    run: Callable[[Mapping[str, Any], np.random.Generator], Mapping[str, float]]
    analyse: Callable[[Any], Verdict]
    plot: Callable[..., Any]
    version: int = 1
    bound: Any = None  # a bounds.Bound, shown by `boundlab show`
    notes: str = ""
    kind: str = "bound"
    controls: Sequence[Control] = ()

    def __post_init__(self):
        if "/" not in self.id or self.id != self.id.strip() or " " in self.id:
            fail("id", "'paper/claim' without spaces", repr(self.id))
        if self.provenance not in PROVENANCES:
            fail("provenance", f"one of {PROVENANCES}", repr(self.provenance))
        check_int("version", self.version, minimum=1)
        missing = [s for s in SCALES if s not in self.grids]
        if missing:
            fail("grids", f"a Grid for every scale {SCALES}", f"missing {missing}")
        for scale, grid in dict(self.grids).items():
            if not isinstance(grid, Grid):
                fail(f"grids[{scale!r}]", "a Grid", type(grid).__name__, TypeError)
        for name in ("run", "analyse", "plot"):
            if not callable(getattr(self, name)):
                fail(name, "a callable", repr(getattr(self, name)), TypeError)
        object.__setattr__(self, "grids", MappingProxyType(dict(self.grids)))
        if self.kind not in KINDS:
            fail("kind", f"one of {KINDS}", repr(self.kind))
        controls = tuple(self.controls)
        names = set()
        for c in controls:
            if not isinstance(c, Control):
                fail("controls", "a sequence of Control", type(c).__name__, TypeError)
            if c.name in names:
                fail("controls", "unique control names", repr(c.name))
            names.add(c.name)
            for scale, grid in self.grids.items():
                unknown = [k for k in c.overrides if k not in grid.params]
                if unknown:
                    fail(f"controls[{c.name!r}].overrides",
                         f"parameters of the {scale!r} grid {sorted(grid.params)}", unknown)
                own = {tuple(p[k] for k in c.overrides) for p in grid.points()}
                theirs = {tuple(p[k] for k in c.overrides) for p in c.grid(grid).points()}
                if own & theirs:
                    fail(f"controls[{c.name!r}].overrides",
                         f"values that differ from the claim's own at scale {scale!r}",
                         sorted(own & theirs))
        object.__setattr__(self, "controls", controls)

    @property
    def paper_key(self) -> str:
        return self.id.split("/", 1)[0]


def control_claim(claim: Claim, control: Control) -> Claim:
    """The claim whose grids are ``control``'s: swept and stored like the claim itself (same
    id and version, so its cells live beside the claim's and are told apart by parameters),
    judged by the same ``analyse``. It has no controls of its own."""
    import dataclasses

    grids = {scale: control.grid(grid) for scale, grid in claim.grids.items()}
    return dataclasses.replace(claim, grids=grids, controls=())
