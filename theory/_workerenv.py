"""Worker bootstrap: one BLAS/OpenMP thread per worker process of the ``processes`` executor.

Imported only in the multiprocessing *forkserver* (see :func:`theory._executors._mp_context`),
before NumPy, so that the forkserver and every worker forked from it start their BLAS and
OpenMP runtimes with one thread: the pool already uses every core, and more threads per
worker would oversubscribe them (and could change the order of floating-point sums). Never
import this module in a user's process; it sets environment variables at import by design.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"
