"""Shared test settings: bounded hypothesis profiles, no real sleeps."""

import os

from hypothesis import HealthCheck, settings

# ci: bounded and derandomized, so a run is reproducible and a red CI is never luck;
# dev (HYPOTHESIS_PROFILE=dev): more examples from fresh random seeds, to find new cases.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
