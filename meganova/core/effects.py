"""What a call asks its driver to do. Core's flows are generators that yield these and
receive the outcome (or have the failure thrown in), as httpx's ``auth_flow`` does; the
sync and async drivers in ``meganova.adapters.drivers`` are the only code performing them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generator, Optional, TypeVar, Union

if TYPE_CHECKING:
    from .budget import TimeBudget
    from .call import Call
    from .http import Request
    from .limits import BodyLimit
    from .redact import Redactor

T = TypeVar("T")


class Send:
    """Send ``request`` through the transport; the outcome is its response, body unread."""

    __slots__ = ("request",)

    def __init__(self, request: Request) -> None:
        self.request = request

    def __repr__(self) -> str:
        return f"Send({self.request.method} {self.request.url.split('?', 1)[0]})"


class ReadBody:
    """Read the whole body of ``response`` within ``limit`` and close it; the outcome is
    the bytes (``ResponseTooLargeError`` thrown in when the body passes the cap)."""

    __slots__ = ("limit", "response")

    def __init__(self, response: Any, limit: BodyLimit) -> None:
        self.response = response
        self.limit = limit


class Attempts:
    """Run ``call``'s attempt flow under the retry policy; the outcome is what the last
    attempt returned ``(response, body)``, or its failure."""

    __slots__ = ("call",)

    def __init__(self, call: Call) -> None:
        self.call = call


class Sleep:
    """Wait ``seconds`` (the driver's clock: a virtual one in tests)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class OpenStream:
    """Wrap an unread 2xx ``response`` in the driver's stream type (sync or async); the
    outcome is the stream (``guideline``: the ``ChatStream`` items over it; ``parse``: a
    parsed stream, whose final response is ``parse(response)``; ``raw``: the raw
    streaming reply of ``with_streaming_response``, its body handed out undecoded)."""

    __slots__ = (
        "budget",
        "clock",
        "codec",
        "guideline",
        "parse",
        "raw",
        "read_timeout",
        "redactor",
        "request_id",
        "response",
    )

    def __init__(
        self,
        response: Any,
        *,
        codec: Any,
        clock: Any,
        read_timeout: Optional[float],
        request_id: Optional[str],
        redactor: Redactor,
        budget: Optional[TimeBudget],
        guideline: bool = False,
        parse: Optional[Callable[[Any], Any]] = None,
        raw: Any = None,
    ) -> None:
        self.response = response
        self.codec = codec
        self.clock = clock
        self.read_timeout = read_timeout
        self.request_id = request_id
        self.redactor = redactor
        self.budget = budget
        self.guideline = guideline
        self.parse = parse  # set: a parsed stream, whose final response goes through it
        self.raw = raw  # set: a raw reply's ``Capture``; the bytes go to the caller as is


class Emit:
    """Deliver ``event`` (a ``HookEvent``) to the client's hooks; the outcome is ``None``.
    Yielded only when the call is observed (its ``Call.context`` is set)."""

    __slots__ = ("event",)

    def __init__(self, event: Any) -> None:
        self.event = event


Effect = Union[Send, ReadBody, Attempts, Sleep, OpenStream, Emit]
Flow = Generator[Effect, Any, T]
"""A call's logic: yields effects, receives their outcomes, returns its result."""

__all__ = ["Attempts", "Effect", "Emit", "Flow", "OpenStream", "ReadBody", "Send", "Sleep"]
