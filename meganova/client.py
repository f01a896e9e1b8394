"""``MegaNova`` and ``AsyncMegaNova``: the composition roots. Read configuration, pick
adapters, wire resources. The two differ only in their transports, their driver and the
flavour of their resources; everything else is one class."""

from __future__ import annotations

import importlib
import logging
import os
import threading
import traceback
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Generic, Mapping, TypeVar, Union, cast, overload
from urllib.parse import urlsplit

from .adapters.clock import SystemClock, WaitingClock
from .adapters.drivers import AsyncDriver, BoundEngine, SyncDriver
from .core.config import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    ClientConfig,
    check_deadline,
    check_default_headers,
    check_default_model,
    check_max_response_bytes,
    check_max_retries,
    check_region,
    normalize_base_url,
    resolve_config,
)
from .core.engine import Engine
from .core.errors import (
    ConfigurationError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
)
from .core.hooks import Hooks, HooksLike, coerce_hooks, without_hooks
from .core.http import Timeout, TimeoutLike
from .core.legacy import legacy_call
from .core.ports import AsyncTransport, Codec, RetryPolicy, Transport
from .core.proxy import PROXY_FROM_ENVIRONMENT, ProxyFromEnvironment, check_proxy
from .core.redact import Sensitive

if TYPE_CHECKING:
    from ._raw_views import (
        AsyncMegaNovaWithRawResponse,
        AsyncMegaNovaWithStreamingResponse,
        MegaNovaWithRawResponse,
        MegaNovaWithStreamingResponse,
    )
    from .core.resources.audio import AsyncAudioResource, AudioResource
    from .core.resources.billing import AsyncBillingResource, BillingResource
    from .core.resources.chat import AsyncChatResource, ChatResource
    from .core.resources.embeddings import AsyncEmbeddingsResource, EmbeddingsResource
    from .core.resources.images import AsyncImagesResource, ImagesResource
    from .core.resources.models_ import AsyncModelsResource, ModelsResource
    from .core.resources.rerank import AsyncRerankResource, RerankResource
    from .core.resources.serverless import AsyncServerlessResource, ServerlessResource
    from .core.resources.usage import AsyncUsageResource, UsageResource
    from .core.resources.videos import AsyncVideosResource, VideosResource

logger = logging.getLogger("meganova")

TransportSpec = Union[Transport, AsyncTransport, str, None]
TRANSPORT_NAMES = ("urllib3", "stdlib", "requests")
R = TypeVar("R")
C = TypeVar("C", bound="_Client")
V = TypeVar("V")


class _ResourceSlot(Generic[R]):
    """A client attribute holding one resource, made on first use from
    ``meganova.core.resources.<module>``; the class name gets an ``Async`` prefix on
    ``AsyncMegaNova``."""

    def __init__(self, module: str, class_name: str, doc: str) -> None:
        self.module = module
        self.class_name = class_name
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, client: None, owner: type) -> _ResourceSlot[R]: ...

    @overload
    def __get__(self, client: _Client, owner: type) -> R: ...

    def __get__(self, client: _Client | None, owner: type) -> Any:
        if client is None:
            return self
        return client._resource(self)


_logging_configured = False


def _configure_logging(env: Mapping[str, str]) -> None:
    """``MEGANOVA_LOG=debug|info|warning`` turns the SDK's logging on (once per process)."""
    global _logging_configured
    level_name = env.get("MEGANOVA_LOG", "").strip().upper()
    if _logging_configured or not level_name:
        return
    _logging_configured = True
    if level_name not in ("DEBUG", "INFO", "WARNING"):
        warnings.warn(
            f"MEGANOVA_LOG={level_name.lower()!r} is not debug, info or warning; "
            "the SDK's logging stays off",
            stacklevel=3,
        )
        return
    logger.setLevel(getattr(logging, level_name))
    if not logging.getLogger().handlers:
        # The application has not set up logging: print to stderr ourselves. When it
        # has, its handlers get our lines by propagation (adding ours would double them).
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def _warn_if_plain_http(base_url: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme != "http":
        return
    host = parts.hostname or ""
    loopback = host in ("localhost", "127.0.0.1", "::1")
    if not loopback:
        import ipaddress  # only here: it costs a cold start ~1 ms

        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback:
        logger.warning(
            "base_url %s uses plain http to a non-loopback host: the API key travels unencrypted",
            f"{parts.scheme}://{parts.netloc}",
        )


def make_transport(
    spec: TransportSpec,
    *,
    verify: bool | str = True,
    proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
) -> Transport:
    """``None`` picks urllib3 when it is installed, else the standard library."""
    if spec is not None and not isinstance(spec, str):
        if not callable(getattr(spec, "send", None)):
            raise InvalidArgumentTypeError(
                "transport must have a send(request) method, or be 'urllib3', 'stdlib' "
                "or 'requests'",
                argument="transport",
            )
        if proxy is not PROXY_FROM_ENVIRONMENT:
            raise InvalidArgumentError(
                "proxy applies to the built-in transports ('urllib3', 'stdlib', 'requests'); "
                "configure a transport of your own yourself",
                argument="proxy",
            )
        return cast("Transport", spec)
    name = spec
    if name is None:
        try:
            importlib.import_module("urllib3")
            name = "urllib3"
        except ImportError:
            name = "stdlib"
    if name == "urllib3":
        from .adapters.urllib3_transport import Urllib3Transport

        return Urllib3Transport(verify=verify, proxy=proxy)
    if name == "stdlib":
        from .adapters.stdlib_transport import UrllibTransport

        return UrllibTransport(verify=verify, proxy=proxy)
    if name == "requests":
        try:
            from .adapters.requests_transport import RequestsTransport
        except ImportError as exc:
            raise ConfigurationError(
                "transport='requests' needs the requests package: pip install 'meganova[requests]'"
            ) from exc
        return RequestsTransport(verify=verify, proxy=proxy)
    raise InvalidArgumentError(
        f"transport must be one of {TRANSPORT_NAMES} or a Transport, got {name!r}",
        argument="transport",
    )


def _default_codec() -> Codec:
    from .adapters.msgspec_codec import MsgspecCodec

    return MsgspecCodec()


def _default_retry_policy(clock: WaitingClock) -> RetryPolicy:
    from .adapters.tenacity_retry import TenacityRetryPolicy

    return TenacityRetryPolicy(sleep=clock.sleep, asleep=getattr(clock, "asleep", None))


class _NotGiven:
    """Marks an option ``with_options`` was not given (``None`` is a real value)."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = _NotGiven()


def _merge_headers(
    current: tuple[tuple[str, str], ...], changes: object
) -> tuple[tuple[str, str], ...]:
    if not isinstance(changes, Mapping):
        raise InvalidArgumentTypeError(
            "default_headers must be a mapping of str to str (None removes a header)",
            argument="default_headers",
        )
    if not all(isinstance(name, str) for name in changes):
        raise InvalidArgumentTypeError(
            "default_headers must map str to str", argument="default_headers"
        )
    removed = {name.lower() for name, value in changes.items() if value is None}
    added = {name: value for name, value in changes.items() if value is not None}
    replaced = removed | {name.lower() for name in added}
    kept = {name: value for name, value in current if name.lower() not in replaced}
    return check_default_headers({**kept, **added})


class _Client:
    """What ``MegaNova`` and ``AsyncMegaNova`` share: one constructor, configuration,
    options, pickling. The flavour picks the transports, the driver and the resources."""

    _driver_type: Callable[[Any, Any, Any, Any], Any] = SyncDriver
    _engine_type: Callable[[Any, Any, Any], Engine] = Engine
    _resource_prefix = ""

    def _resolve_config(self, **settings: Any) -> ClientConfig:
        return resolve_config(**settings)

    def _make_transport(self, spec: Any, **options: Any) -> Any:
        return make_transport(spec, **options)

    @legacy_call(
        after=1,
        positional=("base_url", "timeout", "max_retries", "region", "user_agent_extra"),
        old="MegaNova(key, url)",
        new="MegaNova(key, base_url=url) (every option after the key is a keyword)",
    )
    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        region: str | None = None,
        user_agent_extra: str | None = None,
        transport: TransportSpec = None,
        codec: Codec | None = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_model: str | None = None,
        deadline: float | None = None,
        verify: bool | str = True,
        proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
        clock: WaitingClock | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        hooks: HooksLike = None,
    ) -> None:
        # No local of this frame may show the key, proxy credentials or the environment
        # holding them in an error report (it records locals): the key is Sensitive from
        # here on, and if construction fails the proxy goes and the frames below, which
        # read them, are cleared.
        if isinstance(api_key, str):
            api_key = Sensitive(api_key)
        try:
            self._construct(
                api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                region=region,
                user_agent_extra=user_agent_extra,
                transport=transport,
                codec=codec,
                retry_policy=retry_policy,
                default_headers=default_headers,
                default_model=default_model,
                deadline=deadline,
                verify=verify,
                proxy=proxy,
                clock=clock,
                max_response_bytes=max_response_bytes,
                hooks=hooks,
            )
        except BaseException as exc:
            traceback.clear_frames(exc.__traceback__)
            del proxy
            raise

    def _construct(
        self,
        api_key: object,
        *,
        base_url: str | None,
        timeout: TimeoutLike,
        max_retries: int,
        region: str | None,
        user_agent_extra: str | None,
        transport: TransportSpec,
        codec: Codec | None,
        retry_policy: RetryPolicy | None,
        default_headers: Mapping[str, str] | None,
        default_model: str | None,
        deadline: float | None,
        verify: bool | str,
        proxy: str | ProxyFromEnvironment | None,
        clock: WaitingClock | None,
        max_response_bytes: int | None,
        hooks: HooksLike,
    ) -> None:
        _configure_logging(os.environ)
        checked_hooks = coerce_hooks(hooks)
        config = self._resolve_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            region=region,
            user_agent_extra=user_agent_extra,
            default_headers=default_headers,
            default_model=default_model,
            deadline=deadline,
            env=os.environ,
            max_response_bytes=max_response_bytes,
        )
        if not isinstance(verify, (bool, str)):
            raise InvalidArgumentTypeError(
                "verify must be True, False or a CA bundle path", argument="verify"
            )
        check_proxy(proxy)
        _warn_if_plain_http(config.base_url)
        self._verify = verify
        self._proxy = proxy
        self._transport_spec = (
            transport if isinstance(transport, str) or transport is None else None
        )
        clock = clock or SystemClock()
        self._setup(
            config,
            self._make_transport(transport, verify=verify, proxy=proxy),
            codec or _default_codec(),
            retry_policy or _default_retry_policy(clock),
            clock,
            checked_hooks,
        )

    def _setup(
        self,
        config: ClientConfig,
        transport: Transport,
        codec: Codec,
        retry_policy: RetryPolicy,
        clock: WaitingClock,
        hooks: Hooks | None = None,
    ) -> None:
        driver = self._driver_type(transport, retry_policy, clock, hooks)
        self._engine = BoundEngine(self._engine_type(config, codec, clock), driver)
        self._resources: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- configuration ------------------------------------------------------------

    @property
    def config(self) -> ClientConfig:
        """The resolved configuration (the key inside is redacted in its repr)."""
        config: ClientConfig = self._engine.engine.config
        return config

    @property
    def engine(self) -> Any:
        """The engine that sends this client's requests, with its driver (for advanced
        use and tests): ``engine.request(...)`` runs one call."""
        return self._engine

    @property
    def transport(self) -> Transport:
        """The transport in use."""
        transport: Transport = self._engine.transport
        return transport

    @property
    def base_url(self) -> str:
        """The API root every path is joined to."""
        return self.config.base_url

    @property
    def timeout(self) -> Timeout:
        """The default ``Timeout`` (connect and read)."""
        return self.config.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt, by default."""
        return self.config.max_retries

    @property
    def hooks(self) -> Hooks:
        """The hooks this client calls (an empty ``Hooks`` when it has none)."""
        hooks: Hooks | None = self._engine.driver.hooks
        return Hooks() if hooks is None else hooks

    def add_hooks(self, *hooks: HooksLike) -> None:
        """Add hooks to this client, in place: they run after the ones it has, from
        its next call on. Clients made from it by ``with_options`` before keep theirs.

        Args:
            *hooks: ``Hooks`` bundles (or lists of them).
        """
        driver = self._engine.driver
        added = coerce_hooks(list(hooks))  # checked before anything changes
        with self._lock:
            driver.hooks = coerce_hooks([driver.hooks, added])

    def remove_hooks(self, *hooks: Hooks) -> None:
        """Remove hook bundles added before (each callable of them, once), in place.

        Args:
            *hooks: ``Hooks`` bundles this client calls.
        """
        driver = self._engine.driver
        with self._lock:
            driver.hooks = coerce_hooks(without_hooks(driver.hooks, hooks))

    def with_options(
        self: C,
        *,
        timeout: TimeoutLike | _NotGiven = NOT_GIVEN,
        max_retries: int | _NotGiven = NOT_GIVEN,
        base_url: str | _NotGiven = NOT_GIVEN,
        region: str | _NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str | None] | _NotGiven = NOT_GIVEN,
        default_model: str | _NotGiven | None = NOT_GIVEN,
        deadline: float | _NotGiven | None = NOT_GIVEN,
        max_response_bytes: int | _NotGiven | None = NOT_GIVEN,
        proxy: str | _NotGiven | None = NOT_GIVEN,
        hooks: HooksLike | _NotGiven = NOT_GIVEN,
    ) -> C:
        """A client with the given options changed that shares this one's connection pool.

        ``None`` means what it means in ``MegaNova(...)``. An option left out keeps this
        client's value.

        Args:
            timeout: The new timeout (``None``: no limit).
            max_retries: The new number of retries.
            base_url: The new API root.
            region: The new region.
            default_headers: Headers to add or replace; a header given as ``None`` is removed.
            default_model: The new default model (``None`` removes it).
            deadline: The new per-call deadline (``None`` removes it).
            max_response_bytes: The new reply size cap (``None`` lifts it).
            proxy: A new proxy (``None``: none). It needs connections of its own: that client
                gets a new transport of the same kind (close it when done).
            hooks: The new client's hooks, instead of this one's (``None``: none; to add
                some, pass ``[client.hooks, more]``).

        Returns:
            The new client (of the same kind); this one is unchanged.

        Raises:
            InvalidArgumentError: An option is invalid (named in the error).
        """
        config = self.config
        changes: dict[str, Any] = {}
        if not isinstance(timeout, _NotGiven):
            changes["timeout"] = Timeout.coerce(timeout)
        if not isinstance(max_retries, _NotGiven):
            changes["retry"] = replace(config.retry, max_retries=check_max_retries(max_retries))
        if not isinstance(deadline, _NotGiven):
            changes["deadline"] = check_deadline(deadline)
        if not isinstance(max_response_bytes, _NotGiven):
            changes["max_response_bytes"] = check_max_response_bytes(max_response_bytes)
        if not isinstance(base_url, _NotGiven):
            changes["base_url"] = normalize_base_url(base_url)
            _warn_if_plain_http(changes["base_url"])
        if not isinstance(region, _NotGiven):
            changes["region"] = check_region(region)
        if not isinstance(default_model, _NotGiven):
            changes["default_model"] = check_default_model(default_model)
        if not isinstance(default_headers, _NotGiven):
            changes["default_headers"] = _merge_headers(config.default_headers, default_headers)
        engine = self._engine
        transport = engine.transport
        clone_proxy = self._proxy
        if not isinstance(proxy, _NotGiven):
            check_proxy(proxy)
            kind = _builtin_kind(transport)
            if kind is None:
                raise InvalidArgumentError(
                    "proxy applies to the built-in transports ('urllib3', 'stdlib', "
                    "'requests'); this client uses a transport of your own",
                    argument="proxy",
                )
            clone_proxy = proxy
            transport = self._make_transport(kind, verify=self._verify, proxy=proxy)
        clone_hooks = engine.driver.hooks if isinstance(hooks, _NotGiven) else coerce_hooks(hooks)
        clone = object.__new__(type(self))
        clone._verify = self._verify
        clone._proxy = clone_proxy
        clone._transport_spec = self._transport_spec
        clone._setup(
            config.with_changes(**changes),
            transport,
            engine.codec,
            engine.retry_policy,
            engine.driver.clock,
            clone_hooks,
        )
        return clone

    # -- raw replies --------------------------------------------------------------

    def _raw_view(self, kind: str, view: Callable[[Any, Any], V]) -> V:
        """The client's ``with_raw_response`` (``kind`` ``"raw"``) or
        ``with_streaming_response``: ``view`` over it, its methods' flows run by the
        client's driver into raw replies."""
        made = self._resources.get(kind)
        if made is None:
            from functools import partial

            from . import raw

            driver = self._engine.driver
            is_async = isinstance(driver, AsyncDriver)
            if kind == "raw":
                run: Any = partial(raw.arun_raw if is_async else raw.run_raw, driver)
            else:
                manager = (
                    raw.AsyncStreamingResponseManager if is_async else raw.StreamingResponseManager
                )
                run = partial(manager, driver)
            made = self._resources[kind] = view(self, run)
        return made

    # -- resources ----------------------------------------------------------------

    def _resource(self, slot: _ResourceSlot[Any]) -> Any:
        resource = self._resources.get(slot.name)
        if resource is None:
            module = importlib.import_module(f"meganova.core.resources.{slot.module}")
            cls = getattr(module, self._resource_prefix + slot.class_name)
            with self._lock:
                resource = self._resources.get(slot.name)
                if resource is None:
                    engine = self._engine
                    resource = cls(engine.engine, engine.driver.run)
                    self._resources[slot.name] = resource
                    # Found there from now on, before the slot (it has no __set__).
                    self.__dict__[slot.name] = resource
        return resource

    def __repr__(self) -> str:
        if "_engine" not in vars(self):  # a constructor that raised (an error report's locals)
            return f"{type(self).__name__}(<not configured>)"
        return (
            f"{type(self).__name__}(base_url={self.config.base_url!r}, "
            f"region={self.config.region!r}, "
            f"transport={type(self._engine.transport).__name__}, api_key=<redacted>)"
        )

    # -- pickling: for multiprocessing and job queues ------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # Every part travels as the user chose it: the built-in transports and codec
        # pickle as fresh instances with the same options (no sockets, no pool state).
        engine = self._engine
        parts = {
            "transport": self._transport_spec or engine.transport,
            "codec": engine.codec,
            "retry_policy": engine.retry_policy,
            "clock": engine.driver.clock,
            "hooks": engine.driver.hooks,
        }
        for name, part in parts.items():
            _check_picklable(name, part)
        return {"config": engine.config, "verify": self._verify, "proxy": self._proxy, **parts}

    def __setstate__(self, state: dict[str, Any]) -> None:
        spec = state["transport"]
        self._verify = state["verify"]
        self._proxy = state.get("proxy", PROXY_FROM_ENVIRONMENT)
        self._transport_spec = spec if isinstance(spec, str) else None
        transport = (
            self._make_transport(spec, verify=self._verify, proxy=self._proxy)
            if isinstance(spec, str)
            else spec
        )
        self._setup(
            state["config"],
            transport,
            state["codec"],
            state["retry_policy"],
            state["clock"],
            state.get("hooks"),
        )


class MegaNova(_Client):
    """The Meganova client. Safe to share across threads; close it (or use ``with``)
    to release its connections.

    Arguments win over the environment variables named below.

    >>> client = MegaNova(api_key="sk-...")              # doctest: +SKIP
    >>> client.chat.create(messages=[...], model="...")   # doctest: +SKIP

    Args:
        api_key: The API key (default: ``MEGANOVA_API_KEY``); sent as
            ``Authorization: Bearer ...``, never shown in reprs, logs or errors.
        base_url: The API root (default: ``MEGANOVA_BASE_URL``, else
            ``https://api.meganova.ai/v1``). Plain ``http://`` to a non-local host logs
            a warning.
        timeout: Seconds for both phases, a ``(connect, read)`` pair, a ``Timeout``, or
            ``None`` for no limit (default: connect 5 s, read 600 s). ``read`` is also the
            longest silence allowed inside a stream.
        max_retries: Retries after the first attempt for connection failures, 408, 409,
            429 and 5xx (default 2; ``Retry-After`` is honoured).
        region: Sent as ``X-MN-Region`` unless ``"auto"`` (default: ``MEGANOVA_REGION``).
        user_agent_extra: Appended to ``User-Agent: meganova-python/<version>``.
        transport: ``"urllib3"`` (the default when installed), ``"stdlib"``,
            ``"requests"`` (``pip install 'meganova[requests]'``), or any object with
            ``send(request)`` and ``close()``.
        codec: The JSON codec port (default: msgspec).
        retry_policy: The retry policy port (default: tenacity).
        default_headers: Headers sent with every request (not the framing ones such as
            ``Content-Length`` or ``Host``).
        default_model: The model a chat call uses when it names none (default:
            ``MEGANOVA_MODEL``).
        deadline: Total seconds for one call across all attempts and waits (at most a
            week; ``None``: no deadline).
        verify: TLS verification: ``True``, ``False``, or the path of a CA bundle.
        proxy: An ``http://[user:password@]host:port`` proxy (``https://`` for TLS to the
            proxy); by default the environment's ``HTTPS_PROXY``, ``HTTP_PROXY``,
            ``ALL_PROXY`` and ``NO_PROXY``; ``None`` ignores the environment.
        clock: The clock port, for tests (default: the system clock).
        max_response_bytes: Largest reply body accepted, counted after decompression
            (default 256 MiB; ``None`` lifts the cap); a larger one raises
            ``ResponseTooLargeError``.
        hooks: Callables called on the events of every call (a ``Hooks``, or a list of
            them): see ``Hooks``. Sync callables (``AsyncMegaNova``: sync or async).

    Raises:
        ConfigurationError: No API key, or an environment setting the SDK cannot use.
        InvalidArgumentError: An option is invalid (named in the error).
    """

    chat: _ResourceSlot[ChatResource] = _ResourceSlot(
        "chat", "ChatResource", "Chat completions: ``create``, ``stream`` and ``completions``."
    )
    models: _ResourceSlot[ModelsResource] = _ResourceSlot(
        "models_", "ModelsResource", "The models the API serves."
    )
    usage: _ResourceSlot[UsageResource] = _ResourceSlot(
        "usage", "UsageResource", "Usage over a time range."
    )
    billing: _ResourceSlot[BillingResource] = _ResourceSlot(
        "billing", "BillingResource", "The account balance and per-instance billing."
    )
    embeddings: _ResourceSlot[EmbeddingsResource] = _ResourceSlot(
        "embeddings", "EmbeddingsResource", "Vectors for texts."
    )
    rerank: _ResourceSlot[RerankResource] = _ResourceSlot(
        "rerank", "RerankResource", "Documents ordered by relevance to a query."
    )
    images: _ResourceSlot[ImagesResource] = _ResourceSlot(
        "images", "ImagesResource", "Text to image."
    )
    audio: _ResourceSlot[AudioResource] = _ResourceSlot("audio", "AudioResource", "Speech to text.")
    videos: _ResourceSlot[VideosResource] = _ResourceSlot(
        "videos", "VideosResource", "Video generation jobs."
    )
    serverless: _ResourceSlot[ServerlessResource] = _ResourceSlot(
        "serverless", "ServerlessResource", "The serverless model catalogue."
    )

    def close(self) -> None:
        """Release pooled connections (shared with clients made by ``with_options``)."""
        self._engine.transport.close()

    def __enter__(self) -> MegaNova:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def with_raw_response(self) -> MegaNovaWithRawResponse:
        """The client's resources, each method returning a ``RawResponse``: status,
        headers, request id, timing, the body's bytes; ``parse()`` gives what the method
        returns. ``client.with_raw_response.chat.create(...)``."""
        from ._raw_views import MegaNovaWithRawResponse

        return self._raw_view("raw", MegaNovaWithRawResponse)

    @property
    def with_streaming_response(self) -> MegaNovaWithStreamingResponse:
        """The client's resources, each method returning a context manager whose
        ``StreamingResponse`` reads the body as it arrives (``iter_bytes``, ``iter_lines``,
        ``iter_text``; ``parse()``): ``with client.with_streaming_response.chat.create(...)
        as reply:``."""
        from ._raw_views import MegaNovaWithStreamingResponse

        return self._raw_view("streaming", MegaNovaWithStreamingResponse)


class AsyncMegaNova(_Client):
    """The asyncio Meganova client: ``MegaNova``'s arguments, options, environment
    variables, resources and errors, with every call awaited and streams iterated with
    ``async for``. Use ``async with AsyncMegaNova() as client`` (or ``await
    client.close()``) to release its connections.

    ``transport`` is ``"aiohttp"`` (``pip install 'meganova[aiohttp]'``, the fastest),
    ``"httpx"`` (``pip install 'meganova[httpx]'``), ``"threads"`` (the sync default
    transport in worker threads: works on the base install), or an object with
    ``async send(request)`` and ``async aclose()``. By default, the first installed of
    aiohttp, httpx, threads. Every other argument is ``MegaNova``'s.
    """

    _driver_type = AsyncDriver

    def _make_transport(self, spec: Any, **options: Any) -> Any:
        from .adapters.async_select import make_async_transport

        return make_async_transport(spec, **options)

    _resource_prefix = "Async"

    chat: _ResourceSlot[AsyncChatResource] = _ResourceSlot(
        "chat", "ChatResource", "Chat completions: ``create``, ``stream`` and ``completions``."
    )
    models: _ResourceSlot[AsyncModelsResource] = _ResourceSlot(
        "models_", "ModelsResource", "The models the API serves."
    )
    usage: _ResourceSlot[AsyncUsageResource] = _ResourceSlot(
        "usage", "UsageResource", "Usage over a time range."
    )
    billing: _ResourceSlot[AsyncBillingResource] = _ResourceSlot(
        "billing", "BillingResource", "The account balance and per-instance billing."
    )
    embeddings: _ResourceSlot[AsyncEmbeddingsResource] = _ResourceSlot(
        "embeddings", "EmbeddingsResource", "Vectors for texts."
    )
    rerank: _ResourceSlot[AsyncRerankResource] = _ResourceSlot(
        "rerank", "RerankResource", "Documents ordered by relevance to a query."
    )
    images: _ResourceSlot[AsyncImagesResource] = _ResourceSlot(
        "images", "ImagesResource", "Text to image."
    )
    audio: _ResourceSlot[AsyncAudioResource] = _ResourceSlot(
        "audio", "AudioResource", "Speech to text."
    )
    videos: _ResourceSlot[AsyncVideosResource] = _ResourceSlot(
        "videos", "VideosResource", "Video generation jobs."
    )
    serverless: _ResourceSlot[AsyncServerlessResource] = _ResourceSlot(
        "serverless", "ServerlessResource", "The serverless model catalogue."
    )

    async def close(self) -> None:
        """Release pooled connections (shared with clients made by ``with_options``)."""
        await self._engine.transport.aclose()

    async def __aenter__(self) -> AsyncMegaNova:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def with_raw_response(self) -> AsyncMegaNovaWithRawResponse:
        """The client's resources, each method returning (awaited) a ``RawResponse``: status,
        headers, request id, timing, the body's bytes; ``parse()`` gives what the method
        returns. ``client.with_raw_response.chat.create(...)``, awaited."""
        from ._raw_views import AsyncMegaNovaWithRawResponse

        return self._raw_view("raw", AsyncMegaNovaWithRawResponse)

    @property
    def with_streaming_response(self) -> AsyncMegaNovaWithStreamingResponse:
        """The client's resources, each method returning a context manager whose
        ``AsyncStreamingResponse`` reads the body as it arrives (``iter_bytes``, ``iter_lines``,
        ``iter_text``; ``parse()``): ``async with client.with_streaming_response.chat.create(...)
        as reply:``."""
        from ._raw_views import AsyncMegaNovaWithStreamingResponse

        return self._raw_view("streaming", AsyncMegaNovaWithStreamingResponse)


_BUILTIN_KINDS = {
    "Urllib3Transport": "urllib3",
    "UrllibTransport": "stdlib",
    "RequestsTransport": "requests",
    "AiohttpTransport": "aiohttp",
    "HttpxTransport": "httpx",
    "ThreadTransport": "threads",
}


def _builtin_kind(transport: object) -> str | None:
    """The name of a built-in transport's kind (``None``: a transport of the user's)."""
    if not type(transport).__module__.startswith("meganova.adapters."):
        return None
    return _BUILTIN_KINDS.get(type(transport).__name__)


_PICKLABLE_MODULES = frozenset(
    {
        "meganova.adapters.urllib3_transport",
        "meganova.adapters.stdlib_transport",
        "meganova.adapters.msgspec_codec",
        "meganova.core.engine",
        "meganova.adapters.clock",
        "builtins",
    }
)


def _check_picklable(name: str, part: object) -> None:
    """A user's own part that cannot be pickled fails here, named, instead of deep
    inside pickle (ours are known to pickle: no trial for them)."""
    if type(part).__module__ in _PICKLABLE_MODULES:
        return
    import pickle

    try:
        pickle.dumps(part)
    except Exception as exc:
        raise pickle.PicklingError(
            f"MegaNova cannot be pickled: its {name} {part!r} cannot be pickled ({exc})"
        ) from exc
