"""Abandoned streams, on every socket transport: dropped after ``next()``, never
iterated, closed from another thread, left at interpreter exit. None may deadlock
(a finalizer taking a pool lock inside another pool operation did), leak a socket past
collection, or hand a half-read connection back to the pool."""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

import pytest

from meganova import MegaNova
from tests.contract.conftest import transport_instance
from tests.contract.rawserver import (
    LAST_CHUNK,
    SSE_CHUNKED,
    WAIT_LIMIT,
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
)
from tests.helpers import DONE, ROOT, ev, python_env, run_python

HANG_LIMIT = 60.0  # seconds; the loops take a few when nothing hangs
POOL = 4  # max_connections of the clients here


class Server(RawServer):
    """``whole`` in the user's text: a complete stream on a kept-alive connection.
    Otherwise one event, then nothing until the client goes away (an open stream);
    ``ended`` then gets the connection's number."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.ended = threading.Condition()
        self.ended_numbers: List[int] = []
        self.on("/v1/chat/completions", self.open_or_whole)

    def open_or_whole(self, conn: RawConnection, request: RawRequest) -> bool:
        text = str(json.loads(request.body)["messages"][0]["content"])
        if text == "whole":
            body = chunk(ev("a")) + chunk(ev("b", "stop")) + chunk(DONE) + LAST_CHUNK
            return conn.send(head(200, SSE_CHUNKED) + body)
        if not conn.send(head(200, SSE_CHUNKED) + chunk(ev("first "))):
            return False
        conn.sock.settimeout(WAIT_LIMIT)
        try:
            while conn.sock.recv(65536):  # until the client shuts or closes its end
                pass
        except OSError:
            return False
        with self.ended:
            self.ended_numbers.append(conn.number)
            self.ended.notify_all()
        return False

    def wait_ended(self, number: int, seconds: float) -> bool:
        with self.ended:
            return self.ended.wait_for(lambda: number in self.ended_numbers, seconds)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    raw = Server()
    yield raw
    raw.stop()


@pytest.fixture
def client(real_transport: str, server: Server) -> Iterator[MegaNova]:
    client = MegaNova(
        api_key="sk-test",
        base_url=server.url("/v1"),
        transport=transport_instance(real_transport, max_connections=POOL),
        max_retries=0,
        timeout=(5, 20),
    )
    yield client
    if client not in STUCK:
        client.close()


# Clients whose pool lock a deadlocked thread holds: closing them would hang too.
STUCK: List[MegaNova] = []


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def settled_fds(limit: int, seconds: float = 10.0) -> int:
    """The process's open descriptors once they fall to ``limit`` (the server's side
    of a dropped connection closes a moment after the client's), or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        gc.collect()
        count = open_fds()
        if count <= limit or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def run_bounded(
    target: Callable[[], None], seconds: float = HANG_LIMIT, client: Any = None
) -> None:
    """Run ``target`` in a thread; fail (instead of hanging the suite) if it does not
    end in time. A deadlocked thread is a daemon and stays behind, stuck, and its
    ``client`` is never closed."""
    errors: List[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported below
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive() and client is not None:
        STUCK.append(client)
    assert not worker.is_alive(), f"hung for {seconds:.0f}s (deadlock)"
    if errors:
        raise errors[0]


def whole(client: MegaNova) -> str:
    stream = client.chat.stream(messages=[{"role": "user", "content": "whole"}], model="m")
    return "".join(item.delta for item in stream)


def opened(client: MegaNova, surface: str = "openai") -> Any:
    user = [{"role": "user", "content": "open"}]
    if surface == "guideline":
        return client.chat.stream(messages=user, model="m")
    return client.chat.completions.create(messages=user, model="m", stream=True)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts fds in /proc")
def test_a_thousand_dropped_streams_neither_hang_nor_leak(client: MegaNova, server: Server) -> None:
    assert whole(client) == "ab"
    before = settled_fds(0, seconds=0)

    def drop_many() -> None:
        for i in range(1000):
            stream = opened(client, "guideline" if i % 2 else "openai")
            next(stream)
            del stream  # no close(): refcounting alone must let the socket go

    run_bounded(drop_many, client=client)
    # Every dropped connection is gone, none came back to the pool half-read: the
    # client still works, on a fresh connection or a clean pooled one.
    assert whole(client) == "ab"
    after = settled_fds(before + 2)
    assert after <= before + 2, f"{after - before} more descriptors after 1000 dropped streams"


@pytest.mark.parametrize("surface", ["openai", "guideline"])
def test_a_dropped_stream_shuts_its_socket_at_once(
    client: MegaNova, server: Server, surface: str
) -> None:
    """Without a collection: the last reference going is enough (no reference cycle
    leaves it to the collector)."""
    gc.disable()
    try:
        server.reset_counts()
        stream = opened(client, surface)
        next(stream)
        del stream
        assert server.wait_ended(1, 5.0), "the dropped stream's socket is still open"
        # The dropped connection was never pooled: the next request opens another.
        assert whole(client) == "ab"
        assert [r.connection for r in server.requests] == [1, 2]
    finally:
        gc.enable()


# The pool's lock held while the collector runs (as inside urllib3's _get_conn). Run in a
# fresh interpreter: a finalizer that deadlocks on the lock leaves it held for good, and
# the interpreter would then hang at exit closing that pool; the child exits at once.
_COLLECT_HOLDING_THE_POOL_LOCK = """
import gc, os, sys, threading
from meganova import MegaNova

url, name, surface, pool = sys.argv[1:5]
transport = name
if pool == "users" and name == "urllib3":
    import urllib3
    from meganova.adapters.urllib3_transport import Urllib3Transport
    transport = Urllib3Transport(pool_manager=urllib3.PoolManager(maxsize=4))
elif pool == "users":
    import requests
    from meganova.adapters.requests_transport import RequestsTransport
    transport = RequestsTransport(session=requests.Session())
client = MegaNova(api_key="sk-test", base_url=url, transport=transport, max_retries=0,
                  timeout=(5, 20))
user = [{"role": "user", "content": "open"}]
if surface == "guideline":
    stream = client.chat.stream(messages=user, model="m")
else:
    stream = client.chat.completions.create(messages=user, model="m", stream=True)
next(stream)
cycle = [stream]
cycle.append(cycle)                  # only the collector frees it
del stream, cycle
transport = client.transport
target = url + "/chat/completions"
session = getattr(transport, "_session", None)
if session is not None:              # requests: urllib3 pools under its HTTP adapter
    lock = session.get_adapter(target).poolmanager.connection_from_url(target).pool.mutex
elif getattr(transport, "_pool", None) is not None:   # urllib3: the pool's queue lock
    lock = transport._pool.connection_from_url(target).pool.mutex
else:                                # stdlib: the idle list's lock
    lock = transport._lock
done = threading.Event()
def collect_holding_the_lock():
    with lock:
        gc.collect()
    done.set()
threading.Thread(target=collect_holding_the_lock, daemon=True).start()
if not done.wait(10.0):
    print("deadlocked: the collector's finalizer waits for the pool lock", flush=True)
    os._exit(3)
stream = client.chat.stream(messages=[{"role": "user", "content": "whole"}], model="m")
print("whole:" + "".join(item.delta for item in stream), flush=True)
client.close()
"""


@pytest.mark.parametrize("pool", ["ours", "users"])
@pytest.mark.parametrize("surface", ["openai", "guideline"])
def test_a_collection_inside_a_pool_operation_takes_no_pool_lock(
    real_transport: str, server: Server, surface: str, pool: str
) -> None:
    """A stream in a reference cycle is finalized by the collector, at any moment:
    here, while a thread holds the pool's lock (as inside urllib3's _get_conn).
    Finalizing it must only shut its socket: re-taking that lock deadlocked. The same
    with a pool manager or session of the user's."""
    if pool == "users" and real_transport == "stdlib":
        pytest.skip("the stdlib transport has no pool of the user's")
    server.reset_counts()
    result = subprocess.run(
        [sys.executable, "-c", _COLLECT_HOLDING_THE_POOL_LOCK, server.url("/v1"), real_transport,
         surface, pool],
        capture_output=True, text=True, timeout=HANG_LIMIT, env=python_env(), cwd=ROOT,
    )  # fmt: skip
    assert "deadlocked" not in result.stdout, result.stdout
    assert result.returncode == 0, result.stderr
    assert "whole:ab" in result.stdout
    assert server.wait_ended(1, 5.0), "the collected stream's socket is still open"


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts fds in /proc")
def test_64_threads_dropping_closing_and_finishing_streams(
    client: MegaNova, server: Server
) -> None:
    assert whole(client) == "ab"
    before = settled_fds(0, seconds=0)
    stop_at = time.monotonic() + 3.0
    counts: Dict[str, int] = {"dropped": 0, "closed": 0, "whole": 0}
    lock = threading.Lock()

    errors: List[BaseException] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            while time.monotonic() < stop_at:
                kind = rng.choice(("dropped", "closed", "whole"))
                if kind == "whole":
                    assert whole(client) == "ab"
                else:
                    stream = opened(client, rng.choice(("openai", "guideline")))
                    next(stream)
                    if kind == "closed":
                        closer = threading.Thread(target=stream.close)
                        closer.start()
                        closer.join(HANG_LIMIT)
                        assert list(stream) == []  # closed: the loop just ends
                    del stream
                with lock:
                    counts[kind] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in range(64)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + HANG_LIMIT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        STUCK.append(client)
        pytest.fail(f"threads hung for {HANG_LIMIT:.0f}s (deadlock)")
    if errors:
        raise errors[0]
    assert all(counts.values()), counts
    assert whole(client) == "ab"
    after = settled_fds(before + 2 * POOL)
    assert after <= before + 2 * POOL, f"{after - before} more descriptors ({counts})"


_AT_EXIT = """
import gc, sys, threading
from meganova import MegaNova

client = MegaNova(api_key="sk-test", base_url=sys.argv[1], transport=sys.argv[2],
                  max_retries=0, timeout=(5, 20))
user = [{"role": "user", "content": "open"}]
kept = []
for i in range(20):
    stream = client.chat.completions.create(messages=user, model="m", stream=True)
    next(stream)
    if i % 3 == 0:
        kept.append(stream)          # alive at exit
    elif i % 3 == 1:
        box = [stream]
        box.append(box)              # in a cycle: only the collector frees it
    del stream
reader = client.chat.stream(messages=user, model="m")
started = threading.Event()
def read():
    for _ in reader:
        started.set()                # then blocks reading, until exit
threading.Thread(target=read, daemon=True).start()
started.wait(5)
gc.disable()                         # the collector runs at exit, at any moment
print("exiting", flush=True)
"""


def test_streams_left_at_interpreter_exit(real_transport: str, server: Server) -> None:
    started = time.monotonic()
    result = run_python(_AT_EXIT, server.url("/v1"), real_transport)
    assert "exiting" in result.stdout
    assert time.monotonic() - started < 30
    assert "Exception ignored" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("surface", ["openai", "guideline"])
def test_iter_returns_the_stream_and_islice_leaves_the_rest(
    real_transport: str, raw_whole_server: Server, surface: str
) -> None:
    client = MegaNova(
        api_key="sk-test",
        base_url=raw_whole_server.url("/v1"),
        transport=real_transport,
        max_retries=0,
    )
    try:
        import itertools

        user = [{"role": "user", "content": "x"}]
        if surface == "openai":
            stream: Any = client.chat.completions.create(messages=user, model="m", stream=True)

            def text(items: Any) -> List[str]:
                return [c.choices[0].delta.content if c.choices else "" for c in items]
        else:
            stream = client.chat.stream(messages=user, model="m")

            def text(items: Any) -> List[str]:
                return [c.delta for c in items]

        assert iter(stream) is stream
        first = text([next(iter(stream))])
        middle = text(itertools.islice(stream, 3))
        rest = text(stream)
        expected = [str(i) for i in range(10)] + ([""] if surface == "guideline" else [])
        assert first + middle + rest == expected
        assert list(stream) == []
    finally:
        client.close()


@pytest.fixture(scope="module")
def raw_whole_server() -> Iterator[RawServer]:
    raw = RawServer()

    def ten(conn: RawConnection, request: RawRequest) -> bool:
        events = [ev(str(i), "stop" if i == 9 else None) for i in range(10)]
        body = b"".join(chunk(e) for e in events) + chunk(DONE) + LAST_CHUNK
        return conn.send(head(200, SSE_CHUNKED) + body)

    raw.on("/v1/chat/completions", ten)
    yield raw
    raw.stop()
