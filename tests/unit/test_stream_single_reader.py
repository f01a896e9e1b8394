"""The guideline stream and the wire stream under it share one reader: whichever is
iterated, no event is read twice or lost, and the last item comes after the
connection was released."""

from __future__ import annotations

from tests.unit.test_chat_stream import DONE, USER, body, ev, make


def test_wire_stream_first_then_the_guideline_stream_continues() -> None:
    client, _ = make(body(ev("a"), ev("b"), ev("c", finish="stop"), DONE))
    stream = client.chat.stream(messages=USER, model="m")
    first = next(stream.completion_stream)
    assert first.choices[0].delta.content == "a"
    rest = [(c.delta, c.done) for c in stream]
    assert rest == [("b", False), ("c", False), ("", True)]
    assert stream.get_final_response().choices[0].message.content == "abc"


def test_guideline_stream_then_the_wire_stream_methods() -> None:
    client, _ = make(body(ev("a"), ev("b"), ev("c", finish="stop"), DONE))
    stream = client.chat.stream(messages=USER, model="m")
    assert next(stream).delta == "a"
    assert stream.completion_stream.text == "a"
    final = stream.completion_stream.get_final_response()
    assert final.choices[0].message.content == "abc"
    assert list(stream) == []  # everything was read once, by the one reader


def test_the_done_item_comes_after_the_response_was_released() -> None:
    reply = body(ev("a", finish="stop"), DONE)
    client, _ = make(reply)
    stream = client.chat.stream(messages=USER, model="m")
    items = iter(stream)
    assert next(items).delta == "a"
    last = next(items)
    assert last.done and reply.closed
