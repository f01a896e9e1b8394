"""Idempotency keys stay unique when the app seeds ``random`` and across a fork."""

import os
import random
import sys

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from tests.clock import VirtualClock
from tests.helpers import FORKS_WITH_THREADS


def post_key() -> str:
    transport = FakeTransport(replies=[FakeResponse.json({})])
    client = MegaNova(api_key="sk-keys", transport=transport, clock=VirtualClock())
    client.engine.request("POST", "/t", cast_to=dict, json={})
    key: str = transport.requests[0].headers["Idempotency-Key"]
    return key


def test_seeding_the_global_random_does_not_repeat_keys():
    random.seed(42)
    first = post_key()
    random.seed(42)
    second = post_key()
    assert first != second
    assert first.startswith("mn-") and len(first) == 3 + 32


@FORKS_WITH_THREADS
@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork")
def test_a_forked_child_does_not_repeat_its_parents_next_key():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report one key and leave without running pytest's teardown
        try:
            os.write(write, post_key().encode())
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child and child != post_key()
