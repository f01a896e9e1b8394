"""0.4.0's ``meganova.models.videos``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.aliases import renamed
from .._compat.removed import unavailable
from ..core.models.videos import VideoGeneration

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.videos import NativeVideoGeneration as VideoGenerationResponse

SupportedVideoModel = unavailable(
    __name__,
    "SupportedVideoModel",
    "a response model",
    "client.videos.supported_models().model_names lists the names.",
)

__all__ = ["SupportedVideoModel", "VideoGeneration", "VideoGenerationResponse"]

__getattr__ = renamed(
    __name__,
    {
        "VideoGenerationResponse": ("meganova.core.models.videos", "NativeVideoGeneration"),
    },
)
