"""0.4.0's ``meganova.models.chat``, kept so its imports work (see MIGRATING.md).

0.4.0's ``ChatStreamChunk`` was the wire chunk: today's ``ChatCompletionChunk`` (today's
``ChatStreamChunk`` is the item of ``client.chat.stream``).
"""

from __future__ import annotations

from .._compat.aliases import renamed
from ..core.models.chat import (
    ChatChoice,
    ChatMessage,
    ChatResponse,
    FunctionCall,
    TokenUsage,
    ToolCall,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.chat import ChatChunkChoice as ChatStreamChunkChoice
    from ..core.models.chat import ChatCompletionChunk as ChatStreamChunk

__all__ = [
    "ChatChoice",
    "ChatMessage",
    "ChatResponse",
    "ChatStreamChunk",
    "ChatStreamChunkChoice",
    "FunctionCall",
    "TokenUsage",
    "ToolCall",
]

__getattr__ = renamed(
    __name__,
    {
        "ChatStreamChunk": ("meganova.core.models.chat", "ChatCompletionChunk"),
        "ChatStreamChunkChoice": ("meganova.core.models.chat", "ChatChunkChoice"),
    },
)
