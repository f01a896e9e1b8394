"""0.4.0's ``meganova.cloud.models``: not in this release yet (see ``meganova.cloud``)."""

from __future__ import annotations

from .._compat.names import CLOUD_LATER
from .._compat.removed import stand_ins

__getattr__ = stand_ins(__name__, "a Cloud agent model", CLOUD_LATER)
