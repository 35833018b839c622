"""Test-only claims for the sweep engine (store, executors, reliability tests).

They are never registered: tests pass the :class:`Claim` objects to ``sweep`` directly, and
the ``run`` functions travel to worker processes by reference (module ``tests.theory._planted``
is importable in spawned workers and Dask LocalCluster workers because they inherit the
parent's ``sys.path``, which pytest and the subprocess scripts of the tests put the
repository root on).

* ``planted/noisy``   -- metrics are raw draws of the cell's stream (full float64 precision,
  a NaN and an infinity too), so any difference in seeding or storage shows bit for bit.
* ``planted/sleepy``  -- the same after sleeping ``ms`` milliseconds (for kill/resume tests).
* ``planted/crash_once`` -- the cell ``i == crash_at`` kills its own worker process with
  ``os._exit`` the first time any process runs it (an ``O_EXCL`` marker file records it).
* ``planted/raises``  -- ``run`` raises ``ValueError`` in the cell ``i == 3``.
"""

from __future__ import annotations

import math
import os
import time

from theory._claim import Claim, Grid, Paper, Verdict

PAPER = Paper("Planted claims for engine tests", "Nobody", "Tests", "0000.00000")


def draws(params, rng):
    """Raw draws: any change of stream, order or storage changes these floats."""
    return {
        "x": float(rng.normal()),
        "y": float(rng.standard_exponential() * params.get("b", 1.0) + params.get("a", 0)),
        "z": float(rng.random(50).sum()),
        "tiny": float(rng.random() * 1e-300),
        "nan_or_inf": math.nan if params.get("a", 0) % 2 else math.inf,
    }


def run_noisy(params, rng):
    return draws(params, rng)


def run_sleepy(params, rng):
    time.sleep(params["ms"] / 1000.0)
    return draws(params, rng)


def run_crash_once(params, rng):
    if params["marker"] == "unset":
        raise ValueError("planted/crash_once: set the marker parameter to a path in tmp_path")
    if params["i"] == params["crash_at"]:
        try:
            fd = os.open(params["marker"], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            os._exit(13)  # the worker process dies without cleanup, as in a segfault
    time.sleep(params.get("ms", 0) / 1000.0)
    return draws(params, rng)


def run_raises(params, rng):
    if params["i"] == 3:
        raise ValueError("planted failure in run")
    return draws(params, rng)


def run_noop(params, rng):
    return {"v": 0.0}


def analyse_any(table):
    return Verdict.from_interval("nothing", 0.0, (0.0, 0.0), 0.0, 1.0)


def plot_none(table, ax=None):
    return ax


def _claim(cid, run, params, version=1):
    grids = {s: Grid(params, 2) for s in ("smoke", "quick", "full")}
    return Claim(id=cid, paper=PAPER, theorem="none", statement="planted for engine tests",
                 provenance="derived", grids=grids, run=run, analyse=analyse_any,
                 plot=plot_none, version=version)


NOISY = _claim("planted/noisy", run_noisy, {"a": (0, 1, 2), "b": (0.1, 2.5)})
SLEEPY = _claim("planted/sleepy", run_sleepy, {"i": tuple(range(10)), "ms": (10,)})
CRASH_ONCE = _claim("planted/crash_once", run_crash_once,
                    {"i": tuple(range(10)), "crash_at": (3,), "marker": ("unset",)})
RAISES = _claim("planted/raises", run_raises, {"i": tuple(range(8))})
NOOP = _claim("planted/noop", run_noop, {"i": tuple(range(10))})


def run_crash_always(params, rng):
    if params["i"] == params["crash_at"]:
        os._exit(13)
    return draws(params, rng)
