"""Public argument checks shared by ``mdps``, the paper modules and users' own claims.

Every check raises one ``ValueError`` (or ``TypeError``) with the message
``"{name}: expected {condition}; got {value}"``, naming the parameter, the condition and the
value received, never a NumPy traceback from deep inside.
"""

from ._validation import (SIMPLEX_ATOL, as_float_array, check_finite, check_int,
                          check_nonnegative, check_real, check_rng, check_shape, check_simplex,
                          fail)

__all__ = ["fail", "as_float_array", "check_shape", "check_finite", "check_nonnegative",
           "check_simplex", "check_int", "check_real", "check_rng", "SIMPLEX_ATOL"]
