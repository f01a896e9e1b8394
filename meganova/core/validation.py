"""Argument checks shared by every resource: fail before the network, name the argument."""

from __future__ import annotations

import math
from typing import Any, Mapping

from .errors import InvalidArgumentError, InvalidArgumentTypeError

INT64 = 2**63  # JSON numbers on the wire are 64-bit; a larger int cannot be sent


def _type_name(value: object) -> str:
    return type(value).__name__


def require_str(name: str, value: object, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(
            f"{name} must be a string, got {_type_name(value)}", argument=name
        )
    if not allow_empty and not value.strip():
        raise InvalidArgumentError(f"{name} must not be empty", argument=name)
    return value


def optional_str(name: str, value: object) -> str | None:
    return None if value is None else require_str(name, value)


def require_int(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentTypeError(
            f"{name} must be an int, got {_type_name(value)}", argument=name
        )
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{name} must be >= {minimum}, got {value}", argument=name)
    if maximum is not None and value > maximum:
        raise InvalidArgumentError(f"{name} must be <= {maximum}, got {value}", argument=name)
    if not -INT64 <= value < INT64:
        raise InvalidArgumentError(f"{name} is too large to send, got {value}", argument=name)
    return value


def optional_int(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    return None if value is None else require_int(name, value, minimum=minimum, maximum=maximum)


def require_number(
    name: str, value: object, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentTypeError(
            f"{name} must be a number, got {_type_name(value)}", argument=name
        )
    if not math.isfinite(value):
        raise InvalidArgumentError(f"{name} must be finite, got {value!r}", argument=name)
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{name} must be >= {minimum:g}, got {value!r}", argument=name)
    if maximum is not None and value > maximum:
        raise InvalidArgumentError(f"{name} must be <= {maximum:g}, got {value!r}", argument=name)
    return value


def optional_number(
    name: str, value: object, *, minimum: float | None = None, maximum: float | None = None
) -> float | None:
    return None if value is None else require_number(name, value, minimum=minimum, maximum=maximum)


def optional_bool(name: str, value: object) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidArgumentTypeError(
            f"{name} must be True or False, got {_type_name(value)}", argument=name
        )
    return value


def drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """Request fields left as ``None`` are not sent at all."""
    return {key: value for key, value in values.items() if value is not None}


def check_json_value(name: str, value: object, _depth: int = 0) -> None:
    """A pass-through value must survive JSON: NaN and infinities would be sent as
    ``null`` (silently changed), so they are refused, naming the argument."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(f"{name} must be finite, got {value!r}", argument=name)
    elif isinstance(value, Mapping) and _depth < 64:
        for item in value.values():
            check_json_value(name, item, _depth + 1)
    elif isinstance(value, (list, tuple)) and _depth < 64:
        for item in value:
            check_json_value(name, item, _depth + 1)


_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def check_header_value(argument: str, value: str, *, what: str | None = None) -> str:
    """A header value HTTP can carry: Latin-1 text without control characters (tab
    allowed). Checked here so a bad value is an argument error, not a network error."""
    label = what or argument
    if any((c < " " and c != "\t") or c == "\x7f" for c in value):
        raise InvalidArgumentError(
            f"{label} contains a line break or control character", argument=argument
        )
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidArgumentError(
            f"{label} contains characters an HTTP header cannot carry (only Latin-1)",
            argument=argument,
        ) from None
    return value


# Headers that frame the message or manage the connection: the transport writes them.
# A caller's value would disagree with the body sent (a wrong Content-Length leaves the
# rest of the body on a kept-alive connection, read as the next reply) or with the pool.
FRAMING_HEADERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    }
)


def check_header(argument: str, name: object, value: object) -> tuple[str, str]:
    """One header given by the caller (``default_headers``, ``extra_headers``)."""
    if not isinstance(name, str) or not isinstance(value, str):
        raise InvalidArgumentTypeError(f"{argument} must map str to str", argument=argument)
    if not name or not set(name) <= _TOKEN_CHARS:
        raise InvalidArgumentError(
            f"{argument} has an invalid header name {name!r}", argument=argument
        )
    if name.lower() in FRAMING_HEADERS:
        raise InvalidArgumentError(
            f"{argument} may not set {name!r}: the transport writes the message framing "
            "and connection headers itself",
            argument=argument,
        )
    check_header_value(argument, value, what=f"{argument}[{name!r}]")
    return name, value
