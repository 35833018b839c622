"""Every script in paper_figs/ runs at the smallest scale and writes its figure (tier 4).

The runner is generic: each ``paper_figs/*.py`` is run as ``python SCRIPT --out DIR`` in a
fresh interpreter (this one, the venv's), with the same environment contract as the
notebooks: ``BOUNDLAB_SCALE=smoke``, ``BOUNDLAB_STORE`` a temporary store,
``BOUNDLAB_EXECUTOR=serial``. A script passes when it exits 0 and leaves at least one PNG
and one PDF in ``DIR``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "paper_figs").glob("*.py") if not p.name.startswith("_"))
TIMEOUT = 600  # seconds; smoke scale is meant to take seconds


def test_there_are_scripts():
    assert SCRIPTS, "paper_figs/ holds no script"


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_paper_fig_runs_at_smoke_scale(script, tmp_path):
    env = dict(os.environ, BOUNDLAB_SCALE="smoke", BOUNDLAB_STORE=str(tmp_path / "store.sqlite"),
               BOUNDLAB_EXECUTOR="serial", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(script), "--out", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout}\n{proc.stderr}"
    assert list(out.glob("*.png")), f"{script.name} wrote no PNG into --out"
    assert list(out.glob("*.pdf")), f"{script.name} wrote no PDF into --out"
    assert (tmp_path / "store.sqlite").exists(), f"{script.name} did not use BOUNDLAB_STORE"
