"""The ``custom_id``\\ s a run has seen, in 32 bytes each (pure).

A million-line run must not hold a million strings to spot duplicates and skip what
a resumed run already did (a ``set`` of short ids costs ~100 bytes each). This keeps a
128-bit BLAKE2 digest of each id in one flat array, open addressing with linear
probing; two different ids share a digest with odds around 1e-26 for a million ids.
"""

from __future__ import annotations

import hashlib
from array import array

__all__ = ["IdSet"]


class IdSet:
    """A set of strings that only answers membership; no iteration."""

    __slots__ = ("_mask", "_size", "_slots")

    def __init__(self, capacity: int = 1024) -> None:
        slots = 16
        while slots < capacity * 2:
            slots *= 2
        self._slots = array("Q", bytes(16 * slots))  # (hi, lo) per slot; hi == 0: empty
        self._mask = slots - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @staticmethod
    def _digest(value: str) -> tuple[int, int]:
        raw = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        return int.from_bytes(raw[:8], "little") | 1, int.from_bytes(raw[8:], "little")

    def _find(self, hi: int, lo: int) -> tuple[int, bool]:
        slots, mask = self._slots, self._mask
        i = lo & mask
        while True:
            h = slots[2 * i]
            if h == 0:
                return i, False
            if h == hi and slots[2 * i + 1] == lo:
                return i, True
            i = (i + 1) & mask

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        return self._find(*self._digest(value))[1]

    def add(self, value: str) -> bool:
        """Add ``value``; ``False`` when it was already there."""
        hi, lo = self._digest(value)
        i, found = self._find(hi, lo)
        if found:
            return False
        self._slots[2 * i] = hi
        self._slots[2 * i + 1] = lo
        self._size += 1
        if self._size * 2 > self._mask + 1:
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * 2 * (self._mask + 1)))
        self._mask = 2 * (self._mask + 1) - 1
        for i in range(0, len(old), 2):
            hi = old[i]
            if hi:
                j, _ = self._find(hi, old[i + 1])
                self._slots[2 * j] = hi
                self._slots[2 * j + 1] = old[i + 1]
