"""``POST /rerank``: results sorted by relevance (as the server sends them)."""

from dataclasses import dataclass, field
from typing import Any, List, Optional

from .common import Model


@dataclass
class RerankResult(Model):
    """``document`` is a string when strings were sent; for object documents its form
    is unknown, so it is kept as sent."""

    index: int = 0
    relevance_score: Optional[float] = None
    document: Any = None


@dataclass
class RerankResponse(Model):
    """The reply of ``client.rerank.create``: ``results``, best first."""

    results: List[RerankResult] = field(default_factory=list)
    model: Optional[str] = None
    id: Optional[str] = None
    usage: Any = None
    request_id: Optional[str] = None
