"""What a reply told beyond its body: status, headers, request id, timing, attempts and
rate limits. ``response_info(result)`` reads it from anything a call returned or
raised (models, lists, streams, errors); the SDK attaches it under a name no API
field can take, so it never collides with the reply's own fields.

``elapsed`` has one meaning everywhere in the SDK (metadata, hooks, logs): seconds
since the call started (when its first request was ready to send) on the client's
clock. Here it is measured to the arrival of the final attempt's reply headers, so it
includes every failed attempt and the waits between them.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional

from .http import SENSITIVE_HEADERS, Headers
from .redact import REDACTED, Redactor

__all__ = [
    "ATTRIBUTE",
    "RateLimitInfo",
    "ResponseInfo",
    "attach_info",
    "info_of",
    "response_info",
]

ATTRIBUTE = "_mn_response"
"""The attribute holding a result's ``ResponseInfo`` (API fields never start with ``_``)."""

# Reply headers that may carry a credential of the caller's: shown as <redacted>.
_HIDDEN_HEADERS = SENSITIVE_HEADERS | {"set-cookie", "cookie", "www-authenticate"}
_EMPTY = Headers()


class ResponseInfo:
    """The HTTP facts of one call's reply (read with ``meganova.response_info``).

    Attributes:
        status: The HTTP status of the final reply (``None``: no reply arrived).
        request_id: The server's request id (quote it when asking for support).
        elapsed: Seconds from the call's start (its first request ready to send) to the
            final attempt's reply headers: failed attempts and waits included.
        attempts: How many attempts the call took (1 when the first one answered).
        time_to_first_token: Streams: seconds from the call's start to the first chunk.
        time_to_last_chunk: Streams: seconds from the call's start to the stream's end.
        chunks: Streams: the chunks received so far.
    """

    __slots__ = (
        "_headers",
        "_redactor",
        "attempts",
        "chunks",
        "elapsed",
        "request_id",
        "status",
        "time_to_first_token",
        "time_to_last_chunk",
    )

    def __init__(
        self,
        status: Optional[int],
        headers: Optional[Mapping[str, str]],
        request_id: Optional[str],
        elapsed: Optional[float],
        attempts: int,
        redactor: Optional[Redactor] = None,
    ) -> None:
        self.status = status
        self._headers: Any = headers  # cleaned (a ``_Clean``) on first use
        self._redactor = redactor
        self.request_id = request_id
        self.elapsed = elapsed
        self.attempts = attempts
        self.time_to_first_token: Optional[float] = None
        self.time_to_last_chunk: Optional[float] = None
        self.chunks = 0

    @property
    def headers(self) -> Headers:
        """The reply's headers: case-insensitive, credentials shown as ``<redacted>``
        (and the API key wherever a server echoed it)."""
        headers = self._headers
        if isinstance(headers, _Clean):
            return headers.headers
        clean = _clean(headers, self._redactor)
        self._headers = _Clean(clean)
        self._redactor = None
        return clean

    @property
    def rate_limit(self) -> RateLimitInfo:
        """The rate-limit headers, parsed (every field ``None`` when none were sent)."""
        return RateLimitInfo.from_headers(self.headers)

    def __repr__(self) -> str:
        parts = [f"status={self.status}", f"request_id={self.request_id!r}"]
        if self.elapsed is not None:
            parts.append(f"elapsed={self.elapsed:.3f}")
        parts.append(f"attempts={self.attempts}")
        if self.time_to_first_token is not None:
            parts.append(f"time_to_first_token={self.time_to_first_token:.3f}")
        if self.time_to_last_chunk is not None:
            parts.append(f"time_to_last_chunk={self.time_to_last_chunk:.3f}")
        return f"ResponseInfo({', '.join(parts)})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Headers cleaned first: the redactor (which knows the key) never travels.
        return (
            _rebuild,
            (
                self.status,
                self.headers,
                self.request_id,
                self.elapsed,
                self.attempts,
                self.time_to_first_token,
                self.time_to_last_chunk,
                self.chunks,
            ),
        )


class _Clean:
    __slots__ = ("headers",)

    def __init__(self, headers: Headers) -> None:
        self.headers = headers


def clean_reply_headers(
    headers: Optional[Mapping[str, str]], redactor: Optional[Redactor]
) -> Headers:
    """A reply's headers as users see them: credentials ``<redacted>``, and every
    secret of ``redactor`` (the key a server echoed) removed."""
    return _clean(headers, redactor)


def _clean(headers: Optional[Mapping[str, str]], redactor: Optional[Redactor]) -> Headers:
    if not headers:
        return _EMPTY
    items = headers.items()
    return Headers(
        [
            (
                name,
                REDACTED
                if name.lower() in _HIDDEN_HEADERS
                else (value if redactor is None else redactor.text(value)),
            )
            for name, value in items
        ]
    )


def _rebuild(
    status: Optional[int],
    headers: Headers,
    request_id: Optional[str],
    elapsed: Optional[float],
    attempts: int,
    ttft: Optional[float],
    last: Optional[float],
    chunks: int,
) -> ResponseInfo:
    info = ResponseInfo(status, None, request_id, elapsed, attempts)
    info._headers = _Clean(headers)
    info.time_to_first_token = ttft
    info.time_to_last_chunk = last
    info.chunks = chunks
    return info


class RateLimitInfo:
    """The rate-limit headers of a reply, parsed. Every field is ``None`` when its
    header was absent or unreadable. Resets are seconds from the reply (``"1s"``,
    ``"6m0s"``, ``"20ms"`` and plain numbers are understood).

    Attributes:
        limit_requests: ``x-ratelimit-limit-requests`` (or ``x-ratelimit-limit``).
        remaining_requests: ``x-ratelimit-remaining-requests`` (or ``-remaining``).
        reset_requests: ``x-ratelimit-reset-requests`` (or ``-reset``), in seconds.
        limit_tokens: ``x-ratelimit-limit-tokens``.
        remaining_tokens: ``x-ratelimit-remaining-tokens``.
        reset_tokens: ``x-ratelimit-reset-tokens``, in seconds.
        retry_after: ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date), in
            seconds.
    """

    __slots__ = (
        "limit_requests",
        "limit_tokens",
        "remaining_requests",
        "remaining_tokens",
        "reset_requests",
        "reset_tokens",
        "retry_after",
    )

    def __init__(
        self,
        *,
        limit_requests: Optional[int] = None,
        remaining_requests: Optional[int] = None,
        reset_requests: Optional[float] = None,
        limit_tokens: Optional[int] = None,
        remaining_tokens: Optional[int] = None,
        reset_tokens: Optional[float] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        self.limit_requests = limit_requests
        self.remaining_requests = remaining_requests
        self.reset_requests = reset_requests
        self.limit_tokens = limit_tokens
        self.remaining_tokens = remaining_tokens
        self.reset_tokens = reset_tokens
        self.retry_after = retry_after

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], now: Optional[float] = None) -> RateLimitInfo:
        """Parse ``headers`` (any case).

        Args:
            headers: A reply's headers.
            now: The wall clock (Unix seconds) for an HTTP-date ``retry-after``
                (default: ``time.time()``).
        """
        from .retry import parse_retry_after

        if not isinstance(headers, Headers):
            headers = Headers(headers)
        get = headers.get
        if now is None:
            import time

            wall = time.time()
        else:
            wall = now
        return cls(
            limit_requests=_int(get("x-ratelimit-limit-requests") or get("x-ratelimit-limit")),
            remaining_requests=_int(
                get("x-ratelimit-remaining-requests") or get("x-ratelimit-remaining")
            ),
            reset_requests=_duration(get("x-ratelimit-reset-requests") or get("x-ratelimit-reset")),
            limit_tokens=_int(get("x-ratelimit-limit-tokens")),
            remaining_tokens=_int(get("x-ratelimit-remaining-tokens")),
            reset_tokens=_duration(get("x-ratelimit-reset-tokens")),
            retry_after=parse_retry_after(headers, wall),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RateLimitInfo):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.__slots__
            if getattr(self, name) is not None
        )
        return f"RateLimitInfo({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rate_limit, tuple(getattr(self, n) for n in self.__slots__))


def _rate_limit(*values: Any) -> RateLimitInfo:
    info = RateLimitInfo()
    for name, value in zip(RateLimitInfo.__slots__, values):
        setattr(info, name, value)
    return info


def _int(raw: Optional[str]) -> Optional[int]:
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) < 20:
        return int(raw)
    return None


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(raw: Optional[str]) -> Optional[float]:
    """Seconds from ``"1.5"``, ``"20ms"``, ``"1s"``, ``"6m0s"``, ``"1h2m3.5s"``."""
    if raw is None:
        return None
    text = raw.strip().lower()
    if not text or len(text) > 40:
        return None
    seconds: Optional[float]
    try:
        seconds = float(text)
    except ValueError:
        seconds = _go_duration(text)
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _go_duration(text: str) -> Optional[float]:
    total = 0.0
    number = ""
    i = 0
    while i < len(text):
        char = text[i]
        if char.isdigit() or char == ".":
            number += char
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else char
        if unit not in _UNITS or not number:
            return None
        try:
            total += float(number) * _UNITS[unit]
        except ValueError:
            return None
        number = ""
        i += len(unit)
    if number:  # a trailing number without its unit
        return None
    return total


def attach_info(target: object, info: Any) -> None:
    """Give ``target`` (a result or an error) its reply's ``ResponseInfo`` (or an
    object whose ``response_info()`` makes it on demand), unless it has one already or
    cannot hold one (a ``str``, a ``dict``)."""
    try:
        state = target.__dict__
    except AttributeError:
        return
    if ATTRIBUTE not in state:
        state[ATTRIBUTE] = info


def response_info(result: object) -> ResponseInfo:
    """The HTTP facts of the reply behind ``result``: status, headers, request id,
    elapsed time, attempts, rate limits and, for streams, the time to the first and to
    the last chunk.

    ``result`` is anything a call returned (a model, a list, a stream) or raised
    (``APIError``, ``APIConnectionError``: status ``None`` when no reply came).

    Args:
        result: What a call returned or raised.

    Returns:
        The ``ResponseInfo``.

    Raises:
        InvalidArgumentTypeError: ``result`` did not come from a call (or is an error
            raised before anything was sent, such as ``InvalidArgumentError``).
    """
    info = info_of(result)
    if info is None:
        from .errors import InvalidArgumentTypeError

        raise InvalidArgumentTypeError(
            f"response_info() needs what a call returned or raised; this "
            f"{type(result).__name__} carries no reply",
            argument="result",
        )
    return info


def info_of(result: object) -> Optional[ResponseInfo]:
    """``response_info``, or ``None`` when ``result`` carries no reply."""
    try:
        state = result.__dict__
    except AttributeError:
        return None
    info = state.get(ATTRIBUTE)
    if info is None or isinstance(info, ResponseInfo):
        return info
    made = info.response_info()  # a finished call's facts: made once, on demand
    if isinstance(made, ResponseInfo):
        state[ATTRIBUTE] = made
        return made
    return None
