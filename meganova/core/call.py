"""One call's attempts, sans-I/O: the attempt flow (time budget, redirects, status to
error, reading the body within its cap) and the retry verdict between attempts. The
retry policy runs the attempts; a driver performs what they yield."""

from __future__ import annotations

import contextlib
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urljoin, urlsplit

from .budget import TimeBudget
from .effects import Emit, Flow, ReadBody, Send
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MeganovaError,
    ResponseTooLargeError,
    error_for_status,
)
from .hooks import CallContext, RequestEvent, ResponseEvent, RetryEvent
from .http import Request, Timeout
from .limits import BodyLimit
from .log import DEBUG, INFO, WARNING, enabled, event, log_path
from .ports import RetryDecision
from .response_info import ResponseInfo, attach_info
from .retry import RetrySettings, decide, parse_retry_after

if TYPE_CHECKING:
    from .engine import Engine, RequestOptions

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-mn-request-id")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
REDIRECT_BODY_LIMIT = 65536  # a larger redirect body is not drained: its socket is closed
# The only headers a redirect carries to another origin: the SDK's own, none secret.
# One the caller set (default_headers, extra_headers) stays home even under these names.
CROSS_ORIGIN_HEADERS = frozenset(
    {"user-agent", "x-mn-sdk", "accept", "content-type", "x-mn-region"}
)


def request_id_from(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


class Call:
    """One request and everything its attempts share: retry settings, the deadline,
    the body cap. ``attempt(n)`` is the flow of attempt ``n``; ``decide`` is core's
    verdict after a failed one. Every attempt, the first included, runs the same flow."""

    __slots__ = (
        "attempts",
        "budget",
        "context",
        "engine",
        "headers",
        "json",
        "limit",
        "options",
        "read_body",
        "replied",
        "request",
        "request_id",
        "settings",
        "started",
        "status",
    )

    def __init__(
        self,
        engine: Engine,
        request: Request,
        options: RequestOptions | None,
        *,
        read_body: bool,
        budget: TimeBudget | None = None,
        json: Any = None,
    ) -> None:
        config = engine.config
        settings = config.retry
        if options is None:  # the usual call: the client's settings, read directly
            self.limit = config.max_response_bytes
            if budget is None and config.deadline is not None:
                budget = TimeBudget(config.deadline, engine.clock.monotonic)
        else:
            if options.max_retries is not None:
                settings = replace(settings, max_retries=options.max_retries)
            self.limit = engine.body_limit(options)
            if budget is None:
                budget = engine.budget_for(options)
        self.engine = engine
        self.request = request
        self.options = options
        self.read_body = read_body
        self.settings: RetrySettings = settings
        self.budget = budget
        self.started = engine.clock.monotonic()  # the call's start (see ``elapsed``)
        self.request_id: str | None = None  # the last reply's, once there is one
        self.json = json  # the request body's fields, for a hook's ``CallContext.params``
        # Set by the driver when the client has hooks: the attempts then emit events.
        self.context: CallContext | None = None
        # The final reply's facts (``status``, ``headers``, ``replied``), set with
        # ``attempts`` once it arrived: a result's ``ResponseInfo`` is made from them
        # only when asked for (``response_info``), so a call pays a few stores for it.
        self.attempts = 0

    def attempt(self, number: int) -> Flow[tuple[Any, bytes]]:
        """Attempt ``number`` (1-based): send, follow redirects, map a non-2xx reply to
        its typed error, read the body (unless streaming). Returns ``(response, body)``."""
        engine = self.engine
        clock = engine.clock
        request = self.request
        budget = self.budget
        if budget is not None:
            remaining = budget.remaining()
            if remaining <= 0:
                raise APITimeoutError(
                    f"The call's deadline of {budget.seconds:g}s passed before attempt {number}",
                    request_sent=number > 1,
                    attempts=number - 1,
                )
            request = _shorten_timeout(request, remaining, budget)
        context = self.context
        if context is not None:
            context.attempts += 1
            yield Emit(self._request_event(context, request, number))
        try:
            response = yield Send(request)
            status = response.status
            if status in REDIRECT_STATUSES:
                response = yield from self._follow_redirects(request, response)
                status = response.status
            replied = clock.monotonic()
            headers = response.headers
            self.request_id = request_id = request_id_from(headers)
            if context is not None:
                yield Emit(
                    ResponseEvent(
                        context,
                        status,
                        headers,
                        request_id and engine.redactor.text(request_id),  # echoed key
                        replied - self.started,
                        number,
                        engine.redactor if engine.redactor else None,
                    )
                )
            if not 200 <= status < 300:
                limit = BodyLimit(self.limit, method=request.method, request_id=request_id)
                error_body = yield ReadBody(response, limit)
                raise error_for_status(
                    status,
                    headers=response.headers,
                    body=error_body,
                    request_id=request_id,
                    retry_after=parse_retry_after(response.headers, clock.time()),
                    reason=response.reason,
                )
            body = b""
            if self.read_body:
                body = yield ReadBody(response, BodyLimit(self.limit, request.method, request_id))
        except MeganovaError as exc:
            engine.redactor.error(exc)  # a key echoed in its body, headers or message
            attach_info(
                exc,
                ResponseInfo(
                    getattr(exc, "status", None),
                    getattr(exc, "headers", None),
                    exc.request_id,
                    clock.monotonic() - self.started,
                    number,
                ),
            )
            if isinstance(exc, (APIError, APIConnectionError)):
                exc.attempts = number
            raise  # logged once, by ``decide``: retried, given up or failed
        if enabled(DEBUG):
            self._log(
                DEBUG,
                "response",
                number,
                f"status={status}",
                status,
                None if request_id is None else engine.redactor.text(request_id),
                "",
            )
        self.status = status
        self.headers = headers
        self.replied = replied
        self.attempts = number
        return response, body

    def response_info(self) -> ResponseInfo | None:
        """The ``ResponseInfo`` of the final reply (``None``: none arrived yet)."""
        if not self.attempts:
            return None
        return ResponseInfo(
            self.status,
            self.headers,
            self.request_id,
            self.replied - self.started,
            self.attempts,
            self.engine.redactor,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Held by a result until its ``ResponseInfo`` is asked for: a pickled result
        # carries that, never the call (its engine knows the key).
        return (_same, (self.response_info(),))

    def _request_event(self, context: CallContext, request: Request, number: int) -> RequestEvent:
        redactor = self.engine.redactor
        return RequestEvent(
            context,
            request.method,
            request.url,
            request.headers,
            number,
            redactor if redactor else None,
        )

    def retry_event(self, error: BaseException, number: int, delay: float) -> RetryEvent | None:
        """The ``on_retry`` event of a retry decided after attempt ``number`` (``None``
        when the call is not observed)."""
        context = self.context
        if context is None:
            return None
        return RetryEvent(
            context, error, delay, number, self.engine.clock.monotonic() - self.started
        )

    def decide(self, error: BaseException, number: int) -> RetryDecision:
        """Retry after attempt ``number`` failed with ``error``, and after how long."""
        engine = self.engine
        budget = self.budget
        remaining = None if budget is None else budget.remaining()
        settings = self.settings
        verdict = decide(error, number, settings, rand=engine.rand, remaining=remaining)
        if verdict.retry:
            if enabled(INFO):
                self._log_failure(
                    INFO,
                    "retry",
                    error,
                    number,
                    f"; retrying in {verdict.delay:.2f}s"
                    f" (attempt {number + 1} of {settings.max_retries + 1})",
                    verdict.delay,
                )
        elif number > 1 or _retryable_kind(error):
            if enabled(WARNING):
                self._log_failure(
                    WARNING, "gave_up", error, number, f"; gave up after {_attempts(number)}"
                )
        elif enabled(DEBUG):
            self._log_failure(DEBUG, "failed", error, number, "; not retryable")
        return verdict

    def _log_failure(
        self,
        level: int,
        name: str,
        error: BaseException,
        number: int,
        tail: str,
        delay: float | None = None,
    ) -> None:
        status = getattr(error, "status", None)
        self._log(
            level,
            name,
            number,
            f"failed: {type(error).__name__} status={status}",
            status,
            getattr(error, "request_id", None),
            tail,
            error=type(error).__name__,
            delay=delay,
        )

    def _log(
        self,
        level: int,
        name: str,
        number: int,
        what: str,
        status: int | None,
        request_id: str | None,
        tail: str,
        **more: Any,
    ) -> None:
        """One line: ``POST /v1/path attempt=N <what> elapsed=S request_id=R<tail>``,
        its facts as extras. ``elapsed`` counts from the call's start."""
        request = self.request
        path = log_path(request.url, self.engine.redactor)
        elapsed = self.engine.clock.monotonic() - self.started
        message = (
            f"{request.method} {path} attempt={number} {what} elapsed={elapsed:.3f}s "
            f"request_id={request_id}{tail}"
        )
        fields = {
            "method": request.method,
            "path": path,
            "attempt": number,
            "elapsed": elapsed,
            "status": status,
            "request_id": request_id,
            **{key: value for key, value in more.items() if value is not None},
        }
        event(level, name, message, fields)

    def _follow_redirects(self, request: Request, response: Any) -> Flow[Any]:
        origin = _origin(request.url)
        current = request
        for hop in range(MAX_REDIRECTS + 1):
            if hop:
                response = yield Send(current)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            with contextlib.suppress(ResponseTooLargeError):  # not drained: discarded
                yield ReadBody(response, BodyLimit(REDIRECT_BODY_LIMIT, method=current.method))
            target = urljoin(current.url, location)
            if urlsplit(target).scheme not in ("http", "https"):
                raise final(
                    APIConnectionError(
                        f"Refusing a redirect to a non-HTTP location (status {response.status})",
                        request_sent=True,
                    )
                )
            headers = dict(current.headers)
            if _origin(target) != origin:
                headers = self._cross_origin(headers)
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
        raise final(APIConnectionError(f"More than {MAX_REDIRECTS} redirects", request_sent=True))

    def _cross_origin(self, headers: Mapping[str, str]) -> dict[str, str]:
        """What may go to another origin: no credential, cookie or idempotency key, and
        nothing the caller set (it may identify or authorise them to the first host)."""
        callers = self.engine.default_header_names
        options = self.options
        if options is not None and options.extra_headers:
            callers = callers | {name.lower() for name in options.extra_headers}
        return {
            name: value
            for name, value in headers.items()
            if name.lower() in CROSS_ORIGIN_HEADERS and name.lower() not in callers
        }


def _same(value: Any) -> Any:
    return value


def final(error: MeganovaError) -> MeganovaError:
    """Mark an error no retry can fix: the same request would fail the same way."""
    error.retryable = False
    return error


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), (parts.netloc.rsplit("@", 1)[-1]).lower())


def _attempts(number: int) -> str:
    return "1 attempt" if number == 1 else f"{number} attempts"


def _retryable_kind(error: BaseException) -> bool:
    """Whether ``error`` is one a retry could fix, had attempts and time been left."""
    settings = RetrySettings(max_retries=1, max_retry_after=math.inf)
    return decide(error, 1, settings, rand=lambda: 0.0).retry


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


__all__ = ["Call", "final", "request_id_from"]
