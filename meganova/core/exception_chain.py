"""Walking an exception's chain (its causes and contexts), bounded: what the error
translators look through and what secret scrubbing clears."""

from __future__ import annotations

import traceback
from typing import Iterator, List


def exception_chain(
    error: BaseException, *, limit: int = 64, args: bool = False
) -> Iterator[BaseException]:
    """``error``, then the exceptions it links to (``__cause__`` and ``__context__``;
    with ``args``, also the exceptions among its arguments, as urllib3 wraps them),
    each once and at most ``limit`` of them (chains can be cyclic or huge). Links are
    read after the caller's turn at an exception, so a link it clears is not followed."""
    seen: set[int] = set()
    todo: List[BaseException] = [error]
    while todo and len(seen) < limit:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if args:
            todo.extend(a for a in item.args if isinstance(a, BaseException))
        todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)


def clear_finished_frames(error: BaseException, *, limit: int = 64) -> None:
    """Clear the local variables of the finished frames along ``error``'s traceback and
    chain (error reporters record locals); frames still running are left alone."""
    for item in exception_chain(error, limit=limit):
        traceback.clear_frames(item.__traceback__)
