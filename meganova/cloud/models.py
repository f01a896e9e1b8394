"""0.4.0's ``meganova.cloud.models``: the Cloud agent reply models (see ``meganova.cloud``)."""

from __future__ import annotations

from ..core.models.agents import AgentChatResponse, AgentInfo, PendingToolCall
from ..core.models.chat import ChatCompletionChunk, ChatResponse

ChatCompletionResponse = ChatResponse

__all__ = [
    "AgentChatResponse",
    "AgentInfo",
    "ChatCompletionChunk",
    "ChatCompletionResponse",
    "PendingToolCall",
]
