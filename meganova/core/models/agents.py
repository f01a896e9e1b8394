"""Cloud (Studio) agent replies: ``/info``, ``/chat`` and tool confirmation.

Every field has a default: the live API's exact shapes are not pinned down (a
rejection acknowledgement may lack ``message_id``, ``agent_id`` and ``agent_name``),
so a reply missing a field still decodes, and unknown fields are ignored. The agent's
OpenAI-style ``/chat/completions`` answers with ``ChatResponse`` / ``ChatCompletionChunk``.

Decoded by the codec from runtime type hints: no ``from __future__ import annotations``.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from .common import Model

__all__ = ["AgentChatResponse", "AgentInfo", "PendingToolCall"]


@dataclass
class AgentInfo(Model):
    """What ``GET /agents/v1/{key}/info`` says about the agent."""

    id: str = ""
    name: str = ""
    description: Optional[str] = None
    avatar_url: Optional[str] = None
    welcome_message: str = ""
    is_available: Optional[bool] = None
    request_id: Optional[str] = None


@dataclass
class PendingToolCall(Model):
    """A tool the agent wants to run once a person approves it: answer with
    ``agent.confirm_tool(approval_id, "approve" | "reject")``."""

    approval_id: str = ""
    tool_name: str = ""
    tool_arguments: Dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass
class AgentChatResponse(Model):
    """The agent's answer to ``chat`` or ``confirm_tool``.

    ``response`` is the text; ``conversation_id`` continues the conversation;
    ``pending_tool_call`` is set when the agent waits for an approval.
    """

    response: str = ""
    conversation_id: Optional[str] = None
    message_id: Optional[str] = None
    agent_id: Optional[str] = None
    agent_name: Optional[str] = None
    tokens_used: Optional[int] = None
    if TYPE_CHECKING:
        memories_used: int = 0
    else:  # the wire may send null: it decodes, and becomes 0
        memories_used: Optional[int] = 0
    image_urls: Optional[List[str]] = None
    resolution_status: Optional[str] = None
    resolution_confidence: Optional[float] = None
    pending_tool_call: Optional[PendingToolCall] = None
    status: Optional[str] = None
    request_id: Optional[str] = None

    def __post_init__(self) -> None:
        if self.memories_used is None:
            self.memories_used = 0
