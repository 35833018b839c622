"""Sweeps: the cells of a claim, their random streams, and the one runner for every paper.

Cells and seeding
-----------------
A **cell** is (claim id, claim version, parameters, replicate). Its key is the canonical
JSON of ``{"params": ..., "replicate": ...}`` (sorted keys, no spaces, floats written with
``repr`` so ``0.1`` stays ``0.1`` and every float64 is distinct), and its random stream is
``numpy.random.default_rng(cell.seed_sequence())`` where the ``SeedSequence`` entropy is the
first 128 bits (4 uint32 words) of ``sha256`` of the canonical JSON of
``[claim id, version, key]``. So a cell's numbers depend only on the cell: not on the order
of the sweep, the executor, the batch it travelled in, or the machine. Bumping a claim's
``version`` gives every cell a new stream and a new row.

Running
-------
:func:`sweep` computes the cells of one claim at one scale, skips those already in the
store (so an interrupted sweep resumes), and runs the rest on an executor (``serial``,
``processes`` -- the default, one worker process per core --, or ``dask``; see
:mod:`theory._executors`). Cells travel to workers in **batches** sized from the measured
time per cell (about 0.2 s of work per batch for processes, 0.25 s for Dask, one cell at a
time in-process), because one task per cell would cost more than a short cell (about
0.1 ms per task for a process pool, 1.6 ms for Dask). Results stream back to the parent,
which writes each finished cell in its own transaction: killing the parent loses at most
the batches in flight and never leaves a partial row.

The claim's ``run`` function itself travels to the workers (pickled by reference, i.e. by
module and name), so a worker needs only to import the module that defines it: registered
paper claims and test-only claims (``tests/theory/_planted.py``, importable because the
repository root is on ``sys.path`` of the parent, which spawned workers and LocalCluster
workers inherit) work alike, and no global registry is mutated. A remote Dask cluster needs
the module installed on its workers.

Worker processes are started with the ``forkserver`` method (``spawn`` where there is no
forkserver), so a *script* that calls
:func:`sweep` with ``processes`` must guard its entry point with
``if __name__ == "__main__":`` (the usual multiprocessing rule; the CLI does).

Reference: ARCHITECTURE.md "Sweeps, store, executors"; NumPy's ``SeedSequence`` design
(O'Neill's seed_seq hashing) for independent streams from distinct entropy.
"""

from __future__ import annotations

import collections
import hashlib
import json
import math
import numbers
import os
import pickle
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np

from mdps._validation import check_int, fail

from ._claim import RESERVED_COLUMNS, SCALES, Claim, Grid

__all__ = [
    "Cell",
    "CellResult",
    "SweepReport",
    "cells",
    "run_cell",
    "sweep",
    "canonical_json",
    "EngineError",
    "CellError",
    "WorkerLostError",
    "SchedulerError",
    "EXECUTORS",
]

#: Executor names accepted by :func:`sweep`.
EXECUTORS = ("serial", "processes", "dask")


# -- errors ------------------------------------------------------------------------------
class EngineError(RuntimeError):
    """The sweep could not complete for a reason that is not the user's input."""


class CellError(EngineError):
    """A cell's ``run`` raised (or returned something other than metrics).

    ``cell`` is the failing :class:`Cell`; ``error_type`` the exception's type name; the
    worker's traceback is attached as a note (shown in tracebacks) and in ``remote_traceback``.
    Rows stored before the failure are kept.
    """

    def __init__(self, message: str, cell: "Cell", error_type: str, remote_traceback: str):
        super().__init__(message)
        self.cell = cell
        self.error_type = error_type
        self.remote_traceback = remote_traceback
        if remote_traceback:
            self.add_note(remote_traceback.rstrip())


class WorkerLostError(EngineError):
    """Worker processes kept dying (beyond the executor's retries)."""


class SchedulerError(ValueError):
    """The Dask scheduler given by the user cannot be reached (a user error: one line)."""


# -- cells ---------------------------------------------------------------------------------
def canonical_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, floats by ``repr``, NaN rejected."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)


def _param_value(name: str, v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if not isinstance(v, (str, int, float, bool)):
        fail(f"params[{name!r}]", "str, int, float or bool values", repr(v), TypeError)
    if isinstance(v, float) and not math.isfinite(v):
        fail(f"params[{name!r}]", "finite values", repr(v))
    return v


@dataclass(frozen=True)
class Cell:
    """One unit of work: (claim id, version, parameters, replicate).

    ``params`` is stored as a tuple of ``(name, value)`` pairs sorted by name (a mapping is
    accepted and converted). ``key`` is the canonical JSON of ``{"params", "replicate"}``.
    """

    claim_id: str
    version: int
    params: tuple[tuple[str, Any], ...]
    replicate: int
    key: str = field(init=False, repr=False, compare=False)
    params_json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.claim_id, str) or "/" not in self.claim_id:
            fail("claim_id", "'paper/claim'", repr(self.claim_id))
        check_int("version", self.version, minimum=1)
        check_int("replicate", self.replicate, minimum=0)
        items = self.params.items() if isinstance(self.params, Mapping) else self.params
        pairs = tuple(sorted((str(k), _param_value(str(k), v)) for k, v in items))
        if len({k for k, _ in pairs}) != len(pairs):
            fail("params", "distinct parameter names", repr(pairs))
        object.__setattr__(self, "version", int(self.version))
        object.__setattr__(self, "replicate", int(self.replicate))
        object.__setattr__(self, "params", pairs)
        # == canonical_json({"params": dict(pairs), "replicate": replicate}), built from parts
        params_json = canonical_json(dict(pairs))
        object.__setattr__(self, "params_json", params_json)
        object.__setattr__(self, "key", f'{{"params":{params_json},"replicate":{self.replicate}}}')

    @property
    def param_dict(self) -> dict[str, Any]:
        return dict(self.params)

    def seed_sequence(self) -> np.random.SeedSequence:
        """The cell's ``SeedSequence``: 128 bits of sha256 of ``[claim id, version, key]``."""
        # == canonical_json([claim_id, version, key]), built from parts (it is hot)
        text = f"[{json.dumps(self.claim_id)},{self.version},{json.dumps(self.key)}]"
        digest = hashlib.sha256(text.encode("ascii")).digest()
        entropy = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
        return np.random.SeedSequence(entropy)

    def rng(self) -> np.random.Generator:
        """``numpy.random.default_rng(self.seed_sequence())`` (PCG64): the stream ``run`` gets."""
        return np.random.default_rng(self.seed_sequence())


def cells(claim: Claim, grid: Grid) -> list[Cell]:
    """Every cell of ``grid`` for ``claim``: parameter points in grid order, replicates inner."""
    out = []
    for point in grid.points():
        for r in range(grid.replicates):
            out.append(Cell(claim.id, claim.version, point, r))
    return out


@dataclass(frozen=True)
class CellResult:
    """A finished cell: its metrics (name -> float) and the wall time of ``run`` in seconds."""

    cell: Cell
    metrics: Mapping[str, float]
    seconds: float


def _check_metrics(out: Any, cell: Cell) -> dict[str, float]:
    if not isinstance(out, Mapping):
        fail("run(params, rng)", "a mapping of metric name -> float", type(out).__name__, TypeError)
    metrics = {}
    names = {k for k, _ in cell.params}
    for k, v in out.items():
        if not isinstance(k, str) or not k:
            fail("run(params, rng)", "non-empty str metric names", repr(k), TypeError)
        if k in RESERVED_COLUMNS or k in names:
            fail("run(params, rng)",
                 f"metric names other than {RESERVED_COLUMNS} and the parameter names",
                 repr(k))
        if not isinstance(v, (numbers.Real, np.bool_)):  # bools count as 0.0 / 1.0
            fail(f"run(params, rng)[{k!r}]", "a real number (NaN allowed)", repr(v), TypeError)
        metrics[k] = float(v)
    return metrics


def _execute(run: Callable, cell: Cell) -> tuple[dict[str, float], float]:
    """Run one cell: seed, call, time, check. Exceptions propagate."""
    rng = np.random.default_rng(cell.seed_sequence())
    params = cell.param_dict
    t0 = time.perf_counter()
    out = run(params, rng)
    seconds = time.perf_counter() - t0
    return _check_metrics(out, cell), seconds


class _CellFailure(NamedTuple):
    index: int           # position in the batch
    error_type: str
    message: str
    traceback: str


class BatchOutcome(NamedTuple):
    """What a worker sends back: ``results[i] = (metrics, seconds)`` for the first cells of
    the batch, ``failure`` if a cell raised (later cells were not run), ``wall`` seconds."""

    results: list
    failure: _CellFailure | None
    wall: float


def _run_batch(run: Callable, batch: Sequence[Cell], limit_threads: bool = False) -> BatchOutcome:
    """Worker entry point: run the cells of one batch in order, stopping at a failure.

    ``limit_threads`` caps BLAS/OpenMP pools at one thread for the batch (threadpoolctl),
    for workers the engine did not start itself (a remote Dask cluster).
    """
    if limit_threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return _run_batch(run, batch, False)
    t0 = time.perf_counter()
    results = []
    for i, cell in enumerate(batch):
        try:
            results.append(_execute(run, cell))
        except Exception as exc:  # reported to the parent, which stops the sweep
            tb = traceback.format_exc()
            return BatchOutcome(results, _CellFailure(i, type(exc).__name__, str(exc), tb),
                                time.perf_counter() - t0)
    return BatchOutcome(results, None, time.perf_counter() - t0)


def _cell_error(cell: Cell, error_type: str, message: str, tb: str) -> CellError:
    params = ", ".join(f"{k}={v!r}" for k, v in cell.params)
    return CellError(
        f"claim {cell.claim_id} (version {cell.version}): run raised {error_type}: {message} "
        f"in the cell {{{params}}} replicate {cell.replicate}",
        cell, error_type, tb)


def run_cell(cell: Cell, run: Callable | None = None) -> CellResult:
    """Run one cell in this process. ``run`` defaults to the registered claim's ``run``
    (looked up with :func:`theory._registry.get_claim`). A raising ``run`` gives
    :class:`CellError` naming the claim, parameters and replicate."""
    if not isinstance(cell, Cell):
        fail("cell", "a Cell", type(cell).__name__, TypeError)
    if run is None:
        from ._registry import get_claim

        claim = get_claim(cell.claim_id)
        if claim.version != cell.version:
            fail("cell.version", f"the registered version {claim.version} of {claim.id}",
                 cell.version)
        run = claim.run
    outcome = _run_batch(run, [cell])
    if outcome.failure is not None:
        f = outcome.failure
        raise _cell_error(cell, f.error_type, f.message, f.traceback)
    metrics, seconds = outcome.results[0]
    return CellResult(cell, metrics, seconds)


# -- the sweep -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepReport:
    """What a sweep did: ``total`` cells in the grid, ``skipped`` already stored, ``ran`` now
    (written by this sweep; a cell another process stored first counts as ran, not written
    twice), wall ``seconds``; plus the executor, the number of batches and pool restarts."""

    claim: str
    version: int
    scale: str
    total: int
    skipped: int
    ran: int
    seconds: float
    executor: str = "serial"
    batches: int = 0
    restarts: int = 0


def _batch_size(per_cell: float | None, remaining: int, executor) -> int:
    """Cells per batch: ``target_seconds`` of measured work, at most a ``1/(2 workers)``
    share of what is left (so the tail still spreads over every worker), at least 1."""
    if executor.target_seconds <= 0 or per_cell is None:
        return 1
    share = max(1, math.ceil(remaining / (2 * executor.workers)))
    want = max(1, int(executor.target_seconds / max(per_cell, 1e-7)))
    return min(want, share)


def _progress_bar(total: int, initial: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
    return tqdm(total=total, initial=initial, desc=desc, unit="cell", file=sys.stderr,
                disable=not enabled, dynamic_ncols=True, smoothing=0.05,
                mininterval=0.2 if tty else 30.0, leave=True)


def sweep(
    claim: Claim | str,
    *,
    scale: str = "quick",
    overrides: Mapping[str, Sequence[Any]] | None = None,
    replicates: int | None = None,
    executor: Any = "processes",
    scheduler: str | None = None,
    store: Any,
    progress: bool = True,
    workers: int | None = None,
) -> SweepReport:
    """Run the cells of ``claim`` at ``scale`` that ``store`` does not hold yet.

    ``claim`` is a :class:`Claim` (need not be registered) or a registered claim id.
    ``overrides`` replaces parameter values of the grid, ``replicates`` its replicate count.
    ``executor`` is ``"serial"``, ``"processes"`` (``workers`` processes, default every
    available core) or ``"dask"`` (``scheduler`` is an address such as
    ``"tcp://host:8786"`` or ``"local"``, the default, for a ``LocalCluster`` of ``workers``
    single-threaded worker processes), or an executor object from
    :mod:`theory._executors` to reuse one pool across sweeps. ``store`` is a
    :class:`~theory._store.Store` or a path. Progress (cells done / total, rate, ETA) goes
    to stderr when ``progress``.

    Raises :class:`CellError` if a cell's ``run`` raises (cells stored so far are kept),
    :class:`WorkerLostError` if workers keep dying, :class:`SchedulerError` if the Dask
    scheduler cannot be reached, ``ValueError``/``TypeError`` for bad arguments.
    """
    from . import _executors
    from ._store import Store

    if isinstance(claim, str):
        from ._registry import get_claim

        claim = get_claim(claim)
    if not isinstance(claim, Claim):
        fail("claim", "a Claim or a registered claim id", type(claim).__name__, TypeError)
    if scale not in SCALES:
        fail("scale", f"one of {SCALES}", repr(scale))
    if workers is not None:
        check_int("workers", workers, minimum=1)
    if replicates is not None:
        check_int("replicates", replicates, minimum=1)
    grid = claim.grids[scale].with_overrides(overrides, replicates)
    if isinstance(executor, str):
        if executor not in EXECUTORS:
            fail("executor", f"one of {EXECUTORS}", repr(executor))
        if scheduler is not None and executor != "dask":
            fail("scheduler", "no scheduler unless executor='dask'",
                 f"scheduler={scheduler!r} with executor={executor!r}")
    elif not isinstance(executor, _executors.Executor):
        fail("executor", f"one of {EXECUTORS} or a theory._executors.Executor",
             type(executor).__name__, TypeError)

    own_store = not isinstance(store, Store)
    if own_store:
        if not isinstance(store, (str, os.PathLike)):
            fail("store", "a Store or a path", type(store).__name__, TypeError)
        store = Store(store)
    t0 = time.perf_counter()
    try:
        all_cells = cells(claim, grid)
        done = store.completed_keys(claim.id, claim.version)
        todo = [c for c in all_cells if c.key not in done]
        skipped = len(all_cells) - len(todo)
        name = executor if isinstance(executor, str) else executor.name
        if not todo:
            return SweepReport(claim.id, claim.version, scale, len(all_cells), skipped, 0,
                               time.perf_counter() - t0, name)
        if name != "serial":
            _check_picklable(claim)
        if isinstance(executor, str):
            ex = _executors.make_executor(executor, scheduler=scheduler, workers=workers,
                                          cells=len(todo))
            owned = True
        else:
            ex, owned = executor, False
        bar = _progress_bar(len(all_cells), skipped, claim.id, progress)
        try:
            if owned:
                with ex:
                    batches, restarts = _drive(ex, claim.run, todo, store, bar, True)
            else:
                batches, restarts = _drive(ex, claim.run, todo, store, bar, False)
        finally:
            bar.close()
        return SweepReport(claim.id, claim.version, scale, len(all_cells), skipped, len(todo),
                           time.perf_counter() - t0, name, batches, restarts)
    finally:
        if own_store:
            store.close()


def _check_picklable(claim: Claim) -> None:
    try:
        pickle.dumps(claim.run)
    except Exception as exc:
        fail(f"{claim.id}: run", "a module-level function (it travels to worker processes "
             "by reference)", f"{claim.run!r} ({type(exc).__name__}: {exc})", TypeError)


def _drive(ex, run: Callable, todo: list[Cell], store, bar, owned: bool) -> tuple[int, int]:
    """Stream batches through ``ex``, writing each finished cell; returns (batches, restarts)."""
    from ._executors import PoolBroken

    ex.start()  # idempotent: a lent executor may not be started yet
    pending = collections.deque(todo)
    inflight: dict[Any, list[Cell]] = {}
    per_cell: float | None = None
    batches = 0
    restarts = 0
    try:
        while pending or inflight:
            while pending and len(inflight) < ex.slots:
                n = _batch_size(per_cell, len(pending), ex)
                batch = [pending.popleft() for _ in range(min(n, len(pending)))]
                inflight[ex.submit(run, batch)] = batch
                batches += 1
            lost: list[list[Cell]] = []
            for handle in ex.wait(list(inflight)):
                batch = inflight.pop(handle)
                try:
                    outcome = ex.outcome(handle)
                except PoolBroken:
                    lost.append(batch)
                    continue
                _store_outcome(store, batch, outcome, bar)
                if outcome.results:
                    wall = outcome.wall / max(1, len(outcome.results))
                    per_cell = wall if per_cell is None else 0.5 * per_cell + 0.5 * wall
                if outcome.failure is not None:
                    f = outcome.failure
                    raise _cell_error(batch[f.index], f.error_type, f.message, f.traceback)
            if lost:
                # the pool broke: every unfinished batch is lost with it. Keep what did
                # finish, restart the pool and resubmit the rest in their original order.
                for handle in list(inflight):
                    if ex.is_done(handle):
                        try:
                            outcome = ex.outcome(handle)
                        except PoolBroken:
                            lost.append(inflight.pop(handle))
                            continue
                        batch = inflight.pop(handle)
                        _store_outcome(store, batch, outcome, bar)
                        if outcome.failure is not None:
                            f = outcome.failure
                            raise _cell_error(batch[f.index], f.error_type, f.message,
                                              f.traceback)
                    else:
                        lost.append(inflight.pop(handle))
                restarts += 1
                if restarts > ex.max_restarts:
                    raise WorkerLostError(
                        f"executor {ex.name}: expected workers that stay alive; got the worker "
                        f"pool broken {restarts} times (last lost {sum(map(len, lost))} cells "
                        f"in flight); a cell may be crashing its process (segfault, os._exit, "
                        f"out of memory)")
                ex.restart()
                order = {c.key: i for i, c in enumerate(todo)}
                for batch in sorted(lost, key=lambda b: order[b[0].key], reverse=True):
                    pending.extendleft(reversed(batch))
    except BaseException as exc:
        # stop the workers of a pool this sweep owns, or on Ctrl-C; a pool lent by the caller
        # keeps its (healthy) workers after a cell error: only the queued batches are cancelled
        ex.abort(list(inflight), terminate=owned or not isinstance(exc, Exception))
        raise
    return batches, restarts


def _store_outcome(store, batch: list[Cell], outcome: BatchOutcome, bar) -> None:
    for cell, (metrics, seconds) in zip(batch, outcome.results):
        store.write(CellResult(cell, metrics, seconds))
        bar.update(1)
