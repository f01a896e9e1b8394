"""0.4.0's ``meganova.models.embeddings``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.aliases import renamed
from ..core.models.embeddings import Embedding, EmbeddingResponse, EmbeddingUsage

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.embeddings import Embedding as EmbeddingData

__all__ = ["Embedding", "EmbeddingData", "EmbeddingResponse", "EmbeddingUsage"]

__getattr__ = renamed(
    __name__,
    {
        "EmbeddingData": ("meganova.core.models.embeddings", "Embedding"),
    },
)
