"""Chat models: messages, responses, OpenAI-style stream chunks and the guideline's
``ChatStreamChunk``.

Decoded by the codec from runtime type hints, so no ``from __future__ import
annotations`` here and types are spelled ``Optional[...]`` / ``List[...]``.
Roles and finish reasons are open strings: a value added by the server later decodes.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Generic, List, Optional, TypeVar, Union

from .common import Model

__all__ = [
    "ChatChoice",
    "ChatChunkChoice",
    "ChatCompletionChunk",
    "ChatDelta",
    "ChatMessage",
    "ChatResponse",
    "ChatStreamChunk",
    "ChoiceDelta",
    "DeltaFunctionCall",
    "ParsedChatMessage",
    "ParsedChatResponse",
    "ParsedChoice",
    "DeltaToolCall",
    "FunctionCall",
    "TokenUsage",
    "ToolCall",
]

# What the wire may carry as a message's content: text, or a list of content parts such
# as {"type": "text", "text": ...}. ``ChatMessage`` keeps a list in ``content_parts``.
Content = Union[str, List[Any], None]


def _text_of_parts(parts: List[Any]) -> Optional[str]:
    texts = [
        part["text"]
        for part in parts
        if isinstance(part, dict)
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    ]
    return "".join(texts) if texts else None


@dataclass
class FunctionCall(Model):
    """``arguments`` is a JSON-encoded string, exactly as the model produced it."""

    name: str = ""
    arguments: str = ""


@dataclass
class ToolCall(Model):
    """A tool call the assistant made: ``function.name`` and ``function.arguments`` (JSON text)."""

    id: str = ""
    type: str = "function"
    function: FunctionCall = field(default_factory=FunctionCall)


@dataclass
class ChatMessage(Model):
    """One conversation turn; also accepted as a request message.

    ``content`` is the text (``None`` on a turn that only calls tools). When the server
    sends a list of content parts instead, the list is kept in ``content_parts`` and
    ``content`` is the text of its ``text`` parts joined (``None`` when it has none).
    """

    role: str
    if TYPE_CHECKING:
        content: Optional[str] = None
    else:  # the codec decodes either wire form; __post_init__ splits a list off
        content: Content = None
    name: Optional[str] = None
    tool_calls: Optional[List[ToolCall]] = None
    tool_call_id: Optional[str] = None
    reasoning_content: Optional[str] = None
    content_parts: Optional[List[Any]] = None
    refusal: Optional[str] = None  # the model's refusal of a structured-output request

    def __post_init__(self) -> None:
        content: Any = self.content
        if isinstance(content, list):
            self.content_parts = content
            self.content = _text_of_parts(content)


def _assistant() -> ChatMessage:
    return ChatMessage(role="assistant")


@dataclass
class ChatChoice(Model):
    """One answer of a ``ChatResponse``: its ``message`` and why it ended (``finish_reason``)."""

    index: int = 0
    message: ChatMessage = field(default_factory=_assistant)
    finish_reason: Optional[str] = None
    logprobs: Optional[Any] = None


@dataclass
class TokenUsage(Model):
    """Token counts. The API may leave ``usage`` out of a reply (hence
    ``ChatResponse.usage`` is optional); when it is there, the three counts are."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: Optional[Dict[str, Any]] = None
    completion_tokens_details: Optional[Dict[str, Any]] = None


@dataclass
class ChatResponse(Model):
    """A whole chat completion. ``request_id`` comes from the reply's headers."""

    id: str = ""
    choices: List[ChatChoice] = field(default_factory=list)
    usage: Optional[TokenUsage] = None
    model: Optional[str] = None
    object: str = "chat.completion"
    created: Optional[int] = None
    system_fingerprint: Optional[str] = None
    # Set when a gateway answers 200 with {"error": ...}; the resource raises it.
    error: Optional[Any] = None
    request_id: Optional[str] = None

    @property
    def text(self) -> str:
        """The first choice's text ('' when it has none, e.g. a tool-call-only turn)."""
        if not self.choices:
            return ""
        content = self.choices[0].message.content
        return content if isinstance(content, str) else ""


# -- structured outputs (chat.completions.parse) ---------------------------------------

ParsedT = TypeVar("ParsedT")


@dataclass
class ParsedChatMessage(ChatMessage, Generic[ParsedT]):
    """A ``ChatMessage`` with ``parsed``: the reply's content as the type asked for
    (``None`` on a turn that only calls tools)."""

    parsed: Optional[ParsedT] = None

    def to_dict(self, *, exclude_none: bool = True) -> Dict[str, Any]:
        """The message as the API sends it: ``parsed`` (the SDK's, not the wire's) is
        left out, so the message can go back in a later call's ``messages``.

        Args:
            exclude_none: Keep fields that are ``None`` (left out by default).
        """
        out = super().to_dict(exclude_none=exclude_none)
        out.pop("parsed", None)
        return out


def _parsed_assistant() -> "ParsedChatMessage[Any]":
    return ParsedChatMessage(role="assistant")


@dataclass
class ParsedChoice(ChatChoice, Generic[ParsedT]):
    """A ``ChatChoice`` whose ``message`` is a ``ParsedChatMessage``."""

    message: ParsedChatMessage[ParsedT] = field(default_factory=_parsed_assistant)


@dataclass
class ParsedChatResponse(ChatResponse, Generic[ParsedT]):
    """The ``ChatResponse`` of ``chat.completions.parse``: every choice's
    ``message.parsed`` is the typed value."""

    # A list of the subclass: the parsed view of the same reply.
    choices: List[ParsedChoice[ParsedT]] = field(default_factory=list)  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]

    @property
    def parsed(self) -> Optional[ParsedT]:
        """The first choice's ``message.parsed`` (``None`` when there is no choice)."""
        return self.choices[0].message.parsed if self.choices else None


# -- streaming (OpenAI attribute paths: chunk.choices[0].delta.content) ----------------


@dataclass
class DeltaFunctionCall(Model):
    """A fragment of a streamed function call (joined by ``get_final_response()``)."""

    name: Optional[str] = None
    arguments: Optional[str] = None


@dataclass
class DeltaToolCall(Model):
    """A fragment of a tool call; fragments with the same ``index`` form one call."""

    index: Optional[int] = None
    id: Optional[str] = None
    type: Optional[str] = None
    function: Optional[DeltaFunctionCall] = None


@dataclass
class ChoiceDelta(Model):
    """What one stream chunk adds to a choice: text, reasoning, tool-call fragments."""

    role: Optional[str] = None
    content: Optional[str] = None
    reasoning_content: Optional[str] = None
    reasoning: Optional[str] = None  # the name some OpenAI-compatible servers use
    tool_calls: Optional[List[DeltaToolCall]] = None
    refusal: Optional[str] = None


ChatDelta = ChoiceDelta
"""The guideline's name of ``ChoiceDelta``."""


@dataclass
class ChatChunkChoice(Model):
    """One choice's piece of a stream chunk: the ``delta`` and, at its end, ``finish_reason``."""

    index: int = 0
    delta: ChoiceDelta = field(default_factory=ChoiceDelta)
    finish_reason: Optional[str] = None
    logprobs: Optional[Any] = None


@dataclass
class ChatCompletionChunk(Model):
    """One streamed chunk. A final usage-only chunk has empty ``choices``. ``error``
    is set when the server reported a failure inside the stream (the stream raises)."""

    id: str = ""
    choices: List[ChatChunkChoice] = field(default_factory=list)
    usage: Optional[TokenUsage] = None
    model: Optional[str] = None
    object: str = "chat.completion.chunk"
    created: Optional[int] = None
    system_fingerprint: Optional[str] = None
    error: Optional[Any] = None
    request_id: Optional[str] = None


@dataclass
class ChatStreamChunk(Model):
    """The guideline's stream item: ``delta`` is the new text. The last item of a
    stream has ``done=True``. ``chunk`` is the wire chunk it came from, for finish
    reasons, tool-call fragments, reasoning and usage."""

    delta: str
    index: int = 0
    request_id: Optional[str] = None
    done: bool = False
    chunk: Optional[ChatCompletionChunk] = None

    def _choice(self) -> Optional[ChatChunkChoice]:
        chunk = self.chunk
        if chunk is None:
            return None
        for choice in chunk.choices:
            if choice.index == self.index:
                return choice
        return None

    @property
    def finish_reason(self) -> Optional[str]:
        """Why the choice ended, on its last chunk (``None`` before)."""
        choice = self._choice()
        return None if choice is None else choice.finish_reason

    @property
    def role(self) -> Optional[str]:
        """The role the chunk announces (usually only on the first)."""
        choice = self._choice()
        return None if choice is None else choice.delta.role

    @property
    def tool_calls(self) -> Optional[List[DeltaToolCall]]:
        """Tool-call fragments in this chunk, if any."""
        choice = self._choice()
        return None if choice is None else choice.delta.tool_calls

    @property
    def reasoning(self) -> Optional[str]:
        """The reasoning text in this piece (``reasoning_content`` on the wire)."""
        choice = self._choice()
        if choice is None:
            return None
        delta = choice.delta
        return delta.reasoning_content if delta.reasoning_content is not None else delta.reasoning

    @property
    def usage(self) -> Optional[TokenUsage]:
        """Token usage, on the chunk that carries it (usually the last)."""
        return None if self.chunk is None else self.chunk.usage
