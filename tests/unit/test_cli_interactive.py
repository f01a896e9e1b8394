"""``meganova chat`` on a terminal: an interactive session, driven through a real
pseudo-terminal (``pty.fork``) against the offline demo, as a person would type."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from meganova.testing import luna_answer
from tests.helpers import FORKS_WITH_THREADS
from tests.unit.terminal import CTRL_D, UP, Terminal

pty = pytest.importorskip("pty")
pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal"),
    FORKS_WITH_THREADS,
]

GREETING = "Hi Luna, how are you?"
NIGHT = "Tell me about Neon Harbor tonight."


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def terminal(state: Path, tmp_path: Path) -> Iterator[object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(state), TERM="xterm")
    env["MEGANOVA_DEMO_DELAY"] = "0"
    opened: List[Terminal] = []

    def start(*args: str, **extra: str) -> Terminal:
        session = Terminal(["chat", "--offline", *args], {**env, **extra})
        opened.append(session)
        return session

    yield start
    for session in opened:
        session.close()


def saved(state: Path) -> Dict[str, object]:
    data: Dict[str, object] = json.loads(
        (state / "meganova" / "last-session.json").read_text(encoding="utf-8")
    )
    return data


def test_a_session_with_commands_then_continued_with_history(terminal, state: Path) -> None:  # type: ignore[no-untyped-def]
    first = terminal()
    assert "Chatting with meganova-ai/manta-flash-1.0." in first.expect("> ")
    first.type(GREETING + "\r")
    assert luna_answer(GREETING) in first.expect("> ")
    first.type("/model meganova-ai/manta-mini-1.0\r")
    first.expect("(model: meganova-ai/manta-mini-1.0)")
    first.expect("> ")
    first.type("/nonsense\r")
    first.expect("unknown command /nonsense")
    first.expect("> ")
    first.type(CTRL_D)
    assert first.exit_status() == 0
    session = saved(state)
    assert session["model"] == "meganova-ai/manta-mini-1.0"
    assert session["messages"] == [
        {"role": "user", "content": GREETING},
        {"role": "assistant", "content": luna_answer(GREETING)},
    ]

    again = terminal("--continue")
    banner = again.expect("> ")
    assert "Chatting with meganova-ai/manta-mini-1.0, 1 earlier turn(s) resumed." in banner
    # The history of the last run: three times Up is the greeting typed there.
    again.type(UP * 3 + "\r")
    assert luna_answer(GREETING) in again.expect("> ")
    assert len(saved(state)["messages"]) == 4  # type: ignore[arg-type]
    again.type("/reset\r")
    again.expect("(chat forgotten)")
    again.expect("> ")
    again.type(NIGHT + "\r")
    assert luna_answer(NIGHT) in again.expect("> ")
    again.type("/exit\r")
    assert again.exit_status() == 0
    assert saved(state)["messages"] == [
        {"role": "user", "content": NIGHT},
        {"role": "assistant", "content": luna_answer(NIGHT)},
    ]
    history = (state / "meganova" / "history").read_text(encoding="utf-8")
    assert GREETING in history and "/model meganova-ai/manta-mini-1.0" in history


def test_ctrl_c_stops_an_answer_and_the_session_goes_on(terminal, state: Path) -> None:  # type: ignore[no-untyped-def]
    slow = terminal(MEGANOVA_DEMO_DELAY="0.3")
    slow.expect("> ")
    slow.type(GREETING + "\r")
    slow.expect("I'm")  # the answer has started
    slow.type("\x03")  # Ctrl-C
    slow.expect("(interrupted)")
    slow.expect("> ")
    slow.wait_reading()  # a Ctrl-C before readline's select() would wait for a key
    slow.type("\x03")  # Ctrl-C at the prompt: a fresh prompt, not the end
    slow.expect("> ")
    slow.type(CTRL_D)
    assert slow.exit_status() == 0
    assert luna_answer(GREETING) not in slow.seen
    # The interrupted turn is not part of the conversation.
    path = state / "meganova" / "last-session.json"
    assert not path.exists() or saved(state)["messages"] == []


def test_a_failed_turn_is_reported_and_the_session_goes_on(terminal) -> None:  # type: ignore[no-untyped-def]
    session = terminal("-m", " ")
    session.expect("> ")
    session.type("hello\r")
    line = session.expect("> ")
    assert "meganova: error: model must not be empty. Check --model" in line
    session.type("/model meganova-ai/manta-flash-1.0\r")
    session.expect("> ")
    session.type(GREETING + "\r")
    assert luna_answer(GREETING) in session.expect("> ")
    session.type(CTRL_D)
    assert session.exit_status() == 0
