"""The SSE decoder follows the WHATWG event-stream rules, whatever the chunking."""

from __future__ import annotations

import re
import time
import tracemalloc
from typing import Callable, List, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.core.errors import MeganovaError, StreamEventTooLargeError
from meganova.core.sse import ServerSentEvent, SSEDecoder

Event = Tuple[str, str, Optional[str], Optional[int]]  # (data, event, id, retry)


def decode(*chunks: bytes, decoder: Optional[SSEDecoder] = None) -> List[Event]:
    decoder = decoder or SSEDecoder()
    events: List[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.close()
    return [(e.data, e.event, e.id, e.retry) for e in events]


def whatwg(stream: bytes) -> Tuple[List[Event], Optional[str], Optional[int]]:
    """The spec's algorithm, written the slow and obvious way, line by line: the
    events, then the last event ID string and the reconnection time at the end."""
    text = stream.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = re.split(r"\r\n|\r|\n", text)[:-1]  # the last piece never ended
    events: List[Event] = []
    data, kind, id_buffer, retry = "", "", None, None
    last_id: Optional[str] = None  # the last event ID string
    reconnection: Optional[int] = None
    for line in lines:
        if line == "":
            last_id = id_buffer  # dispatch step 1, even when nothing is dispatched
            if data:
                events.append((data[:-1], kind or "message", last_id, retry))
            data, kind, retry = "", "", None
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data += value + "\n"
        elif name == "event":
            kind = value
        elif name == "id" and "\0" not in value:
            id_buffer = value
        elif name == "retry" and value and all("0" <= c <= "9" for c in value):
            retry = reconnection = int(value)
    return events, last_id, reconnection


def reference(stream: bytes) -> List[Event]:
    return whatwg(stream)[0]


# -- WHATWG cases ---------------------------------------------------------------------


@pytest.mark.parametrize("end", [b"\n", b"\r", b"\r\n"])
def test_every_line_ending(end: bytes) -> None:
    stream = b"data: a" + end + b"data: b" + end + end + b"data: c" + end + end
    assert decode(stream) == [("a\nb", "message", None, None), ("c", "message", None, None)]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert decode(b"data: a\r", b"\n\r", b"\n") == [("a", "message", None, None)]
    assert decode(b"data: a\r", b"\n", b"\r\n") == [("a", "message", None, None)]


def test_a_lone_cr_then_data_is_two_lines() -> None:
    assert decode(b"data: a\r", b"data: b\r\r") == [("a\nb", "message", None, None)]


def test_multi_line_data_is_joined_with_lf() -> None:
    assert decode(b"data: one\ndata: two\ndata:\ndata: four\n\n") == [
        ("one\ntwo\n\nfour", "message", None, None)
    ]


def test_field_without_space_and_with_two_spaces() -> None:
    assert decode(b"data:x\n\ndata:  y\n\n") == [
        ("x", "message", None, None),
        (" y", "message", None, None),
    ]


def test_data_without_colon_is_an_empty_data_line() -> None:
    assert decode(b"data\n\n") == [("", "message", None, None)]
    assert decode(b"data\ndata\n\n") == [("\n", "message", None, None)]


def test_event_id_and_retry_fields() -> None:
    stream = b"event: delta\nid: 7\nretry: 1500\ndata: a\n\ndata: b\n\n"
    assert decode(stream) == [("a", "delta", "7", 1500), ("b", "message", "7", None)]


def test_id_with_nul_is_ignored_and_empty_id_resets() -> None:
    assert decode(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\nid\ndata: c\n\n") == [
        ("a", "message", "1", None),
        ("b", "message", "1", None),
        ("c", "message", "", None),
    ]


def test_retry_that_is_not_all_digits_is_ignored() -> None:
    decoder = SSEDecoder()
    assert decode(b"retry: 12a\nretry: -5\nretry:\ndata: a\n\n", decoder=decoder) == [
        ("a", "message", None, None)
    ]
    assert decoder.retry is None


def test_comments_are_ignored_and_counted() -> None:
    decoder = SSEDecoder()
    assert decode(b": keep-alive\n:\n\ndata: a\n: inside\n\n", decoder=decoder) == [
        ("a", "message", None, None)
    ]
    assert decoder.comments == 3


def test_unknown_fields_are_ignored() -> None:
    assert decode(b"foo: bar\nDATA: x\ndata: a\n\n") == [("a", "message", None, None)]


def test_an_id_after_an_event_in_the_same_read_is_not_stamped_on_it() -> None:
    # The fast path used to read last_event_id after the rest of the read was parsed.
    wire = b"data: a\n\nid: 5\n"
    decoder = SSEDecoder()
    decoder.feed(b"data: 0\n\n")  # past the start (where a BOM may be)
    assert [(e.raw, e.id) for e in decoder.feed(wire)] == [(b"a", None)]
    assert decoder.last_event_id is None
    fast = SSEDecoder()
    fast.feed_data(b"data: 0\n\n")
    assert list(fast.feed_data(wire)) == [b"a"]
    assert fast.last_event_id is None  # the id of the bytes item above
    assert [(e.raw, e.id) for e in fast.feed(b"data: b\n\n")] == [(b"b", "5")]
    assert fast.last_event_id == "5"


def test_an_event_cut_off_by_the_end_does_not_commit_its_id() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n")
    assert decoder.last_event_id == "1"
    decoder.close()
    assert decoder.last_event_id == "1"
    bare = SSEDecoder()
    bare.feed(b"data: a\n\nid: 9\n")
    bare.close()
    assert bare.last_event_id is None


def test_events_without_data_are_not_dispatched_but_update_state() -> None:
    decoder = SSEDecoder()
    assert decode(
        b"event: ping\n\nretry: 3000\n\nid: 9\n\nevent: x\ndata: y\n\n", decoder=decoder
    ) == [("y", "x", "9", None)]
    assert decoder.retry == 3000
    assert decoder.last_event_id == "9"


def test_event_type_resets_after_each_event() -> None:
    assert decode(b"event: a\n\ndata: b\n\n") == [("b", "message", None, None)]


def test_an_unfinished_event_at_the_end_is_dropped() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") != []
    assert decoder.pending
    assert decoder.close() == []
    assert not decoder.pending


def test_utf8_character_split_across_chunks() -> None:
    text = "naïve 🌃 city"
    raw = b"data: " + text.encode() + b"\n\n"
    cut = raw.index("🌃".encode()) + 2
    assert decode(raw[:cut], raw[cut:]) == [(text, "message", None, None)]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode(b"data: \xff\n\n") == [("\ufffd", "message", None, None)]


def test_leading_bom_is_stripped_once_even_when_split() -> None:
    assert decode(b"\xef\xbb", b"\xbfdata: a\n\n") == [("a", "message", None, None)]
    bom_twice = b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n"
    assert decode(bom_twice) == reference(bom_twice)


def test_raw_keeps_the_bytes() -> None:
    (event,) = SSEDecoder().feed(b'data: {"a":1}\n\n')
    assert event.raw == b'{"a":1}'
    assert event == ServerSentEvent(b'{"a":1}')


# -- limits and cost ------------------------------------------------------------------


def test_an_oversized_line_raises_a_typed_error() -> None:
    decoder = SSEDecoder(max_event_size=100)
    decoder.feed(b"data: " + b"x" * 60)
    with pytest.raises(StreamEventTooLargeError) as info:
        decoder.feed(b"x" * 60)
    assert isinstance(info.value, MeganovaError)


def test_an_oversized_multi_line_event_raises() -> None:
    decoder = SSEDecoder(max_event_size=100)
    with pytest.raises(StreamEventTooLargeError):
        decoder.feed(b"data: " + b"y" * 40 + b"\n" + (b"data: " + b"y" * 40 + b"\n") * 2)


def test_events_under_the_limit_pass_one_after_another() -> None:
    decoder = SSEDecoder(max_event_size=100)
    for _ in range(50):
        assert len(decoder.feed(b"data: " + b"z" * 90 + b"\n\n")) == 1


def peak_while(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_cap_counts_memory_held_not_payload_many_short_lines() -> None:
    # One event of two-byte data lines: a list of lines held ~15x the cap (now under 1.5x).
    cap = 1 << 20
    block = b"data:ab\n" * 8192

    def run() -> None:
        decoder = SSEDecoder(max_event_size=cap)
        with pytest.raises(StreamEventTooLargeError):
            for _ in range(10_000):
                decoder.feed(block)

    assert peak_while(run) < 2 * cap


def test_the_cap_counts_memory_held_for_a_line_in_tiny_pieces() -> None:
    # A line dripping in two-byte reads: a list of pieces held ~4x the cap (now under 1.2x).
    cap = 256 * 1024

    def run() -> None:
        decoder = SSEDecoder(max_event_size=cap)
        decoder.feed(b"data: ")
        with pytest.raises(StreamEventTooLargeError):
            for _ in range(cap):
                decoder.feed(b"ab")

    assert peak_while(run) < 2 * cap


def test_a_long_line_in_small_chunks_takes_linear_time() -> None:
    # Quadratic re-copying would move ~5 GB here; linear work is a few megabytes.
    payload = b"data: " + b"q" * 400_000 + b"\n\n"
    decoder = SSEDecoder()
    started = time.perf_counter()
    events = []
    for i in range(0, len(payload), 16):
        events += decoder.feed(payload[i : i + 16])
    assert time.perf_counter() - started < 2.0
    assert len(events) == 1
    assert len(events[0].raw) == 400_000


# -- properties -----------------------------------------------------------------------

value_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
    max_size=12,
)
field_line = st.one_of(
    st.builds(lambda v: "data: " + v, value_text),
    st.builds(lambda v: "data:" + v, value_text),
    st.just("data"),
    st.builds(lambda v: "event: " + v, value_text),
    st.builds(lambda v: "id: " + v, value_text),
    st.builds(lambda n: f"retry: {n}", st.integers(0, 10**6)),
    st.builds(lambda v: "retry: " + v, value_text),
    st.builds(lambda v: ":" + v, value_text),
    st.builds(lambda v: "x-" + v, value_text),
    st.just(""),
    st.just(""),  # blank lines twice as often: more events end
)
endings = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def event_streams(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(field_line, endings), max_size=30))
    out: List[str] = []
    previous = ""
    for line, end in lines:
        if previous == "\r" and line == "" and end == "\n":
            end = "\r"  # "\r" + "\n" would be one CRLF, not two line ends
        out.append(line + end)
        previous = end
    if draw(st.booleans()):
        out.append("data: tail\n\n")
    prefix = "\ufeff" if draw(st.booleans()) else ""
    return (prefix + "".join(out)).encode("utf-8")


@given(event_streams())
def test_matches_the_spec_algorithm(stream: bytes) -> None:
    assert decode(stream) == reference(stream)


@given(event_streams(), st.data())
def test_any_split_gives_the_same_events(stream: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    assert decode(*pieces) == decode(stream)


def split(stream: bytes, cuts: List[int]) -> List[bytes]:
    cuts = sorted(cuts)
    return [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]


@given(event_streams(), st.data())
def test_any_split_equals_the_whatwg_algorithm(stream: bytes, data: st.DataObject) -> None:
    """Events, their ids, the committed last event id and retry, at every split; also
    through ``feed_data``, whose bare payloads carry ``last_event_id`` as it stands."""
    pieces = split(stream, data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    events, last_id, retry = whatwg(stream)
    plain, fast = SSEDecoder(), SSEDecoder()
    got: List[Event] = []
    got_fast: List[Event] = []
    for piece in pieces:
        got += [(e.data, e.event, e.id, e.retry) for e in plain.feed(piece)]
        for item in fast.feed_data(piece):
            if isinstance(item, bytes):
                item = ServerSentEvent(item, "message", fast.last_event_id)
            got_fast.append((item.data, item.event, item.id, item.retry))
    plain.close()
    fast.close()
    assert got == events
    assert got_fast == events
    assert (plain.last_event_id, plain.retry) == (last_id, retry)
    assert (fast.last_event_id, fast.retry) == (last_id, retry)


@given(event_streams())
def test_byte_by_byte_gives_the_same_events(stream: bytes) -> None:
    assert decode(*[stream[i : i + 1] for i in range(len(stream))]) == decode(stream)


@given(event_streams())
def test_one_event_per_chunk_gives_the_same_events(stream: bytes) -> None:
    # Exercises the decoder's fast path for chunks holding exactly one event.
    pieces = [p + b"\n\n" for p in stream.split(b"\n\n")]
    pieces[-1] = pieces[-1][:-2]
    assert decode(*pieces) == decode(stream)


# -- any bytes, any limit: events or the typed error ------------------------------------


@given(body=st.binary(max_size=256), cuts=st.lists(st.integers(0, 256), max_size=8),
       limit=st.sampled_from([None, 1, 8, 64]))  # fmt: skip
def test_sse_decoder_on_arbitrary_bytes(body: bytes, cuts: List[int], limit: Optional[int]) -> None:
    decoder = SSEDecoder(max_event_size=limit)
    bounds = [0, *sorted(cuts), len(body)]
    events = []
    try:
        for a, b in zip(bounds, bounds[1:]):
            events += decoder.feed(body[a:b])
        events += decoder.close()
    except StreamEventTooLargeError as exc:
        assert isinstance(exc, MeganovaError)
        assert limit is not None
        return
    for event in events:
        assert isinstance(event.data, str) and isinstance(event.event, str)
        assert isinstance(event.raw, bytes)
        if limit is not None:
            assert len(event.raw) <= limit


# -- feed_data (the streams' hot path) gives exactly what feed gives ---------------------


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
