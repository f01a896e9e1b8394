"""The hooks that turn a call's events into OpenTelemetry spans and metrics. Imported
only when ``opentelemetry-api`` is installed (``meganova.otel.instrument`` checks).

A call is one CLIENT span (``chat {model}``), its attempts CLIENT child spans (``POST``)
that end when the next attempt starts, a retry is decided or the call ends; a retry is
also an event on the call's span. A streamed call's span ends when its stream ends,
however it ends (``on_call_end`` comes after ``on_stream_end``)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._version import __version__
from ..core.log import log_path
from . import _semconv as sc

__all__ = ["Telemetry"]

STATE_KEY = "meganova.otel"
_SCOPE = "meganova"


def _histogram(meter: Any, name: str, unit: str, description: str, buckets: Any) -> Any:
    try:
        return meter.create_histogram(
            name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:  # opentelemetry-api < 1.23 has no bucket advice
        return meter.create_histogram(name, unit=unit, description=description)


class _Call:
    """One call's telemetry, kept in its ``CallContext.state``."""

    __slots__ = (
        "attempt",
        "metric",
        "operation",
        "path",
        "recording",
        "server",
        "span",
        "stream_error",
    )

    def __init__(
        self,
        span: Any,
        recording: bool,
        operation: Optional[str],
        metric: Dict[str, Any],
        server: Dict[str, Any],
        path: str,
    ) -> None:
        self.span = span
        self.recording = recording  # False: a span nobody records (no SDK, not sampled)
        self.operation = operation
        self.metric = metric  # the attributes every metric of the call carries
        self.server = server
        self.path = path  # for the attempts' ``url.path`` (an agent key hidden)
        self.attempt: Any = None  # the open attempt's span
        self.stream_error: Optional[BaseException] = None


class Telemetry:
    """Spans and metrics for one tracer and meter provider (``None``: the global ones).

    Args:
        tracer_provider: Where spans go.
        meter_provider: Where metrics go.
        capture_content: Record messages (``gen_ai.input.messages``,
            ``gen_ai.output.messages``) on spans.
        redact: Scrubs secrets from recorded text.
    """

    def __init__(
        self,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        *,
        capture_content: bool = False,
        redact: Any = None,
    ) -> None:
        self.tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider)
        self.duration = _histogram(
            meter,
            "gen_ai.client.operation.duration",
            "s",
            "GenAI operation duration.",
            sc.DURATION_BUCKETS,
        )
        self.tokens = _histogram(
            meter,
            "gen_ai.client.token.usage",
            "{token}",
            "Number of input and output tokens used.",
            sc.TOKEN_BUCKETS,
        )
        self.first_chunk = _histogram(
            meter,
            "gen_ai.client.operation.time_to_first_chunk",
            "s",
            "Time to receive the first chunk of a streamed response.",
            sc.DURATION_BUCKETS,
        )
        self.capture_content = capture_content
        self.redact = redact

    def __reduce__(self) -> Any:
        # A pickled client (another process) traces to that process's global providers:
        # providers and the redactor's secrets never travel.
        return (_unpickle, (self.capture_content,))

    # -- the hooks ----------------------------------------------------------------------

    def on_call_start(self, event: Any) -> None:
        context = event.call
        operation = sc.operation_for(context.method, context.path)
        model = context.model
        server = sc.server_attributes(context.url)
        # What samplers may read, given at the span's start (as the conventions ask).
        sampled: Dict[str, Any] = {"gen_ai.provider.name": sc.PROVIDER, **server}
        if operation is not None:
            sampled["gen_ai.operation.name"] = operation
        if model:
            sampled["gen_ai.request.model"] = model
        name = sc.span_name(operation, model, context.method, context.operation)
        span = self.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=sampled)
        recording = span.is_recording()
        if recording:  # nothing to compute for a span nobody records
            attributes = sc.request_attributes(operation, context.params)
            attributes["gen_ai.system"] = sc.PROVIDER
            attributes["meganova.operation"] = context.operation
            if operation == "chat":
                attributes["gen_ai.request.stream"] = bool(context.stream)
            if self.capture_content:
                body = context.body
                if isinstance(body, dict):
                    messages = sc.input_messages(body.get("messages"))
                    if messages is not None:
                        attributes["gen_ai.input.messages"] = self._text(messages)
            span.set_attributes(attributes)
        metric: Dict[str, Any] = {}
        if operation is not None:
            metric = sampled.copy()
        path = log_path(context.url) if recording else ""
        context.state[STATE_KEY] = _Call(span, recording, operation, metric, server, path)

    def on_request(self, event: Any) -> None:
        call = _call(event)
        if call is None or not call.recording:
            return
        _end_attempt(call)
        number = event.attempt
        attributes: Dict[str, Any] = {
            "http.request.method": event.method,
            "url.path": call.path,
            "meganova.attempt": number,
            **call.server,
        }
        if number > 1:
            attributes["http.request.resend_count"] = number - 1
        call.attempt = self.tracer.start_span(
            event.method,
            context=trace.set_span_in_context(call.span),
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )

    def on_response(self, event: Any) -> None:
        call = _call(event)
        if call is None or not call.recording:
            return
        status = event.status
        request_id = event.request_id
        if request_id:
            request_id = self._text(request_id)  # a server may echo anything
            call.span.set_attribute("meganova.request_id", request_id)
        attempt = call.attempt
        if attempt is not None:
            attempt.set_attribute("http.response.status_code", status)
            if request_id:
                attempt.set_attribute("meganova.request_id", request_id)
            if status >= 400:
                attempt.set_status(Status(StatusCode.ERROR))

    def on_retry(self, event: Any) -> None:
        call = _call(event)
        if call is None or not call.recording:
            return
        error = event.error
        kind = sc.error_type(error)
        attempt = call.attempt
        if attempt is not None:
            attempt.set_attribute("error.type", kind)
            attempt.set_attribute("meganova.retry.delay", event.delay)
            attempt.set_status(Status(StatusCode.ERROR, _description(error)))
            _end_attempt(call)
        fields: Dict[str, Any] = {
            "meganova.attempt": event.attempt,
            "meganova.retry.delay": event.delay,
            "error.type": kind,
        }
        status = getattr(error, "status", None)
        if isinstance(status, int):
            fields["http.response.status_code"] = status
        call.span.add_event("meganova.retry", fields)

    def on_stream_first_token(self, event: Any) -> None:
        call = _call(event)
        if call is None or not call.recording:
            return
        call.span.set_attribute("gen_ai.response.time_to_first_chunk", event.time_to_first_token)

    def on_stream_end(self, event: Any) -> None:
        call = _call(event)
        if call is None:
            return
        call.stream_error = event.error
        ttft = event.time_to_first_token
        if ttft is not None and call.operation is not None:
            self.first_chunk.record(ttft, _with_model(call.metric, event.response_model))
        if not call.recording:
            return
        span = call.span
        span.set_attribute("meganova.stream.state", event.state)
        span.set_attribute("meganova.stream.chunks", event.chunks)
        if ttft is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", ttft)
        if event.response_id:
            span.set_attribute("gen_ai.response.id", event.response_id)
        if self.capture_content:
            choices = getattr(event.answer(), "choices", None)
            if choices:
                text = sc.output_messages(choices)
                if text is not None:
                    span.set_attribute("gen_ai.output.messages", self._text(text))

    def on_call_end(self, event: Any) -> None:
        context = event.call
        call = context.state.pop(STATE_KEY, None)
        if call is None:
            return
        span = call.span
        error = event.error
        result = event.result
        attributes = sc.response_attributes(result) if error is None else {}
        if event.response_model and "gen_ai.response.model" not in attributes:
            attributes["gen_ai.response.model"] = event.response_model
        if event.finish_reasons and "gen_ai.response.finish_reasons" not in attributes:
            attributes["gen_ai.response.finish_reasons"] = tuple(event.finish_reasons)
        if event.usage is not None and "gen_ai.usage.input_tokens" not in attributes:
            attributes.update(sc.usage_attributes(event.usage))
        model = attributes.get("gen_ai.response.model")
        attributes["meganova.attempts"] = event.attempts
        span.set_attributes(attributes)
        if self.capture_content and error is None and call.recording:
            choices = getattr(result, "choices", None)
            if isinstance(choices, list) and choices:
                text = sc.output_messages(choices)
                if text is not None:
                    span.set_attribute("gen_ai.output.messages", self._text(text))
        metric = _with_model(call.metric, model)
        if error is not None:
            kind = sc.error_type(error)
            metric["error.type"] = kind
            span.set_attribute("error.type", kind)
            span.set_status(Status(StatusCode.ERROR, _description(error)))
            attempt = call.attempt
            if attempt is not None and error is not call.stream_error:
                attempt.set_attribute("error.type", kind)
                attempt.set_status(Status(StatusCode.ERROR, _description(error)))
        _end_attempt(call)
        span.end()
        if call.operation is None:
            return
        self.duration.record(event.elapsed, metric)
        if error is None:
            for token_type, key in (
                ("input", "gen_ai.usage.input_tokens"),
                ("output", "gen_ai.usage.output_tokens"),
            ):
                count = attributes.get(key)
                if isinstance(count, int):
                    self.tokens.record(count, {**metric, "gen_ai.token.type": token_type})

    def _text(self, text: str) -> str:
        redact = self.redact
        return text if redact is None else str(redact(text))


def _unpickle(capture_content: bool) -> Telemetry:
    return Telemetry(capture_content=capture_content)


def _call(event: Any) -> Optional[_Call]:
    found = event.call.state.get(STATE_KEY)
    return found if isinstance(found, _Call) else None


def _end_attempt(call: _Call) -> None:
    attempt = call.attempt
    if attempt is not None:
        call.attempt = None
        attempt.end()


def _with_model(metric: Dict[str, Any], model: Optional[str]) -> Dict[str, Any]:
    if model and metric:
        return {**metric, "gen_ai.response.model": model}
    return dict(metric)


def _description(error: BaseException) -> str:
    """The span status text: the error's class and its (already redacted) message."""
    message = getattr(error, "message", None) or str(error)
    return f"{type(error).__name__}: {message}"[:500]
