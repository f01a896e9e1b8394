"""The ports core talks through. Adapters implement them; core never imports adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Protocol,
    TypeVar,
    runtime_checkable,
)

from .http import Headers, Request

T = TypeVar("T")


@runtime_checkable
class Response(Protocol):
    """A reply whose body has not necessarily been read yet.

    ``read`` returns the whole (remaining) body; ``iter_bytes`` yields chunks as they
    arrive; ``close`` releases the connection (back to the pool when the body was read
    to the end, otherwise by discarding it). Errors while reading are raised as
    ``APIConnectionError`` / ``APITimeoutError``.
    """

    @property
    def status(self) -> int:
        """The HTTP status code."""

    @property
    def headers(self) -> Headers:
        """The reply's headers (case-insensitive)."""

    @property
    def reason(self) -> str:
        """The HTTP reason phrase."""

    def read(self) -> bytes:
        """The whole (remaining) body."""

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks, as they arrive."""

    def close(self) -> None:
        """Release the connection (back to the pool when the body was read to the end)."""


@runtime_checkable
class Transport(Protocol):
    """Sends one request and returns one response. Never follows redirects, never
    retries; raises ``APIConnectionError`` / ``APITimeoutError`` for network failures."""

    def send(self, request: Request) -> Response:
        """Send one request and return its response (its body not necessarily read).

        Args:
            request: What to send: method, URL, headers, body, timeout.
        """

    def close(self) -> None:
        """Release the transport's connections."""


@runtime_checkable
class AsyncResponse(Protocol):
    """The async twin of ``Response``: a reply whose body has not necessarily been read.

    ``aread`` returns the whole (remaining) body; ``aiter_bytes`` yields chunks as they
    arrive; ``aclose`` releases the connection (back to the pool when the body was read
    to the end, otherwise by discarding it). Cancelling any of them (task cancellation,
    ``asyncio.timeout``) discards the connection. Errors while reading are raised as
    ``APIConnectionError`` / ``APITimeoutError``.
    """

    @property
    def status(self) -> int:
        """The HTTP status code."""

    @property
    def headers(self) -> Headers:
        """The reply's headers (case-insensitive)."""

    @property
    def reason(self) -> str:
        """The HTTP reason phrase."""

    async def aread(self) -> bytes:
        """The whole (remaining) body."""

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body in chunks, as they arrive."""

    async def aclose(self) -> None:
        """Release the connection (back to the pool when the body was read to the end)."""


@runtime_checkable
class AsyncTransport(Protocol):
    """The async twin of ``Transport``: sends one request and returns one response. Never
    follows redirects, never retries; raises ``APIConnectionError`` /
    ``APITimeoutError`` for network failures. A cancelled ``send`` leaves no
    connection behind."""

    async def send(self, request: Request) -> AsyncResponse:
        """Send one request and return its response (its body not necessarily read).

        Args:
            request: What to send: method, URL, headers, body, timeout.
        """

    async def aclose(self) -> None:
        """Release the transport's connections."""


class CodecError(ValueError):
    """Raised by a codec when bytes or values do not fit the requested type."""


@runtime_checkable
class Codec(Protocol):
    """Turns request values into JSON bytes and reply bytes into typed models."""

    def encode(self, value: Any) -> bytes:
        """JSON bytes for a value.

        Args:
            value: Plain data or a model.
        """

    def decode(self, data: bytes, type: type[T]) -> T:
        """A typed value from JSON bytes (raises ``CodecError`` when they do not fit).

        Args:
            data: The JSON bytes.
            type: The type to decode into.
        """

    def convert(self, value: Any, type: type[T]) -> T:
        """A typed value from plain data (raises ``CodecError`` when it does not fit).

        Args:
            value: Decoded JSON data.
            type: The type to convert into.
        """


@runtime_checkable
class SchemaCodec(Protocol):
    """What structured outputs and tool parameters need from a codec, besides ``Codec``:
    a type's JSON Schema and strict validation of JSON against the type. Optional: a
    codec without it serves every other call. The default msgspec codec has it
    (dataclasses, ``TypedDict``, ``msgspec.Struct``, plain types; pydantic models when
    pydantic is installed)."""

    def json_schema(self, type: Any) -> dict[str, Any]:
        """The JSON Schema of a type, as the library writes it (its root may be a
        ``$ref`` into ``$defs``). Raises ``TypeError`` for a type it cannot describe.

        Args:
            type: The type to describe.
        """

    def validate(self, value: Any, type: type[T]) -> T:
        """An instance of ``type`` from decoded JSON data, checked strictly (``"5"`` is
        not an ``int``); raises ``CodecError`` with a message naming the path.

        Args:
            value: Decoded JSON data.
            type: The type to build.
        """

    def validate_json(self, data: bytes | str, type: type[T]) -> T:
        """As ``validate``, from JSON text; raises ``CodecError`` for bad JSON too.

        Args:
            data: The JSON text.
            type: The type to build.
        """


DECODE_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, RecursionError)
"""What any decoder may raise on bad data (``CodecError`` is a ``ValueError``)."""


def decoder_for(
    codec: Codec, type: type[T]
) -> tuple[Callable[[bytes], T], tuple[type[Exception], ...]]:
    """A callable decoding bytes into ``type``, bound once for a hot loop (a stream's
    chunks), and the exceptions it raises on bad data. A codec may offer
    ``decoder_for(type)`` returning its own unwrapped decoder, and ``decode_errors``
    naming the library's exceptions that decoder raises; otherwise ``codec.decode``
    (which raises ``CodecError``) is used."""
    fast = getattr(codec, "decoder_for", None)
    if fast is not None:
        bound: Callable[[bytes], T] = fast(type)
        return bound, DECODE_ERRORS + tuple(getattr(codec, "decode_errors", ()))
    decode = codec.decode
    return (lambda data: decode(data, type)), DECODE_ERRORS


@dataclass(frozen=True)
class RetryDecision:
    """Core's verdict on a failed attempt: try again after ``delay`` seconds, or not."""

    retry: bool
    delay: float = 0.0


Decide = Callable[[BaseException, int], RetryDecision]
"""Called with the failure and the number of the attempt that failed (1 = first)."""


@runtime_checkable
class RetryPolicy(Protocol):
    """Runs ``attempt`` (called with its 1-based number) until it returns, or until
    ``decide`` says a failure is final, in which case that failure is re-raised."""

    def run(self, attempt: Callable[[int], T], decide: Decide) -> T:
        """Run ``attempt`` until it returns, or until ``decide`` says a failure is final.

        Args:
            attempt: Called with the 1-based attempt number.
            decide: Called with a failure and its attempt number; says whether to retry
                and after how long.
        """


@runtime_checkable
class AsyncRetryPolicy(Protocol):
    """The async twin of ``RetryPolicy``: awaits ``attempt`` until it returns, or until
    ``decide`` says a failure is final, in which case that failure is re-raised."""

    async def arun(self, attempt: Callable[[int], Awaitable[T]], decide: Decide) -> T:
        """Await ``attempt`` until it returns, or until ``decide`` says a failure is final.

        Args:
            attempt: Called with the 1-based attempt number.
            decide: Called with a failure and its attempt number; says whether to retry
                and after how long.
        """
