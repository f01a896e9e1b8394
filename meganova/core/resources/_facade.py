"""One method, two flavours. A resource method is written once, as a flow (a generator
yielding effects); ``@runs`` makes it a method that hands the flow to the client's
driver. ``MegaNova``'s driver runs it at once; ``AsyncMegaNova``'s returns a coroutine,
and ``awaits`` types the same method for the async resource, which shares it as is."""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable, Coroutine, TypeVar

from ..effects import Flow

if TYPE_CHECKING:
    from typing_extensions import Concatenate, ParamSpec

    from ..engine import Engine

    P = ParamSpec("P")

T = TypeVar("T")
S = TypeVar("S")
Runner = Callable[[Flow[Any]], Any]


class Resource:
    """A resource of one client: its engine (what to send, what replies mean) and its
    driver's ``run`` (how flows are performed: sync or async)."""

    __slots__ = ("_engine", "_run")

    def __init__(self, engine: Engine, run: Runner) -> None:
        self._engine = engine
        self._run = run

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def runs(flow: Callable[P, Flow[T]]) -> Callable[P, T]:
    """The method running ``flow`` (same signature and docs) on its resource's driver."""

    @functools.wraps(flow)
    def method(*args: Any, **kwargs: Any) -> Any:
        return args[0]._run(flow(*args, **kwargs))

    return method


def awaits(
    method: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """``method`` for an async resource: the same function (its driver returns a
    coroutine), typed as awaitable."""
    return method  # type: ignore[return-value]


def flow_of(method: Callable[..., Any]) -> Callable[..., Flow[Any]]:
    """The flow behind a ``@runs`` method, for a flow that continues with it."""
    wrapped: Callable[..., Flow[Any]] = inspect.unwrap(method)
    return wrapped
