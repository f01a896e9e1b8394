"""Which async transport ``AsyncMegaNova(transport=...)`` means: a name, an instance,
or (``None``) the first installed of aiohttp, httpx and worker threads. The libraries
are imported only when their transport is chosen."""

from __future__ import annotations

import importlib.util
import inspect
from typing import Any, Union

from ..core.errors import ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError
from ..core.ports import AsyncTransport
from ..core.proxy import PROXY_FROM_ENVIRONMENT, ProxyFromEnvironment

__all__ = ["ASYNC_TRANSPORT_NAMES", "AsyncTransportSpec", "make_async_transport"]

AsyncTransportSpec = Union[AsyncTransport, str, None]
ASYNC_TRANSPORT_NAMES = ("aiohttp", "httpx", "threads")
_EXTRA = {"aiohttp": "aiohttp", "httpx": "httpx"}


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def default_async_transport_name() -> str:
    """The first installed of aiohttp, httpx; else ``threads``."""
    for name in ("aiohttp", "httpx"):
        if _installed(name):
            return name
    return "threads"


def make_async_transport(
    spec: AsyncTransportSpec,
    *,
    verify: bool | str = True,
    proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
) -> AsyncTransport:
    """An async transport from a name (``"aiohttp"``, ``"httpx"``, ``"threads"``), an
    instance (anything with an ``async send``, used as it is; a sync transport runs in
    worker threads), or ``None``: the first installed of aiohttp, httpx, threads."""
    if spec is not None and not isinstance(spec, str):
        return _instance(spec, proxy)
    name = spec if spec is not None else default_async_transport_name()
    if name not in ASYNC_TRANSPORT_NAMES:
        raise InvalidArgumentError(
            f"transport must be one of {ASYNC_TRANSPORT_NAMES} or an async transport, got {name!r}",
            argument="transport",
        )
    if name == "threads":
        return _threads(verify, proxy)
    try:
        if name == "aiohttp":
            from .aiohttp_transport import AiohttpTransport

            return AiohttpTransport(verify=verify, proxy=proxy)
        from .httpx_transport import HttpxTransport

        return HttpxTransport(verify=verify, proxy=proxy)
    except ImportError as exc:
        raise ConfigurationError(
            f"transport={name!r} needs the {name} package: pip install 'meganova[{_EXTRA[name]}]'"
        ) from exc


def _threads(verify: bool | str, proxy: str | ProxyFromEnvironment | None) -> AsyncTransport:
    """The sync default (urllib3 when installed, else the standard library) in threads."""
    from .thread_transport import MAX_THREADS, ThreadTransport

    # As many pooled connections as workers: fewer, and the busy workers' extra
    # connections would be opened and closed call after call.
    sync: Any
    if _installed("urllib3"):
        from .urllib3_transport import Urllib3Transport

        sync = Urllib3Transport(verify=verify, proxy=proxy, max_connections=MAX_THREADS)
    else:
        from .stdlib_transport import UrllibTransport

        sync = UrllibTransport(verify=verify, proxy=proxy, max_connections=MAX_THREADS)
    return ThreadTransport(sync)


def _instance(spec: Any, proxy: object) -> AsyncTransport:
    if proxy is not PROXY_FROM_ENVIRONMENT:
        raise InvalidArgumentError(
            "proxy applies to the built-in transports ('aiohttp', 'httpx', 'threads'); "
            "configure a transport of your own yourself",
            argument="proxy",
        )
    send = getattr(spec, "send", None)
    if inspect.iscoroutinefunction(send):
        return spec  # type: ignore[no-any-return]
    if callable(send) and callable(getattr(spec, "close", None)):
        from .thread_transport import ThreadTransport  # a sync Transport

        return ThreadTransport(spec)
    raise InvalidArgumentTypeError(
        "transport must have an async send(request) method, or be 'aiohttp', 'httpx' or 'threads'",
        argument="transport",
    )
