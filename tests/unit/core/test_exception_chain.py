"""Walking an exception chain (core/exception_chain.py): every link once, cycles and
long chains bounded, arguments on request, cleared links not followed, finished frames'
locals cleared."""

from __future__ import annotations

from meganova.core.exception_chain import clear_finished_frames, exception_chain


def _raised(exc: BaseException) -> BaseException:
    secret = "sk-in-a-local"  # noqa: F841 - the local the clearing must drop
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_causes_and_contexts_are_each_visited_once() -> None:
    root = ValueError("root")
    cause = KeyError("cause")
    context = OSError("context")
    root.__cause__ = cause
    root.__context__ = context
    cause.__context__ = context  # a diamond: context reached twice
    assert list(exception_chain(root)) == [root, context, cause]


def test_a_cycle_ends_and_a_long_chain_is_cut_at_the_limit() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    assert list(exception_chain(a)) == [a, b]
    long = [ValueError(str(n)) for n in range(100)]
    for first, second in zip(long, long[1:]):
        first.__cause__ = second
    assert len(list(exception_chain(long[0], limit=10))) == 10


def test_arguments_are_followed_only_when_asked() -> None:
    inner = ConnectionResetError("inner")
    outer = RuntimeError("wrapped", inner)  # urllib3's wrappers carry the cause as an arg
    assert list(exception_chain(outer)) == [outer]
    assert list(exception_chain(outer, args=True)) == [outer, inner]


def test_a_link_cleared_during_the_walk_is_not_followed() -> None:
    root, library = ValueError("ours"), OSError("library")
    root.__cause__ = library
    seen = []
    for item in exception_chain(root):
        seen.append(item)
        item.__cause__ = None
    assert seen == [root]


def test_finished_frames_along_the_chain_lose_their_locals() -> None:
    cause = _raised(OSError("cause"))
    error = _raised(ValueError("error"))
    error.__cause__ = cause
    frames = [item.__traceback__.tb_frame for item in (error, cause) if item.__traceback__]
    assert all("secret" in frame.f_locals for frame in frames)
    clear_finished_frames(error)
    assert not any("secret" in frame.f_locals for frame in frames)
