"""Test configuration shared by the whole suite.

* Matplotlib uses the non-interactive Agg backend (set here, not at import of the package).
* Hypothesis: ``deadline=None`` because the first example of a jitted kernel pays the
  compile. The default profile is **derandomised** (every run, CI or not, draws the same
  examples, so a fresh-clone ``make test`` is reproducible); ``HYPOTHESIS_PROFILE=explore``
  draws fresh random examples with more of them, to look for new failures. Every failure
  the explore profile finds is pinned as an ``@example`` on its test.
"""

import os

import matplotlib

matplotlib.use("Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=40,
    derandomize=True, print_blob=True,
)
settings.register_profile("ci", parent=settings.get_profile("default"))
settings.register_profile(
    "explore", parent=settings.get_profile("default"), derandomize=False, max_examples=200
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
