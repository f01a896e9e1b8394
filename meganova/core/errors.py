"""The ``MeganovaError`` hierarchy and the mapping from a failed reply to it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping

from .http import Headers

if TYPE_CHECKING:
    from .response_info import RateLimitInfo

__all__ = [
    "MeganovaError",
    "ConfigurationError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseValidationError",
    "ResponseTooLargeError",
    "StreamError",
    "IncompleteStreamError",
    "StreamDecodeError",
    "StreamEventTooLargeError",
    "StreamConnectionError",
    "StreamTimeoutError",
    "SchemaValidationError",
    "StructuredOutputError",
    "OutputValidationError",
    "RefusalError",
    "LengthFinishReasonError",
    "ContentFilterFinishReasonError",
    "error_for_status",
    "error_from_payload",
    "parse_error_body",
]


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class MeganovaError(Exception):
    """Base class of every error the SDK raises.

    ``retryable``: ``None`` lets the retry rules decide (kind, status, server hints);
    ``False`` marks a failure no retry can fix (a redirect loop, a reply over a size
    cap, an invalid URL): it is never retried, whatever the status or hints say. A
    subclass or an instance may set it.

    ``agent_messages``: when the error ended an agent run (``meganova.agents.Agent``),
    the conversation so far (the messages as sent, wire form); ``None`` otherwise.
    """

    retryable: bool | None = None
    agent_messages: list[dict[str, Any]] | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive the default exception pickling.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    def __str__(self) -> str:
        return self.message


class ConfigurationError(MeganovaError):
    """The client cannot be built from the given arguments and environment."""


class InvalidArgumentError(MeganovaError, ValueError):
    """An argument was rejected before anything was sent. ``argument`` names it."""

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message, code="invalid_argument")
        self.argument = argument


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument has the wrong type (also a ``TypeError``)."""


class APIError(MeganovaError):
    """The server answered with a non-2xx status."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        parsed_body: Any = None,
        param: str | None = None,
        error_type: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, code=code, status=status, request_id=request_id)
        # Case-insensitive, like HTTP: e.headers.get("x-ratelimit-remaining") finds
        # X-RateLimit-Remaining; its repr redacts credentials.
        self.headers: Headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = body
        self.parsed_body = parsed_body
        self.param = param
        self.type = error_type
        self.retry_after = retry_after
        self.attempts = attempts

    @property
    def status_code(self) -> int | None:
        """Alias of ``status`` (the OpenAI SDK's name)."""
        return self.status

    @property
    def rate_limit(self) -> RateLimitInfo:
        """The reply's rate-limit headers, parsed (``x-ratelimit-*``, ``retry-after``;
        every field ``None`` when the server sent none)."""
        from .response_info import RateLimitInfo

        return RateLimitInfo.from_headers(self.headers)

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(status {self.status}")
            if self.code:
                parts[-1] += f", code {self.code}"
            if self.request_id:
                parts[-1] += f", request id {self.request_id}"
            parts[-1] += ")"
        return " ".join(parts)


class BadRequestError(APIError):
    """400."""


class AuthenticationError(APIError):
    """401: the key is missing, wrong or revoked."""


class PermissionDeniedError(APIError):
    """403: the key may not do this (for example, the account tier is too low)."""


class NotFoundError(APIError):
    """404."""


class ConflictError(APIError):
    """409."""


class UnprocessableEntityError(APIError):
    """422."""


class RateLimitError(APIError):
    """429. ``retry_after`` holds the server's requested wait in seconds, if it sent one;
    ``rate_limit`` the parsed ``x-ratelimit-*`` headers."""


class InternalServerError(APIError):
    """5xx."""


class APIConnectionError(MeganovaError):
    """The request could not be completed: DNS, refused, reset, TLS, broken body."""

    def __init__(
        self,
        message: str,
        *,
        request_sent: bool | None = None,
        request_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, code=self.default_code, request_id=request_id)
        self.request_sent = request_sent
        self.attempts = attempts

    default_code = "connection_error"


class APITimeoutError(APIConnectionError):
    """A connect or read timeout, or the call's overall deadline, passed."""

    default_code = "timeout"


class APIResponseValidationError(MeganovaError):
    """A 2xx reply whose body does not decode into the expected model."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(message, code="invalid_response", status=status, request_id=request_id)
        self.body = body


class ResponseTooLargeError(APIResponseValidationError):
    """A reply body (decompressed) larger than ``max_response_bytes``: refused before it
    was held in memory, and never retried (the same request would bring the same body).
    ``limit`` is the cap (``None``: lifted); ``size`` the announced ``Content-Length``,
    or the bytes counted when reading stopped (the body was at least that large), or
    ``None`` when the body did not fit in memory at all."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        limit: int | None,
        size: int | None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, request_id=request_id)
        self.code = "response_too_large"
        self.limit = limit
        self.size = size


class GenerationFailedError(MeganovaError):
    """A generation job (video, image) ended in failure; ``reason`` is the server's text,
    ``job`` the last object the server sent."""

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        job_id: str | None = None,
        job: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, code="generation_failed", request_id=request_id)
        self.reason = reason
        self.job_id = job_id
        self.job = job


class GenerationTimeoutError(APITimeoutError):
    """Waiting for a generation job passed its deadline; the job may still finish
    server-side (``job`` is the last state seen)."""

    def __init__(
        self,
        message: str,
        *,
        job_id: str | None = None,
        job: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request_sent=True, request_id=request_id)
        self.job_id = job_id
        self.job = job


_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_BODY_PREVIEW = 500


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _detail_message(detail: Any) -> str | None:
    # FastAPI validation errors: [{"loc": [...], "msg": "...", "type": "..."}]
    if isinstance(detail, list):
        pieces = []
        for item in detail:
            if isinstance(item, Mapping) and "msg" in item:
                loc = item.get("loc")
                where = ".".join(str(p) for p in loc) if isinstance(loc, list) else None
                pieces.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
            else:
                pieces.append(_text(item) or "")
        return "; ".join(p for p in pieces if p) or None
    return _text(detail)


def parse_error_body(body: bytes) -> tuple[str | None, str | None, str | None, str | None, Any]:
    """Read every error shape the API is known to send.

    Returns ``(message, code, param, type, parsed)``; ``parsed`` is the decoded JSON or
    ``None`` when the body is not JSON. Never raises.
    """
    try:
        parsed: Any = json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        text = body.decode("utf-8", "replace").strip()
        return (text[:_BODY_PREVIEW] or None, None, None, None, None)
    message = code = param = kind = None
    if isinstance(parsed, Mapping):
        error = parsed.get("error")
        if isinstance(error, Mapping):
            message = _text(error.get("message"))
            code = _text(error.get("code"))
            param = _text(error.get("param"))
            kind = _text(error.get("type"))
        elif error is not None and not isinstance(error, bool):
            message = _text(error)
        if message is None and "detail" in parsed:
            message = _detail_message(parsed["detail"])
        if message is None and isinstance(parsed.get("message"), str):
            message = parsed["message"]
        if code is None and isinstance(parsed.get("code"), (str, int)):
            code = str(parsed["code"])
    if message is None and parsed is not None:
        message = (_text(parsed) or "")[:_BODY_PREVIEW] or None
    return (message, code, param, kind, parsed)


def error_for_status(
    status: int,
    *,
    headers: Mapping[str, str],
    body: bytes,
    request_id: str | None,
    retry_after: float | None = None,
    reason: str | None = None,
) -> APIError:
    """Build the typed error for a non-2xx reply."""
    message, code, param, kind, parsed = parse_error_body(body)
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIError
    return cls(
        message or reason or f"HTTP {status}",
        status=status,
        code=code,
        request_id=request_id,
        headers=headers,
        body=body,
        parsed_body=parsed,
        param=param,
        error_type=kind,
        retry_after=retry_after,
    )


# -- structured outputs and typed values --------------------------------------------


class SchemaValidationError(MeganovaError, ValueError):
    """Data that does not fit the type asked for (``meganova.schema.convert``, a
    structured output, a tool's arguments). The message names the path of the first
    misfit (``Expected `int`, got `str` - at `$.age```)."""

    def __init__(
        self, message: str, *, code: str | None = "schema_validation", request_id: str | None = None
    ) -> None:
        MeganovaError.__init__(self, message, code=code, request_id=request_id)


class StructuredOutputError(MeganovaError):
    """A structured-output call (``chat.completions.parse``) whose reply cannot give the
    typed value. ``response`` is the whole ``ChatResponse``; ``choice`` the index of the
    choice at fault."""

    def __init__(
        self,
        message: str,
        *,
        response: Any = None,
        choice: int = 0,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        # Explicit: a subclass also deriving from SchemaValidationError has the same base.
        MeganovaError.__init__(self, message, code=code, request_id=request_id)
        self.response = response
        self.choice = choice


class OutputValidationError(StructuredOutputError, SchemaValidationError):
    """The model's reply is not JSON fitting the requested type. ``content`` is the raw
    text, ``validation_message`` what did not fit."""

    def __init__(
        self,
        message: str,
        *,
        content: str | None,
        validation_message: str,
        response: Any = None,
        choice: int = 0,
        request_id: str | None = None,
    ) -> None:
        StructuredOutputError.__init__(
            self,
            message,
            response=response,
            choice=choice,
            code="output_validation",
            request_id=request_id,
        )
        self.content = content
        self.validation_message = validation_message


class RefusalError(StructuredOutputError):
    """The model refused to answer in the requested format; ``refusal`` is its text."""

    def __init__(self, message: str, *, refusal: str, **kwargs: Any) -> None:
        super().__init__(message, code="refusal", **kwargs)
        self.refusal = refusal


class LengthFinishReasonError(StructuredOutputError):
    """The reply stopped at the token limit (``finish_reason="length"``) before the JSON
    was complete; raise ``max_tokens`` (``content`` is the text so far)."""

    def __init__(self, message: str, *, content: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, code="length", **kwargs)
        self.content = content


class ContentFilterFinishReasonError(StructuredOutputError):
    """The server's content filter stopped the reply (``finish_reason="content_filter"``)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code="content_filter", **kwargs)


# -- streams: a 2xx event stream that broke its contract --------------------------------


class StreamError(MeganovaError):
    """A stream failed after it started. ``partial_text`` is the text received so far,
    ``chunks`` the decoded chunks, ``partial`` the accumulated response (when known)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = "stream_error",
        status: int | None = None,
        request_id: str | None = None,
        partial_text: str = "",
        chunks: Any = (),
        partial: Any = None,
    ) -> None:
        super().__init__(message, code=code, status=status, request_id=request_id)
        self._attach(partial_text, chunks, partial)

    def _attach(self, partial_text: str, chunks: Any, partial: Any) -> None:
        self.partial_text = partial_text
        self.chunks: list[Any] = list(chunks)
        self.partial = partial


class IncompleteStreamError(StreamError):
    """The stream ended (or was closed) without ``[DONE]`` and without a finish reason."""


class StreamDecodeError(StreamError):
    """An event's data is not JSON or does not fit the chunk model. ``data`` holds it."""

    def __init__(self, message: str, *, data: bytes = b"", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.data = data


class StreamEventTooLargeError(StreamError):
    """One event grew past the decoder's ``max_event_size``."""


class StreamConnectionError(APIConnectionError, StreamError):
    """The connection broke mid-stream; the partial content is attached."""

    def __init__(
        self,
        message: str,
        *,
        request_sent: bool | None = True,
        request_id: str | None = None,
        attempts: int = 1,
        partial_text: str = "",
        chunks: Any = (),
        partial: Any = None,
    ) -> None:
        super().__init__(
            message, request_sent=request_sent, request_id=request_id, attempts=attempts
        )
        self._attach(partial_text, chunks, partial)


class StreamTimeoutError(APITimeoutError, StreamConnectionError):
    """No data event arrived within the read timeout (keep-alives do not count)."""


def _status_hint(parsed: Any) -> int | None:
    """An HTTP-like status inside an error payload (``{"error": {"code": 429}}``)."""
    if not isinstance(parsed, Mapping):
        return None
    candidates: list[Any] = []
    error = parsed.get("error")
    if isinstance(error, Mapping):
        candidates += [error.get("status"), error.get("status_code"), error.get("code")]
    candidates += [parsed.get("status"), parsed.get("status_code")]
    for value in candidates:
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 400 <= value < 600:
            return value
    return None


def error_from_payload(
    body: bytes,
    *,
    headers: Mapping[str, str],
    request_id: str | None,
    default_message: str,
) -> APIError:
    """The typed error for an ``{"error": ...}`` payload that arrived with a 2xx status
    (inside a stream, or as a whole reply): the class its own status code names, if any."""
    message, code, param, kind, parsed = parse_error_body(body)
    status = _status_hint(parsed)
    if status is not None:
        return error_for_status(status, headers=headers, body=body, request_id=request_id)
    return APIError(
        message or default_message,
        code=code,
        request_id=request_id,
        headers=headers,
        body=body,
        parsed_body=parsed,
        param=param,
        error_type=kind,
    )
