"""A Cloud agent's key lives in the URL path, and never shows anywhere else: not in an
error (str, repr, args, attributes, pickle), a log line of any logger at DEBUG, a
traceback local, a repr, the agent's pickle, a recorded request or the CLI's output.
Checked on every transport, sync and async, against a real local server (500 echoing
the key, 404, a timeout, a cut stream) and a refused connection.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import traceback
from typing import Any, Callable, List

import pytest

from meganova.cloud import AsyncCloudAgent, CloudAgent
from meganova.core.errors import ConfigurationError, MeganovaError
from meganova.testing import Drop, Error, FakeMeganova, VirtualClock
from tests.contract.conftest import frames_holding
from tests.contract.rawserver import (
    SSE_CHUNKED,
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
    json_reply,
    refused_url,
    stall,
)

KEY = "agent_s3cret-Agent-K3y-0123456789abcdef"
ROOT = f"/agents/v1/{KEY}"
TRANSPORTS = ("urllib3", "stdlib", "requests", "aiohttp", "httpx", "threads", "fake")
ASYNC = ("aiohttp", "httpx", "threads")
OPTIONAL = {"requests": "requests", "aiohttp": "aiohttp", "httpx": "httpx"}
USER = [{"role": "user", "content": "Hi"}]


def no_key(text: str) -> None:
    assert KEY not in text
    assert KEY[10:] not in text  # nor a recognisable piece of it


async def aw(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def failure(call: Callable[[], Any]) -> MeganovaError:
    """The error ``call`` raises (streams are read to the end)."""
    try:
        result = await aw(call())
        if hasattr(result, "__aiter__"):
            async for _ in result:
                pass
        elif hasattr(result, "__iter__"):
            for _ in result:
                pass
    except MeganovaError as exc:
        return exc
    raise AssertionError("expected an error")


def chain_of(error: BaseException) -> List[BaseException]:
    """Every exception chained to ``error``, however deep."""
    found: List[BaseException] = []
    todo = [error]
    while todo:
        item = todo.pop()
        for linked in (item.__cause__, item.__context__):
            if linked is not None and linked not in found:
                found.append(linked)
                todo.append(linked)
    return found


def cut_stream(conn: RawConnection, request: RawRequest) -> bool:
    choice = {"index": 0, "delta": {"content": "Hi"}}
    data = {"id": "c", "created": 1, "model": "m", "choices": [choice]}
    conn.send(head(200, SSE_CHUNKED) + chunk(b"data: " + json.dumps(data).encode() + b"\n\n"))
    conn.reset()
    return False


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    return name


def errors_from_every_failure(transport: str) -> List[MeganovaError]:
    """A 500 echoing the key, a 404, a timeout, a cut stream and a refused connection."""
    raw = RawServer()
    release = threading.Event()
    echo = {"error": {"message": f"Agent {KEY} is overloaded", "code": "busy"}}
    raw.on(f"{ROOT}/chat", json_reply(echo, status=500))
    raw.on(f"{ROOT}/info", json_reply({"detail": f"No agent /agents/v1/{KEY}"}, status=404))
    raw.on(f"{ROOT}/chat/confirm", stall(release))
    raw.on(f"{ROOT}/chat/completions", cut_stream)
    fake = FakeMeganova()
    fake.agent_confirm_paths = set()  # both confirmation paths answer 404
    fake.script(
        Error(500, f"Agent {KEY} is overloaded", path="/agent/chat"),
        Error(404, f"No agent /agents/v1/{KEY}", path="/agent/info"),
        Drop(after=1, path="/agent/chat/completions"),
        Error(401, f"Agent key {KEY} was revoked", path="/agent/info"),
    )

    async def main() -> List[MeganovaError]:
        options: dict = {"api_key": KEY, "max_retries": 1, "clock": VirtualClock()}
        if transport == "fake":
            options["max_retries"] = 0  # each scripted error is met once
            agents = [fake.agent(**options), fake.async_agent(**options)]
        else:
            cls = AsyncCloudAgent if transport in ASYNC else CloudAgent
            common = dict(options, transport=transport, proxy=None, timeout=(2.0, 0.2))
            agents = [cls(base_url=raw.url(""), **common), cls(base_url=refused_url(), **common)]
        found: List[MeganovaError] = []
        try:
            agent, other = agents
            found.append(await failure(lambda: agent.chat("ping")))
            found.append(await failure(lambda: agent.info()))
            found.append(await failure(lambda: agent.confirm_tool("appr_1")))
            found.append(await failure(lambda: agent.completions(USER, stream=True)))
            found.append(await failure(lambda: other.info()))
            found.append(await failure(lambda: other.conversation().chat("")))  # bad input
        finally:
            for agent in agents:
                await aw(agent.close())
        return found

    try:
        return asyncio.run(main())
    finally:
        release.set()
        raw.stop()


def test_the_agent_key_never_leaks_from_errors_logs_or_frames(
    transport: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEGANOVA_LOG", "debug")
    caplog.set_level(logging.DEBUG)  # every logger (urllib3, httpx...), every level
    caplog.set_level(logging.DEBUG, logger="meganova")
    errors = errors_from_every_failure(transport)
    assert len(errors) == 6
    if transport != "fake":
        kinds = [type(e).__name__ for e in errors]
        assert kinds[:2] == ["InternalServerError", "NotFoundError"], kinds
        assert kinds[2] == "APITimeoutError" and "Stream" in kinds[3], kinds
        assert "<redacted>" in str(errors[0])  # the echoed key was there, and is masked
    for error in errors:
        # what logger.exception or a crash report prints: the whole chain
        no_key("".join(traceback.format_exception(type(error), error, error.__traceback__)))
        for chained in chain_of(error):  # what tblib pickles, Sentry records
            assert isinstance(chained, MeganovaError), repr(chained)  # no library object
            no_key(repr(chained.args) + repr(vars(chained)))
            assert KEY.encode() not in pickle.dumps(chained)
        no_key(str(error))
        no_key(repr(error))
        no_key(repr(error.args))
        no_key(repr(vars(error)))
        assert KEY.encode() not in pickle.dumps(error)
        assert frames_holding(error, KEY) == []
    text = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info
    )
    no_key(text)
    if transport != "fake":
        ours = [r.getMessage() for r in caplog.records if r.name == "meganova"]
        assert any("/agents/v1/<redacted>/chat" in m for m in ours), ours


def test_reprs_pickles_and_recorded_requests_never_show_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeMeganova()
    agent = fake.agent(api_key=KEY)
    conversation = agent.conversation()
    conversation.chat("Hi")
    request = agent.engine.build_request("POST", agent._core.agent_path + "/chat", json={})
    for thing in (agent, agent.with_options(timeout=3), agent.config, agent.engine, request,
                  conversation, fake.requests, fake.last_request):  # fmt: skip
        no_key(repr(thing))
        no_key(str(thing))
    assert fake.last_request.path == "/agent/chat"

    pickled = pickle.dumps(CloudAgent(api_key=KEY, transport="stdlib"))
    assert KEY.encode() not in pickled and KEY[10:].encode() not in pickled
    monkeypatch.delenv("MEGANOVA_AGENT_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="MEGANOVA_AGENT_KEY"):
        pickle.loads(pickled)
    monkeypatch.setenv("MEGANOVA_AGENT_KEY", "agent_someone-else")
    with pytest.raises(ConfigurationError, match="same agent's key"):
        pickle.loads(pickled)
    monkeypatch.setenv("MEGANOVA_AGENT_KEY", KEY)
    again = pickle.loads(pickled)
    assert again.config.api_key.reveal() == KEY
    again.close()


def test_a_configuration_error_leaves_no_key_in_our_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEGANOVA_AGENT_KEY", KEY)
    for mistake in ({"timeout": -1}, {"base_url": "ftp://nowhere"}, {"max_retries": "x"}):
        with pytest.raises(MeganovaError) as caught:
            CloudAgent(**mistake)
        assert frames_holding(caught.value, KEY) == []
        with pytest.raises(MeganovaError) as caught:
            CloudAgent(api_key=KEY, **mistake)
        assert frames_holding(caught.value, KEY) == []


def test_the_cli_never_prints_the_agent_key() -> None:
    raw = RawServer()
    raw.on(f"{ROOT}/info", json_reply({"detail": f"Agent key {KEY} was revoked"}, status=401))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
        env.update(MEGANOVA_AGENT_KEY=KEY, MEGANOVA_AGENT_BASE_URL=raw.url(""))
        result = subprocess.run(
            [sys.executable, "-m", "meganova", "agent", "info"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        raw.stop()
    assert result.returncode == 1, result.stderr
    assert "revoked" in result.stderr and "<redacted>" in result.stderr
    no_key(result.stdout + result.stderr)
