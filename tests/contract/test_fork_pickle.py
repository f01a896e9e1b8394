"""Process models: a client made before ``os.fork()`` works in the child (on fresh
connections) and in the parent; a client pickles into a working client (for
multiprocessing and job queues) whose repr never shows the key."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from typing import Any, Dict, List

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeTransport
from meganova.adapters.tenacity_retry import TenacityRetryPolicy
from tests.contract.conftest import transport_instance
from tests.contract.rawserver import RawServer
from tests.helpers import FORKS_WITH_THREADS

KEY = "sk-fork-pickle-0123456789"


def ask(client: MegaNova, text: str) -> str:
    """One plain and one streamed chat; both must echo ``text``."""
    messages = [{"role": "user", "content": text}]
    plain = client.chat.create(messages=messages, model="m").choices[0].message.content
    streamed = "".join(c.delta for c in client.chat.stream(messages=messages, model="m"))
    assert plain == streamed == text, (plain, streamed)
    return text


def connections_of(server: RawServer, marker: str) -> List[int]:
    return [r.connection for r in server.requests if marker.encode() in r.body]


@FORKS_WITH_THREADS
def test_a_client_made_before_fork_works_in_child_and_parent(
    echo_server: RawServer, real_transport: str
) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no os.fork on this platform")
    echo_server.reset_counts()
    client = MegaNova(api_key=KEY, base_url=echo_server.url("/v1"), transport=real_transport)
    try:
        ask(client, "parent-before")  # the pool now holds an open connection
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                for n in range(3):
                    ask(client, f"child-{n}")
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        ask(client, "parent-after")
    finally:
        client.close()
    parent = set(connections_of(echo_server, "parent-"))
    child = set(connections_of(echo_server, "child-"))
    assert len(connections_of(echo_server, "child-")) == 6
    assert parent and child and not parent & child  # the child never used a parent socket
    assert connections_of(echo_server, "parent-after") == connections_of(
        echo_server, "parent-before"
    )


def settings_of(client: MegaNova) -> Dict[str, Any]:
    config = client.config
    return {
        "base_url": config.base_url,
        "timeout": config.timeout,
        "retry": config.retry,
        "region": config.region,
        "headers": config.default_headers,
        "model": config.default_model,
        "transport": type(client.transport).__name__,
    }


def test_a_client_pickles_into_a_working_client(
    echo_server: RawServer, real_transport: str
) -> None:
    client = MegaNova(
        api_key=KEY,
        base_url=echo_server.url("/v1"),
        transport=real_transport,
        timeout=(3, 30),
        max_retries=4,
        region="eu-west",
        default_headers={"X-Team": "a"},
        default_model="m",
    )
    ask(client, "before-pickle")  # a used pool: its sockets must not travel
    clone = client.with_options(timeout=7)
    for original in (client, clone):
        copy = pickle.loads(pickle.dumps(original))
        try:
            assert settings_of(copy) == settings_of(original)
            assert KEY not in repr(copy) and KEY not in str(copy)
            assert KEY not in repr(copy.config)
            assert copy.transport is not original.transport
            assert ask(copy, "after-pickle") == "after-pickle"
        finally:
            copy.close()
    client.close()


def _worker(client: MegaNova, text: str) -> str:
    with client:
        return ask(client, text)


def test_multiprocessing_workers_receive_a_working_client(echo_server: RawServer) -> None:
    client = MegaNova(api_key=KEY, base_url=echo_server.url("/v1"), transport="stdlib")
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: pickling only
    with context.Pool(2) as pool:
        texts = [f"job-{n}" for n in range(4)]
        assert pool.starmap(_worker, [(client, t) for t in texts], chunksize=1) == texts
    client.close()


class CountingPolicy(TenacityRetryPolicy):
    """A user's own retry policy (importable, so picklable)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label


def test_pickling_keeps_the_transport_instance_and_retry_policy_chosen(
    echo_server: RawServer, real_transport: str
) -> None:
    transport = transport_instance(real_transport, verify=False, max_connections=3)
    client = MegaNova(
        api_key=KEY,
        base_url=echo_server.url("/v1"),
        transport=transport,
        retry_policy=CountingPolicy("mine"),
    )
    ask(client, "before-pickle")  # a used pool: its sockets must not travel
    for original in (client, client.with_options(max_retries=1)):
        copy = pickle.loads(pickle.dumps(original))
        try:
            assert type(copy.transport) is type(transport)
            assert copy.transport is not transport
            assert copy.transport._verify is False
            assert copy.transport._max_connections == transport._max_connections
            policy = copy._engine.retry_policy
            assert isinstance(policy, CountingPolicy) and policy.label == "mine"
            assert KEY not in repr(copy)
            assert ask(copy, "after-pickle") == "after-pickle"
        finally:
            copy.close()
    client.close()


def test_an_unpicklable_part_of_the_users_fails_by_name() -> None:
    client = MegaNova(api_key=KEY, transport=FakeTransport(lambda request: None))
    with pytest.raises(pickle.PicklingError, match="its transport FakeTransport"):
        pickle.dumps(client)
    client = MegaNova(api_key=KEY, retry_policy=TenacityRetryPolicy(sleep=lambda s: None))
    with pytest.raises(pickle.PicklingError, match="its retry_policy"):
        pickle.dumps(client)
