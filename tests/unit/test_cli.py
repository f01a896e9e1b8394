"""The ``meganova`` command, run in a subprocess as a user would run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from meganova.testing import luna_answer
from tests.helpers import default_sigint

GREETING = "Hi Luna, how are you?"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The chat's saved session and history go to a directory of this test's own."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "meganova"


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        base.pop(name, None)
        base.pop(name.lower(), None)
    base.update({"MEGANOVA_DEMO_DELAY": "0", "PYTHONUNBUFFERED": "1"})
    base.update(extra)
    return base


def run(*args: str, stdin: str | None = None, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meganova", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env(**extra_env),
        timeout=60,
    )


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("chat", "models", "balance", "usage", "--offline"):
        assert command in result.stdout


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "usage: meganova" in result.stderr


def test_offline_chat_streams_luna_to_stdout() -> None:
    result = run("chat", "--offline", GREETING)
    assert result.returncode == 0, result.stderr
    assert result.stdout == luna_answer(GREETING) + "\n"
    assert result.stderr == ""


def test_offline_flag_also_works_before_the_command() -> None:
    result = run("--offline", "chat", GREETING)
    assert result.returncode == 0 and result.stdout.startswith("I'm doing wonderfully")


@pytest.mark.parametrize("args", [("balance",), ("chat", GREETING), ("models", "--json")])
def test_without_a_key_nothing_is_made_up(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "MEGANOVA_API_KEY" in line and "--offline" in line


def test_offline_before_the_command_wins_over_a_configured_key() -> None:
    # Nothing listens at this base URL: any request sent would fail the command.
    configured = {"MEGANOVA_API_KEY": "sk-billable", "MEGANOVA_BASE_URL": "http://127.0.0.1:9/v1"}
    result = run("--offline", "chat", GREETING, **configured)
    assert result.returncode == 0, result.stderr
    assert result.stdout == luna_answer(GREETING) + "\n"
    as_json = run("--json", "--offline", "balance", **configured)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["currency"] == "USD"


def test_global_options_after_the_command() -> None:
    result = run("balance", "--json", "--offline")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["request_id"].startswith("req_fake_")


def test_prompt_from_stdin() -> None:
    for args in (("chat", "--offline"), ("chat", "--offline", "-")):
        result = run(*args, stdin="Tell me about Neon Harbor tonight.\n")
        assert result.returncode == 0, result.stderr
        assert result.stdout == luna_answer("Tell me about Neon Harbor tonight.") + "\n"


def test_empty_prompt_is_a_usage_error() -> None:
    result = run("chat", "--offline", stdin="   \n")
    assert result.returncode == 2 and "prompt is empty" in result.stderr


def test_chat_options_reach_the_api() -> None:
    result = run(
        "chat", "--offline", "--system", "Be brief.", "--temperature", "0.3",
        "--max-tokens", "3", "--model", "meganova-ai/manta-mini-1.0", GREETING,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == luna_answer(GREETING).split()[:3]


def test_no_stream_json_prints_the_completion() -> None:
    result = run("chat", "--offline", "--no-stream", "--json", GREETING)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["choices"][0]["message"]["content"] == luna_answer(GREETING)


def test_no_stream_text() -> None:
    result = run("chat", "--offline", "--no-stream", GREETING)
    assert result.stdout == luna_answer(GREETING) + "\n"


def test_streamed_json_is_one_chunk_per_line() -> None:
    result = run("chat", "--offline", "--json", GREETING)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) > 3
    assert all(isinstance(line, dict) for line in lines)


def test_models_table_and_json() -> None:
    table = run("models", "--offline")
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split()[:2] == ["ID", "NAME"]
    assert any(row.startswith("meganova-ai/manta-flash-1.0") for row in rows)
    listed: dict[str, Any] = json.loads(run("models", "--offline", "--json").stdout)
    assert listed["object"] == "list" and listed["request_id"].startswith("req_fake_")
    assert "meganova-ai/manta-flash-1.0" in {m["id"] for m in listed["data"]}


def test_models_get() -> None:
    result = run("models", "get", "meganova-ai/manta-flash-1.0", "--offline")
    assert result.returncode == 0, result.stderr
    assert "context_length  32768" in result.stdout
    as_json = json.loads(
        run("models", "get", "meganova-ai/manta-flash-1.0", "--offline", "--json").stdout
    )
    assert as_json["id"] == "meganova-ai/manta-flash-1.0"


def test_models_get_without_an_id_is_a_usage_error() -> None:
    result = run("models", "get", "--offline")
    assert result.returncode == 2 and "needs a model id" in result.stderr


def test_balance() -> None:
    result = run("balance", "--offline")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0].split() == ["balance", "25"]
    assert json.loads(run("balance", "--offline", "--json").stdout)["currency"] == "USD"


def test_usage_table_and_json() -> None:
    result = run("usage", "--offline", "--from", "2026-11-01", "--to", "2026-11-02")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["DATE", "MODEL", "REQUESTS", "TOKENS", "COST"]
    assert sum(line.startswith("2026-11-0") for line in lines) == 4
    assert lines[-1].startswith("Total:")
    as_json = json.loads(
        run("usage", "--offline", "--json", "--from", "2026-11-01", "--to", "2026-11-01").stdout
    )
    assert len(as_json["rows"]) == 2


def test_api_error_is_one_line_with_the_request_id_and_advice() -> None:
    result = run("models", "get", "nobody/nothing", "--offline")
    assert result.returncode == 1
    no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("meganova: error: ")
    assert "HTTP 404" in lines[0] and "request id req_fake_" in lines[0]
    assert "meganova models" in lines[0]


def test_bad_argument_is_one_line() -> None:
    result = run("usage", "--offline", "--from", "2026-11-05", "--to", "2026-11-01")
    assert result.returncode == 1
    no_traceback(result)
    assert len(result.stderr.strip().splitlines()) == 1


def test_authentication_error_from_a_real_server(httpserver: Any) -> None:
    httpserver.expect_request("/v1/models").respond_with_json(
        {"error": {"message": "Invalid API key", "code": "auth"}},
        status=401,
        headers={"x-request-id": "req_live_42"},
    )
    result = run("models", MEGANOVA_API_KEY="sk-wrong", MEGANOVA_BASE_URL=httpserver.url_for("/v1"))
    assert result.returncode == 1
    no_traceback(result)
    (line,) = result.stderr.strip().splitlines()
    assert "Invalid API key" in line and "req_live_42" in line and "MEGANOVA_API_KEY" in line


def test_connection_error_is_one_line() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("models", MEGANOVA_API_KEY="sk-x", MEGANOVA_BASE_URL=f"http://127.0.0.1:{port}/v1")
    assert result.returncode == 1
    no_traceback(result)
    (line,) = result.stderr.strip().splitlines()
    assert "network" in line


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
def test_ctrl_c_during_a_stream_exits_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "meganova", "chat", "--offline", GREETING],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env(MEGANOVA_DEMO_DELAY="0.5"),
        preexec_fn=default_sigint,
    )
    assert process.stdout is not None
    first = process.stdout.read(3)  # the stream has started
    assert first
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in err
    assert b"interrupted" in err
    assert len(first + out) < len(luna_answer(GREETING))


def test_a_bad_option_is_named_as_the_user_typed_it() -> None:
    result = run("usage", "--offline", "--from", "2026-11-07", "--to", "2026-11-01")
    assert result.returncode == 1
    no_traceback(result)
    assert "Check --from" in result.stderr


def test_a_bad_environment_variable_is_named() -> None:
    result = run("models", MEGANOVA_API_KEY="sk-test", MEGANOVA_BASE_URL="ftp://nowhere")
    assert result.returncode == 1
    assert "MEGANOVA_BASE_URL environment variable" in result.stderr


def test_shell_completion_through_argcomplete(tmp_path: Any) -> None:
    pytest.importorskip("argcomplete")
    out = tmp_path / "completions"

    def complete(line: str) -> set[str]:
        subprocess.run(
            [sys.executable, "-m", "meganova"],
            env=env(
                _ARGCOMPLETE="1",
                _ARGCOMPLETE_IFS="\n",
                COMP_LINE=line,
                COMP_POINT=str(len(line)),
                _ARGCOMPLETE_STDOUT_FILENAME=str(out),
            ),
            capture_output=True,
            timeout=60,
        )
        return set(out.read_text().split())

    assert {"models", "serverless"} <= complete("meganova ")
    assert complete("meganova mo") == {"models"}
    assert {"--continue", "--system-file", "--offline"} <= complete("meganova chat --")
