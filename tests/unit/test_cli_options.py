"""The ``meganova`` command's options, run in process (``main(argv)``) against the
offline fake or a real local server: what is sent, what is printed, what is saved."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from meganova.cli import main
from meganova.testing import luna_answer

KEY = "sk-cli-options-0123456789"
HOSTILE = "\x1b]0;pwned\x07Hi\x1b[2J there\x9b1A\u202e"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key, no proxy, a state directory of this test's own, a piped empty stdin."""
    for name in list(os.environ):
        if name.startswith("MEGANOVA_") or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MEGANOVA_DEMO_DELAY", "0")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return tmp_path / "state" / "meganova"


class Api:
    """A local API: records each chat request and answers with the next queued text."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.bodies: List[Dict[str, Any]] = []
        self.headers: List[Dict[str, str]] = []
        self.answers: List[str] = []
        server.expect_request("/v1/chat/completions").respond_with_handler(self._chat)

    @property
    def url(self) -> str:
        return self.server.url_for("/v1")

    def _chat(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        text = self.answers.pop(0) if self.answers else "ok"
        if body.get("stream"):
            events = [
                {"choices": [{"index": 0, "delta": {"content": text[:2]}}]},
                {
                    "choices": [
                        {"index": 0, "delta": {"content": text[2:]}, "finish_reason": "stop"}
                    ]
                },
            ]
            data = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
            return Response(data, 200, {"Content-Type": "text/event-stream"})
        message = {"role": "assistant", "content": text}
        reply = {"id": "c1", "model": body["model"], "choices": [{"index": 0, "message": message}]}
        return Response(json.dumps(reply), 200, {"Content-Type": "application/json"})


@pytest.fixture
def api(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("MEGANOVA_API_KEY", KEY)
    monkeypatch.setenv("MEGANOVA_BASE_URL", httpserver.url_for("/v1"))
    yield Api(httpserver)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- chat options ---------------------------------------------------------------------


def test_short_and_long_chat_options_are_sent(api: Api, capsys: Any) -> None:
    code, out, err = run(
        capsys, "chat", "-m", "acme/m1", "-s", "Be brief.", "--temperature", "0.3",
        "--max-tokens", "7", "--no-stream", "hello",
    )  # fmt: skip
    assert (code, out, err) == (0, "ok\n", "")
    (body,) = api.bodies
    assert body["model"] == "acme/m1"
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hello"},
    ]
    assert (body["temperature"], body["max_tokens"]) == (0.3, 7)


def test_system_file(api: Api, capsys: Any, tmp_path: Path) -> None:
    prompt = tmp_path / "persona.txt"
    prompt.write_text("You are Luna.\nStay in character.\n", encoding="utf-8")
    assert run(capsys, "chat", "--system-file", str(prompt), "hi")[0] == 0
    assert api.bodies[0]["messages"][0] == {
        "role": "system",
        "content": "You are Luna.\nStay in character.",
    }
    code, _, err = run(capsys, "chat", "--system-file", str(prompt), "-s", "x", "hi")
    assert code == 2 and "not both" in err
    code, _, err = run(capsys, "chat", "--system-file", str(tmp_path / "missing"), "hi")
    assert code == 2 and "cannot read --system-file" in err
    assert len(api.bodies) == 1  # neither mistake sent anything


def test_continue_resumes_the_last_chat_with_its_model(
    api: Api, capsys: Any, environment: Path
) -> None:
    api.answers = ["First answer.", "Second answer."]
    assert run(capsys, "chat", "-m", "acme/m1", "-s", "Be kind.", "first")[1] == "First answer.\n"
    code, out, _ = run(capsys, "chat", "--continue", "--no-stream", "second")
    assert (code, out) == (0, "Second answer.\n")
    second = api.bodies[1]
    assert second["model"] == "acme/m1"
    assert second["messages"] == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "First answer."},
        {"role": "user", "content": "second"},
    ]
    saved = json.loads((environment / "last-session.json").read_text(encoding="utf-8"))
    assert saved["messages"][-1] == {"role": "assistant", "content": "Second answer."}
    assert oct((environment / "last-session.json").stat().st_mode & 0o777) == "0o600"


def test_continue_without_a_saved_chat(api: Api, capsys: Any) -> None:
    code, out, err = run(capsys, "chat", "-c", "hello")
    assert (code, out) == (2, "")
    assert "no previous chat to continue" in err
    assert api.bodies == []


def test_a_state_directory_that_cannot_be_written_does_not_fail_the_chat(
    api: Api, capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    code, out, err = run(capsys, "chat", "hello")
    assert (code, out) == (0, "ok\n")
    assert "not saved" in err


def test_piped_stdin_is_the_prompt(api: Api, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("from a pipe\n"))
    assert run(capsys, "chat")[0] == 0
    assert api.bodies[0]["messages"] == [{"role": "user", "content": "from a pipe"}]


# -- where the key and the server come from -------------------------------------------


def test_api_key_and_base_url_options(
    httpserver: HTTPServer, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api(httpserver)
    monkeypatch.setenv("MEGANOVA_BASE_URL", "http://127.0.0.1:9/v1")  # the option wins
    code, out, _ = run(capsys, "chat", "hi", "--api-key", "sk-from-flag", "--base-url", api.url)
    assert (code, out) == (0, "ok\n")
    assert api.headers[0]["Authorization"] == "Bearer sk-from-flag"


def test_a_bad_base_url_option_is_named_as_typed(capsys: Any) -> None:
    code, _, err = run(capsys, "balance", "--api-key", KEY, "--base-url", "ftp://nowhere")
    assert code == 1
    assert "Check --base-url" in err and KEY not in err


# -- printing server text ---------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "whole"])
def test_server_text_is_printed_without_control_sequences(
    api: Api, capsys: Any, stream: bool
) -> None:
    api.answers = [HOSTILE]
    code, out, _ = run(capsys, "chat", "hi", *([] if stream else ["--no-stream"]))
    assert code == 0
    assert out == "Hi there\n"


def test_model_names_in_tables_are_printed_without_control_sequences(
    httpserver: HTTPServer, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = {"id": "acme/evil", "name": HOSTILE, "tags": ["\x1b[31mred"]}
    httpserver.expect_request("/v1/models").respond_with_json({"data": [model]})
    monkeypatch.setenv("MEGANOVA_API_KEY", KEY)
    code, out, _ = run(capsys, "models", "--base-url", httpserver.url_for("/v1"))
    assert code == 0
    assert "acme/evil" in out and "Hi there" in out and "red" in out
    assert out.replace("\n", "").isprintable(), repr(out)
    code, out, _ = run(capsys, "models", "--json", "--base-url", httpserver.url_for("/v1"))
    assert json.loads(out)["data"][0]["name"] == HOSTILE  # JSON keeps the text, escaped
    assert out.replace("\n", "").isprintable(), repr(out)


# -- JSON -------------------------------------------------------------------------------


def test_json_keeps_the_request_id_and_wire_names(capsys: Any) -> None:
    code, out, _ = run(capsys, "usage", "--offline", "--json", "--from", "2026-11-01")
    summary = json.loads(out)
    assert code == 0 and summary["request_id"].startswith("req_fake_")
    assert summary["from"] == "2026-11-01" and "from_" not in out
    chunks = [
        json.loads(line)
        for line in run(capsys, "chat", "--offline", "--json", "hi")[1].splitlines()
    ]
    assert all(c["request_id"].startswith("req_fake_") for c in chunks)
    model = json.loads(
        run(capsys, "models", "get", "meganova-ai/manta-flash-1.0", "--offline", "--json")[1]
    )
    assert model["request_id"].startswith("req_fake_")


def test_errors_are_one_json_object_on_stderr(capsys: Any) -> None:
    code, out, err = run(capsys, "--json", "models", "get", "nobody/nothing", "--offline")
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    error = json.loads(line)["error"]
    assert error["type"] == "NotFoundError" and error["status"] == 404
    assert error["request_id"].startswith("req_fake_") and error["hint"]
    code, out, err = run(capsys, "--json", "balance")  # no key
    assert (code, out) == (1, "")
    assert json.loads(err)["error"]["type"] == "ConfigurationError"
    for mistake in (["--json", "usage", "--nonsense"], ["--json"], ["models", "nope", "--json"]):
        with pytest.raises(SystemExit) as usage:
            main(mistake)
        assert usage.value.code == 2
        assert json.loads(capsys.readouterr().err)["error"]["type"] == "UsageError"


# -- catalogue --------------------------------------------------------------------------


def ids(out: str) -> List[str]:
    return [line.split()[0] for line in out.splitlines()[1:]]


def test_models_filters(capsys: Any) -> None:
    assert ids(run(capsys, "models", "--offline", "--tag", "premium")[1]) == [
        "meganova-ai/manta-pro-1.0"
    ]
    assert ids(run(capsys, "models", "--offline", "--capability", "vision")[1]) == [
        "Qwen/Qwen2.5-VL-7B-Instruct"
    ]
    assert ids(run(capsys, "models", "--offline", "--search", "WHISPER")[1]) == [
        "Systran/faster-whisper-large-v3"
    ]
    both = run(capsys, "models", "--offline", "--tag", "chat", "--search", "manta")[1]
    assert len(ids(both)) == 3
    listed = json.loads(run(capsys, "models", "--offline", "--json", "--tag", "vision")[1])
    assert [m["id"] for m in listed["data"]] == ["Qwen/Qwen2.5-VL-7B-Instruct"]


def test_serverless_catalogue(capsys: Any) -> None:
    code, out, _ = run(capsys, "serverless", "--offline", "--modality", "embeddings")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["MODEL", "MODALITY", "CONTEXT"]
    assert ids(out) == ["BAAI/bge-m3"]
    catalogue = json.loads(run(capsys, "serverless", "--offline", "--json")[1])
    assert catalogue["request_id"].startswith("req_fake_")
    names = [m["model_name"] for m in catalogue["models"]]
    assert "meganova-ai/manta-flash-1.0" in names


def test_the_readme_demo_command(capsys: Any) -> None:
    code, out, err = run(capsys, "chat", "--offline", "Hi Luna, how are you?")
    assert (code, out, err) == (0, luna_answer("Hi Luna, how are you?") + "\n", "")


def test_a_reply_without_choices_prints_no_traceback(
    httpserver: HTTPServer, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_json({"id": "c", "choices": []})
    monkeypatch.setenv("MEGANOVA_API_KEY", KEY)
    code, out, err = run(
        capsys, "chat", "--no-stream", "hi", "--base-url", httpserver.url_for("/v1")
    )
    assert (code, out, err) == (0, "\n", "")


def test_proxy_option(capsys: Any) -> None:
    from tests.contract import rawserver

    proxy = rawserver.RawServer()  # plays a forward proxy: it gets the absolute URL
    target = "http://api.meganova.invalid/v1"
    proxy.on(f"{target}/models", rawserver.json_reply({"data": [{"id": "via/proxy"}]}))
    try:
        code, out, err = run(
            capsys, "models", "--api-key", KEY, "--base-url", target, "--proxy", proxy.url()
        )
    finally:
        proxy.stop()
    assert (code, err) == (0, "")
    assert ids(out) == ["via/proxy"]
    assert [r.target for r in proxy.requests] == [f"{target}/models"]
    code, _, err = run(capsys, "balance", "--api-key", KEY, "--proxy", "socks9://nowhere")
    assert code == 1 and "--proxy" in err
    # A proxy that does not answer: named, its credentials not shown.
    gone = f"http://user:pw-{KEY[-6:]}@127.0.0.1:9"
    code, _, err = run(capsys, "balance", "--api-key", KEY, "--proxy", gone)
    assert code == 1 and "Check the proxy (--proxy)" in err
    assert f"pw-{KEY[-6:]}" not in err and KEY not in err
