"""The client a bulk run sends with: an ``AsyncMegaNova`` with the caller's
configuration, and the resource method each request names."""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from ..client import AsyncMegaNova, MegaNova, _builtin_kind
from ..core.batch.items import METHODS
from ..core.errors import InvalidArgumentTypeError
from ..core.resources._facade import flow_of


def async_twin(client: object, *, fresh: bool = False) -> Tuple[AsyncMegaNova, bool]:
    """An ``AsyncMegaNova`` for ``client`` and whether the run owns it (and closes it).

    A ``MegaNova`` gets a twin with the same configuration, codec, retry policy and
    clock, on the default async transport (its fake, for a fake's client; a transport of
    the user's own runs in worker threads). An ``AsyncMegaNova`` is used as it is, unless
    ``fresh``: the sync ``run`` drives its own event loop, and a built-in async transport
    belongs to the loop it was first used on.
    """
    if isinstance(client, AsyncMegaNova):
        if not fresh:
            return client, False
    elif not isinstance(client, MegaNova):
        raise InvalidArgumentTypeError(
            f"client must be a MegaNova or an AsyncMegaNova, got {type(client).__name__}",
            argument="client",
        )
    from ..adapters.async_select import make_async_transport
    from ..adapters.fake_transport import AsyncFakeTransport, FakeTransport

    engine = client._engine
    transport = engine.transport
    kind = _builtin_kind(transport)
    new: Any
    if isinstance(transport, FakeTransport):
        new = AsyncFakeTransport(transport._handler)
    elif isinstance(transport, AsyncFakeTransport):
        new = transport
    elif kind is not None:
        spec = kind if isinstance(client, AsyncMegaNova) else None
        new = make_async_transport(spec, verify=client._verify, proxy=client._proxy)
    elif isinstance(client, AsyncMegaNova):
        return client, False  # a transport of the user's own: theirs to manage
    else:  # a sync transport of the user's: in threads, and left open for its owner
        new = make_async_transport(_Borrowed(transport))
    twin = object.__new__(AsyncMegaNova)
    twin._verify = client._verify
    twin._proxy = client._proxy
    twin._transport_spec = None
    twin._setup(engine.config, new, engine.codec, engine.retry_policy, engine.driver.clock)
    return twin, True


class _Borrowed:
    """A transport of the user's, lent to the run: closing the run's client leaves it open."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport

    def send(self, request: Any) -> Any:
        return self._transport.send(request)

    def close(self) -> None:
        pass  # its owner's client closes it

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def resolve(client: AsyncMegaNova, method: str) -> Tuple[Any, Callable[..., Any]]:
    """The resource and the bound method that ``method`` (a key of ``METHODS``) names."""
    path, name = METHODS[method]
    resource: Any = client
    for part in path.split("."):
        resource = getattr(resource, part)
    return resource, getattr(resource, name)


def check_params(resource: Any, method: str, params: Dict[str, Any]) -> None:
    """Validates ``params`` as the method would, without sending anything: its flow runs
    to its first effect (every check comes before that) and is closed. Raises what the
    call would raise (``InvalidArgumentError``, ``TypeError`` for an unknown argument)."""
    name = METHODS[method][1]
    flow = flow_of(getattr(type(resource), name))(resource, **params)
    try:
        next(flow)
    except StopIteration:
        pass
    finally:
        flow.close()
