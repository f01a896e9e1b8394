"""The engine: an API call -> its request -> the flow of its attempts -> model or error.
Sans-I/O: the flows yield effects (``core.effects``) that a driver performs."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol, TypeVar
from urllib.parse import quote, urlencode

from .budget import TimeBudget
from .call import Call, request_id_from
from .config import ClientConfig, check_deadline, check_max_response_bytes, check_max_retries
from .effects import Attempts, Flow
from .errors import (
    APIResponseValidationError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
)
from .http import SENSITIVE_HEADERS, Headers, Request, Timeout, TimeoutLike
from .ports import Codec, CodecError, decoder_for
from .redact import Redactor, Sensitive
from .validation import check_header, check_header_value, check_json_value

T = TypeVar("T")
logger = logging.getLogger("meganova")
logger.addHandler(logging.NullHandler())  # quiet unless the application configures logging


class Clock(Protocol):
    """Time as the engine reads it (a virtual clock makes retries and deadlines
    instant). Core only reads the time; waiting is the drivers' job (``sleep`` and
    ``asleep`` on the clocks in ``meganova.adapters.clock``)."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class ReadingClock:
    """The system's clocks, read only (the engine's default)."""

    # Looked up on the time module per call (not bound at import): tools that patch
    # time.monotonic / time.time (freezegun) reach the SDK's clock too.
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


def quote_segment(value: str) -> str:
    """Quote one path segment; ``/`` in ids like ``org/model`` is kept literal only
    where the API expects it, so resources choose per call."""
    return quote(value, safe="")


def _check_str_mapping(name: str, value: object, *, allow_none_values: bool) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidArgumentTypeError(
            f"{name} must be a mapping, got {type(value).__name__}", argument=name
        )
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidArgumentTypeError(f"{name} keys must be strings", argument=name)
        if name == "extra_headers" and not (item is None and allow_none_values):
            check_header(name, key, item)
    return dict(value)


# Idempotency keys must be unique, not secret. os.urandom per call is a syscall that
# drops the GIL (a thread hand-off per call under load); a private generator seeded from
# it is not, and unlike the global one an app's random.seed(42) cannot repeat our keys.
_key_rng = random.Random()
_key_bits = _key_rng.getrandbits
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_key_rng.seed)  # a child never repeats its parent


class Unset:
    """An option a call did not give (``None`` is a real value for some)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


@dataclass(frozen=True)
class RequestOptions:
    """Per-call overrides. ``extra_headers`` values of ``None`` remove a default header;
    ``max_response_bytes=None`` lifts the client's cap for this call."""

    timeout: Timeout | None = None
    max_retries: int | None = None
    extra_headers: Mapping[str, str | None] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    idempotency_key: str | None = None
    deadline: float | None = None
    max_response_bytes: int | Unset | None = UNSET

    @classmethod
    def build(
        cls,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        deadline: float | None = None,
        max_response_bytes: int | Unset | None = UNSET,
    ) -> RequestOptions | None:
        """Validate per-call options; ``None`` when nothing was given (the fast path)."""
        if (
            timeout is None
            and max_retries is None
            and not extra_headers
            and not extra_query
            and not extra_body
            and idempotency_key is None
            and deadline is None
            and max_response_bytes is UNSET
        ):
            return None
        if extra_body:
            check_json_value("extra_body", extra_body)
        if idempotency_key is not None and (
            not isinstance(idempotency_key, str) or not idempotency_key.strip()
        ):
            raise InvalidArgumentError(
                "idempotency_key must be a non-empty string", argument="idempotency_key"
            )
        if idempotency_key is not None:
            check_header_value("idempotency_key", idempotency_key)
        headers = _check_str_mapping("extra_headers", extra_headers, allow_none_values=True)
        for name, value in headers.items():
            if value is not None and name.lower() in SENSITIVE_HEADERS:
                headers[name] = Sensitive(value)  # hidden from this object's repr too
        return cls(
            timeout=None if timeout is None else Timeout.coerce(timeout),
            max_retries=None if max_retries is None else check_max_retries(max_retries),
            extra_headers=headers or None,
            extra_query=_check_str_mapping("extra_query", extra_query, allow_none_values=True)
            or None,
            extra_body=_check_str_mapping("extra_body", extra_body, allow_none_values=True) or None,
            idempotency_key=idempotency_key,
            deadline=check_deadline(deadline),
            max_response_bytes=max_response_bytes
            if isinstance(max_response_bytes, Unset)
            else check_max_response_bytes(max_response_bytes),
        )


CALL_OPTIONS = ("max_retries", "deadline", "idempotency_key", "max_response_bytes")


def pop_call_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The SDK's per-call options found among a call's pass-through keyword arguments,
    taken out so they act on this call and never reach the request body."""
    return {name: kwargs.pop(name) for name in CALL_OPTIONS if name in kwargs}


class Engine:
    """Builds requests for one configuration and runs them; safe to share across threads."""

    def __init__(
        self,
        config: ClientConfig,
        codec: Codec,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.codec = codec
        self.clock: Clock = clock or ReadingClock()
        self.rand = rand
        # Sensitive: a repr of these headers (a traceback's locals, a log) never shows it.
        headers = {
            "Authorization": Sensitive("Bearer " + config.api_key.reveal()),
            "User-Agent": config.user_agent,
            "X-MN-SDK": "python",
            "Accept": "application/json",
        }
        if config.region != "auto":
            headers["X-MN-Region"] = config.region
        for name, value in config.default_headers:
            headers[name] = Sensitive(value) if name.lower() in SENSITIVE_HEADERS else value
        self._base_headers = headers
        self._urls: dict[str, str] = {}  # path -> URL, for calls without a query
        self._decoders: dict[Any, Any] = {}  # cast_to -> (decode, errors), see _decoder
        self.default_header_names = frozenset(name.lower() for name, _ in config.default_headers)
        self.redactor = Redactor(config.secrets())

    def __repr__(self) -> str:
        return f"Engine(base_url={self.config.base_url!r})"

    # -- building -----------------------------------------------------------------

    def url_for(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        if path.startswith(("http://", "https://")):
            url = path
        else:
            url = self.config.base_url + (path if path.startswith("/") else "/" + path)
        if query:
            pairs: list[tuple[str, str]] = []
            for key, value in query.items():
                if value is None:
                    continue
                if isinstance(value, bool):
                    value = "true" if value else "false"
                if isinstance(value, (list, tuple)):
                    pairs.extend((key, str(v)) for v in value)
                else:
                    pairs.append((key, str(value)))
            if pairs:
                url += ("&" if "?" in url else "?") + urlencode(pairs)
        return url

    def build_request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        options: RequestOptions | None = None,
        stream: bool = False,
    ) -> Request:
        if options is not None and options.extra_query:
            query = {**(query or {}), **options.extra_query}
        if options is not None and options.extra_body:
            if json is None:
                json = {}
            if not isinstance(json, Mapping):
                raise InvalidArgumentError(
                    "extra_body needs a JSON object body", argument="extra_body"
                )
            json = {**json, **options.extra_body}
        body = content
        headers = self._base_headers.copy()
        if json is not None:
            try:
                body = self.codec.encode(json)
            except InvalidArgumentError:
                body = self._encode(json)  # raises, naming the field
            headers["Content-Type"] = "application/json"
        elif content is not None:
            headers["Content-Type"] = content_type or "application/octet-stream"
        if stream:
            headers["Accept"] = "text/event-stream"
        if method == "POST":
            key = options.idempotency_key if options is not None else None
            # %-format: ~800 instructions fewer than an f-string's format spec.
            headers["Idempotency-Key"] = key or "mn-%032x" % _key_bits(128)  # noqa: UP031
        if options is not None and options.extra_headers:
            for name, value in options.extra_headers.items():
                for existing in [h for h in headers if h.lower() == name.lower()]:
                    del headers[existing]
                if value is not None:
                    sensitive = name.lower() in SENSITIVE_HEADERS
                    headers[name] = Sensitive(value) if sensitive else value
        timeout = self.config.timeout
        if options is not None and options.timeout is not None:
            timeout = options.timeout
        if query:
            url = self.url_for(path, query)
        else:
            url = self._urls.get(path)  # type: ignore[assignment]
            if url is None:
                url = self.url_for(path)
                if len(self._urls) < 256:  # paths with ids are many: keep the first ones
                    self._urls[path] = url
        return Request(method, url, headers, body, timeout, stream)

    def scrub(self, body: bytes) -> bytes:
        """Remove the API key (plain or escaped) from bytes a server sent back: an
        echoed key must not reach errors and logs."""
        return self.redactor.bytes(body)

    def _encode(self, json: Any) -> bytes:
        try:
            return self.codec.encode(json)
        except InvalidArgumentError:
            if not isinstance(json, Mapping):
                raise
            # Name the field that cannot be encoded rather than "body" (rare path only).
            for key, value in json.items():
                try:
                    self.codec.encode(value)
                except InvalidArgumentError:
                    raise InvalidArgumentTypeError(
                        f"{key} cannot be encoded as JSON (it holds a {type(value).__name__}"
                        " or something inside it that JSON cannot represent)",
                        argument=key,
                    ) from None
            raise

    # -- the flows ----------------------------------------------------------------

    def fetch(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        options: RequestOptions | None = None,
    ) -> Flow[T]:
        """The flow of a call whose 2xx body is decoded into ``cast_to``."""
        request = self.build_request(
            method,
            path,
            query=query,
            json=json,
            content=content,
            content_type=content_type,
            options=options,
        )
        call = Call(self, request, options, read_body=True, json=json)
        response, body = yield Attempts(call)
        return self.decode(body, cast_to, response.status, call.request_id)

    def open(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        query: Mapping[str, Any] | None = None,
        options: RequestOptions | None = None,
        budget: TimeBudget | None = None,
    ) -> Flow[Any]:
        """The flow of a call whose 2xx response is returned unread (a stream). Retries
        happen only here, before the caller has seen a byte of the body. The call's
        deadline also bounds reading the body; pass ``budget`` (from ``budget_for``) to
        share it with the stream that reads it."""
        request = self.build_request(
            method, path, query=query, json=json, options=options, stream=True
        )
        call = Call(self, request, options, read_body=False, budget=budget, json=json)
        response, _ = yield Attempts(call)
        return response

    def body_limit(self, options: RequestOptions | None) -> int | None:
        """The ``max_response_bytes`` of a call: its own, else the client's."""
        if options is None or isinstance(options.max_response_bytes, Unset):
            return self.config.max_response_bytes
        return options.max_response_bytes

    def budget_for(self, options: RequestOptions | None) -> TimeBudget | None:
        """The time budget of a call starting now (``None``: it has no deadline)."""
        deadline = self.config.deadline
        if options is not None and options.deadline is not None:
            deadline = options.deadline
        return None if deadline is None else TimeBudget(deadline, self.clock.monotonic)

    def decode(self, body: bytes, cast_to: type[T], status: int, request_id: str | None) -> T:
        try:
            decode, errors = self._decoders[cast_to]
        except (KeyError, TypeError):
            decode, errors = self._decoder(cast_to)
        try:
            result: T = decode(body)
        except errors as exc:
            error = APIResponseValidationError(
                f"The reply does not match {getattr(cast_to, '__name__', cast_to)}: {exc}",
                status=status,
                request_id=request_id,
                body=body,
            )
            raise self.redactor.error(error) from None
        attach_request_id(result, request_id)
        return result

    def _decoder(self, cast_to: Any) -> tuple[Callable[[bytes], Any], tuple[type[Exception], ...]]:
        """How bodies decode into ``cast_to``, kept per type: the codec's own bound
        decoder when it offers one (no wrapper per call), else ``codec.decode``."""
        decode = self.codec.decode
        entry: tuple[Callable[[bytes], Any], tuple[type[Exception], ...]] = (
            lambda body: decode(body, cast_to),
            (CodecError,),
        )
        if hasattr(self.codec, "decoder_for"):
            # A type it cannot build a decoder for: codec.decode says why, per call.
            with contextlib.suppress(Exception):
                entry = decoder_for(self.codec, cast_to)
        # An unhashable type (an Annotated with a dict) is not kept.
        with contextlib.suppress(TypeError):
            if len(self._decoders) < 256:
                self._decoders[cast_to] = entry
        return entry


def attach_request_id(result: object, request_id: str | None) -> None:
    if request_id is not None and hasattr(result, "request_id"):
        try:  # noqa: SIM105 (contextlib.suppress costs ~1 µs on every call)
            result.request_id = request_id
        except AttributeError:
            pass


__all__ = [
    "Clock",
    "Engine",
    "Headers",
    "ReadingClock",
    "RequestOptions",
    "attach_request_id",
    "pop_call_options",
    "quote_segment",
    "request_id_from",
]
