"""``POST /audio/transcriptions`` replies."""

from dataclasses import dataclass
from typing import Any, List, Optional

from .common import Model


@dataclass
class Transcription(Model):
    """The reply of ``client.audio.transcribe``: the ``text``, and details when sent."""

    text: str = ""
    language: Optional[str] = None
    duration: Optional[float] = None
    segments: Optional[List[Any]] = None
    request_id: Optional[str] = None
