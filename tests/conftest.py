"""Shared test settings: bounded hypothesis profiles, no real sleeps."""

import os

import pytest
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


@pytest.fixture(autouse=True)
def _no_proxies_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The transports honour HTTP(S)_PROXY, ALL_PROXY and NO_PROXY: a test sets the
    ones it depends on itself, and none leaks in from the machine running the tests."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
