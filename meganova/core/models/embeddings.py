"""``POST /embeddings`` (OpenAI shape). ``base64`` vectors are decoded to floats too."""

import base64
import binascii
import struct
from dataclasses import dataclass, field
from typing import List, Optional, Union

from .common import Model


def decode_base64_vector(text: str) -> List[float]:
    """OpenAI's ``encoding_format="base64"``: little-endian float32 values."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"embedding is not valid base64: {exc}") from None
    if len(raw) % 4:
        raise ValueError(f"base64 embedding has {len(raw)} bytes, not a multiple of 4")
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def _floats(vector: Union[List[float], str]) -> List[float]:
    return decode_base64_vector(vector) if isinstance(vector, str) else list(vector)


@dataclass
class Embedding(Model):
    """``embedding`` is always a list of floats; ``embedding_base64`` keeps the text the
    server sent when it was base64."""

    embedding: Union[List[float], str] = field(default_factory=list)
    index: int = 0
    object: Optional[str] = None
    embedding_base64: Optional[str] = None

    def __post_init__(self) -> None:
        if isinstance(self.embedding, str):
            self.embedding_base64 = self.embedding
            self.embedding = decode_base64_vector(self.embedding)


@dataclass
class EmbeddingUsage(Model):
    """Token counts, when the reply carries ``usage`` (the API sends both)."""

    prompt_tokens: int = 0
    total_tokens: int = 0


@dataclass
class EmbeddingResponse(Model):
    """The reply of ``client.embeddings.create``: one ``Embedding`` per input, in order."""

    data: List[Embedding] = field(default_factory=list)
    model: Optional[str] = None
    object: Optional[str] = None
    usage: Optional[EmbeddingUsage] = None
    request_id: Optional[str] = None

    @property
    def embeddings(self) -> List[List[float]]:
        """The vectors in input order."""
        return [_floats(e.embedding) for e in sorted(self.data, key=lambda e: e.index)]
