"""Scripted replies for the fake Meganova, as plain data.

Steps are consumed in order. A step with a ``path`` answers only requests to that
path (relative to the API root, e.g. ``"/chat/completions"``; a Cloud agent's paths
are ``/agent/info``, ``/agent/chat``, ``/agent/chat/confirm``, ``/agent/confirm-tool``
and ``/agent/chat/completions``); chat steps default to the chat path, the others
(``Error``, ``Drop``, ``Delay``, ``Json``) answer whatever
request comes next. Every step takes ``delay``: seconds the fake waits on its clock
before answering (longer than the request's read timeout means a timeout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Tuple, Union, get_args

CHAT_PATH = "/chat/completions"


@dataclass(frozen=True)
class Text:
    """A chat answer. Streamed requests get it word by word.

    Args:
        content: The answer text.
        finish_reason: The finish reason sent with it.
        reasoning: Reasoning text, sent as the message's ``reasoning_content``.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the chat path by default).
    """

    content: str
    finish_reason: str = "stop"
    reasoning: Optional[str] = None
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Stream:
    """A chat answer streamed in exactly these pieces (joined for non-streamed calls).

    Args:
        pieces: The text of each event, in order.
        finish_reason: The finish reason of the last event.
        gap: Seconds (on the fake's clock) between two events.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the chat path by default).
    """

    pieces: Sequence[str]
    finish_reason: str = "stop"
    gap: float = 0.0
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class ToolCall:
    """The assistant calls one tool (streamed as OpenAI-style fragments).

    Args:
        name: The function's name.
        arguments: A dict (sent JSON-encoded) or a raw string (to test bad arguments).
        id: The tool call's id (default: one is made up).
        content: Text the assistant sends along with the call.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the chat path by default).
    """

    name: str
    arguments: Union[Mapping[str, Any], str] = field(default_factory=dict)
    id: Optional[str] = None
    content: Optional[str] = None
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class ToolCalls:
    """The assistant calls several tools in one turn (streamed as OpenAI-style fragments,
    one ``index`` per call).

    Args:
        calls: The calls, as ``ToolCall`` steps (their ``content``, ``delay`` and
            ``path`` are not used).
        content: Text the assistant sends along with the calls.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the chat path by default).
    """

    calls: Sequence[ToolCall]
    content: Optional[str] = None
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Refusal:
    """The model refuses: the reply's ``message.refusal`` (streamed as ``delta.refusal``)
    and no content, what ``chat.completions.parse`` raises ``RefusalError`` for.

    Args:
        refusal: The refusal text.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the chat path by default).
    """

    refusal: str = "I'm sorry, I can't help with that."
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Error:
    """An error status with the API's ``{"error": {...}}`` body (or ``body`` as given).

    Args:
        status: The HTTP status, e.g. ``429`` or ``503``.
        message: The error message in the body.
        code: The error code in the body.
        retry_after: Seconds for the ``Retry-After`` header.
        headers: More reply headers.
        body: The raw body (bytes) or a JSON object, instead of the API's error shape.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (``None``: whatever request comes next).
    """

    status: int
    message: str = ""
    code: Optional[str] = None
    retry_after: Optional[float] = None
    headers: Optional[Mapping[str, str]] = None
    body: Optional[Union[bytes, Mapping[str, Any]]] = None
    delay: float = 0.0
    path: Optional[str] = None


@dataclass(frozen=True)
class Drop:
    """The connection drops after ``after`` stream events (``0``: before any reply).
    A non-streamed call loses its body halfway.

    Args:
        after: How many events arrive before the drop.
        pieces: The text of the events (default: the start of Luna's answer).
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (``None``: whatever request comes next).
    """

    after: int = 0
    pieces: Optional[Sequence[str]] = None
    delay: float = 0.0
    path: Optional[str] = None


@dataclass(frozen=True)
class EndEarly:
    """A stream that ends cleanly but too soon: no finish reason, no ``[DONE]``.

    Args:
        pieces: The text of the events that do arrive.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the chat path by default).
    """

    pieces: Sequence[str] = ("Once upon ",)
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Corrupt:
    """A stream whose event number ``after`` (0-based) is not valid JSON.

    Args:
        after: The position of the corrupt event.
        pieces: The text of the good events (default: Luna's answer).
        data: The corrupt event's payload.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the chat path by default).
    """

    after: int = 1
    pieces: Optional[Sequence[str]] = None
    data: bytes = b'{"id": "chatcmpl-corrupt", "choices": [{"delta": {"cont'
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` on the fake's clock, then give the normal (unscripted) answer.

    Args:
        seconds: How long to wait.
        path: The API path this step answers, relative to the API root
            (``None``: whatever request comes next).
    """

    seconds: float
    path: Optional[str] = None


@dataclass(frozen=True)
class Json:
    """Any JSON reply, for endpoints beyond chat.

    Args:
        body: The JSON value to send.
        status: The HTTP status.
        headers: More reply headers.
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (``None``: whatever request comes next).
    """

    body: Any
    status: int = 200
    headers: Optional[Mapping[str, str]] = None
    delay: float = 0.0
    path: Optional[str] = None


AGENT_CHAT_PATH = "/agent/chat"


@dataclass(frozen=True)
class ToolApproval:
    """A Cloud agent's chat reply that waits on a person's approval before running a
    tool (its ``pending_tool_call``). Confirming it (``/agent/chat/confirm`` or
    ``/agent/confirm-tool``) answers ``result``; rejecting it answers an acknowledgement
    without ``message_id``, ``agent_id`` and ``agent_name`` (as a live one may).

    Args:
        tool_name: The tool the agent wants to run.
        arguments: The tool's arguments (``tool_arguments``).
        description: What the tool would do, for the person asked.
        response: The agent's text sent with the request for approval.
        result: The agent's answer once the tool is approved.
        approval_id: The approval's id (default: one is made up).
        delay: Seconds the fake waits on its clock before answering (longer than the
            request's read timeout means a timeout).
        path: The API path this step answers, relative to the API root
            (the agent's chat, ``/agent/chat``, by default).
    """

    tool_name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    response: str = "I can do that for you. Shall I go ahead?"
    result: Optional[str] = None
    approval_id: Optional[str] = None
    delay: float = 0.0
    path: Optional[str] = AGENT_CHAT_PATH


Step = Union[
    Text,
    Stream,
    ToolCall,
    ToolCalls,
    Refusal,
    Error,
    Drop,
    EndEarly,
    Corrupt,
    Delay,
    Json,
    ToolApproval,
]
"""Any script step: what ``FakeMeganova.script`` takes."""
STEP_TYPES: Tuple[type, ...] = get_args(Step)  # what isinstance checks a step against


def coerce_step(step: object) -> Step:
    """A bare string is shorthand for ``Text``."""
    if isinstance(step, str):
        return Text(step)
    if isinstance(step, STEP_TYPES):
        return step  # type: ignore[return-value]
    raise TypeError(
        f"A script step must be a str or one of {[t.__name__ for t in STEP_TYPES]}, "
        f"got {type(step).__name__}"
    )


def step_delay(step: Step) -> float:
    return step.seconds if isinstance(step, Delay) else step.delay
