"""examples/ cannot drift from the code: every script runs, offline, as a user runs it.

Each script runs in a fresh interpreter (``python examples/NAME.py``) in a temporary
directory holding a small ``hello.mp3``, with ``MEGANOVA_API_KEY`` (and
``MEGANOVA_AGENT_KEY``) set and ``MEGANOVA_BASE_URL`` (and ``MEGANOVA_AGENT_BASE_URL``)
pointing at a local HTTP server answered by a fresh ``FakeMeganova`` (the helper
tests/test_readme.py uses), scripted where the example shows a branch the default
answers never take. ``offline_testing.py`` runs under pytest.
The same scripts pass the user-code type check (tests/test_user_code_types.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence

import pytest

from meganova.testing import (
    Delay,
    EndEarly,
    Error,
    FakeMeganova,
    Refusal,
    Stream,
    Text,
    ToolApproval,
    ToolCall,
    ToolCalls,
)
from tests.helpers import ROOT, serve_fake

EXAMPLES = Path(ROOT) / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def run_against(fake: FakeMeganova, workdir: Path, command: Sequence[str]) -> str:
    """Run ``command`` with the environment pointing at a local server answered by
    ``fake``; returns its standard output (it must exit 0)."""
    from pytest_httpserver import HTTPServer

    # threaded: the bulk-run examples keep many connections open at once
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(serve_fake(fake))
    server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
        env.update(
            MEGANOVA_API_KEY="sk-examples",
            MEGANOVA_BASE_URL=server.url_for("/v1"),
            MEGANOVA_AGENT_KEY="agent_examples-k3y",
            MEGANOVA_AGENT_BASE_URL=server.url_for(""),
            PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""),
        )
        result = subprocess.run(
            list(command), cwd=workdir, env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        server.stop()
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    assert "sk-examples" not in result.stdout + result.stderr
    assert "agent_examples-k3y" not in result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "hello.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00fake audio")
    return tmp_path


def paths(fake: FakeMeganova) -> List[str]:
    return [request.path for request in fake.requests]


def check_chat(fake: FakeMeganova, out: str) -> None:
    assert out.count("Luna:") == 2
    follow_up = fake.requests[-1].json["messages"]
    assert [m["role"] for m in follow_up] == ["system", "user", "assistant", "user"]
    assert follow_up[2]["content"] in out  # the first answer went back as history


def check_streaming(fake: FakeMeganova, out: str) -> None:
    assert "Neon Harbor glows." in out
    assert "[finish reason: stop]" in out
    assert "stream broke (IncompleteStreamError); got so far: 'Hola '" in out
    assert [r.json["stream"] for r in fake.requests] == [True, True]


def check_tools(fake: FakeMeganova, out: str) -> None:
    assert "the model calls get_weather({'city': 'Hanoi'})" in out
    assert "Answer: 31 degrees and stormy in Hanoi." in out
    first, second = (r.json for r in fake.requests)
    call = second["messages"][1]["tool_calls"][0]
    tool_turn = second["messages"][2]
    assert first["tools"][0]["function"]["name"] == "get_weather"
    assert tool_turn["role"] == "tool" and tool_turn["tool_call_id"] == call["id"]
    assert '"temperature_c": 31' in tool_turn["content"]


def check_models(fake: FakeMeganova, out: str) -> None:
    assert re.search(r"^\d+ models$", out, re.M)
    assert "meganova-ai/manta-flash-1.0 tags:" in out
    assert any("serverless" in p for p in paths(fake))


def check_media(fake: FakeMeganova, out: str) -> None:
    assert "2 embeddings of" in out and "best document: #" in out
    assert "image saved to lighthouse.png" in out or "image at " in out
    assert "video: completed" in out
    assert "transcript:" in out


def check_errors(fake: FakeMeganova, out: str) -> None:
    lines = out.splitlines()
    assert lines[0] == "Ahoy!"  # the 503 was retried
    assert lines[1] == "rate-limited after 1 attempt(s); retry after 1.0 s"
    assert lines[2].startswith("invalid argument 'messages'")
    assert len(fake.requests) == 3  # 503, then the answer, then the 429; nothing for []


def check_custom_transport(fake: FakeMeganova, out: str) -> None:
    assert re.search(r"^GET http://127\.0\.0\.1:\d+/v1/models -> 200 in ", out, re.M)
    assert re.search(r"^POST http://127\.0\.0\.1:\d+/v1/chat/completions -> 200 in ", out, re.M)
    assert "2 request(s) sent" in out
    assert paths(fake) == ["/models", "/chat/completions", "/models"]


def check_batch(fake: FakeMeganova, out: str) -> None:
    assert "first run: 400 succeeded" in out
    assert "resumed: 400 skipped, 600 succeeded" in out
    assert "1000 result lines, 1000 distinct ids" in out
    sent = [r.json["messages"][0]["content"] for r in fake.requests]
    assert len(sent) == len(set(sent)) == 1000  # the resumed run sent nothing twice


def check_batch_dask(fake: FakeMeganova, out: str) -> None:
    assert "200 of 200 labelled" in out
    assert len(fake.requests) == 200


def tool_results(fake: FakeMeganova) -> List[str]:
    return [m["content"] for m in fake.requests[-1].json["messages"] if m["role"] == "tool"]


def check_agent_tools(fake: FakeMeganova, out: str) -> None:
    assert "Response: Tokyo is 22C; 15 * 7 + 23 = 128." in out
    assert "Turns: 2\nTool calls: 2\nTokens: " in out and "Stop reason: complete" in out
    tools = [t["function"]["name"] for t in fake.requests[0].json["tools"]]
    assert tools == ["get_weather", "calculate"]
    assert tool_results(fake) == ["Weather in Tokyo: 22C, partly cloudy", "128.0"]


def check_agent_support(fake: FakeMeganova, out: str) -> None:
    assert out.count("[AUDIT] search_support_kb(") == 2
    assert "[TICKET CREATED] Double charge (priority: high)" in out
    assert "Agent: Professional is $149/month. (1 tool calls)" in out
    assert "Agent: I filed a ticket for you. (2 tool calls)" in out
    assert "Messages remembered: 10" in out
    last = fake.requests[-1].json["messages"]
    assert last[1]["content"] == "How much does the professional plan cost?"  # remembered
    assert "Professional $149/month" in tool_results(fake)[0]


def check_agent_team(fake: FakeMeganova, out: str) -> None:
    for heading in ("--- RESEARCHER ---", "--- WRITER ---", "--- CRITIC ---"):
        assert heading in out
    assert "**optimist**: " in out and "**realist**: " in out
    assert len(fake.requests) == 5
    writer = fake.requests[1].json["messages"]
    assert "The previous step wrote:" in writer[-1]["content"]


def check_agent_sandbox(fake: FakeMeganova, out: str) -> None:
    assert tool_results(fake) == [
        "Denied: 'import os' is not allowed; compute it in plain Python",
        "45\n",
    ]
    assert "Agent: Done: 45." in out and "Turns: 3, tool calls: 2" in out


def check_structured_outputs(fake: FakeMeganova, out: str) -> None:
    lines = out.splitlines()
    assert lines[0] == "example: busy, 1 stall(s)"  # the fake's answer fitting the schema
    assert lines[1] == "  example sells example"
    assert re.fullmatch(r"streamed in \d+ chunk\(s\); same report: True", lines[2])
    assert lines[3] == "max_tokens=4: the JSON was cut; allow more tokens"
    assert lines[4] == "refused: Not about the market."
    sent = fake.requests[0].json["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    assert sent["json_schema"]["name"] == "MarketReport"


def check_cloud_agent_chat(fake: FakeMeganova, out: str) -> None:
    assert "Agent: Luna (available: True)" in out
    assert "Welcome: Welcome to Neon Harbor!" in out
    assert re.search(r"\[tokens: \d+, memories: 0\]", out)
    assert "Conversation conv_fake0002: 4 messages" in out
    chats = [r.json for r in fake.requests_to("/agent/chat")]
    assert [c.get("conversation_id") for c in chats] == [None, None, "conv_fake0002"]


def check_cloud_agent_streaming(fake: FakeMeganova, out: str) -> None:
    assert "Model: agent-model" in out and "Response: Happy to help." in out
    assert "Streamed: Lines of code" in out
    assert "stream broke" not in out
    assert [r.json["stream"] for r in fake.requests] == [False, True]


def check_cloud_agent_tools(fake: FakeMeganova, out: str) -> None:
    assert "--- the agent asks to run create_ticket: Open a support ticket" in out
    assert "approved -> Agent: Ticket #4471 is open." in out
    assert "--- the agent asks to run send_email: Email your manager" in out
    assert "refused -> Agent: Understood, I did not run send_email." in out
    assert "Conversation conv_fake0001: 6 messages" in out
    actions = [r.json["action"] for r in fake.requests_to("/agent/chat/confirm")]
    assert actions == ["approve", "reject"]


SCRIPTED: Dict[str, Callable[[FakeMeganova], object]] = {
    "agent_tools.py": lambda f: f.script(
        ToolCalls(
            [
                ToolCall("get_weather", {"city": "Tokyo"}),
                ToolCall("calculate", {"expression": "15 * 7 + 23"}),
            ]
        ),
        Text("Tokyo is 22C; 15 * 7 + 23 = 128."),
    ),
    "agent_support.py": lambda f: f.script(
        ToolCall("search_support_kb", {"query": "professional plan price"}),
        Text("Professional is $149/month."),
        ToolCall("search_support_kb", {"query": "charged twice"}),
        ToolCall(
            "create_ticket",
            {"subject": "Double charge", "description": "Charged twice", "priority": "high"},
        ),
        Text("I filed a ticket for you."),
    ),
    "agent_sandbox.py": lambda f: f.script(
        ToolCall("execute_python", {"code": "import os\nprint(os.getcwd())"}),
        ToolCall("execute_python", {"code": "print(sum(range(10)))"}),
        Text("Done: 45."),
    ),
    "cloud_agent_streaming.py": lambda f: f.script(
        Text("Happy to help.", path="/agent/chat/completions"),
        Stream(["Lines of code ", "flow like rain"], path="/agent/chat/completions"),
    ),
    "cloud_agent_tools.py": lambda f: f.script(
        ToolApproval(
            "create_ticket",
            {"subject": "Login issue"},
            "Open a support ticket",
            result="Ticket #4471 is open.",
        ),
        ToolApproval("send_email", {"to": "manager"}, "Email your manager"),
    ),
    "streaming.py": lambda f: f.script(Text("Neon Harbor glows."), EndEarly(["Hola "])),
    "tools.py": lambda f: f.script(
        ToolCall("get_weather", {"city": "Hanoi"}), Text("31 degrees and stormy in Hanoi.")
    ),
    "errors_and_retries.py": lambda f: f.script(
        Error(503), Text("Ahoy!"), Error(429, "slow down", retry_after=1)
    ),
    # three default answers (JSON fitting the schema; the third cut at max_tokens), then
    # a refusal
    "structured_outputs.py": lambda f: f.script(
        Delay(0), Delay(0), Delay(0), Refusal("Not about the market.")
    ),
}
CHECKS: Dict[str, Callable[[FakeMeganova, str], None]] = {
    "chat.py": check_chat,
    "streaming.py": check_streaming,
    "tools.py": check_tools,
    "models.py": check_models,
    "media.py": check_media,
    "errors_and_retries.py": check_errors,
    "custom_transport.py": check_custom_transport,
    "batch.py": check_batch,
    "batch_dask.py": check_batch_dask,
    "agent_tools.py": check_agent_tools,
    "agent_support.py": check_agent_support,
    "agent_team.py": check_agent_team,
    "agent_sandbox.py": check_agent_sandbox,
    "structured_outputs.py": check_structured_outputs,
    "cloud_agent_chat.py": check_cloud_agent_chat,
    "cloud_agent_streaming.py": check_cloud_agent_streaming,
    "cloud_agent_tools.py": check_cloud_agent_tools,
}


def test_every_example_is_checked() -> None:
    assert set(SCRIPTS) == {*CHECKS, "offline_testing.py"}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs_against_the_fake(name: str, workdir: Path) -> None:
    fake = FakeMeganova(video_seconds=0)
    SCRIPTED.get(name, lambda f: None)(fake)
    out = run_against(fake, workdir, [sys.executable, str(EXAMPLES / name)])
    CHECKS[name](fake, out)
    fake.assert_script_consumed()


def test_offline_testing_example_passes_under_pytest(workdir: Path) -> None:
    out = run_against(
        FakeMeganova(),
        workdir,
        [
            sys.executable,
            "-m",
            "pytest",
            "-o",
            "addopts=",
            "-p",
            "no:cacheprovider",
            str(EXAMPLES / "offline_testing.py"),
        ],
    )
    assert re.search(r"\b7 passed\b", out), out


@pytest.fixture(autouse=True)
def _no_stray_files() -> Iterator[None]:
    before = set(os.listdir(EXAMPLES))
    yield
    assert set(os.listdir(EXAMPLES)) == before, "an example wrote into examples/"
