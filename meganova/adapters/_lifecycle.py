"""What every socket transport does about its own life: its options checked at
construction, pickled as those options, and no socket shared across a fork."""

from __future__ import annotations

import os
from typing import Any

from ..core.errors import InvalidArgumentError, InvalidArgumentTypeError


class PidGuard:
    """Tells whether the process forked since the last check, so a child never
    reuses sockets it inherited from its parent."""

    __slots__ = ("pid",)

    def __init__(self) -> None:
        self.pid = os.getpid()

    def forked(self) -> bool:
        pid = os.getpid()
        if pid == self.pid:
            return False
        self.pid = pid
        return True


def rebuild(cls: Any, options: dict[str, Any]) -> Any:
    """Unpickles a transport: a fresh instance with the options it was made with."""
    return cls(**options)


def check_options(verify: object, max_connections: object) -> None:
    if not isinstance(verify, (bool, str)):
        raise InvalidArgumentTypeError(
            "verify must be True, False or a CA bundle path", argument="verify"
        )
    if isinstance(verify, str) and not os.path.exists(verify):
        raise InvalidArgumentError(
            f"verify: no CA bundle at {verify!r} (pass True, False or an existing path)",
            argument="verify",
        )
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise InvalidArgumentTypeError("max_connections must be an int", argument="max_connections")
    if max_connections < 1:
        raise InvalidArgumentTypeError("max_connections must be >= 1", argument="max_connections")
