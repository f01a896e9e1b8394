"""0.4.0's ``meganova.config`` constants, with today's values.

``DEFAULT_TIMEOUT`` is today's default (5 s to connect, 600 s between reads; 0.4.0 used
60 s for both), ``MAX_RETRIES`` is still 2.
"""

from __future__ import annotations

from .core.config import DEFAULT_BASE_URL as PRODUCTION_API_URL
from .core.config import DEFAULT_TIMEOUT

CLOUD_API_URL = "https://studio-api.meganova.ai"
MAX_RETRIES = 2

__all__ = ["CLOUD_API_URL", "DEFAULT_TIMEOUT", "MAX_RETRIES", "PRODUCTION_API_URL"]
