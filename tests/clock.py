"""Kept for older imports: the virtual clock now lives in ``meganova.testing``."""

from meganova.testing.clock import VirtualClock

__all__ = ["VirtualClock"]
