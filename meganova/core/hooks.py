"""Client-level hooks: the events of a call, as plain values, for your callables.

Core builds the events from facts it already has (an attempt starts, a reply arrives,
a retry is decided, a stream's first chunk and its end); the drivers and the stream
shells call the hooks (sync, or awaited on ``AsyncMegaNova`` when a hook returns an
awaitable). A hook that raises is logged and never breaks the call.

Every event has ``call``, the ``CallContext`` of the user's call it belongs to: the
same object for all its events (attempts, retries, stream events), with a ``call_id``
and a ``state`` dict of your own, so a consumer (tracing, metrics) can correlate
events of calls interleaved across threads or tasks.

``elapsed`` means one thing everywhere: seconds since the call started (its first
request ready to send), on the client's clock.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

from .http import SENSITIVE_HEADERS, Headers
from .redact import REDACTED, Redactor, Sensitive

if TYPE_CHECKING:
    from .response_info import ResponseInfo

__all__ = [
    "EVENT_NAMES",
    "CallContext",
    "CallEndEvent",
    "CallStartEvent",
    "FirstTokenEvent",
    "HookEvent",
    "Hooks",
    "HooksLike",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "StreamEndEvent",
    "request_params",
]

EVENT_NAMES = (
    "on_call_start",
    "on_request",
    "on_response",
    "on_retry",
    "on_stream_first_token",
    "on_stream_end",
    "on_call_end",
)
"""The hooks a ``Hooks`` bundle may set, in the order a call emits them."""

# Request fields that carry content (prompts, inputs, documents): never in ``params``.
CONTENT_FIELDS = frozenset(
    {
        "messages",
        "input",
        "prompt",
        "query",
        "documents",
        "text",
        "instructions",
        "tools",
        "functions",
        "file",
        "image",
        "audio",
        "negative_prompt",
        "system",
    }
)

_HIDDEN = SENSITIVE_HEADERS | {"cookie", "set-cookie"}
_ids = itertools.count(1)
_pid = os.getpid()


def _reseed() -> None:  # a forked child numbers its calls apart from its parent's
    global _ids, _pid
    _ids = itertools.count(1)
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


def request_params(body: Any) -> Dict[str, Any]:
    """The scalar fields of a JSON request body (model, temperature, max_tokens,
    stream...): never messages, inputs, prompts or any list or object."""
    if not isinstance(body, Mapping):
        return {}
    return {
        key: value
        for key, value in body.items()
        if key not in CONTENT_FIELDS
        and (value is None or isinstance(value, (str, int, float, bool)))
    }


class CallContext:
    """One user call, as its hooks see it: the same object in every event of the call.

    Attributes:
        call_id: Unique in the process (``"<pid>-<n>"`` in hex).
        operation: The method called, e.g. ``"chat.completions.create"``,
            ``"embeddings.create"``, ``"models.list"`` (``"request"`` for
            ``client.engine.request``).
        method: The HTTP method of its first request.
        model: The ``model`` the request names (``None`` when it names none).
        stream: Whether the reply is a stream.
        params: The request body's scalar fields (``model``, ``temperature``...), never
            message content.
        body: The request's JSON body as sent, content (messages, inputs) included;
            ``None`` for other bodies. Read it only when you mean to record content; do
            not change it.
        started: When the call started, on the client's clock (``monotonic``).
        attempts: Attempts made so far (across the call's requests).
        state: A dict of your own, e.g. for a span to end in ``on_call_end``.
    """

    __slots__ = (
        "_parts",
        "_redactor",
        "_url",
        "attempts",
        "body",
        "call_id",
        "method",
        "model",
        "operation",
        "params",
        "started",
        "state",
        "stream",
    )

    def __init__(
        self,
        operation: str,
        *,
        method: str = "",
        url: str = "",
        model: Optional[str] = None,
        stream: bool = False,
        params: Optional[Dict[str, Any]] = None,
        body: Any = None,
        started: float = 0.0,
        redactor: Optional[Redactor] = None,
    ) -> None:
        self.call_id = f"{_pid:x}-{next(_ids):x}"
        self.operation = operation
        self.method = method
        self._url = url
        self._redactor = redactor
        self._parts: Optional[Tuple[str, str]] = None
        self.model = model
        self.stream = stream
        self.params: Dict[str, Any] = {} if params is None else params
        self.body = body
        self.started = started
        self.attempts = 0
        self.state: Dict[str, Any] = {}

    def _split(self) -> Tuple[str, str]:
        parts = self._parts
        if parts is None:
            split = urlsplit(public_url(self._url, self._redactor))
            parts = self._parts = (f"{split.scheme}://{split.netloc}{split.path}", split.path)
        return parts

    @property
    def url(self) -> str:
        """Its first request's URL: no credentials, no query string."""
        return self._split()[0]

    @property
    def path(self) -> str:
        """The path of ``url`` (e.g. ``/v1/chat/completions``)."""
        return self._split()[1]

    @property
    def server_address(self) -> str:
        """The host the call went to (``api.meganova.ai``)."""
        return urlsplit(self.url).hostname or ""

    @property
    def server_port(self) -> Optional[int]:
        """The port the call went to (``None``: the scheme's default)."""
        try:
            return urlsplit(self.url).port
        except ValueError:
            return None

    def __repr__(self) -> str:
        return (
            f"CallContext(call_id={self.call_id!r}, operation={self.operation!r}, "
            f"method={self.method!r}, path={self.path!r}, model={self.model!r}, "
            f"stream={self.stream})"
        )


class HookEvent:
    """What every event has: ``call``, the ``CallContext`` of its call. ``hook`` names
    the ``Hooks`` field it is delivered to."""

    hook: str = ""
    call: CallContext


@dataclass(eq=False)
class CallStartEvent(HookEvent):
    """A call begins (its first request is ready to send): ``call`` tells the
    operation, model, method, path, whether it streams and its parameters."""

    hook = "on_call_start"
    call: CallContext


class RequestEvent(HookEvent):
    """An attempt is about to be sent.

    Attributes:
        method: The HTTP method.
        attempt: Its number, 1 for the first.
    """

    hook = "on_request"
    __slots__ = ("_clean", "_headers", "_redactor", "_url", "attempt", "call", "method")

    def __init__(
        self,
        call: CallContext,
        method: str,
        url: str,
        headers: Mapping[str, str],
        attempt: int,
        redactor: Optional[Redactor] = None,
    ) -> None:
        self.call = call
        self.method = method
        self._url = url
        self._headers = headers  # cleaned only if a hook reads them
        self._clean: Optional[Headers] = None
        self._redactor = redactor
        self.attempt = attempt

    @property
    def url(self) -> str:
        """The URL (no credentials in it: ``user:password@`` and the key are removed)."""
        return public_url(self._url, self._redactor)

    @property
    def headers(self) -> Headers:
        """The request headers, credentials shown as ``<redacted>``."""
        clean = self._clean
        if clean is None:
            clean = self._clean = redacted_headers(self._headers, self._redactor)
        return clean

    def __repr__(self) -> str:
        return (
            f"RequestEvent(call={self.call.call_id!r}, method={self.method!r}, "
            f"url={self.url!r}, attempt={self.attempt})"
        )


class ResponseEvent(HookEvent):
    """An attempt's reply headers arrived (any status; a failed connection has none).

    Attributes:
        status: The HTTP status.
        request_id: The server's request id.
        elapsed: Seconds since the call started.
        attempt: The attempt's number.
    """

    hook = "on_response"
    __slots__ = (
        "_clean",
        "_headers",
        "_redactor",
        "attempt",
        "call",
        "elapsed",
        "request_id",
        "status",
    )

    def __init__(
        self,
        call: CallContext,
        status: int,
        headers: Mapping[str, str],
        request_id: Optional[str],
        elapsed: float,
        attempt: int,
        redactor: Optional[Redactor] = None,
    ) -> None:
        self.call = call
        self.status = status
        self._headers = headers  # cleaned only if a hook reads them
        self._clean: Optional[Headers] = None
        self._redactor = redactor
        self.request_id = request_id
        self.elapsed = elapsed
        self.attempt = attempt

    @property
    def headers(self) -> Headers:
        """The reply's headers, case-insensitive (credentials shown as ``<redacted>``)."""
        from .response_info import clean_reply_headers

        clean = self._clean
        if clean is None:
            clean = self._clean = clean_reply_headers(self._headers, self._redactor)
        return clean

    def __repr__(self) -> str:
        return (
            f"ResponseEvent(call={self.call.call_id!r}, status={self.status}, "
            f"request_id={self.request_id!r}, elapsed={self.elapsed:.3f}, "
            f"attempt={self.attempt})"
        )


@dataclass(eq=False)
class RetryEvent(HookEvent):
    """An attempt failed and will be retried after ``delay`` seconds.

    Attributes:
        error: Why the attempt failed (a ``MeganovaError``).
        delay: Seconds before the next attempt.
        attempt: The number of the attempt that failed (the next is ``attempt + 1``).
        elapsed: Seconds since the call started.
    """

    hook = "on_retry"
    call: CallContext
    error: BaseException
    delay: float
    attempt: int
    elapsed: float


@dataclass(eq=False)
class FirstTokenEvent(HookEvent):
    """A stream's first chunk arrived.

    Attributes:
        time_to_first_token: Seconds from the call's start to the first chunk.
        request_id: The server's request id.
    """

    hook = "on_stream_first_token"
    call: CallContext
    time_to_first_token: float
    request_id: Optional[str]


@dataclass(eq=False)
class StreamEndEvent(HookEvent):
    """A stream ended, however it ended.

    Attributes:
        state: ``"done"`` (it finished), ``"failed"`` (``error`` says why) or
            ``"closed"`` (the reader stopped early, or dropped the stream).
        chunks: The chunks received (a ``with_streaming_response`` reply: the body's
            pieces as read; its usage, model and finish reasons stay empty).
        time_to_first_token: Seconds from the call's start to the first chunk
            (``None``: none came).
        elapsed: Seconds from the call's start to the stream's end.
        usage: The usage the server sent (``None`` if it sent none).
        finish_reasons: The finish reason of each choice that finished.
        response_model: The model the chunks name.
        request_id: The server's request id.
        error: The stream's error (``None`` unless ``state`` is ``"failed"``).
        response_id: The id the chunks carry (``chatcmpl-...``; ``None``: none came).
    """

    hook = "on_stream_end"
    call: CallContext
    state: str
    chunks: int
    time_to_first_token: Optional[float]
    elapsed: float
    usage: Any = None
    finish_reasons: Tuple[str, ...] = ()
    response_model: Optional[str] = None
    request_id: Optional[str] = None
    error: Optional[BaseException] = None
    response_id: Optional[str] = None
    _answer: Optional[Callable[[], Any]] = field(default=None, repr=False)

    def answer(self) -> Any:
        """The answer as it arrived (a ``ChatResponse``: text joined, tool calls,
        usage), whole when ``state`` is ``"done"``; built only when asked."""
        build = self._answer
        return None if build is None else build()


@dataclass(eq=False)
class CallEndEvent(HookEvent):
    """A call ended: with its result, or its error. A streamed call ends when its
    stream ends (``on_stream_end`` comes first), however it ends.

    Attributes:
        result: What the call returned (the stream, for a streamed call; ``None`` on error).
        error: What it raised (``None`` on success): a ``MeganovaError``, or the
            ``KeyboardInterrupt`` / ``CancelledError`` that interrupted the call.
        response_model: The model the reply names.
        usage: The reply's token usage (``None`` if it had none).
        finish_reasons: Each choice's finish reason (chat).
        attempts: Attempts made (across the call's requests).
        elapsed: Seconds from the call's start to its end.
        info: The reply's ``ResponseInfo`` (``None``: no reply arrived).
    """

    hook = "on_call_end"
    call: CallContext
    result: Any = None
    error: Optional[BaseException] = None
    response_model: Optional[str] = None
    usage: Any = None
    finish_reasons: Tuple[str, ...] = ()
    attempts: int = 0
    elapsed: float = 0.0
    info: Optional[ResponseInfo] = field(default=None, repr=False)


Hook = Callable[[Any], Any]
HookArg = Union[Hook, Iterable[Hook], None]


class Hooks:
    """Callables the client calls on the events of every call. Each argument is a
    callable taking the event (or a list of them); any may be left out. On
    ``AsyncMegaNova`` a hook may also be ``async`` (it is awaited).

    Bundles compose: ``Hooks(on_request=a) + Hooks(on_request=b)`` calls both, in
    order; ``MegaNova(hooks=[h1, h2])`` does the same. A hook that raises is logged
    (a warning on the ``meganova`` logger) and the call goes on.

    Hooks travel with a pickled client when they pickle: functions and methods of
    importable objects do (by reference); a lambda or a local function makes pickling
    the client fail with ``PicklingError`` naming ``hooks``.

    Args:
        on_call_start: ``CallStartEvent``: a call begins.
        on_request: ``RequestEvent``: an attempt is about to be sent.
        on_response: ``ResponseEvent``: an attempt's reply headers arrived.
        on_retry: ``RetryEvent``: an attempt failed and will be retried.
        on_stream_first_token: ``FirstTokenEvent``: a stream's first chunk arrived.
        on_stream_end: ``StreamEndEvent``: a stream ended, however it ended.
        on_call_end: ``CallEndEvent``: a call ended, with its result or its error.
    """

    __slots__ = ("_handlers",)

    def __init__(
        self,
        *,
        on_call_start: HookArg = None,
        on_request: HookArg = None,
        on_response: HookArg = None,
        on_retry: HookArg = None,
        on_stream_first_token: HookArg = None,
        on_stream_end: HookArg = None,
        on_call_end: HookArg = None,
    ) -> None:
        given = {
            "on_call_start": on_call_start,
            "on_request": on_request,
            "on_response": on_response,
            "on_retry": on_retry,
            "on_stream_first_token": on_stream_first_token,
            "on_stream_end": on_stream_end,
            "on_call_end": on_call_end,
        }
        handlers: Dict[str, Tuple[Hook, ...]] = {}
        for name, value in given.items():
            found = _callables(name, value)
            if found:
                handlers[name] = found
        self._handlers = handlers

    @classmethod
    def combine(cls, *bundles: HooksLike) -> Hooks:
        """One bundle calling every hook of ``bundles``, in order.

        Args:
            *bundles: ``Hooks`` (or lists of them, or ``None``).
        """
        combined = cls()
        handlers: Dict[str, Tuple[Hook, ...]] = {}
        for bundle in _flatten(bundles):
            for name, found in bundle._handlers.items():
                handlers[name] = handlers.get(name, ()) + found
        combined._handlers = handlers
        return combined

    def __add__(self, other: Hooks) -> Hooks:
        if not isinstance(other, Hooks):
            return NotImplemented
        return Hooks.combine(self, other)

    def handlers(self, name: str) -> Tuple[Hook, ...]:
        """The callables set for the hook ``name`` (e.g. ``"on_request"``), in order.

        Args:
            name: One of ``EVENT_NAMES``.
        """
        return self._handlers.get(name, ())

    def __bool__(self) -> bool:
        return bool(self._handlers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hooks):
            return NotImplemented
        return self._handlers == other._handlers

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={len(found)}" for name, found in self._handlers.items() if found)
        return f"Hooks({shown})"

    def __getstate__(self) -> Dict[str, Tuple[Hook, ...]]:
        return self._handlers

    def __setstate__(self, state: Dict[str, Tuple[Hook, ...]]) -> None:
        self._handlers = dict(state)


HooksLike = Union[Hooks, Iterable[Hooks], None]
"""What ``hooks=`` accepts: a ``Hooks``, a list of them (combined in order), or ``None``."""


def _callables(name: str, value: HookArg) -> Tuple[Hook, ...]:
    from .errors import InvalidArgumentTypeError

    if value is None:
        return ()
    if callable(value):
        return (value,)
    try:
        found = tuple(value)
    except TypeError:
        found = (value,)  # type: ignore[assignment]
    for item in found:
        if not callable(item):
            raise InvalidArgumentTypeError(
                f"{name} must be a callable or a list of callables, got {type(item).__name__}",
                argument=name,
            )
    return found


def _flatten(bundles: Iterable[Any]) -> Iterable[Hooks]:
    from .errors import InvalidArgumentTypeError

    for bundle in bundles:
        if bundle is None:
            continue
        if isinstance(bundle, Hooks):
            yield bundle
            continue
        if isinstance(bundle, (str, bytes)) or not hasattr(bundle, "__iter__"):
            raise InvalidArgumentTypeError(
                f"hooks must be a Hooks or a list of Hooks, got {type(bundle).__name__}",
                argument="hooks",
            )
        yield from _flatten(bundle)


def coerce_hooks(value: object) -> Optional[Hooks]:
    """``hooks=`` as given to a client: one ``Hooks`` (``None`` when it sets none)."""
    if value is None:
        return None
    combined = value if isinstance(value, Hooks) else Hooks.combine(value)  # type: ignore[arg-type]
    return combined if combined else None


def without_hooks(current: Optional[Hooks], removed: Iterable[Hooks]) -> Optional[Hooks]:
    """``current`` less each callable of ``removed`` (one occurrence each)."""
    if current is None:
        return None
    handlers = {name: list(found) for name, found in current._handlers.items()}
    for bundle in _flatten(removed):
        for name, found in bundle._handlers.items():
            for hook in found:
                if hook in handlers.get(name, ()):
                    handlers[name].remove(hook)
    result = Hooks()
    result._handlers = {name: tuple(found) for name, found in handlers.items() if found}
    return result


def redacted_headers(headers: Mapping[str, str], redactor: Optional[Redactor] = None) -> Headers:
    """A request's headers for a hook: credentials shown as ``<redacted>`` (and any
    secret of ``redactor`` removed wherever it appears)."""
    pairs = []
    for name, value in headers.items():
        if name.lower() in _HIDDEN or isinstance(value, Sensitive):
            shown = REDACTED
        else:
            shown = str(value) if redactor is None else redactor.text(str(value))
        pairs.append((name, shown))
    return Headers(pairs)


def public_url(url: str, redactor: Optional[Redactor] = None) -> str:
    """``url`` without credentials (``user:password@``, and any secret of ``redactor``)."""
    if "@" in url:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            url = parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()
    return url if redactor is None else redactor.text(url)
