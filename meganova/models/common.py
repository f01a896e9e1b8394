"""0.4.0's ``meganova.models.common``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.removed import unavailable

BaseResponse = unavailable(
    __name__,
    "BaseResponse",
    "a response base class",
    "Every response model has `status`/`message` where the API sends them.",
)

__all__ = ["BaseResponse"]
