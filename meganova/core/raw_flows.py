"""The flows of raw replies (``with_raw_response``, ``with_streaming_response``),
sans-I/O. Each wraps a method's flow and hands its effects to the client's driver as
they are, so a raw call is the plain call (hooks, retries, deadline, size caps, logs),
and keeps what the raw reply needs: the call that answered, its body, the rest of the
flow."""

from __future__ import annotations

from typing import Any, Callable, Optional

from .effects import Attempts, Flow, OpenStream, ReadBody
from .errors import InvalidArgumentError
from .limits import BodyLimit
from .response_info import attach_info, info_of

__all__ = ["Capture", "keeping", "opening", "resuming"]


class Capture:
    """What a wrapped flow saw: ``call``, the request that answered (the latest);
    ``body``, its body (``None``: not read, a stream's); for a streaming reply the
    rest of the method's ``flow``, whether it ``wants_body`` (the plain method reads the
    body) and the ``stream`` ``parse()`` opened."""

    __slots__ = ("body", "call", "flow", "method", "response", "stream", "wants_body")

    def __init__(self) -> None:
        self.call: Any = None
        self.body: Optional[bytes] = None
        self.flow: Optional[Flow[Any]] = None
        self.response: Any = None
        self.method = "GET"  # the request's (the call forgets it once it is kept)
        self.wants_body = False
        self.stream: Any = None

    def kept(self, effect: Any, outcome: Any) -> bool:
        """A raw reply's call and body: the latest request's."""
        if effect.__class__ is Attempts:
            call = self.call = effect.call
            self.body = outcome[1] if call.read_body else None
        return False

    def unread(self, effect: Any) -> None:
        """A streaming reply's request leaves its body to the caller."""
        if effect.__class__ is Attempts:
            call = effect.call
            self.wants_body, call.read_body = call.read_body, False

    def replied(self, effect: Any, outcome: Any) -> bool:
        """Its reply came: stop there."""
        if effect.__class__ is not Attempts:
            return False
        call = self.call = effect.call
        self.method = call.request.method
        self.response = outcome[0]
        return True

    def going_on(self, effect: Any) -> None:
        """``parse()``'s later requests count their time from the call's start."""
        if effect.__class__ is Attempts:
            effect.call.started = self.call.started
            self.call = effect.call

    def went_on(self, effect: Any, outcome: Any) -> bool:
        if effect.__class__ is OpenStream:
            self.stream = outcome
        return False

    def info(self, result: Any) -> Any:
        """The reply's ``ResponseInfo`` (the one ``result`` carries, when it can)."""
        call = self.call
        if call is None or not call.attempts:
            raise InvalidArgumentError(  # pragma: no cover - every resource method sends
                "this method sends no request: there is no raw reply", argument="method"
            )
        return info_of(result) or call.response_info()


def _named(wrapper: Flow[Any], flow: Flow[Any]) -> Flow[Any]:
    # The driver names an observed call after its flow (``chat.completions.create``).
    wrapper.__qualname__ = getattr(flow, "__qualname__", "")  # type: ignore[attr-defined]
    return wrapper


def _relay(
    flow: Flow[Any],
    seen: Callable[[Any, Any], bool],
    before: Optional[Callable[[Any], None]] = None,
    value: Any = None,
    error: Optional[BaseException] = None,
) -> Flow[Any]:
    """``flow``'s effects to the driver and their outcomes back (a failure is thrown
    into ``flow``, which decides), from ``value`` or ``error``. ``before(effect)`` runs
    before each goes; ``seen(effect, outcome)`` after each succeeded: ``True`` stops
    the relay there (it returns ``STOPPED``, ``flow`` left waiting). Else the result is
    ``flow``'s."""
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            return stop.value
        error = value = None
        if before is not None:
            before(effect)
        try:
            value = yield effect
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:
            error = exc
            continue
        if seen(effect, value):
            return STOPPED


STOPPED = object()


def keeping(flow: Flow[Any], capture: Capture) -> Flow[Any]:
    """``flow`` as it is; its latest request's call and body kept in ``capture``."""
    return _named(_relay(flow, capture.kept), flow)


def opening(flow: Flow[Any], capture: Capture) -> Flow[Any]:
    """``flow`` until its first request's 2xx reply arrives, the body unread: that
    reply is opened as a raw stream (an ``OpenStream`` whose ``raw`` is ``capture``),
    which owns the call's end; the rest of ``flow`` waits in ``capture`` (``resuming``)."""
    return _named(_opening(flow, capture), flow)


def _opening(flow: Flow[Any], capture: Capture) -> Flow[Any]:
    if (yield from _relay(flow, capture.replied, capture.unread)) is not STOPPED:
        raise InvalidArgumentError(  # pragma: no cover - every resource method sends
            "this method sends no request: there is no reply to stream", argument="method"
        )
    capture.flow = flow
    call = capture.call
    engine = call.engine
    opened = yield OpenStream(
        capture.response,
        codec=engine.codec,
        clock=engine.clock,
        read_timeout=None,
        request_id=call.request_id,
        redactor=engine.redactor,
        budget=call.budget,
        raw=capture,
    )
    return opened


def resuming(capture: Capture) -> Flow[Any]:
    """The rest of a streaming reply's flow (its ``parse()``): the body read when the
    method reads it, then the flow goes on from its first request's outcome. The
    result carries the reply's facts; a stream it opens is kept in ``capture``."""
    flow = capture.flow
    assert flow is not None
    return _named(_resuming(capture, flow), flow)


def _resuming(capture: Capture, flow: Flow[Any]) -> Flow[Any]:
    call = capture.call
    response = capture.response
    error: Optional[BaseException] = None
    body = b""
    if capture.wants_body:
        limit = BodyLimit(call.limit, method=capture.method, request_id=call.request_id)
        try:
            body = yield ReadBody(response, limit)
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:
            error = exc
    value = None if error is not None else (response, body)
    result = yield from _relay(flow, capture.went_on, capture.going_on, value, error)
    attach_info(result, capture.call)  # made from the call when asked for
    return result
