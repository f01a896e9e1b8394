"""The system clock reads the time module per call, so tools that patch it (freezegun)
reach the SDK's deadlines and elapsed times too."""

import time

import pytest

from meganova.adapters.clock import SystemClock
from meganova.core.engine import ReadingClock


@pytest.mark.parametrize("clock", [SystemClock(), ReadingClock()], ids=["system", "reading"])
def test_the_clock_reads_the_time_module_when_asked(monkeypatch, clock):
    monkeypatch.setattr(time, "monotonic", lambda: 123.0)
    monkeypatch.setattr(time, "time", lambda: 456.0)
    assert (clock.monotonic(), clock.time()) == (123.0, 456.0)
