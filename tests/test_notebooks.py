"""Every notebook in notebooks/ runs top to bottom at the smallest scale (testing tier 4).

The runner is generic: each ``notebooks/*.ipynb`` is discovered and executed with nbclient on
the ``python3`` kernel, which must resolve to this interpreter (the venv's): jupyter_client
substitutes ``sys.executable`` for a kernelspec whose argv starts with ``python``, and
:func:`test_kernel_is_this_interpreter` checks it. The contract every notebook honours:

* ``BOUNDLAB_SCALE`` -- the scale of its sweeps (set to ``smoke`` here);
* ``BOUNDLAB_STORE`` -- the results store (a temporary file here, never the user's);
* ``BOUNDLAB_EXECUTOR`` -- the sweep executor (``serial`` here: no worker start-up cost).

The kernel inherits this process's environment, and its working directory is a temporary
directory, so nothing is written into the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
TIMEOUT = 600  # seconds per cell; smoke scale is meant to take seconds


def _execute(nb, cwd: Path):
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=TIMEOUT,
                            resources={"metadata": {"path": str(cwd)}})
    return client.execute()


@pytest.fixture
def smoke_env(tmp_path, monkeypatch):
    monkeypatch.setenv("BOUNDLAB_SCALE", "smoke")
    monkeypatch.setenv("BOUNDLAB_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("BOUNDLAB_EXECUTOR", "serial")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # tiny problems; avoid thread contention
    return tmp_path


def test_kernel_is_this_interpreter(smoke_env):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys; print(sys.executable)")]
    out = _execute(nb, smoke_env).cells[0].outputs[0]["text"].strip()
    assert Path(out).resolve() == Path(sys.executable).resolve()


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_at_smoke_scale(path, smoke_env):
    nb = nbformat.read(path, as_version=4)
    _execute(nb, smoke_env)  # raises CellExecutionError with the failing cell's traceback
    assert (smoke_env / "store.sqlite").exists(), "the notebook did not use BOUNDLAB_STORE"
