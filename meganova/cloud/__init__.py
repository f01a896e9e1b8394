"""Meganova Cloud agents: chat with an agent deployed on Meganova Studio.

>>> from meganova.cloud import CloudAgent
>>> agent = CloudAgent(api_key="agent_...")     # or MEGANOVA_AGENT_KEY    # doctest: +SKIP
>>> agent.chat("Hello!").response                                          # doctest: +SKIP

``AsyncCloudAgent`` is the asyncio twin. The names of meganova 0.4.0's ``meganova.cloud``
resolve here too (``ChatCompletionResponse`` is today's ``ChatResponse``).
"""

from __future__ import annotations

from ..core.models.agents import AgentChatResponse, AgentInfo, PendingToolCall
from ..core.models.chat import ChatCompletionChunk, ChatResponse
from ..core.resources.agents import ConversationState
from .agent import AsyncCloudAgent, AsyncConversation, CloudAgent, Conversation

ChatCompletionResponse = ChatResponse  # 0.4.0's name of the agent's completion reply

__all__ = [
    "AgentChatResponse",
    "AgentInfo",
    "AsyncCloudAgent",
    "AsyncConversation",
    "ChatCompletionChunk",
    "ChatCompletionResponse",
    "CloudAgent",
    "Conversation",
    "ConversationState",
    "PendingToolCall",
]
