"""0.4.0's ``meganova.cloud.transport``: not in this release yet (see ``meganova.cloud``)."""

from __future__ import annotations

from .._compat.names import CLOUD_LATER
from .._compat.removed import unavailable

CloudTransport = unavailable(__name__, "CloudTransport", "the Cloud agent client", CLOUD_LATER)

__all__ = ["CloudTransport"]
