"""Request and response values exchanged with a transport (no I/O here)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Optional, Tuple, Union

from .budget import TimeBudget

TimeoutLike = Union[float, int, Tuple[Optional[float], Optional[float]], "Timeout", None]
"""A ``timeout`` argument: seconds, a ``(connect, read)`` pair, a ``Timeout`` or ``None``."""

# Longest timeout (and deadline) accepted: a week. Larger values overflow the
# millisecond waits inside the socket libraries (poll takes a C int) after the request
# was sent; no real call needs them (``None`` means no limit).
MAX_SECONDS = 7 * 24 * 3600.0


def check_seconds(name: str, value: object) -> float | None:
    """A number of seconds above 0 and at most ``MAX_SECONDS``, or ``None``; else an
    error naming ``name``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        from .errors import InvalidArgumentTypeError  # errors imports this module

        raise InvalidArgumentTypeError(
            f"{name} must be a number of seconds or None, got {type(value).__name__}",
            argument=name,
        )
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_SECONDS:
        from .errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"{name} must be a number of seconds above 0 and at most {MAX_SECONDS:g} "
            f"(a week), or None for no limit; got {value!r}",
            argument=name,
        )
    return seconds


@dataclass(frozen=True)
class Timeout:
    """Seconds to wait to connect, and between two reads (``None``: no limit).

    ``read`` also bounds the gap between two data events of a stream, so keep-alive
    comments alone cannot keep a dead generation open.

    Args:
        connect: Seconds to open a connection (above 0, at most a week).
        read: Seconds for each wait for bytes (above 0, at most a week).
    """

    connect: float | None = 5.0
    read: float | None = 600.0

    def __post_init__(self) -> None:
        check_seconds("timeout.connect", self.connect)
        check_seconds("timeout.read", self.read)

    @classmethod
    def coerce(cls, value: TimeoutLike, *, argument: str = "timeout") -> Timeout:
        """Accept a number (both phases), a ``(connect, read)`` pair or a ``Timeout``.

        Args:
            value: The timeout as given (``None``: no limit).
            argument: The argument's name, for the error.

        Returns:
            The ``Timeout``.

        Raises:
            InvalidArgumentError: The value is not a valid timeout (named ``argument``).
        """
        from .errors import InvalidArgumentTypeError

        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(connect=None, read=None)
        if isinstance(value, tuple) and len(value) == 2:
            connect = check_seconds(f"{argument}[0] (connect)", value[0])
            read = check_seconds(f"{argument}[1] (read)", value[1])
            return cls(connect=connect, read=read)
        if isinstance(value, tuple):
            raise InvalidArgumentTypeError(
                f"{argument} must be a (connect, read) pair, got {len(value)} values",
                argument=argument,
            )
        seconds = check_seconds(argument, value)
        return cls(connect=seconds, read=seconds)


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only header mapping; repeated names are joined with ", "."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        store: dict[str, tuple[str, str]] = {}
        # A list first: what transports pass; typing's Mapping check is slow per reply.
        if isinstance(items, list):
            pairs: Iterable[tuple[str, str]] = items
        else:
            pairs = items.items() if isinstance(items, Mapping) else (items or ())
        for name, value in pairs:
            key = name.lower()
            if key in store:
                store[key] = (store[key][0], f"{store[key][1]}, {value}")
            else:
                store[key] = (name, value)
        self._items = store

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get(self, name: str, default: Any = None) -> Any:
        # Mapping.get raises and catches KeyError for every absent header: slow per call.
        """A header's value by case-insensitive name.

        Args:
            name: The header's name.
            default: What to return when there is no such header.
        """
        item = self._items.get(name.lower()) if isinstance(name, str) else None
        return default if item is None else item[1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Headers, (list(self._items.values()),))

    def __repr__(self) -> str:
        shown = {
            name: ("<redacted>" if name.lower() in SENSITIVE_HEADERS else value)
            for name, value in self._items.values()
        }
        return f"Headers({shown!r})"


SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "x-api-key"})


DEFAULT_TIMEOUT = Timeout()


@dataclass(frozen=True, init=False)
class Request:
    """One HTTP request, ready to send. ``body`` is always whole bytes, so a retry
    sends exactly what the first attempt sent."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None = None
    timeout: Timeout = DEFAULT_TIMEOUT
    stream: bool = False
    # What is left of the call's deadline: transports bound every read by it.
    budget: Optional[TimeBudget] = None

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        stream: bool = False,
        budget: Optional[TimeBudget] = None,
    ) -> None:
        # Frozen, but filled through the instance dict: the generated __init__ calls
        # object.__setattr__ per field (~11k instructions per request, a call's 7%).
        fields = self.__dict__
        fields["method"] = method
        fields["url"] = url
        fields["headers"] = headers
        fields["body"] = body
        fields["timeout"] = timeout
        fields["stream"] = stream
        fields["budget"] = budget

    def __repr__(self) -> str:
        from .redact import mask_agent_keys  # redact imports this module

        size = "none" if self.body is None else f"{len(self.body)} bytes"
        return f"Request({self.method} {mask_agent_keys(self.url)}, body={size})"
