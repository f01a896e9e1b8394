"""Cancelling a stream from another thread (a web backend whose own client left): the
reader is blocked on a stalled socket, ``close()`` must return at once, discard the
connection and end the reader's loop, on both real transports."""

from __future__ import annotations

import threading
import time
from typing import Any, Iterator, List

import pytest

from meganova import MegaNova
from meganova.errors import IncompleteStreamError
from tests.contract.rawserver import RawConnection, RawServer, chat_echo, sse_events
from tests.helpers import USER, ev

PROMPT = 0.5  # seconds: an upper bound, far below the 20 s read timeout


@pytest.fixture(scope="module")
def stalling() -> Iterator[RawServer]:
    server = RawServer()
    release = threading.Event()

    def hold(conn: RawConnection) -> bool:
        release.wait(10)
        return False

    server.on("/v1/chat/completions", sse_events([ev("Hel")], hold))
    server.on("/v1/echo/chat/completions", chat_echo)
    yield server
    release.set()
    server.stop()


@pytest.mark.parametrize("surface", ["guideline", "openai"])
def test_close_from_another_thread_interrupts_a_stalled_read(
    stalling: RawServer, real_transport: str, surface: str
) -> None:
    transport = real_transport
    stalling.reset_counts()
    client = MegaNova(
        api_key="sk-test",
        base_url=stalling.url("/v1"),
        transport=transport,
        timeout=(1, 20),
        max_retries=0,
    )
    if surface == "guideline":
        stream: Any = client.chat.stream(messages=USER, model="m")
    else:
        stream = client.chat.completions.create(messages=USER, model="m", stream=True)
    first = threading.Event()
    got: List[Any] = []
    outcome: List[BaseException] = []

    def read() -> None:
        try:
            for item in stream:
                got.append(item)
                first.set()
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert first.wait(5), "the first event never arrived"
        started = time.monotonic()
        stream.close()
        closed_in = time.monotonic() - started
        reader.join(PROMPT)
        ended_in = time.monotonic() - started
        assert closed_in < PROMPT, f"close() took {closed_in:.2f}s"
        assert not reader.is_alive(), f"the reader still runs after {ended_in:.2f}s"
        # The chosen outcome: the reader's loop simply ends, nothing raised.
        assert outcome == []
        assert len(got) == 1
        # The stream tells the truth afterwards: it was closed before it finished.
        with pytest.raises(IncompleteStreamError, match="closed"):
            stream.get_final_response()
        # The cut connection was never pooled: the next call opens a new one.
        echo = client.with_options(base_url=stalling.url("/v1/echo"))
        reply = echo.chat.completions.create(messages=USER, model="m")
        assert reply.choices[0].message.content == USER[0]["content"]
        assert stalling.connections == 2
    finally:
        stream.close()
        client.close()
        reader.join(5)
