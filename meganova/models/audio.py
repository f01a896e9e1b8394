"""0.4.0's ``meganova.models.audio``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from .._compat.aliases import renamed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.audio import Transcription as TranscriptionResponse

__all__ = ["TranscriptionResponse"]

__getattr__ = renamed(
    __name__,
    {
        "TranscriptionResponse": ("meganova.core.models.audio", "Transcription"),
    },
)
