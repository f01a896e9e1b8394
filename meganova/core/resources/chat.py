"""``client.chat``: the guideline's ``create`` / ``stream`` and the OpenAI-style
``client.chat.completions.create``, both over ``POST /chat/completions``."""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    TypeVar,
    Union,
    overload,
)

from ..effects import Flow, OpenStream, ReadBody
from ..engine import RequestOptions, pop_call_options, request_id_from
from ..errors import (
    APIResponseValidationError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    error_from_payload,
    parse_error_body,
)
from ..limits import BodyLimit
from ..models.chat import ChatMessage, ChatResponse, ParsedChatResponse
from ..params import (
    ChatCompletionMessageParam,
)
from ..structured import as_parsed, parser_for, response_format_of
from ..validation import (
    INT64,
    check_json_value,
    optional_bool,
    optional_int,
    optional_number,
    require_str,
)
from ._facade import Resource, Runner, runs

if TYPE_CHECKING:
    from typing_extensions import Unpack

    # The stream shells live outside core (they read the transport's response); core
    # names them for type checkers only.
    from ...streaming import ChatCompletionStream, ChatStream, ParsedChatCompletionStream
    from ...streaming_async import (
        AsyncChatCompletionStream,
        AsyncChatStream,
        AsyncParsedChatCompletionStream,
    )
    from ..engine import Engine
    from ..params import ChatParams, ParseParams
    from ..ports import Response

__all__ = ["ChatCompletions", "ChatResource"]

T = TypeVar("T")
PATH = "/chat/completions"
HTTP_OPTIONS = ("timeout", "extra_headers", "extra_query", "extra_body")

# A type checker accepts the typed message dicts (and a previous reply's ChatMessage);
# at run time any mapping with a role is sent as it is.
MessageLike = Union[ChatCompletionMessageParam, ChatMessage]
Messages = Sequence[MessageLike]


def _check_messages(messages: object) -> List[Any]:
    if not isinstance(messages, (list, tuple)):
        raise InvalidArgumentTypeError(
            f"messages must be a list of messages, got {type(messages).__name__}",
            argument="messages",
        )
    if not messages:
        raise InvalidArgumentError("messages must not be empty", argument="messages")
    for message in messages:  # the usual shape, checked cheaply: dicts with a role
        if type(message) is not dict:
            break
        given = message.get("role")
        if type(given) is not str or not given.strip():
            break
    else:
        return list(messages)
    out: List[Any] = []
    for position, message in enumerate(messages):
        if isinstance(message, ChatMessage):
            role: object = message.role
            message = message.to_dict()
            parts = message.pop("content_parts", None)
            if parts is not None:  # the parts are the content as the API takes it
                message["content"] = parts
        elif type(message) is dict or isinstance(message, Mapping):  # dict: the fast check
            role = message.get("role")
            if not isinstance(message, dict):
                message = dict(message)
        else:
            raise InvalidArgumentTypeError(
                f"messages[{position}] must be a mapping or a ChatMessage, "
                f"got {type(message).__name__}",
                argument="messages",
            )
        if not isinstance(role, str) or not role.strip():
            got = "missing" if role is None else repr(role)
            raise InvalidArgumentError(
                f'messages[{position}]["role"] must be a non-empty string, got {got}',
                argument="messages",
            )
        out.append(message)
    return out


def _check_model(engine: Engine, model: object) -> str:
    if model is None:
        model = engine.config.default_model
        if model is None:
            raise InvalidArgumentError(
                "model is required: pass model=..., or set a default with "
                "MegaNova(default_model=...) or the MEGANOVA_MODEL environment variable",
                argument="model",
            )
    if type(model) is str and model.strip():  # the usual case, without a call
        return model
    return require_str("model", model)


def _prepare(
    engine: Engine, stream: object, params: Dict[str, Any]
) -> tuple[Dict[str, Any], Optional[RequestOptions]]:
    """Validate everything before any traffic; return the JSON body and options.
    ``params`` are the call's keyword arguments (``ChatParams``), taken apart here."""
    body: Dict[str, Any] = {
        "model": _check_model(engine, params.pop("model", None)),
        "messages": _check_messages(params.pop("messages", None)),
        "stream": stream if type(stream) is bool else bool(optional_bool("stream", stream)),
    }
    temperature = params.pop("temperature", None)
    if temperature is not None:
        if type(temperature) is not float or not 0 <= temperature <= 2:  # else: valid
            temperature = optional_number("temperature", temperature, minimum=0, maximum=2)
        body["temperature"] = temperature
    max_tokens = params.pop("max_tokens", None)
    if max_tokens is not None:
        if type(max_tokens) is not int or not 1 <= max_tokens < INT64:  # else: valid
            max_tokens = optional_int("max_tokens", max_tokens, minimum=1)
        body["max_tokens"] = max_tokens
    if not params:  # nothing else given: no more fields, no options (the usual call)
        return body, None
    if isinstance(params.get("response_format"), type):
        raise InvalidArgumentTypeError(
            "response_format: a type goes to chat.completions.parse (or "
            "chat.completions.stream), which sends its JSON Schema and reads the reply "
            "into it; this method sends a response_format dict as it is",
            argument="response_format",
        )
    http = {name: params.pop(name, None) for name in HTTP_OPTIONS}
    sdk_options = pop_call_options(params)
    for key, value in params.items():
        if value is not None:  # an option left as None is not sent
            check_json_value(key, value)
            body[key] = value
    options = RequestOptions.build(**http, **sdk_options)
    return body, options


def _chat(engine: Engine, *, guideline: bool, stream: object, params: Dict[str, Any]) -> Flow[Any]:
    """One chat call, both surfaces: the whole reply, or a stream (``guideline``: the
    ``ChatStream`` items over it)."""
    body, options = _prepare(engine, stream, params)
    if body["stream"]:
        return (yield from _open_stream(engine, body, options, guideline))
    response = yield from engine.fetch(
        "POST", PATH, cast_to=ChatResponse, json=body, options=options
    )
    return _raise_if_error(engine, response)


def _open_stream(
    engine: Engine,
    body: Dict[str, Any],
    options: Optional[RequestOptions],
    guideline: bool,
    parse: Optional[Callable[[ChatResponse], Any]] = None,
    path: str = PATH,
) -> Flow[Any]:
    """The stream of a chat call to ``path`` (a Cloud agent's completions use it too)."""
    budget = engine.budget_for(options)
    response = yield from engine.open("POST", path, json=body, options=options, budget=budget)
    request_id = request_id_from(response.headers)
    if response.headers.get("content-type", "").startswith("application/json"):
        limit = BodyLimit(engine.body_limit(options), request_id=request_id)
        raw = yield ReadBody(response, limit)
        raise _json_instead_of_stream(engine, response, raw)
    timeout = engine.config.timeout
    if options is not None and options.timeout is not None:
        timeout = options.timeout
    return (
        yield OpenStream(
            response,
            codec=engine.codec,
            clock=engine.clock,
            read_timeout=timeout.read,
            request_id=request_id,
            redactor=engine.redactor,
            budget=budget,
            guideline=guideline,
            parse=parse,
        )
    )


def _parse(
    engine: Engine, *, stream: bool, type_: Any, params: Dict[str, Any], method: str
) -> Flow[Any]:
    """A structured-output call: the type's schema goes as ``response_format``; the
    reply (or a stream's final response) comes back parsed. A stream may go without a
    type (or with a ``response_format`` dict): its final response is then not parsed."""
    if "stream" in params:
        raise InvalidArgumentError(f"do not pass stream= to {method}()", argument="stream")
    parse: Callable[[ChatResponse], Any]
    if stream and (type_ is None or isinstance(type_, Mapping)):
        if type_ is not None:
            params["response_format"] = type_
        parse = as_parsed
    else:
        params["response_format"] = response_format_of(engine.codec, type_).response_format()
        parse = parser_for(engine.codec, type_)
    body, options = _prepare(engine, stream, params)
    if stream:
        return (yield from _open_stream(engine, body, options, False, parse))
    response = yield from engine.fetch(
        "POST", PATH, cast_to=ChatResponse, json=body, options=options
    )
    return parse(_raise_if_error(engine, response))


def _json_instead_of_stream(engine: Engine, response: Response, raw: bytes) -> Exception:
    """A 200 JSON reply to a streamed call: an error payload, or a server that ignored
    ``stream``. Either way the caller must hear about it, not get an empty stream."""
    request_id = request_id_from(response.headers)
    error: Exception
    if _is_error_payload(raw):
        error = error_from_payload(
            raw,
            headers=response.headers,
            request_id=request_id,
            default_message="The server answered the stream with an error",
        )
    else:
        error = APIResponseValidationError(
            "Asked for an event stream, but the server answered with one JSON document",
            status=response.status,
            request_id=request_id,
            body=raw,
        )
    return engine.redactor.error(error)


def _is_error_payload(raw: bytes) -> bool:
    _, _, _, _, parsed = parse_error_body(raw)
    return isinstance(parsed, Mapping) and parsed.get("error") not in (None, False, "", {})


def _raise_if_error(engine: Engine, response: ChatResponse) -> ChatResponse:
    if response.error is None or response.error in (False, "", {}):
        return response
    error = error_from_payload(
        engine.codec.encode({"error": response.error}),
        headers={},
        request_id=response.request_id,
        default_message="The server answered with an error",
    )
    raise engine.redactor.error(error)


class ChatCompletions(Resource):
    """``client.chat.completions``: the OpenAI-compatible surface (``create`` returns
    ``ChatResponse``, or with ``stream=True`` a ``ChatCompletionStream`` of
    ``ChatCompletionChunk``).
    """

    __slots__ = ()

    @overload
    def create(
        self, *, stream: Literal[False] = ..., **params: Unpack[ChatParams]
    ) -> ChatResponse: ...

    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ChatParams]
    ) -> ChatCompletionStream: ...

    @overload
    def create(
        self, *, stream: bool, **params: Unpack[ChatParams]
    ) -> Union[ChatResponse, ChatCompletionStream]: ...

    @runs
    def create(
        self,
        *,
        stream: bool = False,
        **params: Any,
    ) -> Flow[Union[ChatResponse, ChatCompletionStream]]:
        """Create a chat completion (``POST /chat/completions``).

        The API fields are sent when not ``None``, as given. ``timeout``, ``max_retries``,
        ``deadline``, ``idempotency_key`` and ``max_response_bytes`` act on this call only and
        are not sent. A field the API has and this signature lacks goes in ``extra_body`` (an
        unknown keyword argument is sent in the body too, though type checkers report it).

        Args:
            stream: ``True`` returns a stream of chunks instead of the whole reply.
            **params: The call's parameters, ``messages`` required: the API's chat fields
                and this call's options, each described in ``ChatParams``.

        Returns:
            The whole ``ChatResponse``; with ``stream=True`` a ``ChatCompletionStream`` of
            ``ChatCompletionChunk`` (iterate it; close it, or use ``with``, to stop early).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        result: Union[ChatResponse, ChatCompletionStream] = yield from _chat(
            self._engine, guideline=False, stream=stream, params=dict(params)
        )
        return result

    @runs
    def parse(
        self, *, response_format: type[T], **params: Unpack[ParseParams]
    ) -> Flow[ParsedChatResponse[T]]:
        """Create a chat completion whose reply is JSON fitting a type, and read it into
        that type (structured outputs): ``choices[i].message.parsed``.

        The type's JSON Schema (``meganova.schema.json_schema``) is sent as
        ``response_format={"type": "json_schema", "json_schema": {...}}``, in strict
        form when strict mode can express the type.

        Args:
            response_format: The type the reply must fit: a dataclass, ``TypedDict``,
                ``msgspec.Struct`` or pydantic model (pydantic installed).
            **params: The call's other parameters, ``messages`` required: as ``create``'s
                (``ParseParams``).

        Returns:
            A ``ParsedChatResponse``: the ``ChatResponse`` whose every choice's
            ``message.parsed`` is a ``response_format`` instance (``None`` on a turn that
            only calls tools); ``resp.parsed`` is the first one.

        Raises:
            InvalidArgumentError: An argument is invalid, or the type cannot be described
                as JSON Schema (raised before anything is sent).
            OutputValidationError: The reply is not JSON fitting the type (it carries the
                raw ``content`` and the ``validation_message``).
            RefusalError: The model refused (``refusal`` is its text).
            LengthFinishReasonError: The reply hit the token limit (``finish_reason="length"``).
            ContentFilterFinishReasonError: The content filter stopped the reply.
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        result: ParsedChatResponse[T] = yield from _parse(
            self._engine, stream=False, type_=response_format, params=dict(params), method="parse"
        )
        return result

    @overload
    def stream(
        self, *, response_format: type[T], **params: Unpack[ParseParams]
    ) -> ParsedChatCompletionStream[T]: ...

    @overload
    def stream(self, **params: Unpack[ChatParams]) -> ParsedChatCompletionStream[None]: ...

    @runs
    def stream(self, *, response_format: Any = None, **params: Any) -> Flow[Any]:
        """Stream a chat completion (``ChatCompletionChunk`` items, as ``create(stream=True)``)
        whose final response is parsed into ``response_format`` when it is a type.

        Args:
            response_format: The type the reply must fit (as ``parse``'s), or a
                ``response_format`` dict sent as it is (nothing parsed), or nothing.
            **params: The call's other parameters, ``messages`` required: as ``create``'s.

        Returns:
            A ``ParsedChatCompletionStream``: iterate it (in a ``with`` block to release
            the connection when you stop early); ``get_final_response()`` gives the
            ``ParsedChatResponse`` and raises the errors ``parse`` raises.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        result: Any = yield from _parse(
            self._engine, stream=True, type_=response_format, params=dict(params), method="stream"
        )
        return result


class ChatResource(Resource):
    """``client.chat``: ``create`` (the whole reply, or with ``stream=True`` a stream),
    ``stream`` (the guideline's ``ChatStreamChunk`` items) and ``completions`` (the
    OpenAI-style surface).
    """

    __slots__ = ("completions",)

    def __init__(self, engine: Engine, run: Runner) -> None:
        super().__init__(engine, run)
        self.completions = ChatCompletions(engine, run)

    @overload
    def create(
        self, *, stream: Literal[False] = ..., **params: Unpack[ChatParams]
    ) -> ChatResponse: ...

    @overload
    def create(self, *, stream: Literal[True], **params: Unpack[ChatParams]) -> ChatStream: ...

    @overload
    def create(
        self, *, stream: bool, **params: Unpack[ChatParams]
    ) -> Union[ChatResponse, ChatStream]: ...

    @runs
    def create(
        self,
        *,
        stream: bool = False,
        **params: Any,
    ) -> Flow[Union[ChatResponse, ChatStream]]:
        """Send a chat and return the whole ``ChatResponse`` (``POST /chat/completions``).

        Args:
            stream: ``True`` returns a stream of chunks instead of the whole reply.
            **params: The call's parameters, ``messages`` required: the API's chat fields
                and this call's options, each described in ``ChatParams``.

        Returns:
            The ``ChatResponse`` (``resp.text`` is the first choice's content); with
            ``stream=True`` a ``ChatStream``.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        result: Union[ChatResponse, ChatStream] = yield from _chat(
            self._engine, guideline=True, stream=stream, params=dict(params)
        )
        return result

    @runs
    def stream(
        self,
        **params: Unpack[ChatParams],
    ) -> Flow[ChatStream]:
        """Stream a chat: yields ``ChatStreamChunk`` items (``chunk.delta`` is the new text);
        the last one has ``done=True``.

        The stream never ends silently: a cut, a corrupt event or an error inside the stream
        raises a ``StreamError`` carrying what arrived before it. It is retried only before
        its first event reaches you.

        Args:
            **params: The call's parameters, ``messages`` required: the API's chat fields
                and this call's options, each described in ``ChatParams``.

        Returns:
            A ``ChatStream``: iterate it, or use it in ``with`` to release the connection
            when you stop early; ``get_final_response()`` gives the whole reply.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        if "stream" in params:
            raise InvalidArgumentError(
                "stream() always streams; do not pass stream=", argument="stream"
            )
        result: ChatStream = yield from _chat(
            self._engine, guideline=True, stream=True, params=dict(params)
        )
        return result

    @runs
    def parse(
        self, *, response_format: type[T], **params: Unpack[ParseParams]
    ) -> Flow[ParsedChatResponse[T]]:
        """``chat.completions.parse``: a reply read into a type (structured outputs).

        Args:
            response_format: The type the reply must fit: a dataclass, ``TypedDict``,
                ``msgspec.Struct`` or pydantic model (pydantic installed).
            **params: The call's other parameters, ``messages`` required (``ParseParams``).

        Returns:
            A ``ParsedChatResponse`` (``resp.parsed``: the first choice's value).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            StructuredOutputError: The reply cannot give the typed value (see
                ``chat.completions.parse``).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        result: ParsedChatResponse[T] = yield from _parse(
            self._engine, stream=False, type_=response_format, params=dict(params), method="parse"
        )
        return result


class AsyncChatCompletions(Resource):
    """``client.chat.completions`` of ``AsyncMegaNova``: as ``ChatCompletions``, awaited;
    a stream is an ``AsyncChatCompletionStream`` (``async for``)."""

    __slots__ = ()

    if TYPE_CHECKING:

        @overload
        async def create(
            self, *, stream: Literal[False] = ..., **params: Unpack[ChatParams]
        ) -> ChatResponse: ...
        @overload
        async def create(
            self, *, stream: Literal[True], **params: Unpack[ChatParams]
        ) -> AsyncChatCompletionStream: ...
        @overload
        async def create(
            self, *, stream: bool, **params: Unpack[ChatParams]
        ) -> Union[ChatResponse, AsyncChatCompletionStream]: ...
        async def create(
            self, *, stream: bool = False, **params: Unpack[ChatParams]
        ) -> Union[ChatResponse, AsyncChatCompletionStream]:
            """As ``ChatCompletions.create``, awaited."""
            raise NotImplementedError  # for type checkers; the sync method serves at run time

        async def parse(
            self, *, response_format: type[T], **params: Unpack[ParseParams]
        ) -> ParsedChatResponse[T]:
            """As ``ChatCompletions.parse``, awaited."""
            raise NotImplementedError

        @overload
        async def stream(
            self, *, response_format: type[T], **params: Unpack[ParseParams]
        ) -> AsyncParsedChatCompletionStream[T]: ...
        @overload
        async def stream(
            self, **params: Unpack[ChatParams]
        ) -> AsyncParsedChatCompletionStream[None]: ...
        async def stream(
            self, *, response_format: Any = None, **params: Any
        ) -> AsyncParsedChatCompletionStream[Any]:
            """As ``ChatCompletions.stream``, awaited; iterate it with ``async for``."""
            raise NotImplementedError
    else:
        create = ChatCompletions.create
        parse = ChatCompletions.parse
        stream = ChatCompletions.stream


class AsyncChatResource(Resource):
    """``client.chat`` of ``AsyncMegaNova``: as ``ChatResource``, awaited; streams are
    ``AsyncChatStream`` (``async for``)."""

    __slots__ = ("completions",)

    def __init__(self, engine: Engine, run: Runner) -> None:
        super().__init__(engine, run)
        self.completions = AsyncChatCompletions(engine, run)

    if TYPE_CHECKING:

        @overload
        async def create(
            self, *, stream: Literal[False] = ..., **params: Unpack[ChatParams]
        ) -> ChatResponse: ...
        @overload
        async def create(
            self, *, stream: Literal[True], **params: Unpack[ChatParams]
        ) -> AsyncChatStream: ...
        @overload
        async def create(
            self, *, stream: bool, **params: Unpack[ChatParams]
        ) -> Union[ChatResponse, AsyncChatStream]: ...
        async def create(
            self, *, stream: bool = False, **params: Unpack[ChatParams]
        ) -> Union[ChatResponse, AsyncChatStream]:
            """As ``ChatResource.create``, awaited."""
            raise NotImplementedError  # for type checkers; the sync method serves at run time

        async def stream(self, **params: Unpack[ChatParams]) -> AsyncChatStream:
            """As ``ChatResource.stream``, awaited; iterate it with ``async for``."""
            raise NotImplementedError

        async def parse(
            self, *, response_format: type[T], **params: Unpack[ParseParams]
        ) -> ParsedChatResponse[T]:
            """As ``ChatResource.parse``, awaited."""
            raise NotImplementedError
    else:
        create = ChatResource.create
        stream = ChatResource.stream
        parse = ChatResource.parse
