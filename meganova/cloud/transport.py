"""0.4.0's ``meganova.cloud.transport``: its ``CloudTransport`` (a requests session of its
own) is gone. Cloud agents use the SDK's transports: pass ``CloudAgent(transport=...)``."""

from __future__ import annotations

from .._compat.removed import unavailable

CloudTransport = unavailable(
    __name__,
    "CloudTransport",
    "the Cloud agent's private HTTP layer",
    "CloudAgent uses the same transports as MegaNova: choose one with "
    "CloudAgent(transport='urllib3' | 'stdlib' | 'requests' | your own).",
)

__all__ = ["CloudTransport"]
