"""The release checks build the distributions and make virtualenvs (about a minute,
and the network for 0.4.0's wheel): they run only when asked, ``pytest -m release
tests/release`` (.ci/run does)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every conftest hook sees the whole session's items: act on the marked ones only
    # (item.keywords would also match a directory named "release").
    if "release" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason="release check: run with pytest -m release tests/release")
    for item in items:
        if item.get_closest_marker("release") is not None:
            item.add_marker(skip)
