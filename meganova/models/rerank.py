"""0.4.0's ``meganova.models.rerank``, kept so its imports work (see MIGRATING.md)."""

from __future__ import annotations

from ..core.models.rerank import RerankResponse, RerankResult

__all__ = ["RerankResponse", "RerankResult"]
