"""Meganova Python SDK.

``from meganova import MegaNova, MeganovaError``. Every name loads on first use, so
``import meganova`` stays fast (pytest imports the package for its plugin in every
session). The names 0.4.0 exported resolve too (see MIGRATING.md).
"""

# ruff: noqa: F401  (the names imported for type checkers are re-exported lazily)
from __future__ import annotations

from ._version import __version__

TYPE_CHECKING = False  # typing itself costs more to import than this whole module
if TYPE_CHECKING:
    from typing import Any

    from ._compat.names import ModelTags
    from .client import AsyncMegaNova, MegaNova
    from .cloud import CloudAgent
    from .core.errors import (
        ContentFilterFinishReasonError,
        LengthFinishReasonError,
        MeganovaError,
        OutputValidationError,
        RefusalError,
        SchemaValidationError,
        StructuredOutputError,
    )
    from .core.hooks import Hooks
    from .core.models.audio import Transcription as TranscriptionResponse
    from .core.models.embeddings import Embedding, EmbeddingResponse
    from .core.models.embeddings import Embedding as EmbeddingData
    from .core.models.images import ImageData as GeneratedImage
    from .core.models.images import ImageGeneration as ImageGenerationResponse
    from .core.models.rerank import RerankResponse, RerankResult
    from .core.models.serverless import ServerlessCatalogue as ServerlessModelsResponse
    from .core.models.serverless import ServerlessModel
    from .core.models.videos import NativeVideoGeneration as VideoGenerationResponse
    from .core.models.videos import VideoGeneration
    from .core.response_info import RateLimitInfo, ResponseInfo, response_info

__all__ = [
    "AsyncMegaNova",
    "ContentFilterFinishReasonError",
    "Hooks",
    "LengthFinishReasonError",
    "MegaNova",
    "MeganovaError",
    "OutputValidationError",
    "RateLimitInfo",
    "RefusalError",
    "ResponseInfo",
    "SchemaValidationError",
    "StructuredOutputError",
    "__version__",
    "response_info",
]

# name -> module that defines it
_LAZY = {
    "MegaNova": "meganova.client",
    "AsyncMegaNova": "meganova.client",
    "MeganovaError": "meganova.core.errors",
    # structured outputs (chat.completions.parse, meganova.schema)
    **dict.fromkeys(
        [
            "ContentFilterFinishReasonError",
            "LengthFinishReasonError",
            "OutputValidationError",
            "RefusalError",
            "SchemaValidationError",
            "StructuredOutputError",
        ],
        "meganova.core.errors",
    ),
    "Hooks": "meganova.core.hooks",
    "ResponseInfo": "meganova.core.response_info",
    "RateLimitInfo": "meganova.core.response_info",
    "response_info": "meganova.core.response_info",
    # 0.4.0's top-level names that kept their name and meaning
    "EmbeddingResponse": "meganova.core.models.embeddings",
    "RerankResponse": "meganova.core.models.rerank",
    "RerankResult": "meganova.core.models.rerank",
    "ServerlessModel": "meganova.core.models.serverless",
    "Embedding": "meganova.core.models.embeddings",
    "VideoGeneration": "meganova.core.models.videos",
    "CloudAgent": "meganova.cloud",
}
# 0.4.0's top-level names that were renamed or are not in this release
_COMPAT = frozenset(
    {
        "EmbeddingData",
        "GeneratedImage",
        "ImageGenerationResponse",
        "ModelTags",
        "ServerlessModelsResponse",
        "TranscriptionResponse",
        "VideoGenerationResponse",
    }
)


def __getattr__(name: str) -> Any:
    import importlib

    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    if name in _COMPAT:
        # not cached: a renamed name warns at every import site
        from ._compat.names import top_level

        return top_level(name)
    raise AttributeError(f"module 'meganova' has no attribute {name!r}")
