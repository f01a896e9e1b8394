"""0.4.0's ``meganova.transport``: its ``SyncTransport`` was internal and is gone.

Choose a transport with ``MegaNova(transport="urllib3" | "stdlib")`` or pass your own
object with ``send(request)`` and ``close()`` (see README, "Custom transports").
"""

from __future__ import annotations

from ._compat.removed import unavailable

SyncTransport = unavailable(
    __name__,
    "SyncTransport",
    "the internal requests transport",
    'Pass MegaNova(transport="urllib3" or "stdlib") or your own object with send() and '
    "close() (README, 'Custom transports').",
)

__all__ = ["SyncTransport"]
