"""Scripted replies for the fake Meganova, as plain data.

Steps are consumed in order. A step with a ``path`` answers only requests to that
path (relative to the API root, e.g. ``"/chat/completions"``); chat steps default to
the chat path, the others (``Error``, ``Drop``, ``Delay``, ``Json``) answer whatever
request comes next. Every step takes ``delay``: seconds the fake waits on its clock
before answering (longer than the request's read timeout means a timeout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

CHAT_PATH = "/chat/completions"


@dataclass(frozen=True)
class Text:
    """A chat answer. Streamed requests get it word by word."""

    content: str
    finish_reason: str = "stop"
    reasoning: Optional[str] = None
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Stream:
    """A chat answer streamed in exactly these pieces (joined for non-streamed calls).
    ``gap`` is the wait between two events."""

    pieces: Sequence[str]
    finish_reason: str = "stop"
    gap: float = 0.0
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class ToolCall:
    """The assistant calls one tool; ``arguments`` is a dict (sent JSON-encoded) or a
    raw string (to test bad arguments)."""

    name: str
    arguments: Union[Mapping[str, Any], str] = field(default_factory=dict)
    id: Optional[str] = None
    content: Optional[str] = None
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Error:
    """An error status with the API's ``{"error": {...}}`` body (or ``body`` as given).
    ``retry_after`` sets the ``Retry-After`` header, in seconds."""

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
    A non-streamed call loses its body halfway."""

    after: int = 0
    pieces: Optional[Sequence[str]] = None
    delay: float = 0.0
    path: Optional[str] = None


@dataclass(frozen=True)
class EndEarly:
    """A stream that ends cleanly but too soon: no finish reason, no ``[DONE]``."""

    pieces: Sequence[str] = ("Once upon ",)
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Corrupt:
    """A stream whose event number ``after`` (0-based) is not valid JSON."""

    after: int = 1
    pieces: Optional[Sequence[str]] = None
    data: bytes = b'{"id": "chatcmpl-corrupt", "choices": [{"delta": {"cont'
    delay: float = 0.0
    path: Optional[str] = CHAT_PATH


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` on the fake's clock, then give the normal (unscripted) answer."""

    seconds: float
    path: Optional[str] = None


@dataclass(frozen=True)
class Json:
    """Any JSON reply, for endpoints beyond chat."""

    body: Any
    status: int = 200
    headers: Optional[Mapping[str, str]] = None
    delay: float = 0.0
    path: Optional[str] = None


Step = Union[Text, Stream, ToolCall, Error, Drop, EndEarly, Corrupt, Delay, Json]
STEP_TYPES: Tuple[type, ...] = (Text, Stream, ToolCall, Error, Drop, EndEarly, Corrupt, Delay, Json)


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
