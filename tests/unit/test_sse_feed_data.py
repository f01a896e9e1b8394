"""``SSEDecoder.feed_data`` (the streams' hot path) gives exactly what ``feed`` gives,
however the bytes are split, whatever the stream holds."""

from __future__ import annotations

from typing import List, Tuple

from hypothesis import given
from hypothesis import strategies as st

from meganova.core.sse import ServerSentEvent, SSEDecoder

line = st.one_of(
    st.builds(lambda v: b"data: " + v, st.binary(max_size=12).filter(lambda b: b"\n" not in b)),
    st.sampled_from([b"", b": keep-alive", b"event: ping", b"event: error", b"id: 7", b"retry: 5"]),
    st.sampled_from([b"data:x", b"data", b"data: [DONE]"]),
)
ending = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def streams(draw: st.DrawFn) -> Tuple[bytes, List[int]]:
    simple = draw(st.booleans())  # mostly the chat shape, sometimes anything
    if simple:
        payloads = draw(
            st.lists(
                st.binary(max_size=20).filter(lambda b: b"\n" not in b and b"\r" not in b),
                max_size=10,
            )
        )
        wire = b"".join(b"data: " + p + b"\n\n" for p in payloads)
    else:
        lines = draw(st.lists(st.tuples(line, ending), max_size=12))
        wire = b"".join(text + end for text, end in lines)
    cuts = draw(st.lists(st.integers(min_value=0, max_value=max(len(wire), 1)), max_size=8))
    return wire, sorted(set(cuts))


def pieces(wire: bytes, cuts: List[int]) -> List[bytes]:
    out, start = [], 0
    for cut in [*cuts, len(wire)]:
        out.append(wire[start:cut])
        start = cut
    return out


def view(item: object, last_id: object) -> tuple:
    if isinstance(item, bytes):
        return (item, "message", last_id, None)
    assert isinstance(item, ServerSentEvent)
    return (item.raw, item.event, item.id, item.retry)


@given(streams())
def test_feed_data_matches_feed(case: Tuple[bytes, List[int]]) -> None:
    wire, cuts = case
    plain, fast = SSEDecoder(), SSEDecoder()
    for piece in pieces(wire, cuts):
        expected = [view(e, None) for e in plain.feed(piece)]
        got = [view(e, fast.last_event_id) for e in fast.feed_data(piece)]
        assert got == expected
    assert (plain.last_event_id, plain.retry, plain.comments) == (
        fast.last_event_id,
        fast.retry,
        fast.comments,
    )
