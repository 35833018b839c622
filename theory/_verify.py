"""Verify claims: sweep what is missing, analyse the stored table, record the verdict.

``verify`` is the suite's main job (``boundlab verify``). For each claim and the chosen
scale it (1) runs the cells of ``claim.grids[scale]`` that the store does not hold yet
(resuming an interrupted run), (2) restricts the claim's stored table to exactly the cells of
that grid (cells stored by other scales or by ``boundlab sweep --set`` do not leak into the
verdict), (3) calls ``claim.analyse`` and (4) saves the verdict in the store.

``replicates`` (``boundlab verify --seeds N``) replaces the grid's replicate count for this
run: more replicate clusters for a claim whose interval is too wide at the registered count.
The registered grid stays the claim's contract; such a verdict is saved under the scale label
``"<scale>+seeds<N>"`` (e.g. ``quick+seeds36``) so that it is never mistaken for the
registered grid's verdict, and the report restricts its figure to the same cells.

Decision rules live in :mod:`theory._claim`. This module adds two engine outcomes:

* an empty table gives INCONCLUSIVE with the reason ``"no cells"`` (nothing to judge), and
  so does a grid with cells missing (possible with ``run=False`` after an unfinished sweep);
* an ``analyse`` (or a cell's ``run``) that raises is a bug in the claim, not an outcome of
  the data: the claim gets an ``ERROR`` row carrying the exception, the CLI prints it loudly
  and exits non-zero. ERROR rows are saved like any verdict, so ``boundlab show`` and
  ``boundlab report`` never present an older PASS as the claim's current state.

Errors of the environment (a store that is not ours or is locked, an unreachable Dask
scheduler) are not claim outcomes: they propagate to the caller.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from mdps._validation import fail

from ._claim import SCALES, Claim, Control, Status, Verdict, control_claim

__all__ = [
    "Outcome",
    "ControlOutcome",
    "apply_controls",
    "verify",
    "verify_outcomes",
    "judge",
    "grid_table",
    "scale_label",
    "resolve_scale",
    "error_verdict",
    "verdict_record",
    "ENVIRONMENT_ERRORS",
]


def _environment_errors() -> tuple[type[BaseException], ...]:
    from ._store import StoreError
    from ._sweep import SchedulerError

    return (OSError, TimeoutError, StoreError, SchedulerError)


#: Exceptions that mean "the environment is wrong", re-raised instead of becoming ERROR rows.
ENVIRONMENT_ERRORS = _environment_errors()


@dataclass(frozen=True)
class Outcome:
    """One claim's result in a verify run: its verdict, the scale, the sweep summary (or
    ``None`` when nothing ran) and, for an ERROR, the formatted traceback."""

    claim: Claim
    verdict: Verdict
    scale: str
    sweep: Any = None
    error: str | None = None
    cells: int = 0
    controls: tuple["ControlOutcome", ...] = ()


@dataclass(frozen=True)
class ControlOutcome:
    """One negative control's verdict under the claim's own ``analyse``. ``ok`` says whether
    it got what the control expects (``"fail"``: FAIL; ``"not_pass"``: anything but PASS)."""

    control: Control
    verdict: Verdict
    cells: int = 0

    @property
    def ok(self) -> bool:
        if self.control.expect == "fail":
            return self.verdict.status is Status.FAIL
        return self.verdict.status not in (Status.PASS, Status.ERROR)

    def summary(self) -> str:
        v = self.verdict
        fig = "" if not math.isfinite(v.measured) else (
            f" {v.measured:.3g} [{v.interval[0]:.3g}, {v.interval[1]:.3g}]")
        return f"{self.control.name}: {v.status.value}{fig}"


def error_verdict(message: str) -> Verdict:
    """The ERROR row of a claim whose ``analyse`` or sweep raised."""
    nan = math.nan
    return Verdict(Status.ERROR, "", nan, (nan, nan), nan, nan, message)


def _canonical(v: Any) -> Any:
    """A hashable, type-insensitive form of a parameter value (3 == 3.0, True == 1)."""
    if hasattr(v, "item"):
        v = v.item()
    return v


def scale_label(scale: str, replicates: int | None = None,
                overrides: Mapping[str, Sequence[Any]] | None = None) -> str:
    """The label a verdict is saved under: ``scale``, with ``+set{...}`` when grid values were
    overridden (``verify --set``; the overrides as sorted JSON) and ``+seeds<N>`` when the
    replicate count was: e.g. ``quick+set{"K_max":[4096]}+seeds32``."""
    label = scale
    if overrides:
        label += "+set" + json.dumps({k: list(v) for k, v in sorted(overrides.items())},
                                     sort_keys=True, separators=(",", ":"))
    return label if replicates is None else f"{label}+seeds{int(replicates)}"


_LABEL = re.compile(r"^(?P<scale>[a-z]+)(?:\+set(?P<set>\{.*\}))?(?:\+seeds(?P<n>[1-9][0-9]*))?$")


def resolve_scale(claim: Claim, label: str | None, replicates: int | None = None,
                  overrides: Mapping[str, Sequence[Any]] | None = None):
    """``(claim', scale)``: the claim whose grid at ``scale`` has the values and replicate
    count that a scale ``label`` (or explicit ``overrides`` / ``replicates``) names, and the
    plain scale name. A label that names no scale of the claim gives ``(claim, None)``."""
    m = _LABEL.match(label or "")
    if m is None or m["scale"] not in claim.grids:
        return claim, None
    scale = m["scale"]
    n = replicates if replicates is not None else (int(m["n"]) if m["n"] else None)
    if overrides is None and m["set"]:
        try:
            overrides = {k: tuple(v) for k, v in json.loads(m["set"]).items()}
        except (ValueError, AttributeError, TypeError):
            return claim, None
    if n == claim.grids[scale].replicates:
        n = None
    if n is None and not overrides:
        return claim, scale
    grids = dict(claim.grids)
    grids[scale] = grids[scale].with_overrides(overrides, None if n is None else int(n))
    # controls=() : the variant is a grid to read cells of, its controls are judged separately
    # (and user overrides may coincide with a control's values)
    return dataclasses.replace(claim, grids=grids, controls=()), scale


def grid_table(table, claim: Claim, scale: str):
    """The rows of ``table`` that belong to ``claim.grids[scale]`` (points x replicates).

    Parameters absent from the table (no stored cell uses them) select nothing.
    """
    grid = claim.grids[scale]
    names = list(grid.params)
    if table is None or len(table) == 0:
        return table
    if any(n not in table.columns for n in names):
        return table.iloc[0:0]
    points = {tuple(_canonical(p[n]) for n in names) for p in grid.points()}
    keys = zip(*(table[n].tolist() for n in names)) if names else (() for _ in range(len(table)))
    in_grid = [tuple(_canonical(v) for v in key) in points for key in keys]
    mask = [ok and int(r) < grid.replicates for ok, r in zip(in_grid, table["replicate"].tolist())]
    return table.loc[mask].reset_index(drop=True)


def table(claim: Claim | str, store=None, scale: str = "quick", controls: bool = False):
    """The tidy table of ``claim``'s cells at ``scale`` (what its ``analyse`` and ``plot`` see).

    ``claim`` is a :class:`Claim` or a claim id; ``store`` an open :class:`Store`, a path, or
    ``None`` for the default store (``$BOUNDLAB_STORE`` or ``./boundlab-results.sqlite``).
    With ``controls=True`` the rows of every declared control's grid follow, and a column
    ``control`` names the variant (``""`` for the claim's own cells); the plots of claims with
    controls draw such a concatenation side by side. Only stored cells are returned: run
    :func:`verify` (or ``boundlab sweep``) first.
    """
    import pandas as pd

    from ._registry import get_claim
    from ._store import Store, default_store_path

    if isinstance(claim, str):
        claim = get_claim(claim)
    if not isinstance(claim, Claim):
        fail("claim", "a Claim or a claim id", type(claim).__name__, TypeError)
    if scale not in claim.grids:
        fail("scale", f"one of {tuple(claim.grids)}", repr(scale))
    own = isinstance(store, Store)
    st = store if own else Store(default_store_path() if store is None else store)
    try:
        stored = st.table(claim.id, version=claim.version)
    finally:
        if not own:
            st.close()
    parts = [grid_table(stored, claim, scale).assign(control="")]
    if controls:
        for c in claim.controls:
            parts.append(grid_table(stored, control_claim(claim, c), scale).assign(control=c.name))
    return pd.concat(parts, ignore_index=True) if controls else parts[0].drop(columns="control")


def judge(claim: Claim, table) -> tuple[Verdict, str | None]:
    """``claim.analyse(table)`` with the engine's rules for empty tables and raising analyses.

    Returns the verdict and, for an ERROR, the formatted traceback.
    """
    if table is None or len(table) == 0:
        nan = math.nan
        return Verdict(Status.INCONCLUSIVE, "", nan, (nan, nan), nan, nan, "no cells"), None
    try:
        verdict = claim.analyse(table)
    except Exception as exc:  # a bug in the claim: reported as ERROR, never swallowed
        return error_verdict(f"analyse raised {type(exc).__name__}: {exc}"), traceback.format_exc()
    if not isinstance(verdict, Verdict):
        msg = f"analyse returned {type(verdict).__name__}; expected a Verdict"
        return error_verdict(msg), msg
    return verdict, None


def verify_outcomes(
    claims: Iterable[Claim],
    *,
    scale: str = "quick",
    store,
    executor: str = "processes",
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    run: bool = True,
    replicates: int | None = None,
    overrides: Mapping[str, Sequence[Any]] | None = None,
) -> list[Outcome]:
    """Sweep (resuming), analyse and record each claim; one :class:`Outcome` per claim.

    ``store`` is an open :class:`theory._store.Store`. With ``run=False`` nothing is swept:
    the verdicts come from the cells already stored. ``replicates`` overrides the grid's
    replicate count and ``overrides`` (``verify --set``) replace grid values at ``scale``:
    the verdict is then saved under ``scale_label(scale, replicates, overrides)``, never under
    the registered grid's label. Controls run on the overridden grid (their own overrides win).
    """
    if scale not in SCALES:
        raise ValueError(f"scale: expected one of {SCALES}; got {scale!r}")
    if replicates is not None and (isinstance(replicates, bool) or not isinstance(replicates, int)
                                   or replicates < 1):
        raise ValueError(f"replicates: expected an integer >= 1 or None; got {replicates!r}")
    outcomes = []
    ex = None
    if run:
        from ._executors import make_executor

        # one pool (or Dask client) for every claim: it starts on the first submitted batch
        ex = executor if not isinstance(executor, str) else make_executor(
            executor, scheduler=scheduler, workers=workers)
    try:
        for claim in claims:
            outcomes.append(_verify_one(claim, scale, store, ex, progress, replicates, overrides))
    finally:
        if ex is not None and isinstance(executor, str):
            ex.close()
    return outcomes


def _verify_one(claim: Claim, scale: str, store, ex, progress: bool,
                replicates: int | None = None,
                overrides: Mapping[str, Sequence[Any]] | None = None) -> Outcome:
    report = None
    if replicates == claim.grids[scale].replicates:
        replicates = None  # the registered grid itself: its verdict, under the plain label
    overrides = {k: tuple(v) for k, v in (overrides or {}).items()
                 if tuple(v) != tuple(claim.grids[scale].params.get(k, ()))} or None
    label = scale_label(scale, replicates, overrides)
    effective, _ = resolve_scale(claim, scale, replicates, overrides)
    if ex is not None:
        from ._sweep import sweep

        try:
            report = sweep(claim, scale=scale, executor=ex, store=store, progress=progress,
                           replicates=replicates, overrides=overrides)
        except ENVIRONMENT_ERRORS:
            raise
        except Exception as exc:  # a cell's run raised (CellError) or workers died: a bug
            verdict = error_verdict(f"sweep raised {type(exc).__name__}: {exc}")
            store.save_verdict(claim.id, claim.version, label, verdict)
            return Outcome(claim, verdict, label, None, traceback.format_exc())
    table = grid_table(store.table(claim.id, version=claim.version), effective, scale)
    expected = len(effective.grids[scale])
    if table is not None and 0 < len(table) < expected:  # only with run=False: a partial sweep
        nan = math.nan
        verdict, error = Verdict(Status.INCONCLUSIVE, "", nan, (nan, nan), nan, nan,
                                 f"only {len(table)} of the {expected} cells of the {label} "
                                 "grid are stored (an unfinished sweep)"), None
    else:
        verdict, error = judge(claim, table)
    controls: tuple[ControlOutcome, ...] = ()
    if verdict.status is not Status.ERROR and claim.controls:
        try:
            controls = tuple(_judge_control(claim, c, scale, store, ex, progress, replicates,
                                            overrides) for c in claim.controls)
        except ENVIRONMENT_ERRORS:
            raise
        except Exception as exc:
            verdict, error = error_verdict(f"a control's sweep raised {type(exc).__name__}: {exc}"), \
                traceback.format_exc()
        else:
            verdict = apply_controls(verdict, controls)
    store.save_verdict(claim.id, claim.version, label, verdict)
    return Outcome(claim, verdict, label, report, error, 0 if table is None else len(table),
                   controls)


def _judge_control(claim: Claim, control: Control, scale: str, store, ex, progress: bool,
                   replicates: int | None,
                   overrides: Mapping[str, Sequence[Any]] | None = None) -> ControlOutcome:
    """Sweep (resuming) and judge one control with the claim's own analyse (on the grid
    ``overrides`` give, the control's own overrides applied last)."""
    base, _ = resolve_scale(claim, scale, None, overrides)
    variant = control_claim(base, control)
    effective, _ = resolve_scale(variant, scale, replicates)
    if ex is not None:
        from ._sweep import sweep

        sweep(variant, scale=scale, executor=ex, store=store, progress=progress,
              replicates=replicates)
    table = grid_table(store.table(claim.id, version=claim.version), effective, scale)
    expected = len(effective.grids[scale])
    if table is not None and 0 < len(table) < expected:
        return ControlOutcome(control, Verdict.inconclusive(
            f"only {len(table)} of the {expected} control cells are stored"), len(table))
    verdict, _ = judge(variant, table)
    return ControlOutcome(control, verdict, 0 if table is None else len(table))


def apply_controls(verdict: Verdict, controls: Sequence[ControlOutcome]) -> Verdict:
    """The claim's verdict after its controls: UNDISCRIMINATING (never PASS) when a control
    PASSes the claim's own test; every control's figure is appended to the reason and its
    measured value and interval kept in ``details`` (``control.<name>.measured`` ...)."""
    if not controls:
        return verdict
    details = dict(verdict.details)
    notes = []
    for c in controls:
        v = c.verdict
        details[f"control.{c.control.name}.measured"] = v.measured
        details[f"control.{c.control.name}.low"] = v.interval[0]
        details[f"control.{c.control.name}.high"] = v.interval[1]
        expect = "FAIL" if c.control.expect == "fail" else "not PASS"
        why = "" if math.isfinite(v.measured) else f"; its analysis: {v.reason}"
        notes.append(f"{c.summary()} (expected {expect}{'' if c.ok else ', NOT MET'}; "
                     f"{c.control.description}{why})")
    status = verdict.status
    passed = [c.control.name for c in controls if c.verdict.status is Status.PASS]
    # A control declared expect="fail" is part of the statement (e.g. "the baseline's K_eps
    # grows in H"): when it does not FAIL (and does not PASS), that contrast is unshown, so a
    # PASS of the claim itself is only INCONCLUSIVE.
    unshown = [c.control.name for c in controls
               if c.control.expect == "fail" and c.verdict.status is not Status.FAIL
               and c.verdict.status is not Status.PASS]
    if passed and status is not Status.ERROR:
        status = Status.UNDISCRIMINATING
        head = (f"UNDISCRIMINATING: control(s) {', '.join(passed)} PASS the same test, so the "
                f"claim's own {verdict.status.value} does not tell the theorem from them. ")
    elif unshown and status is Status.PASS:
        status = Status.INCONCLUSIVE
        head = (f"INCONCLUSIVE: control(s) {', '.join(unshown)} expected to FAIL did not, so the "
                "contrast the claim states is not shown (its own test PASSed). ")
    else:
        head = ""
    reason = f"{head}{verdict.reason} Controls: " + "; ".join(notes) + "."
    return dataclasses.replace(verdict, status=status, reason=reason, details=details)


def verify(
    claims: Sequence[Claim | str] | Claim | str = (),
    *,
    scale: str = "quick",
    store=None,
    executor: str = "processes",
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    replicates: int | None = None,
    overrides: Mapping[str, Sequence[Any]] | None = None,
) -> list[tuple[Claim, Verdict]]:
    """Sweep (resuming) + ``claim.analyse`` + controls + ``store.save_verdict`` per claim:
    the Python twin of ``boundlab verify``.

    ``claims``: Claim objects, claim ids or paper prefixes (``"dual_rl"``), or one of them;
    empty means every registered claim. ``store``: an open Store, a path, or ``None`` for the
    default store (``$BOUNDLAB_STORE`` or ``./boundlab-results.sqlite``). ``replicates`` and
    ``overrides`` (``{"K_max": (4096,)}``) change the grid at ``scale`` as ``--seeds`` and
    ``--set`` do (see the module docstring). Returns ``(claim, verdict)`` pairs in the order
    given; a claim whose analysis raised has a verdict with status ``ERROR``.
    """
    from ._registry import select

    if isinstance(claims, (Claim, str)):
        claims = [claims]
    resolved: list[Claim] = []
    for c in list(claims) or list(select([])):
        if isinstance(c, str):
            resolved += [x for x in select([c]) if x not in resolved]
        elif isinstance(c, Claim):
            resolved.append(c)
        else:
            fail("claims", "Claim objects, claim ids or paper prefixes", type(c).__name__, TypeError)
    claims = resolved
    if store is None or isinstance(store, (str, Path)):
        from ._store import Store, default_store_path

        with Store(default_store_path() if store is None else store) as opened:
            return verify(claims, scale=scale, store=opened, executor=executor,
                          scheduler=scheduler, workers=workers, progress=progress,
                          replicates=replicates, overrides=overrides)
    outcomes = verify_outcomes(claims, scale=scale, store=store, executor=executor,
                               scheduler=scheduler, workers=workers, progress=progress,
                               replicates=replicates, overrides=overrides)
    return [(o.claim, o.verdict) for o in outcomes]


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def verdict_record(claim: Claim, verdict: Verdict, scale: str | None,
                   controls: Sequence[ControlOutcome] = ()) -> dict[str, Any]:
    """The JSON record of one verdict (``boundlab verify --json``); non-finite numbers -> null."""
    return {
        "controls": [{"name": c.control.name, "expect": c.control.expect,
                      "verdict": c.verdict.status.value, "measured": _num(c.verdict.measured),
                      "interval": [_num(c.verdict.interval[0]), _num(c.verdict.interval[1])],
                      "ok": c.ok} for c in controls],
        "claim": claim.id,
        "theorem": claim.theorem,
        "verdict": verdict.status.value,
        "quantity": verdict.quantity,
        "measured": _num(verdict.measured),
        "interval": [_num(verdict.interval[0]), _num(verdict.interval[1])],
        "predicted": _num(verdict.predicted),
        "tolerance": _num(verdict.tolerance),
        "reason": verdict.reason,
        "scale": scale,
    }


def verdict_from_record(record: Mapping[str, Any]) -> Verdict:
    """Rebuild a Verdict from a stored record (``Store.last_verdict``); None -> NaN."""

    def f(x):
        return math.nan if x is None else float(x)

    interval = record.get("interval") or (None, None)
    return Verdict(
        record.get("status", record.get("verdict")),
        record.get("quantity", "") or "",
        f(record.get("measured")),
        (f(interval[0]), f(interval[1])),
        f(record.get("predicted")),
        f(record.get("tolerance")),
        record.get("reason", "") or "",
        {str(k): f(v) for k, v in (record.get("details") or {}).items()},
    )
