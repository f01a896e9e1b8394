"""``meganova agent info|chat``: as a user runs it (a subprocess, a pseudo-terminal),
offline against the demo agent and online against a real local server; the interactive
session keeps one conversation across lines and asks before a tool runs."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from typing import Any, Dict, Iterator, List

import pytest

from meganova.cli.agent import AgentSession
from meganova.testing import FakeMeganova, ToolApproval, luna_answer
from tests.contract.rawserver import RawServer, json_reply
from tests.helpers import FORKS_WITH_THREADS

KEY = "agent_cli-5ecret-K3y-0123456789abcdef"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def env(**extra: str) -> Dict[str, str]:
    """The environment of a run: ours without MEGANOVA_* settings or proxies."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        base.pop(name, None)
        base.pop(name.lower(), None)
    base.update({"MEGANOVA_DEMO_DELAY": "0", "PYTHONUNBUFFERED": "1", **extra})
    return base


def run(*args: str, stdin: str = "", **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meganova", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env(**extra_env),
        timeout=60,
    )


GREETING = "Hi Luna, how are you?"


def test_offline_info_and_one_message() -> None:
    info = run("agent", "info", "--offline")
    assert info.returncode == 0, info.stderr
    assert "name             Luna" in info.stdout and "is_available     yes" in info.stdout
    chat = run("agent", "chat", "--offline", GREETING)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout == luna_answer(GREETING) + "\n"
    assert chat.stderr == "(conversation conv_fake0001)\n"


def test_a_piped_message_and_json_output() -> None:
    result = run("--offline", "--json", "agent", "chat", stdin=GREETING + "\n")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["response"] == luna_answer(GREETING)
    assert reply["conversation_id"] == "conv_fake0001" and result.stderr == ""


def test_without_a_key_nothing_is_sent() -> None:
    result = run("agent", "info")
    assert result.returncode == 1
    assert "no agent key: set MEGANOVA_AGENT_KEY" in result.stderr


def test_a_key_of_the_wrong_kind_is_refused_naming_where_it_came_from() -> None:
    result = run("agent", "info", MEGANOVA_AGENT_KEY="sk-live-not-an-agent-key")
    assert result.returncode == 1
    assert "not a Cloud agent key" in result.stderr
    assert "MEGANOVA_AGENT_KEY environment variable" in result.stderr
    assert "sk-live-not-an-agent-key" not in result.stderr
    flag = run("agent", "info", "--agent-key", "sk-live-not-an-agent-key")
    assert "Check --agent-key" in flag.stderr and "sk-live-not" not in flag.stderr


def test_an_action_is_required() -> None:
    result = run("agent")
    assert result.returncode == 2 and "agent needs an action: info or chat" in result.stderr


def test_online_chat_continues_a_conversation_and_never_prints_the_key() -> None:
    raw = RawServer()
    seen: List[Any] = []

    def answer(request: Any) -> Any:
        seen.append(json.loads(request.body))
        return {"response": "Welcome back", "conversation_id": "conv_42"}

    raw.on(f"/agents/v1/{KEY}/chat", json_reply(answer))
    try:
        result = run(
            "agent",
            "chat",
            "--conversation",
            "conv_42",
            "--user",
            "ana@example.com",
            "Hello again",
            MEGANOVA_AGENT_KEY=KEY,
            MEGANOVA_AGENT_BASE_URL=raw.url(""),
        )
    finally:
        raw.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Welcome back\n"
    assert seen == [
        {
            "message": "Hello again",
            "conversation_id": "conv_42",
            "user_identifier": "ana@example.com",
        }
    ]
    assert KEY not in result.stdout + result.stderr


# -- the interactive session -----------------------------------------------------------


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[str]]:
    """Lines ``input()`` returns, in order; EOF after the last."""
    lines: List[str] = []

    def fake_input(prompt: str = "") -> str:
        if not lines:
            raise EOFError
        return lines.pop(0)

    monkeypatch.setattr("builtins.input", fake_input)
    yield lines


def session_args(**changes: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"json": False, "user": None, **changes})


def test_a_session_keeps_one_conversation_and_asks_before_a_tool_runs(
    typed: List[str],
) -> None:
    fake = FakeMeganova()
    fake.script(
        ToolApproval("create_ticket", {"subject": "Login"}, "Create a ticket", result="Ticket #7"),
        ToolApproval("send_email", {"to": "ana"}, "Email Ana"),
    )
    typed.extend(["open a ticket", "y", "mail Ana", "n", "Hi", "/new", "Hi again", "/bogus"])
    out, err = io.StringIO(), io.StringIO()
    with fake.agent() as agent:
        code = AgentSession(agent.conversation(), session_args(), out, err).run()
    assert code == 0
    lines = out.getvalue().splitlines()
    assert lines[1:4] == [
        "Ticket #7",
        "I can do that for you. Shall I go ahead?",
        "Understood, I did not run send_email.",
    ]
    assert lines[4:6] == [luna_answer("Hi"), luna_answer("Hi again")]
    log = err.getvalue()
    assert log.count("(conversation conv_fake0001)") == 1  # one conversation for four turns
    assert "(conversation conv_fake0002)" in log  # /new started another
    assert "The agent asks to run create_ticket: Create a ticket" in log
    assert "unknown command /bogus" in log
    chats = [r.json for r in fake.requests_to("/agent/chat")]
    assert [c.get("conversation_id") for c in chats] == [
        None,
        "conv_fake0001",
        "conv_fake0001",
        None,
    ]
    actions = [r.json["action"] for r in fake.requests_to("/agent/chat/confirm")]
    assert actions == ["approve", "reject"]
    assert len(fake.conversations["conv_fake0001"]) == 8


def test_a_failed_turn_is_reported_and_the_session_goes_on(typed: List[str]) -> None:
    from meganova.testing import Error

    fake = FakeMeganova()
    fake.script(Error(503, "busy", path="/agent/chat"))
    typed.extend(["Hi", "Hi"])
    out, err = io.StringIO(), io.StringIO()
    with fake.agent(max_retries=0) as agent:
        AgentSession(agent.conversation(), session_args(), out, err).run()
    assert "busy" in err.getvalue()
    assert out.getvalue().splitlines()[0] == luna_answer("Hi")


@FORKS_WITH_THREADS
@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")
def test_a_terminal_session_runs_offline(tmp_path: Any) -> None:
    pytest.importorskip("pty")
    from tests.unit.terminal import CTRL_D, Terminal

    session = Terminal(["agent", "chat", "--offline"], {**env(), "HOME": str(tmp_path)})
    try:
        assert "Chatting with a Cloud agent." in session.expect("> ")
        session.type("Hi\r")
        assert luna_answer("Hi") in session.expect("> ")
        session.type("Tell me about the harbor tonight\r")
        shown = session.expect("> ")
        assert "Neon Harbor tonight" in shown and "(conversation" not in shown  # the same one
        session.type(CTRL_D)
        assert session.exit_status() == 0
    finally:
        session.close()
