"""``CloudAgent`` and ``AsyncCloudAgent``: clients of one agent deployed on Meganova
Cloud (Studio), on the same engine, drivers, transports, retries, deadlines, size caps
and errors as ``MegaNova`` / ``AsyncMegaNova``. Their methods are the flows of
``meganova.core.resources.agents``, written once for both."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any, Mapping

from ..adapters.drivers import AsyncDriver
from ..adapters.log_redact import guard_url_loggers
from ..client import NOT_GIVEN, TransportSpec, _Client, _NotGiven
from ..core.agent_config import ENV_AGENT_KEY, check_agent_key, resolve_agent_config
from ..core.config import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ClientConfig, Secret
from ..core.errors import ConfigurationError
from ..core.hooks import HooksLike
from ..core.http import TimeoutLike
from ..core.ports import Codec, RetryPolicy
from ..core.proxy import PROXY_FROM_ENVIRONMENT, ProxyFromEnvironment
from ..core.redact import Sensitive
from ..core.resources.agents import (
    AgentEngine,
    AgentMethods,
    AgentRoute,
    AsyncAgentMethods,
    AsyncConversation,
    Conversation,
)

if TYPE_CHECKING:
    from .._raw_views import (
        AsyncCloudAgentWithRawResponse,
        AsyncCloudAgentWithStreamingResponse,
        CloudAgentWithRawResponse,
        CloudAgentWithStreamingResponse,
    )

__all__ = ["AsyncCloudAgent", "AsyncConversation", "CloudAgent", "Conversation"]


def _agent_config(**settings: Any) -> ClientConfig:
    settings.pop("region", None)  # a Cloud agent has neither
    settings.pop("default_model", None)
    return resolve_agent_config(**settings)


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class _AgentClient(_Client):
    """What ``CloudAgent`` and ``AsyncCloudAgent`` share: configuration (the agent key
    from ``api_key`` or ``MEGANOVA_AGENT_KEY``), options, redaction, pickling."""

    _engine_type = AgentEngine
    _core: Any
    _run: Any
    _route: AgentRoute

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        transport: TransportSpec = None,
        codec: Codec | None = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        verify: bool | str = True,
        proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
        clock: Any = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        user_agent_extra: str | None = None,
        hooks: HooksLike = None,
    ) -> None:
        if isinstance(api_key, str):
            api_key = Sensitive(api_key)  # an error report's locals show it redacted
        guard_url_loggers()
        _Client.__init__(
            self,
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            user_agent_extra=user_agent_extra,
            transport=transport,
            codec=codec,
            retry_policy=retry_policy,
            default_headers=default_headers,
            deadline=deadline,
            verify=verify,
            proxy=proxy,
            clock=clock,
            max_response_bytes=max_response_bytes,
            hooks=hooks,
        )

    def _resolve_config(self, **settings: Any) -> ClientConfig:
        return _agent_config(**settings)

    def _setup(self, config: ClientConfig, *parts: Any) -> None:
        super()._setup(config, *parts)
        bound = self._engine
        self._core = bound.engine
        self._run = bound.driver.run
        self._route = AgentRoute()

    def with_options(  # type: ignore[override]
        self,
        *,
        timeout: TimeoutLike | _NotGiven = NOT_GIVEN,
        max_retries: int | _NotGiven = NOT_GIVEN,
        base_url: str | _NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str | None] | _NotGiven = NOT_GIVEN,
        deadline: float | _NotGiven | None = NOT_GIVEN,
        max_response_bytes: int | _NotGiven | None = NOT_GIVEN,
        proxy: str | _NotGiven | None = NOT_GIVEN,
        hooks: HooksLike | _NotGiven = NOT_GIVEN,
    ) -> Any:
        """An agent client with the given options changed that shares this one's
        connection pool and what it learnt (the tool-confirmation path).

        ``None`` means what it means in the constructor. An option left out keeps this
        client's value.

        Args:
            timeout: The new timeout (``None``: no limit).
            max_retries: The new number of retries.
            base_url: The new Studio API root.
            default_headers: Headers to add or replace; a header given as ``None`` is removed.
            deadline: The new per-call deadline (``None`` removes it).
            max_response_bytes: The new reply size cap (``None`` lifts it).
            proxy: A new proxy (``None``: none). It needs connections of its own: that client
                gets a new transport of the same kind (close it when done).
            hooks: The new client's hooks, instead of this one's (``None``: none; to add
                some, pass ``[agent.hooks, more]``).

        Returns:
            The new client (of the same kind); this one is unchanged.

        Raises:
            InvalidArgumentError: An option is invalid (named in the error).
        """
        clone = _Client.with_options(
            self,
            timeout=timeout,
            max_retries=max_retries,
            base_url=base_url,
            default_headers=default_headers,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
            proxy=proxy,
            hooks=hooks,
        )
        clone._route = self._route
        return clone

    def __repr__(self) -> str:
        if "_engine" not in vars(self):  # a constructor that raised (an error report's locals)
            return f"{type(self).__name__}(<not configured>)"
        return (
            f"{type(self).__name__}(base_url={self.config.base_url!r}, "
            f"transport={type(self._engine.transport).__name__}, api_key=<redacted>)"
        )

    # -- pickling: the key never travels in the pickle ---------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = _Client.__getstate__(self)
        config: ClientConfig = state["config"]
        state["config"] = config.with_changes(api_key=Secret(""))
        state["key_sha256"] = _fingerprint(config.api_key.reveal())
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """The key comes from this process's ``MEGANOVA_AGENT_KEY``: it must be the key
        the agent was pickled with (its fingerprint travels, never the key)."""
        guard_url_loggers()
        key = os.environ.get(ENV_AGENT_KEY, "").strip()
        if not key or _fingerprint(key) != state.get("key_sha256"):
            raise ConfigurationError(
                f"A {type(self).__name__} is pickled without its agent key: set "
                f"{ENV_AGENT_KEY} to the same agent's key in the process that unpickles it.",
                code="missing_api_key",
            )
        state = dict(state)
        state.pop("key_sha256")
        state["config"] = state["config"].with_changes(api_key=Secret(check_agent_key(key)))
        _Client.__setstate__(self, state)


class CloudAgent(_AgentClient, AgentMethods):
    """A client of one agent deployed on Meganova Cloud (Studio).

    The agent's key (it starts with ``agent_``) travels in the URL path, never in a
    header; it never shows in a repr, log line, error or pickle. Safe to share across
    threads; close it (or use ``with``) to release its connections.

    >>> agent = CloudAgent(api_key="agent_...")        # doctest: +SKIP
    >>> agent.chat("Hello!").response                   # doctest: +SKIP

    Args:
        api_key: The agent key (default: ``MEGANOVA_AGENT_KEY``); one that does not start
            with ``agent_`` is refused before anything is sent.
        base_url: The Studio API root (default: ``MEGANOVA_AGENT_BASE_URL``, else
            ``https://studio-api.meganova.ai``).
        timeout: Seconds for both phases, a ``(connect, read)`` pair, a ``Timeout``, or
            ``None`` for no limit (default: connect 5 s, read 600 s).
        max_retries: Retries after the first attempt for connection failures, 408, 409,
            429 and 5xx (default 2; ``Retry-After`` is honoured).
        transport: ``"urllib3"`` (the default when installed), ``"stdlib"``,
            ``"requests"``, or any object with ``send(request)`` and ``close()``.
        codec: The JSON codec port (default: msgspec).
        retry_policy: The retry policy port (default: tenacity).
        default_headers: Headers sent with every request.
        deadline: Total seconds for one call across all attempts and waits (``None``:
            no deadline).
        verify: TLS verification: ``True``, ``False``, or the path of a CA bundle.
        proxy: An ``http://[user:password@]host:port`` proxy; by default the environment's
            ``HTTPS_PROXY`` and friends; ``None`` ignores the environment.
        clock: The clock port, for tests (default: the system clock).
        max_response_bytes: Largest reply body accepted (default 256 MiB; ``None`` lifts
            the cap).
        user_agent_extra: Appended to ``User-Agent: meganova-python/<version>``.
        hooks: Callables called on the events of every call (a ``Hooks``, or a list of
            them), as ``MegaNova``'s: see ``Hooks``. Sync callables (``AsyncCloudAgent``:
            sync or async).

    Raises:
        ConfigurationError: No agent key.
        InvalidArgumentError: An option is invalid, or the key is not an agent key
            (named ``api_key``).
    """

    def close(self) -> None:
        """Release pooled connections (shared with clients made by ``with_options``)."""
        self._engine.transport.close()

    def __enter__(self) -> CloudAgent:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def with_raw_response(self) -> CloudAgentWithRawResponse:
        """The agent's methods, each returning a ``RawResponse``: status, headers,
        request id, timing, the body's bytes; ``parse()`` gives what the method returns."""
        from .._raw_views import CloudAgentWithRawResponse

        return self._raw_view("raw", CloudAgentWithRawResponse)

    @property
    def with_streaming_response(self) -> CloudAgentWithStreamingResponse:
        """The agent's methods, each returning a context manager (``with``) whose
        ``StreamingResponse`` reads the body as it arrives."""
        from .._raw_views import CloudAgentWithStreamingResponse

        return self._raw_view("streaming", CloudAgentWithStreamingResponse)


class AsyncCloudAgent(_AgentClient, AsyncAgentMethods):
    """The asyncio client of a Cloud agent: ``CloudAgent``'s arguments, environment
    variables and methods, each awaited; a stream is iterated with ``async for``. Use
    ``async with AsyncCloudAgent() as agent`` (or ``await agent.close()``).

    ``transport`` is ``"aiohttp"``, ``"httpx"``, ``"threads"`` or an object with ``async
    send(request)`` and ``async aclose()`` (default: the first installed of those).
    Every other argument is ``CloudAgent``'s.
    """

    _driver_type = AsyncDriver

    def _make_transport(self, spec: Any, **options: Any) -> Any:
        from ..adapters.async_select import make_async_transport

        return make_async_transport(spec, **options)

    async def close(self) -> None:
        """Release pooled connections (shared with clients made by ``with_options``)."""
        await self._engine.transport.aclose()

    async def __aenter__(self) -> AsyncCloudAgent:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def with_raw_response(self) -> AsyncCloudAgentWithRawResponse:
        """The agent's methods, each returning (awaited) a ``RawResponse``: status, headers,
        request id, timing, the body's bytes; ``parse()`` gives what the method returns."""
        from .._raw_views import AsyncCloudAgentWithRawResponse

        return self._raw_view("raw", AsyncCloudAgentWithRawResponse)

    @property
    def with_streaming_response(self) -> AsyncCloudAgentWithStreamingResponse:
        """The agent's methods, each returning a context manager (``async with``) whose
        ``AsyncStreamingResponse`` reads the body as it arrives."""
        from .._raw_views import AsyncCloudAgentWithStreamingResponse

        return self._raw_view("streaming", AsyncCloudAgentWithStreamingResponse)
