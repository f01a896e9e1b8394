"""0.4.0's ``meganova.models.images``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.aliases import renamed
from .._compat.removed import unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.images import ImageData as GeneratedImage
    from ..core.models.images import ImageGeneration as ImageGenerationResponse

ImageTimings = unavailable(
    __name__,
    "ImageTimings",
    "a response model",
    "`image.timings` is a dict now: image.timings['inference'].",
)

__all__ = ["GeneratedImage", "ImageGenerationResponse", "ImageTimings"]

__getattr__ = renamed(
    __name__,
    {
        "GeneratedImage": ("meganova.core.models.images", "ImageData"),
        "ImageGenerationResponse": ("meganova.core.models.images", "ImageGeneration"),
    },
)
