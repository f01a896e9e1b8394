"""0.4.0's ``meganova.cloud.agent``: not in this release yet (see ``meganova.cloud``)."""

from __future__ import annotations

from . import CloudAgent, Conversation

__all__ = ["CloudAgent", "Conversation"]
