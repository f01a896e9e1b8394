"""Cloud (Studio) agents: ``info``, ``chat``, ``confirm_tool``, ``completions`` and the
``Conversation`` helper, each written once as a flow for ``CloudAgent`` and
``AsyncCloudAgent``.

The agent key is a URL path segment (``/agents/v1/{key}/...``), never a header: paths
carrying it are ``Sensitive`` (their repr is ``<redacted>``), the engine's redactor
scrubs the key from errors, and a failed call's finished frames are cleared, so no
traceback local shows it.

Tool confirmation has two known paths (MEGANOVA_API.md §6.12c): ``/chat/confirm`` (the
newer artifacts) is tried first; a 404 or 405 there falls back to ``/confirm-tool``, and
whichever answered is remembered for the agent's life (its ``with_options`` copies too).
"""

from __future__ import annotations

import random
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

from ..config import ClientConfig
from ..effects import Flow
from ..engine import Clock, Engine, RequestOptions, quote_segment
from ..errors import APIError, APIResponseValidationError, InvalidArgumentError, MeganovaError
from ..exception_chain import clear_finished_frames, exception_chain
from ..http import Timeout, TimeoutLike
from ..models.agents import AgentChatResponse, AgentInfo, PendingToolCall
from ..models.chat import ChatResponse
from ..ports import Codec, CodecError
from ..redact import Redactor, Sensitive
from ..validation import (
    check_json_value,
    optional_bool,
    optional_int,
    optional_number,
    optional_str,
    require_str,
)
from ._facade import Runner, awaits, flow_of, runs
from ._support import call_options, convert_tolerant
from .chat import MessageLike, _check_messages, _open_stream, _raise_if_error

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ...streaming import ChatCompletionStream
    from ...streaming_async import AsyncChatCompletionStream
    from ..params import RetryOptions

__all__ = [
    "AgentEngine",
    "AgentRedactor",
    "AgentMethods",
    "AgentRoute",
    "AsyncAgentMethods",
    "AsyncConversation",
    "Conversation",
    "ConversationState",
]

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)
AGENT_ROOT = "/agents/v1/"
CONFIRM_PATHS = ("/chat/confirm", "/confirm-tool")
ACTIONS = ("approve", "reject")


class AgentEngine(Engine):
    """The engine of a Cloud agent: no ``Authorization`` header (the key is in the
    path), and ``agent_path`` (``/agents/v1/{key}``, ``Sensitive``) to build paths on."""

    def __init__(
        self,
        config: ClientConfig,
        codec: Codec,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(config, codec, clock, rand)
        del self._base_headers["Authorization"]
        self.agent_path = Sensitive(AGENT_ROOT + quote_segment(config.api_key.reveal()))
        self.redactor = AgentRedactor(config.secrets())

    def __repr__(self) -> str:
        return f"AgentEngine(base_url={self.config.base_url!r})"


class AgentRedactor(Redactor):
    """The redactor of an agent's errors: the key scrubbed as usual, and the library
    exceptions chained to an error unlinked, since their text and objects quote the URL
    (urllib3's ``MaxRetryError``, httpx's and requests' requests) and
    ``logger.exception``, crash reports and traceback pickles show the whole chain. Every
    error path (a call's attempts, a stream's failure) goes through ``error``; the
    message already describes the library's failure."""

    __slots__ = ()

    def error(self, error: E) -> E:
        super().error(error)
        unlink_library_causes(error)
        return error


def unlink_library_causes(error: BaseException) -> None:
    """Drop every non-SDK exception from ``error``'s cause/context chain (our own
    errors in the chain are kept, and looked through)."""
    for item in exception_chain(error):
        for name in ("__cause__", "__context__"):
            linked = getattr(item, name)
            if linked is not None and not isinstance(linked, MeganovaError):
                setattr(item, name, None)  # so the walk does not follow it
                item.__suppress_context__ = True


class AgentRoute:
    """What an agent learnt about the server: the confirmation path that answered
    (``None`` until one did). Shared with the agent's ``with_options`` copies."""

    __slots__ = ("confirm_path",)

    def __init__(self) -> None:
        self.confirm_path: Optional[str] = None

    def __repr__(self) -> str:
        return f"AgentRoute(confirm_path={self.confirm_path!r})"


def forget_frames(error: BaseException) -> None:
    """Clear the locals of the finished frames along ``error``'s traceback and chain
    (they held URLs and paths with the agent key, and error reporters record locals),
    and unlink the library exceptions from its chain (see ``AgentRedactor``). Frames
    still running (the caller's) are left alone."""
    unlink_library_causes(error)
    clear_finished_frames(error)


def _guarded(flow: Flow[T]) -> Flow[T]:
    try:
        return (yield from flow)
    except BaseException as exc:
        forget_frames(exc)
        raise


def _path(engine: Engine, tail: str) -> str:
    return Sensitive(getattr(engine, "agent_path") + tail)  # noqa: B009  (AgentEngine's)


def _fetch(
    engine: Engine,
    method: str,
    tail: str,
    cls: type[T],
    *,
    json: Any = None,
    options: RequestOptions | None,
    what: str,
) -> Flow[T]:
    """A call decoded into ``cls``; a reply whose fields do not all fit keeps those
    that do (a warning is logged) rather than failing the call."""
    path = _path(engine, tail)
    try:
        return (yield from engine.fetch(method, path, cast_to=cls, json=json, options=options))
    except APIResponseValidationError as exc:
        try:
            raw: Any = engine.codec.decode(exc.body, object)
        except CodecError:
            raise exc from None
        result = convert_tolerant(engine, raw, cls, what=what)
        if result is None:
            raise
        if hasattr(result, "request_id"):
            result.request_id = exc.request_id
        return result


def _check_action(action: object) -> str:
    if action not in ACTIONS:
        raise InvalidArgumentError(
            f"action must be 'approve' or 'reject', got {action!r}", argument="action"
        )
    return str(action)


def _check_extra_data(extra_data: object) -> Optional[Dict[str, Any]]:
    if extra_data is None:
        return None
    if not isinstance(extra_data, Mapping):
        raise InvalidArgumentError(
            f"extra_data must be a mapping, got {type(extra_data).__name__}",
            argument="extra_data",
        )
    check_json_value("extra_data", extra_data)
    return dict(extra_data)


class AgentMethods:
    """The methods of ``CloudAgent`` (flows run by its driver; ``AsyncCloudAgent``
    awaits the same ones). A host class provides ``_core`` (an ``AgentEngine``),
    ``_run`` (its driver's) and ``_route``."""

    _core: Engine
    _run: Runner
    _route: AgentRoute

    @runs
    def info(
        self,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[AgentInfo]:
        """The agent's public description (``GET /agents/v1/{key}/info``).

        Args:
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the agent's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``AgentInfo`` (``name``, ``welcome_message``, ``is_available``...).

        Raises:
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        return (
            yield from _guarded(
                _fetch(self._core, "GET", "/info", AgentInfo, options=options, what="agent info")
            )
        )

    @runs
    def chat(
        self,
        message: str,
        *,
        conversation_id: Optional[str] = None,
        user_identifier: Optional[str] = None,
        user_identifier_type: Optional[str] = None,
        extra_data: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[AgentChatResponse]:
        """Send one message to the agent (``POST /agents/v1/{key}/chat``).

        Args:
            message: What the user says.
            conversation_id: Continue this conversation (``None`` starts a new one; the
                reply's ``conversation_id`` names it).
            user_identifier: Who is talking, for the agent's memory and personalisation.
            user_identifier_type: What ``user_identifier`` is: ``"email"``, ``"phone"``,
                ``"user_id"`` or ``"anonymous"``.
            extra_data: Metadata passed to the agent (JSON values).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the agent's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: More fields for the JSON body.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``AgentChatResponse``: ``response`` is the text; ``pending_tool_call`` is
            set when the agent waits for an approval (answer with ``confirm_tool``).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        body: Dict[str, Any] = {"message": require_str("message", message)}
        optional = {
            "conversation_id": optional_str("conversation_id", conversation_id),
            "user_identifier": optional_str("user_identifier", user_identifier),
            "user_identifier_type": optional_str("user_identifier_type", user_identifier_type),
            "extra_data": _check_extra_data(extra_data),
        }
        body.update((k, v) for k, v in optional.items() if v is not None)
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        return (
            yield from _guarded(
                _fetch(
                    self._core,
                    "POST",
                    "/chat",
                    AgentChatResponse,
                    json=body,
                    options=options,
                    what="agent reply",
                )
            )
        )

    @runs
    def confirm_tool(
        self,
        approval_id: str,
        action: Literal["approve", "reject"] = "approve",
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[AgentChatResponse]:
        """Approve or reject a tool call the agent is waiting on.

        Sent to ``POST /agents/v1/{key}/chat/confirm``; a server that answers 404 or 405
        there gets ``/confirm-tool`` instead, and the path that answered is used from then
        on by this agent (and its ``with_options`` copies).

        Args:
            approval_id: The ``approval_id`` of the ``PendingToolCall``.
            action: ``"approve"`` runs the tool; ``"reject"`` refuses it.
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the agent's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: More fields for the JSON body.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``AgentChatResponse``: the tool's outcome, or the acknowledgement of the
            rejection (which may lack ``message_id``, ``agent_id`` and ``agent_name``).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        body = {
            "approval_id": require_str("approval_id", approval_id),
            "action": _check_action(action),
        }
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        return (yield from _guarded(self._confirm(body, options)))

    def _confirm(
        self, body: Dict[str, Any], options: RequestOptions | None
    ) -> Flow[AgentChatResponse]:
        route = self._route
        known = route.confirm_path
        first_path = known or CONFIRM_PATHS[0]

        def post(path: str) -> Flow[AgentChatResponse]:
            return _fetch(
                self._core,
                "POST",
                path,
                AgentChatResponse,
                json=body,
                options=options,
                what="agent reply",
            )

        try:
            reply: AgentChatResponse = yield from post(first_path)
        except APIError as exc:
            if known is not None or exc.status not in (404, 405):
                raise
            first = exc
        else:
            route.confirm_path = first_path
            return reply
        try:
            reply = yield from post(CONFIRM_PATHS[1])
        except APIError as exc:
            if exc.status in (404, 405):
                raise first from None  # neither path: the preferred one's word stands
            raise
        route.confirm_path = CONFIRM_PATHS[1]
        return reply

    @overload
    def completions(
        self,
        messages: Sequence[MessageLike],
        *,
        stream: Literal[False] = ...,
        temperature: Optional[float] = ...,
        max_tokens: Optional[int] = ...,
        user: Optional[str] = ...,
        timeout: TimeoutLike | Timeout | None = ...,
        extra_headers: Mapping[str, str | None] | None = ...,
        extra_query: Mapping[str, Any] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        **sdk_options: Unpack[RetryOptions],
    ) -> ChatResponse: ...

    @overload
    def completions(
        self,
        messages: Sequence[MessageLike],
        *,
        stream: Literal[True],
        temperature: Optional[float] = ...,
        max_tokens: Optional[int] = ...,
        user: Optional[str] = ...,
        timeout: TimeoutLike | Timeout | None = ...,
        extra_headers: Mapping[str, str | None] | None = ...,
        extra_query: Mapping[str, Any] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        **sdk_options: Unpack[RetryOptions],
    ) -> ChatCompletionStream: ...

    @overload
    def completions(
        self,
        messages: Sequence[MessageLike],
        *,
        stream: bool,
        temperature: Optional[float] = ...,
        max_tokens: Optional[int] = ...,
        user: Optional[str] = ...,
        timeout: TimeoutLike | Timeout | None = ...,
        extra_headers: Mapping[str, str | None] | None = ...,
        extra_query: Mapping[str, Any] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        **sdk_options: Unpack[RetryOptions],
    ) -> Union[ChatResponse, ChatCompletionStream]: ...

    @runs
    def completions(
        self,
        messages: Sequence[MessageLike],
        *,
        stream: bool = False,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        user: Optional[str] = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[Union[ChatResponse, ChatCompletionStream]]:
        """The agent's OpenAI-style chat completions (``POST /agents/v1/{key}/chat/completions``),
        answered by the agent's own model and settings.

        A stream is the same ``ChatCompletionStream`` as ``client.chat.completions``'s, with
        the same guarantees: it never ends silently (a cut or corrupt stream raises a
        ``StreamError`` with the text so far), and closing it early releases its connection.

        Args:
            messages: The conversation, e.g. ``[{"role": "user", "content": "Hi"}]``.
            stream: ``True`` returns a stream of ``ChatCompletionChunk`` instead of the whole
                reply.
            temperature: Overrides the agent's temperature (0 to 2).
            max_tokens: Overrides the agent's longest answer.
            user: Who is talking (the agent's ``user_identifier``, for its memory).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the agent's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: More fields for the JSON body.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``ChatResponse``; with ``stream=True`` a ``ChatCompletionStream`` (iterate
            it; close it, or use ``with``, to stop early).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        body: Dict[str, Any] = {
            "messages": _check_messages(messages),
            "stream": bool(optional_bool("stream", stream)),
        }
        if temperature is not None:
            body["temperature"] = optional_number("temperature", temperature, minimum=0, maximum=2)
        if max_tokens is not None:
            body["max_tokens"] = optional_int("max_tokens", max_tokens, minimum=1)
        if user is not None:
            body["user"] = require_str("user", user)
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        return (yield from _guarded(self._completions(body, options)))

    def _completions(
        self, body: Dict[str, Any], options: RequestOptions | None
    ) -> Flow[Union[ChatResponse, ChatCompletionStream]]:
        engine = self._core
        path = _path(engine, "/chat/completions")
        if body["stream"]:
            stream: ChatCompletionStream = yield from _open_stream(
                engine, body, options, False, path=path
            )
            return stream
        reply = yield from engine.fetch(
            "POST", path, cast_to=ChatResponse, json=body, options=options
        )
        return _raise_if_error(engine, reply)

    def conversation(self, conversation_id: Optional[str] = None) -> Conversation:
        """A helper that keeps one conversation's id, messages and pending tool call.

        Args:
            conversation_id: Resume this conversation (``None``: the first ``chat``
                starts one).

        Returns:
            A ``Conversation`` on this agent.

        Raises:
            InvalidArgumentError: ``conversation_id`` is not a non-empty string.
        """
        return Conversation(self, conversation_id)


class AsyncAgentMethods:
    """The methods of ``AsyncCloudAgent``: ``CloudAgent``'s, awaited; a stream is an
    ``AsyncChatCompletionStream`` (``async for``)."""

    _core: Engine
    _run: Runner
    _route: AgentRoute

    info = awaits(AgentMethods.info)
    chat = awaits(AgentMethods.chat)
    confirm_tool = awaits(AgentMethods.confirm_tool)
    _confirm = AgentMethods._confirm
    _completions = AgentMethods._completions

    if TYPE_CHECKING:

        @overload
        async def completions(
            self,
            messages: Sequence[MessageLike],
            *,
            stream: Literal[False] = ...,
            temperature: Optional[float] = ...,
            max_tokens: Optional[int] = ...,
            user: Optional[str] = ...,
            timeout: TimeoutLike | Timeout | None = ...,
            extra_headers: Mapping[str, str | None] | None = ...,
            extra_query: Mapping[str, Any] | None = ...,
            extra_body: Mapping[str, Any] | None = ...,
            **sdk_options: Unpack[RetryOptions],
        ) -> ChatResponse: ...
        @overload
        async def completions(
            self,
            messages: Sequence[MessageLike],
            *,
            stream: Literal[True],
            temperature: Optional[float] = ...,
            max_tokens: Optional[int] = ...,
            user: Optional[str] = ...,
            timeout: TimeoutLike | Timeout | None = ...,
            extra_headers: Mapping[str, str | None] | None = ...,
            extra_query: Mapping[str, Any] | None = ...,
            extra_body: Mapping[str, Any] | None = ...,
            **sdk_options: Unpack[RetryOptions],
        ) -> AsyncChatCompletionStream: ...
        @overload
        async def completions(
            self,
            messages: Sequence[MessageLike],
            *,
            stream: bool,
            temperature: Optional[float] = ...,
            max_tokens: Optional[int] = ...,
            user: Optional[str] = ...,
            timeout: TimeoutLike | Timeout | None = ...,
            extra_headers: Mapping[str, str | None] | None = ...,
            extra_query: Mapping[str, Any] | None = ...,
            extra_body: Mapping[str, Any] | None = ...,
            **sdk_options: Unpack[RetryOptions],
        ) -> Union[ChatResponse, AsyncChatCompletionStream]: ...
        async def completions(
            self,
            messages: Sequence[MessageLike],
            *,
            stream: bool = False,
            temperature: Optional[float] = None,
            max_tokens: Optional[int] = None,
            user: Optional[str] = None,
            timeout: TimeoutLike | Timeout | None = None,
            extra_headers: Mapping[str, str | None] | None = None,
            extra_query: Mapping[str, Any] | None = None,
            extra_body: Mapping[str, Any] | None = None,
            **sdk_options: Unpack[RetryOptions],
        ) -> Union[ChatResponse, AsyncChatCompletionStream]:
            """As ``CloudAgent.completions``, awaited; a stream is an
            ``AsyncChatCompletionStream`` (``async for``).

            Args:
                messages: The conversation, e.g. ``[{"role": "user", "content": "Hi"}]``.
                stream: ``True`` returns a stream of ``ChatCompletionChunk`` instead of the
                    whole reply.
                temperature: Overrides the agent's temperature (0 to 2).
                max_tokens: Overrides the agent's longest answer.
                user: Who is talking (the agent's ``user_identifier``, for its memory).
                timeout: This call's timeout: seconds (both phases), a ``(connect, read)``
                    pair, a ``Timeout``, or ``None`` for the agent's.
                extra_headers: Headers added to this request (a ``None`` value removes one).
                extra_query: Query parameters added to the URL.
                extra_body: More fields for the JSON body.
                **sdk_options: This call's ``max_retries``, ``deadline``,
                    ``idempotency_key`` and ``max_response_bytes`` (see ``CallOptions``).

            Returns:
                The ``ChatResponse``; with ``stream=True`` an ``AsyncChatCompletionStream``.
            """
            raise NotImplementedError  # for type checkers; the sync method serves at run time
    else:
        completions = AgentMethods.completions

    def conversation(self, conversation_id: Optional[str] = None) -> AsyncConversation:
        """A helper that keeps one conversation's id, messages and pending tool call.

        Args:
            conversation_id: Resume this conversation (``None``: the first ``chat``
                starts one).

        Returns:
            An ``AsyncConversation`` on this agent.

        Raises:
            InvalidArgumentError: ``conversation_id`` is not a non-empty string.
        """
        return AsyncConversation(self, conversation_id)


class ConversationState:
    """What a conversation keeps: ``conversation_id`` (set by the first reply), the
    ``messages`` exchanged (user and assistant turns as dicts), the last reply and the
    ``pending_tool_call`` the agent waits on."""

    __slots__ = ("_agent", "_pending", "_run", "conversation_id", "last_response", "messages")

    def __init__(self, agent: Any, conversation_id: Optional[str] = None) -> None:
        self._agent = agent
        self._run: Runner = agent._run
        self.conversation_id: Optional[str] = optional_str("conversation_id", conversation_id)
        self.messages: List[Dict[str, str]] = []
        self.last_response: Optional[AgentChatResponse] = None
        self._pending: Optional[PendingToolCall] = None

    @property
    def pending_tool_call(self) -> Optional[PendingToolCall]:
        """The tool call the agent waits on (``None`` when it waits on nothing)."""
        return self._pending

    def __repr__(self) -> str:
        pending = self._pending.tool_name if self._pending is not None else None
        return (
            f"{type(self).__name__}(conversation_id={self.conversation_id!r}, "
            f"messages={len(self.messages)}, pending_tool_call={pending!r})"
        )

    def _took(self, reply: AgentChatResponse) -> AgentChatResponse:
        if reply.conversation_id:
            self.conversation_id = reply.conversation_id
        self.messages.append({"role": "assistant", "content": reply.response})
        self._pending = reply.pending_tool_call
        self.last_response = reply
        return reply


class Conversation(ConversationState):
    """One conversation with a Cloud agent, kept on the client side (see
    ``ConversationState``): ``chat`` continues it, ``confirm`` / ``reject`` answer the
    tool call the agent waits on.

    >>> conv = agent.conversation()                  # doctest: +SKIP
    >>> conv.chat("I need to reset my password")     # doctest: +SKIP
    >>> if conv.pending_tool_call: conv.confirm()    # doctest: +SKIP
    """

    __slots__ = ()

    @runs
    def chat(
        self,
        message: str,
        *,
        user_identifier: Optional[str] = None,
        user_identifier_type: Optional[str] = None,
        extra_data: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[AgentChatResponse]:
        """Send a message in this conversation (``agent.chat`` with its id).

        On success the user's message and the answer are added to ``messages``, and
        ``conversation_id`` and ``pending_tool_call`` follow the reply; a failed call
        changes nothing.

        Args:
            message: What the user says.
            user_identifier: Who is talking, for the agent's memory and personalisation.
            user_identifier_type: What ``user_identifier`` is: ``"email"``, ``"phone"``,
                ``"user_id"`` or ``"anonymous"``.
            extra_data: Metadata passed to the agent (JSON values).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the agent's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: More fields for the JSON body.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``AgentChatResponse``.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        reply: AgentChatResponse = yield from flow_of(AgentMethods.chat)(
            self._agent,
            message,
            conversation_id=self.conversation_id,
            user_identifier=user_identifier,
            user_identifier_type=user_identifier_type,
            extra_data=extra_data,
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            **sdk_options,
        )
        self.messages.append({"role": "user", "content": message})
        return self._took(reply)

    def _answer(self, action: str, options: Dict[str, Any]) -> Flow[AgentChatResponse]:
        pending = self._pending
        if pending is None:
            raise MeganovaError(
                f"No pending tool call to {'confirm' if action == 'approve' else 'reject'}: "
                "the agent is not waiting on one (see conversation.pending_tool_call)",
                code="no_pending_tool_call",
            )
        reply: AgentChatResponse = yield from flow_of(AgentMethods.confirm_tool)(
            self._agent, pending.approval_id, action, **options
        )
        return self._took(reply)

    @runs
    def confirm(
        self,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[AgentChatResponse]:
        """Approve the pending tool call (``agent.confirm_tool(..., "approve")``).

        Args:
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the agent's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: More fields for the JSON body.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``AgentChatResponse`` with the tool's outcome (added to ``messages``).

        Raises:
            MeganovaError: No tool call is pending (code ``no_pending_tool_call``).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        options = dict(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            **sdk_options,
        )
        return (yield from self._answer("approve", options))

    @runs
    def reject(
        self,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[AgentChatResponse]:
        """Refuse the pending tool call (``agent.confirm_tool(..., "reject")``).

        Args:
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the agent's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: More fields for the JSON body.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The agent's acknowledgement (added to ``messages``).

        Raises:
            MeganovaError: No tool call is pending (code ``no_pending_tool_call``).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        options = dict(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            **sdk_options,
        )
        return (yield from self._answer("reject", options))


class AsyncConversation(ConversationState):
    """``Conversation`` on an ``AsyncCloudAgent``: ``chat``, ``confirm`` and ``reject``
    are awaited."""

    __slots__ = ()
    chat = awaits(Conversation.chat)
    confirm = awaits(Conversation.confirm)
    reject = awaits(Conversation.reject)
    _answer = Conversation._answer
