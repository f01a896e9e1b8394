"""0.4.0's top-level names that were renamed or are not in this release (``meganova``'s
``__getattr__`` hands them out from here)."""

from __future__ import annotations

from typing import Any

from .aliases import Renames, resolve
from .removed import unavailable

RENAMES: Renames = {
    "EmbeddingData": ("meganova.core.models.embeddings", "Embedding"),
    "GeneratedImage": ("meganova.core.models.images", "ImageData"),
    "ImageGenerationResponse": ("meganova.core.models.images", "ImageGeneration"),
    "ServerlessModelsResponse": ("meganova.core.models.serverless", "ServerlessCatalogue"),
    "TranscriptionResponse": ("meganova.core.models.audio", "Transcription"),
    "VideoGenerationResponse": ("meganova.core.models.videos", "NativeVideoGeneration"),
}

ModelTags = unavailable(
    "meganova",
    "ModelTags",
    "a response model",
    "ServerlessModel.tags is a dict now: model.tags['modality'].",
)
STAND_INS = {"ModelTags": ModelTags}


def top_level(name: str) -> Any:
    """``meganova.<name>``: a stand-in as is, a renamed class with a warning at the
    caller's line (user -> meganova.__getattr__ -> here -> resolve)."""
    if name in STAND_INS:
        return STAND_INS[name]
    return resolve("meganova", name, RENAMES, stacklevel=4)
