"""Hypothesis settings of the fuzz tests.

`ci` (the default) is what `make test` runs: a fixed set of examples per test, the same on
every run, so a red CI run is a reproducible one and the whole suite stays within about a
minute. `deep` is for hunting: `HYPOTHESIS_PROFILE=deep pytest tests/fuzz` tries 25 times
more, differently each run. Neither writes an example database; what Hypothesis caches goes
under the git-ignored test-output/.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(Path(__file__).parents[2] / "test-output" / "hypothesis")

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=timedelta(milliseconds=500),
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "deep",
    max_examples=2000,
    deadline=timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
