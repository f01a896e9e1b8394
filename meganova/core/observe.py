"""The events of one observed call, built from facts the flows and the stream parser
already have (sans-I/O: the drivers and stream shells call the hooks with them).
Nothing here runs unless the client has hooks."""

from __future__ import annotations

from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Optional, Tuple

from .hooks import (
    CallContext,
    CallEndEvent,
    CallStartEvent,
    FirstTokenEvent,
    StreamEndEvent,
    request_params,
)
from .log import WARNING, enabled, event, log_path
from .response_info import attach_info

if TYPE_CHECKING:
    from .call import Call
    from .response_info import ResponseInfo
    from .stream_parser import ChatStreamParser

__all__ = ["CallWatch", "StreamWatch", "operation_name", "result_facts"]


@lru_cache(maxsize=512)
def operation_name(qualname: str) -> str:
    """``"ChatCompletions.create"`` -> ``"chat.completions.create"``;
    ``"AsyncModelsResource.list"`` -> ``"models.list"``; the engine's own flows
    (``client.engine.request``) -> ``"request"``."""
    owner, _, method = qualname.rpartition(".")
    owner = owner.rpartition(".")[2].lstrip("_")
    if owner in ("Engine", ""):
        return "request" if owner == "Engine" else method
    if owner.startswith("Async") and owner[5:6].isupper():
        owner = owner[5:]
    if owner.endswith("Resource"):
        owner = owner[: -len("Resource")]
    words = []
    word = ""
    for char in owner:
        if char.isupper() and word:
            words.append(word)
            word = ""
        word += char.lower()
    if word:
        words.append(word)
    return ".".join([*words, method])


def result_facts(result: Any) -> Tuple[Optional[str], Any, Tuple[str, ...]]:
    """A result's model, usage and finish reasons (``None``/``()`` where it has none)."""
    model = getattr(result, "model", None)
    if not isinstance(model, str):
        model = None
    usage = getattr(result, "usage", None)
    reasons: Tuple[str, ...] = ()
    choices = getattr(result, "choices", None)
    if isinstance(choices, list):
        reasons = tuple(
            reason
            for reason in (getattr(choice, "finish_reason", None) for choice in choices)
            if isinstance(reason, str)
        )
    return model, usage, reasons


class CallWatch:
    """One observed user call: its ``CallContext`` once its first request is ready,
    and the events of its start and end. ``operation`` is the method's name."""

    __slots__ = ("context", "operation")

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.context: Optional[CallContext] = None

    def attempts(self, call: Call) -> Optional[CallStartEvent]:
        """A request of the call is about to run its attempts: the call's context goes
        on it; the first request's also starts the call (its ``CallStartEvent``)."""
        context = self.context
        if context is not None:
            call.started = context.started  # ``elapsed`` counts from the call's start
            call.context = context
            return None
        request = call.request
        json = call.json
        model = json.get("model") if isinstance(json, dict) else None
        redactor = call.engine.redactor
        context = self.context = CallContext(
            self.operation,
            method=request.method,
            url=request.url,
            model=model if isinstance(model, str) else None,
            stream=request.stream,
            params=request_params(json),
            body=json,
            started=call.started,
            redactor=redactor if redactor else None,
        )
        call.context = context
        return CallStartEvent(context)

    def end(
        self,
        now: float,
        result: Any = None,
        error: Optional[BaseException] = None,
        info: Optional[ResponseInfo] = None,
    ) -> Optional[CallEndEvent]:
        """The call ended (``None`` when it never started: it failed before sending)."""
        context = self.context
        if context is None:
            return None
        model, usage, reasons = (None, None, ()) if error is not None else result_facts(result)
        return CallEndEvent(
            context,
            result=result,
            error=error,
            response_model=model,
            usage=usage,
            finish_reasons=reasons,
            attempts=context.attempts,
            elapsed=now - context.started,
            info=info,
        )


class StreamWatch:
    """A stream's timing for its ``ResponseInfo`` (always) and, when the call is
    observed, its events: the first chunk, and the end (then the call's end)."""

    __slots__ = ("call", "context", "ended", "info", "started", "watch")

    def __init__(
        self,
        info: Optional[ResponseInfo],
        watch: Optional[CallWatch],
        started: float,
        call: Optional[Call] = None,
    ) -> None:
        self.info = info
        self.watch = watch
        self.context = None if watch is None else watch.context
        self.started = started
        self.call = call  # the request the stream answers, for the log line of a failure
        self.ended = False

    def first_chunk(self, now: float, request_id: Optional[str]) -> Optional[FirstTokenEvent]:
        """The first chunk arrived at ``now`` (read time)."""
        ttft = now - self.started
        info = self.info
        if info is not None:
            info.time_to_first_token = ttft
        context = self.context
        if context is None:
            return None
        return FirstTokenEvent(context, ttft, request_id)

    def end(
        self, now: float, parser: ChatStreamParser
    ) -> Tuple[Optional[StreamEndEvent], Optional[CallEndEvent]]:
        """The stream ended at ``now`` (once; later calls give nothing)."""
        if self.ended:
            return None, None
        state = parser.state
        if state == "open":
            state = "closed"
        error = parser.failure if state == "failed" else None
        return self.finish(now, state, parser.acc.count, error, parser.request_id, parser.acc)

    def finish(
        self,
        now: float,
        state: str,
        chunks: int,
        error: Optional[BaseException],
        request_id: Optional[str],
        acc: Any = None,
    ) -> Tuple[Optional[StreamEndEvent], Optional[CallEndEvent]]:
        """The stream ended at ``now``, ``state`` being ``done``, ``closed`` or
        ``failed`` (``error``) after ``chunks`` chunks; ``acc``: the chunks' answer
        (``None``: a raw body, not decoded). Once; later calls give nothing."""
        if self.ended:
            return None, None
        self.ended = True
        info = self.info
        ttft = None if info is None else info.time_to_first_token
        if info is not None:
            info.time_to_last_chunk = now - self.started
            info.chunks = chunks
        if error is not None:
            if info is not None:  # the error the stream raises tells its reply too
                attach_info(error, info)
            if enabled(WARNING):
                self._log_failure(now, error, request_id, chunks)
        context = self.context
        if context is None:
            return None, None
        usage = model = None
        reasons: Tuple[str, ...] = ()
        answer = None
        if acc is not None:
            usage, model, reasons = acc.usage, acc.model, acc.finish_reasons()
            answer = partial(acc.response, request_id=request_id)
        stream_end = StreamEndEvent(
            context,
            state=state,
            chunks=chunks,
            time_to_first_token=ttft,
            elapsed=now - self.started,
            usage=usage,
            finish_reasons=reasons,
            response_model=model,
            request_id=request_id,
            error=error,
            response_id=(acc.id or None) if acc is not None else None,
            _answer=answer,
        )
        call_end = CallEndEvent(
            context,
            result=None,
            error=error,
            response_model=model,
            usage=usage,
            finish_reasons=reasons,
            attempts=context.attempts,
            elapsed=now - context.started,
            info=info,
        )
        return stream_end, call_end

    def _log_failure(
        self, now: float, error: BaseException, request_id: Optional[str], chunks: int
    ) -> None:
        """One WARNING line: the stream ended abnormally (``stream_failed``)."""
        call = self.call
        method, path, redactor = "", "", None
        if call is not None:
            redactor = call.engine.redactor
            method, path = call.request.method, log_path(call.request.url, redactor)
        if request_id is not None and redactor is not None:
            request_id = redactor.text(request_id)
        elapsed = now - self.started
        name = type(error).__name__
        event(
            WARNING,
            "stream_failed",
            f"{method} {path} stream ended abnormally: {name} after {chunks} chunks "
            f"elapsed={elapsed:.3f}s request_id={request_id}",
            {
                "method": method,
                "path": path,
                "error": name,
                "chunks": chunks,
                "elapsed": elapsed,
                "request_id": request_id,
            },
        )
