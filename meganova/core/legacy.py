"""0.4.0 call shapes that still work: translated to today's call, with a warning.

A decorated function keeps its own signature for type checkers (``F -> F``), so new
code is checked against today's API; at run time the old shape is mapped, and the
``DeprecationWarning`` says what to write instead.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, Mapping, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

MIGRATING_URL = "https://github.com/MeganovaAI/meganova-python/blob/main/MIGRATING.md"


def deprecated(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` (a 0.4.0 form) is now written ``new``."""
    warnings.warn(
        f"{old} is the meganova 0.4.0 form; write {new} (see MIGRATING.md)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def legacy_call(
    *,
    positional: tuple[str, ...] = (),
    after: int = 0,
    renamed: Mapping[str, str] | None = None,
    old: str,
    new: str,
) -> Callable[[F], F]:
    """Accept a 0.4.0 call shape on a method.

    ``positional``: names of the parameters 0.4.0 took by position after the first
    ``after`` ones that are still positional (the ``self`` argument not counted).
    ``renamed``: 0.4.0 keyword -> today's keyword. Either triggers one warning.
    """
    renames = dict(renamed or {})

    def decorate(func: F) -> F:
        limit = after + len(positional)

        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                legacy = False
                if len(args) > after:
                    if len(args) > limit:
                        # as Python would say it for the 0.4.0 signature
                        raise TypeError(
                            f"{func.__qualname__}() takes at most {limit} positional "
                            f"arguments ({len(args)} given)"
                        )
                    for name, value in zip(positional, args[after:]):
                        if name in kwargs:
                            raise TypeError(
                                f"{func.__qualname__}() got multiple values for argument {name!r}"
                            )
                        kwargs[name] = value
                    args = args[:after]
                    legacy = True
                for old_name, new_name in renames.items():
                    if old_name in kwargs:
                        if new_name in kwargs:
                            raise TypeError(
                                f"{func.__qualname__}() got both {old_name!r} (0.4.0) and "
                                f"{new_name!r}; pass {new_name!r} only"
                            )
                        kwargs[new_name] = kwargs.pop(old_name)
                        legacy = True
                if legacy:
                    deprecated(old, new)
                return func(self, *args, **kwargs)
            except BaseException:
                # An error report records each frame's locals: never the caller's
                # arguments (an API key among them).
                del args, kwargs
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


def legacy_redirect(*, keyword: str, method: str, old: str, new: str) -> Callable[[F], F]:
    """A call that passes ``keyword`` is the 0.4.0 method now named ``method``: it is
    forwarded there (same arguments), with a warning."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                if keyword in kwargs and not args:
                    deprecated(old, new)
                    return getattr(self, method)(**kwargs)
                return func(self, *args, **kwargs)
            except BaseException:
                del args, kwargs  # as in legacy_call: no caller argument in a report
                raise

        return wrapper  # type: ignore[return-value]

    return decorate
