"""Executors: where the batches of a sweep run (in-process, a process pool, or Dask).

Every executor runs :func:`theory._sweep._run_batch` on batches of cells and hands back its
:class:`~theory._sweep.BatchOutcome`; the parent process alone writes to the store. The
numbers of a cell depend only on the cell, and every executor runs ``run`` with one
BLAS/OpenMP thread (threadpoolctl), so serial, processes and Dask give bit-identical rows
(a multi-threaded BLAS may sum in a different order).

* ``serial`` -- in this process, one cell per batch (for debugging; ``pdb`` works).
* ``processes`` -- ``concurrent.futures.ProcessPoolExecutor`` with the ``forkserver`` start
  method (``spawn`` where there is none; never ``fork``, unsafe once threads exist),
  ``workers`` processes (default: every core this process may use), each capped at one
  BLAS thread. If a worker dies (segfault, ``os._exit``, OOM kill) the pool is broken: the
  engine keeps the batches that finished, starts a new pool and resubmits the lost ones, at
  most ``max_restarts`` times, then raises :class:`~theory._sweep.WorkerLostError`.
* ``dask`` -- a ``dask.distributed`` client on a scheduler address, or ``"local"`` for a
  ``LocalCluster`` of single-threaded worker processes. A worker that dies is handled by
  Dask itself: its tasks are rescheduled on the surviving or restarted workers up to the
  scheduler's ``allowed-failures`` (default 3), after which
  :class:`~theory._sweep.WorkerLostError` is raised.

An executor object can be opened once (``with ProcessExecutor(2) as ex:``) and passed to
several :func:`~theory._sweep.sweep` calls to pay the start-up once.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Sequence

from ._sweep import BatchOutcome, EngineError, SchedulerError, WorkerLostError, _run_batch

__all__ = ["Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor",
           "available_cores", "PoolBroken"]

_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


class PoolBroken(Exception):
    """Internal: the batch was lost with a broken worker pool; the driver restarts it."""


def available_cores() -> int:
    """Cores this process may run on (``sched_getaffinity`` where it exists)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """The interface the sweep driver uses. ``slots`` batches may be in flight at once;
    ``target_seconds`` of measured work go in one batch (0: one cell per batch)."""

    name = "executor"
    workers = 1
    target_seconds = 0.0
    max_restarts = 0

    @property
    def slots(self) -> int:
        return 2 * self.workers

    def start(self) -> None:  # pragma: no cover - interface
        pass

    def close(self) -> None:  # pragma: no cover - interface
        pass

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, run: Callable, batch: Sequence) -> Any:
        raise NotImplementedError

    def wait(self, handles: Sequence[Any]) -> Iterable[Any]:
        raise NotImplementedError

    def is_done(self, handle: Any) -> bool:
        raise NotImplementedError

    def outcome(self, handle: Any) -> BatchOutcome:
        raise NotImplementedError

    def restart(self) -> None:
        raise WorkerLostError(f"executor {self.name}: expected workers that stay alive; got a "
                              f"lost worker and no way to restart it")

    def abort(self, handles: Sequence[Any], terminate: bool = True) -> None:
        """Stop quickly after an error or Ctrl-C: cancel ``handles`` and, if ``terminate``,
        stop the workers (the next submit starts new ones)."""


# -- serial -------------------------------------------------------------------------------
class _Done:
    __slots__ = ("outcome",)

    def __init__(self, outcome: BatchOutcome):
        self.outcome = outcome


class SerialExecutor(Executor):
    """Runs each batch in this process when it is submitted."""

    name = "serial"

    def __init__(self):
        self._limits = None

    @property
    def slots(self) -> int:
        return 1

    def start(self) -> None:
        if self._limits is None:
            from threadpoolctl import threadpool_limits

            self._limits = threadpool_limits(limits=1)  # restored by close()

    def close(self) -> None:
        if self._limits is not None:
            self._limits.restore_original_limits()
            self._limits = None

    def submit(self, run, batch):
        return _Done(_run_batch(run, batch))

    def wait(self, handles):
        return list(handles)

    def is_done(self, handle):
        return True

    def outcome(self, handle):
        return handle.outcome


# -- processes ----------------------------------------------------------------------------
def _init_worker(extra_modules: tuple[str, ...] = ()) -> None:
    """Process-pool initializer: one BLAS/OpenMP thread (the pool already uses every core),
    and the user's extra claim modules imported (``--module``, :func:`theory.add_claims`) so
    that their ``run`` functions unpickle in the worker (the forkserver predates them)."""
    for var in _THREAD_ENV:
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    if extra_modules:
        from ._registry import EXTRA_CLAIMS_ENV, _import

        os.environ[EXTRA_CLAIMS_ENV] = ",".join(extra_modules)
        for name in extra_modules:
            _import(name)


_PRELOAD = ["__main__", "theory._workerenv", "theory._sweep"]


def _mp_context():
    """The ``forkserver`` context where it exists (POSIX), else ``spawn``.

    Not ``fork``: forking a parent that runs threads (the progress bar's, Dask's, BLAS's)
    can deadlock a child. The forkserver is one clean process started on first use that
    imports NumPy, the engine (and, through ``theory._claim``, ``mdps``) once with a single
    BLAS thread; every worker -- including those of a pool restarted after a crash -- is
    forked from it in milliseconds instead of paying those imports again as ``spawn`` would.
    The preload list is process-wide multiprocessing state: we add our modules to whatever
    is there, and it only matters before the forkserver first starts.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    from multiprocessing import forkserver

    current = list(getattr(forkserver._forkserver, "_preload_modules", None) or [])
    missing = [m for m in _PRELOAD if m not in current]
    if missing and getattr(forkserver._forkserver, "_forkserver_pid", None) is None:
        ctx.set_forkserver_preload(current + missing)
    return ctx


class ProcessExecutor(Executor):
    """A pool of ``workers`` spawned processes (default: every available core)."""

    name = "processes"
    target_seconds = 0.2

    def __init__(self, workers: int | None = None, *, max_restarts: int = 3):
        self.workers = int(workers) if workers else available_cores()
        self.max_restarts = int(max_restarts)
        self._pool: cf.ProcessPoolExecutor | None = None

    def start(self) -> None:
        if self._pool is None:
            from ._registry import _extra_modules

            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=_mp_context(),
                initializer=_init_worker, initargs=(_extra_modules(),))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def submit(self, run, batch):
        self.start()
        try:
            return self._pool.submit(_run_batch, run, list(batch))
        except BrokenProcessPool as exc:
            fut: cf.Future = cf.Future()
            fut.set_exception(exc)
            return fut

    def wait(self, handles):
        return cf.wait(handles, return_when=cf.FIRST_COMPLETED).done

    def is_done(self, handle):
        return handle.done()

    def outcome(self, handle):
        try:
            return handle.result()
        except BrokenProcessPool as exc:
            raise PoolBroken(str(exc)) from None
        except Exception as exc:
            raise EngineError(
                f"executor processes: expected a batch to come back from its worker; got "
                f"{type(exc).__name__}: {exc}") from exc

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)

    def restart(self) -> None:
        self._kill()
        self.start()

    def abort(self, handles, terminate=True):
        for h in handles:
            h.cancel()
        if terminate:
            self._kill()


# -- dask ---------------------------------------------------------------------------------
class DaskExecutor(Executor):
    """A ``dask.distributed`` client on ``scheduler`` (an address, or ``"local"`` for a
    ``LocalCluster`` of ``workers`` single-threaded processes, default every core).
    ``timeout`` seconds to reach a remote scheduler, else :class:`SchedulerError`."""

    name = "dask"
    target_seconds = 0.25

    @property
    def slots(self) -> int:
        # a task costs a scheduler round trip (~2 ms): three batches per worker in flight
        # keep every worker fed while the next one is being scheduled
        return 3 * self.workers

    def __init__(self, scheduler: str = "local", workers: int | None = None, *,
                 timeout: float = 10.0):
        if not isinstance(scheduler, str) or not scheduler:
            raise ValueError(f"scheduler: expected an address or 'local'; got {scheduler!r}")
        self.scheduler = scheduler
        self.requested = int(workers) if workers else None
        self.timeout = float(timeout)
        self.workers = self.requested or available_cores()
        self._client = None
        self._cluster = None

    def start(self) -> None:
        if self._client is not None:
            return
        from distributed import Client, LocalCluster

        if self.scheduler == "local":
            try:
                self._cluster = LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
            except Exception as exc:
                self.close()
                raise EngineError(f"executor dask: expected a LocalCluster to start; got "
                                  f"{type(exc).__name__}: {exc}") from exc
        else:
            try:
                self._client = Client(self.scheduler, timeout=self.timeout)
            except (OSError, ValueError, TypeError) as exc:
                raise SchedulerError(
                    f"--scheduler {self.scheduler}: expected a reachable Dask scheduler; got "
                    f"no connection within {self.timeout:g} s ({type(exc).__name__}: {exc})"
                ) from None
            try:
                self._client.wait_for_workers(1, timeout=self.timeout)
            except (OSError, TimeoutError) as exc:
                self.close()
                raise SchedulerError(
                    f"--scheduler {self.scheduler}: expected a Dask scheduler with workers; "
                    f"got none within {self.timeout:g} s ({exc})") from None
            info = self._client.scheduler_info()
            self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def submit(self, run, batch):
        self.start()
        return self._client.submit(_run_batch, run, list(batch), True, pure=False)

    def wait(self, handles):
        from distributed import wait

        return wait(handles, return_when="FIRST_COMPLETED").done

    def is_done(self, handle):
        return handle.done()

    def outcome(self, handle):
        from distributed import KilledWorker

        try:
            return handle.result()
        except KilledWorker as exc:
            raise WorkerLostError(
                f"executor dask: expected workers that stay alive; got a batch that killed "
                f"its workers more than the scheduler's allowed-failures ({exc})") from None
        except Exception as exc:
            raise EngineError(
                f"executor dask: expected a batch to come back from its worker; got "
                f"{type(exc).__name__}: {exc}") from exc

    def abort(self, handles, terminate=True):
        if self._client is not None and handles:
            try:
                self._client.cancel(list(handles))
            except Exception:  # noqa: BLE001 - best effort while already failing
                pass


def make_executor(name: str, *, scheduler: str | None = None, workers: int | None = None,
                  cells: int | None = None) -> Executor:
    """The executor called ``name``; a process pool never gets more workers than cells."""
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        w = workers or available_cores()
        if cells is not None:
            w = max(1, min(w, cells))
        return ProcessExecutor(w)
    if name == "dask":
        return DaskExecutor(scheduler or "local", workers)
    raise ValueError(f"executor: expected one of ('serial', 'processes', 'dask'); got {name!r}")
