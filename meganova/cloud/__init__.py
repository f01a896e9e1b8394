"""0.4.0's ``meganova.cloud`` (Cloud agents): not in this release yet.

Its names import, so an application that mentions them still starts; using one raises
``UnavailableFeatureError`` saying what to do (see MIGRATING.md, "What's not in 0.5.0").
"""

from __future__ import annotations

from .._compat.names import CLOUD_LATER
from .._compat.removed import unavailable, warn_on_import

warn_on_import(__name__, "the Cloud agent client", CLOUD_LATER)

CloudAgent = unavailable(__name__, "CloudAgent", "the Cloud agent client", CLOUD_LATER)
Conversation = unavailable(__name__, "Conversation", "the Cloud agent client", CLOUD_LATER)
AgentChatResponse = unavailable(__name__, "AgentChatResponse", "a Cloud agent model", CLOUD_LATER)
AgentInfo = unavailable(__name__, "AgentInfo", "a Cloud agent model", CLOUD_LATER)
ChatCompletionChunk = unavailable(
    __name__, "ChatCompletionChunk", "a Cloud agent model", CLOUD_LATER
)
ChatCompletionResponse = unavailable(
    __name__, "ChatCompletionResponse", "a Cloud agent model", CLOUD_LATER
)
PendingToolCall = unavailable(__name__, "PendingToolCall", "a Cloud agent model", CLOUD_LATER)

__all__ = [
    "AgentChatResponse",
    "AgentInfo",
    "ChatCompletionChunk",
    "ChatCompletionResponse",
    "CloudAgent",
    "Conversation",
    "PendingToolCall",
]
