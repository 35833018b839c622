"""Summaries of the CoPG claims' tidy tables: the only place their statistics are computed.

``analyse`` functions and plots both read these, so a plot never aggregates on its own.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from mdps._validation import check_real, fail

__all__ = ["mean_interval", "final_regret_summary", "regret_curves", "TOY_SETTING_COLUMNS"]

#: Parameters of the toy experiment that define one training setting (method aside).
TOY_SETTING_COLUMNS = ("lr", "epochs", "batch_size", "n_pairs", "data")


def mean_interval(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval ``(mean, low, high)`` of i.i.d. replicates.

    Fewer than two finite values give an infinite interval (the data cannot decide).
    """
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, -math.inf, math.inf
    mean = float(x.mean())
    if x.size < 2:
        return mean, -math.inf, math.inf
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def _require(table: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        fail("table", f"columns {list(columns)}", f"missing {missing}")


def final_regret_summary(table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One row per (setting, method): replicates, mean final regret with its t-interval, the
    exact limit regret, the regret of the exact-gradient Adam run with the same budget, the
    mean regret of the dataset's own exact limit and the initial regret (``regret_at_0``)."""
    _require(table, ("method", *TOY_SETTING_COLUMNS, "final_regret", "limit_regret",
                     "flow_final_regret", "dataset_limit_regret"))
    rows = []
    for key, group in table.groupby(["method", *TOY_SETTING_COLUMNS], sort=True):
        mean, lo, hi = mean_interval(group["final_regret"], level)
        rows.append({
            **dict(zip(["method", *TOY_SETTING_COLUMNS], key)),
            "replicates": int(len(group)),
            "mean": mean, "low": lo, "high": hi,
            "limit": float(group["limit_regret"].iloc[0]),
            "flow_final": float(group["flow_final_regret"].iloc[0]),
            "dataset_limit": float(group["dataset_limit_regret"].mean()),
            "initial": (float(group["regret_at_0"].mean()) if "regret_at_0" in group
                        else math.nan),
        })
    return pd.DataFrame(rows)


def regret_curves(table: pd.DataFrame) -> pd.DataFrame:
    """Mean regret across replicates at each checkpoint: columns method, the setting
    columns, ``step``, ``regret`` (mean), ``limit``. Checkpoints are the metrics
    ``regret_at_0, regret_at_1, ...`` at steps ``round(i / (n - 1) * steps)``."""
    _require(table, ("method", *TOY_SETTING_COLUMNS, "steps", "limit_regret"))
    cols = sorted((c for c in table.columns if c.startswith("regret_at_")),
                  key=lambda c: int(c.rsplit("_", 1)[1]))
    if len(cols) < 2:
        fail("table", "at least two regret_at_<i> columns", f"{len(cols)}")
    n = len(cols)
    rows = []
    for key, group in table.groupby(["method", *TOY_SETTING_COLUMNS], sort=True):
        steps = float(group["steps"].iloc[0])
        means = group[cols].mean(axis=0).to_numpy()
        for i, value in enumerate(means):
            rows.append({**dict(zip(["method", *TOY_SETTING_COLUMNS], key)),
                         "step": round(i / (n - 1) * steps), "regret": float(value),
                         "limit": float(group["limit_regret"].iloc[0])})
    return pd.DataFrame(rows)
