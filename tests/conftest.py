"""Test configuration shared by the whole suite.

* Matplotlib uses the non-interactive Agg backend (set here, not at import of the package).
* Hypothesis: ``deadline=None`` because the first example of a jitted kernel pays the
  compile; a ``ci`` profile derandomises examples so CI runs are reproducible.
"""

import os

import matplotlib

matplotlib.use("Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=40
)
settings.register_profile(
    "ci", parent=settings.get_profile("default"), derandomize=True, print_blob=True
)
settings.load_profile("ci" if os.environ.get("CI") else "default")
