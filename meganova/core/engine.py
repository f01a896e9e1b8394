"""The engine: API call -> request -> retries around the transport -> model or error."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Protocol, TypeVar
from urllib.parse import quote, urlencode, urljoin, urlsplit

from .budget import TimeBudget
from .config import ClientConfig, check_deadline, check_max_response_bytes, check_max_retries
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    MeganovaError,
    ResponseTooLargeError,
    error_for_status,
)
from .http import SENSITIVE_HEADERS, Headers, Request, Timeout, TimeoutLike
from .limits import read_capped
from .ports import Codec, CodecError, Response, RetryDecision, RetryPolicy, Transport
from .redact import Redactor, Sensitive
from .retry import decide, parse_retry_after
from .validation import check_header, check_header_value, check_json_value

T = TypeVar("T")
logger = logging.getLogger("meganova")
logger.addHandler(logging.NullHandler())  # quiet unless the application configures logging

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-mn-request-id")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
REDIRECT_BODY_LIMIT = 65536  # a larger redirect body is not drained: its socket is closed
# The only headers a redirect carries to another origin: the SDK's own, none secret.
# One the caller set (default_headers, extra_headers) stays home even under these names.
CROSS_ORIGIN_HEADERS = frozenset(
    {"user-agent", "x-mn-sdk", "accept", "content-type", "x-mn-region"}
)


class Clock(Protocol):
    """Time as the engine sees it; a virtual clock makes retries and deadlines instant."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def request_id_from(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


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


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), (parts.netloc.rsplit("@", 1)[-1]).lower())


class Engine:
    """Builds requests for one configuration and runs them; safe to share across threads."""

    def __init__(
        self,
        config: ClientConfig,
        transport: Transport,
        codec: Codec,
        retry_policy: RetryPolicy,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.transport = transport
        self.codec = codec
        self.retry_policy = retry_policy
        self.clock: Clock = clock or SystemClock()
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
        self._default_names = frozenset(name.lower() for name, _ in config.default_headers)
        self.redactor = Redactor(config.secrets())

    def __repr__(self) -> str:
        return (
            f"Engine(base_url={self.config.base_url!r}, transport={type(self.transport).__name__})"
        )

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
        headers = dict(self._base_headers)
        if json is not None:
            body = self._encode(json)
            headers["Content-Type"] = "application/json"
        elif content is not None:
            headers["Content-Type"] = content_type or "application/octet-stream"
        if stream:
            headers["Accept"] = "text/event-stream"
        if method == "POST":
            key = options.idempotency_key if options is not None else None
            headers["Idempotency-Key"] = key or f"mn-{_key_bits(128):032x}"
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
        return Request(
            method=method,
            url=self.url_for(path, query),
            headers=headers,
            body=body,
            timeout=timeout,
            stream=stream,
        )

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

    # -- running ------------------------------------------------------------------

    def request(
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
    ) -> T:
        """Send a call and decode its 2xx body into ``cast_to``."""
        request = self.build_request(
            method,
            path,
            query=query,
            json=json,
            content=content,
            content_type=content_type,
            options=options,
        )
        response, body = self._execute(request, options, read_body=True)
        return self.decode(body, cast_to, response.status, request_id_from(response.headers))

    def open_stream(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        query: Mapping[str, Any] | None = None,
        options: RequestOptions | None = None,
        budget: TimeBudget | None = None,
    ) -> Response:
        """Send a call and return its 2xx response unread. Retries happen only here,
        before the caller has seen a byte of the body. The call's deadline also bounds
        reading the body; pass ``budget`` (from ``budget_for``) to share it with the
        stream that reads it."""
        request = self.build_request(
            method, path, query=query, json=json, options=options, stream=True
        )
        response, _ = self._execute(request, options, read_body=False, budget=budget)
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
            result = self.codec.decode(body, cast_to)
        except CodecError as exc:
            error = APIResponseValidationError(
                f"The reply does not match {getattr(cast_to, '__name__', cast_to)}: {exc}",
                status=status,
                request_id=request_id,
                body=body,
            )
            raise self.redactor.error(error) from None
        attach_request_id(result, request_id)
        return result

    def _execute(
        self,
        request: Request,
        options: RequestOptions | None,
        *,
        read_body: bool,
        budget: TimeBudget | None = None,
    ) -> tuple[Response, bytes]:
        settings = self.config.retry
        if options is not None and options.max_retries is not None:
            settings = replace(settings, max_retries=options.max_retries)
        if budget is None:
            budget = self.budget_for(options)
        limit = self.body_limit(options)
        clock = self.clock
        started = clock.monotonic()
        path = _LogPath(request.url)

        def attempt(number: int) -> tuple[Response, bytes]:
            current = request
            if budget is not None:
                remaining = budget.remaining()
                if remaining <= 0:
                    raise APITimeoutError(
                        f"The call's deadline of {budget.seconds:g}s passed before attempt "
                        f"{number}",
                        request_sent=number > 1,
                        attempts=number - 1,
                    )
                current = _shorten_timeout(current, remaining, budget)
            began = clock.monotonic()
            try:
                response = self._send_following_redirects(current, options)
                status = response.status
                request_id = request_id_from(response.headers)
                if not 200 <= status < 300:
                    error_body = read_capped(
                        response, limit, method=request.method, request_id=request_id
                    )
                    retry_after = parse_retry_after(response.headers, clock.time())
                    raise error_for_status(
                        status,
                        headers=response.headers,
                        body=error_body,
                        request_id=request_id,
                        retry_after=retry_after,
                        reason=response.reason,
                    )
                body = (
                    read_capped(response, limit, method=request.method, request_id=request_id)
                    if read_body
                    else b""
                )
            except MeganovaError as exc:
                self.redactor.error(exc)  # a key echoed in its body, headers or message
                exc_status = getattr(exc, "status", None)
                logger.debug(
                    "%s %s attempt=%d failed: %s status=%s elapsed=%.3fs request_id=%s",
                    request.method,
                    path,
                    number,
                    type(exc).__name__,
                    exc_status,
                    clock.monotonic() - began,
                    exc.request_id,
                )
                if isinstance(exc, (APIError, APIConnectionError)):
                    exc.attempts = number
                raise
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s attempt=%d status=%d elapsed=%.3fs request_id=%s",
                    request.method,
                    path,
                    number,
                    status,
                    clock.monotonic() - began,
                    request_id if request_id is None else self.redactor.text(request_id),
                )
            return response, body

        def decide_retry(error: BaseException, number: int) -> RetryDecision:
            remaining = None if budget is None else budget.remaining()
            verdict = decide(error, number, settings, rand=self.rand, remaining=remaining)
            if verdict.retry:
                logger.info(
                    "%s %s attempt=%d failed: %s status=%s elapsed=%.3fs request_id=%s; "
                    "retrying in %.2fs (attempt %d of %d)",
                    request.method,
                    path,
                    number,
                    type(error).__name__,
                    getattr(error, "status", None),
                    clock.monotonic() - started,
                    getattr(error, "request_id", None),
                    verdict.delay,
                    number + 1,
                    settings.max_retries + 1,
                )
            return verdict

        return self.retry_policy.run(attempt, decide_retry)

    def _send_following_redirects(
        self, request: Request, options: RequestOptions | None = None
    ) -> Response:
        response = self.transport.send(request)
        if response.status not in REDIRECT_STATUSES:
            return response  # the usual case: no URL parsing on the hot path
        origin = _origin(request.url)
        current = request
        for hop in range(MAX_REDIRECTS + 1):
            if hop:
                response = self.transport.send(current)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            with contextlib.suppress(ResponseTooLargeError):
                read_capped(response, REDIRECT_BODY_LIMIT, method=current.method)
            target = urljoin(current.url, location)
            if urlsplit(target).scheme not in ("http", "https"):
                raise _final(
                    APIConnectionError(
                        f"Refusing a redirect to a non-HTTP location (status {response.status})",
                        request_sent=True,
                    )
                )
            headers = dict(current.headers)
            if _origin(target) != origin:
                headers = self._cross_origin(headers, options)
            method, body = current.method, current.body
            if response.status == 303 or (
                response.status in (301, 302) and method not in ("GET", "HEAD")
            ):
                method, body = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            current = Request(
                method=method,
                url=target,
                headers=headers,
                body=body,
                timeout=current.timeout,
                stream=current.stream,
                budget=current.budget,
            )
        raise _final(APIConnectionError(f"More than {MAX_REDIRECTS} redirects", request_sent=True))

    def _cross_origin(
        self, headers: Mapping[str, str], options: RequestOptions | None
    ) -> dict[str, str]:
        """What may go to another origin: no credential, cookie or idempotency key, and
        nothing the caller set (it may identify or authorise them to the first host)."""
        callers = self._default_names
        if options is not None and options.extra_headers:
            callers = callers | {name.lower() for name in options.extra_headers}
        return {
            name: value
            for name, value in headers.items()
            if name.lower() in CROSS_ORIGIN_HEADERS and name.lower() not in callers
        }


def _final(error: MeganovaError) -> MeganovaError:
    """Mark an error no retry can fix: the same request would fail the same way."""
    error.retryable = False
    return error


class _LogPath:
    """A URL's path for log lines, worked out only when a line is written."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return urlsplit(self.url).path


def _shorten_timeout(request: Request, remaining: float, budget: TimeBudget) -> Request:
    timeout = request.timeout
    connect = remaining if timeout.connect is None else min(timeout.connect, remaining)
    read = remaining if timeout.read is None else min(timeout.read, remaining)
    return Request(
        method=request.method,
        url=request.url,
        headers=request.headers,
        body=request.body,
        timeout=Timeout(connect=connect, read=read),
        stream=request.stream,
        budget=budget,
    )


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
    "RequestOptions",
    "SystemClock",
    "attach_request_id",
    "pop_call_options",
    "quote_segment",
    "request_id_from",
]
