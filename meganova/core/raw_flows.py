"""The flows of raw replies (``with_raw_response``, ``with_streaming_response``),
sans-I/O. Each wraps a method's flow and hands its effects to the client's driver as
they are, so a raw call is the plain call (hooks, retries, deadline, size caps, logs),
and keeps what the raw reply needs: the call that answered, its body, the rest of the
flow."""

from __future__ import annotations

from typing import Any, Optional

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


def keeping(flow: Flow[Any], capture: Capture) -> Flow[Any]:
    """``flow`` as it is; its latest request's call and body kept in ``capture``."""
    return _named(_keeping(flow, capture), flow)


def _keeping(flow: Flow[Any], capture: Capture) -> Flow[Any]:
    value: Any = None
    error: Optional[BaseException] = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            return stop.value
        error = value = None
        try:
            value = yield effect
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:  # thrown into the method's flow, which decides
            error = exc
            continue
        if effect.__class__ is Attempts:
            call = effect.call
            capture.call = call
            capture.body = value[1] if call.read_body else None


def opening(flow: Flow[Any], capture: Capture) -> Flow[Any]:
    """``flow`` until its first request's 2xx reply arrives, the body unread: that
    reply is opened as a raw stream (an ``OpenStream`` whose ``raw`` is ``capture``),
    which owns the call's end; the rest of ``flow`` waits in ``capture`` (``resuming``)."""
    return _named(_opening(flow, capture), flow)


def _opening(flow: Flow[Any], capture: Capture) -> Flow[Any]:
    value: Any = None
    error: Optional[BaseException] = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration:  # pragma: no cover - every resource method sends
            raise InvalidArgumentError(
                "this method sends no request: there is no reply to stream", argument="method"
            ) from None
        error = value = None
        is_attempts = effect.__class__ is Attempts
        if is_attempts:
            call = effect.call  # type: ignore[union-attr]
            capture.wants_body, call.read_body = call.read_body, False  # the caller reads it
        try:
            value = yield effect
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:
            error = exc
            continue
        if is_attempts:
            capture.call = call
            capture.method = call.request.method
            capture.flow = flow
            capture.response = response = value[0]
            engine = call.engine
            opened = yield OpenStream(
                response,
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
    call = last = capture.call
    response = capture.response
    value: Any = None
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
    if error is None:
        value = (response, body)
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            result = stop.value
            attach_info(result, last)  # made from the call when asked for
            return result
        error = value = None
        kind = effect.__class__
        if kind is Attempts:
            last = effect.call  # type: ignore[union-attr]
            last.started = call.started  # elapsed counts from the call's start
        try:
            value = yield effect
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:
            error = exc
            continue
        if kind is OpenStream:
            capture.stream = value
