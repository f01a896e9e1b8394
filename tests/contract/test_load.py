"""Load: 32 threads x 200 calls (half plain chat, half streamed) on one client against
a local keep-alive server, for each real transport. Zero errors, every answer is the
answer to its own request, the sockets left open afterwards are at most the pool size,
and memory does not grow across repeated runs."""

from __future__ import annotations

import gc
import os
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List

import pytest

from meganova import MegaNova
from tests.contract.rawserver import RawServer

THREADS = 32
CALLS = 200  # per thread
POOL = 10  # the transports' default max_connections


def open_sockets_to(port: int) -> int:
    """ESTABLISHED TCP sockets of this process whose remote end is ``port``."""
    if not os.path.exists("/proc/self/fd") or not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs /proc to count sockets")
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[3] == "01" and fields[9] in inodes:
                    count += 1
    return count


def workload(client: MegaNova, threads: int, calls: int) -> List[BaseException]:
    errors: List[BaseException] = []
    mismatches: List[str] = []

    def work(t: int) -> None:
        for n in range(calls):
            text = f"t{t}-n{n}-" + "x" * (n % 7)
            messages = [{"role": "user", "content": text}]
            try:
                if n % 2:
                    got = "".join(c.delta for c in client.chat.stream(messages=messages, model="m"))
                else:
                    reply = client.chat.create(messages=messages, model="m")
                    got = reply.choices[0].message.content or ""
            except Exception as exc:  # counted, reported below
                errors.append(exc)
                continue
            if got != text:
                mismatches.append(f"{text!r} got {got!r}")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    assert not mismatches, mismatches[:5]
    return errors


def make(server: RawServer, transport: str) -> MegaNova:
    return MegaNova(api_key="sk-test", base_url=server.url("/v1"), transport=transport)


def test_32_threads_x_200_calls_on_one_client(echo_server: RawServer, real_transport: str) -> None:
    echo_server.reset_counts()
    client = make(echo_server, real_transport)
    started = time.monotonic()
    try:
        errors = workload(client, THREADS, CALLS)
        elapsed = time.monotonic() - started
        assert errors == []
        assert len(echo_server.requests) == THREADS * CALLS
        # Every connection beyond the pool was closed; the pool keeps at most POOL.
        deadline = time.monotonic() + 2.0
        while open_sockets_to(echo_server.port) > POOL and time.monotonic() < deadline:
            time.sleep(0.01)
        assert 1 <= open_sockets_to(echo_server.port) <= POOL
        print(
            f"\n{real_transport}: {THREADS * CALLS} calls in {elapsed:.2f}s "
            f"({THREADS * CALLS / elapsed:.0f}/s), {echo_server.connections} connections opened, "
            f"{open_sockets_to(echo_server.port)} open after"
        )
    finally:
        client.close()
    assert open_sockets_to(echo_server.port) == 0  # close() releases them all


def test_memory_does_not_grow_across_runs(echo_server: RawServer, real_transport: str) -> None:
    client = make(echo_server, real_transport)
    try:
        run: Callable[[], Any] = lambda: workload(client, 8, 50)  # noqa: E731
        assert run() == []  # warm up: caches, pools, lazy imports
        gc.collect()
        tracemalloc.start()
        try:
            sizes = []
            for _ in range(3):
                echo_server.reset_counts()  # the echo_server's own log of requests is not ours
                assert run() == []
                gc.collect()
                sizes.append(tracemalloc.get_traced_memory()[0])
        finally:
            tracemalloc.stop()
    finally:
        client.close()
    # 400 calls per run: a leak of even 1 KB per call would show as 400 KB per run.
    growth = sizes[-1] - sizes[0]
    print(f"\n{real_transport}: traced memory after runs {sizes} (growth {growth} bytes)")
    assert growth < 200_000, sizes


def test_threads_do_not_share_a_stream(echo_server: RawServer, real_transport: str) -> None:
    """Many threads each reading their own stream at once, interleaved."""
    client = make(echo_server, real_transport)
    barrier = threading.Barrier(16)
    try:

        def work(t: int) -> str:
            stream = client.chat.stream(messages=[{"role": "user", "content": f"s{t}"}], model="m")
            barrier.wait(5)
            return "".join(c.delta for c in stream)

        with ThreadPoolExecutor(16) as pool:
            assert list(pool.map(work, range(16))) == [f"s{t}" for t in range(16)]
    finally:
        client.close()
