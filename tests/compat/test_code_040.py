"""Our scripts in the 0.4.0 style (code_040/) run against this SDK, offline.

Each runs unchanged as a script (``__main__``) with ``MEGANOVA_API_KEY`` set and
``MEGANOVA_BASE_URL`` pointing at a local HTTP server that answers from ``FakeMeganova``,
so ``MegaNova(...)`` uses the real default transport. A script that fails raises; success
is also read from what it prints.
"""

from __future__ import annotations

import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest

from meganova.errors import MeganovaError
from meganova.testing import FakeMeganova, ToolApproval
from tests.helpers import serve_fake

SCRIPTS = Path(__file__).resolve().parent / "code_040"

# script -> lines its output must contain
RUNS = {
    "ask_a_question.py": ["Speaker: assistant", "Answer: ", "Token usage: "],
    "haiku_stream.py": ["[stream done: "],
    "browse_models.py": [" models in the catalogue", "Details for ", "context window="],
    "serverless_catalog.py": [
        "== text_generation: 4 model(s)",
        "needs tier 2 or above",
        "== text_to_image: 1 model(s)",
    ],
    "embed_sentence.py": ["1 vector(s) from ", "8 numbers long", "prompt tokens billed: 8"],
    "draw_picture.py": ["1 picture(s), made at ", "wrote lighthouse_1.png"],
    "transcribe_file.py": ["sending recording.mp3", "Transcript: "],
    "spending_report.py": ["Last 7 days: ", "Instances billed, total: "],
    "make_video.py": ["queued vid_", "finished with status completed"],
    "probe_context_window.py": [" advertises ", "Largest prompt accepted: "],
    "tool_agent.py": ["turns=1 tools=0 tokens="],
    "cloud_agent_chat.py": [
        "Luna (available: True) says: Welcome to Neon Harbor!",
        "conversation conv_fake0002: 4 messages",
    ],
    "cloud_agent_stream.py": ["agent-model -> ", " tokens)"],
    "cloud_agent_confirm.py": [
        "The agent asks to run send_invoice (Email the last invoice)",
        "with {'to': 'me@example.com'}",
        "Done: send_invoice ran.",
        "conv_fake0001: 3 messages",
    ],
    "async_hello.py": [
        "".join(
            __import__("meganova.testing", fromlist=["x"]).luna_answer("Spell 'async'.").split()
        )[:0]
    ],
}
# script -> the 0.4.0 feature it stops at (not in 0.5.0: see MIGRATING.md)
REFUSED = {
    "support_agent.py": "agent runner's built-in tools",
    "sandbox_agent.py": "agent runner's built-in tools and sandboxes",
    "agent_pipeline.py": "agent runner's teams",
}
# script -> the DeprecationWarnings its 0.4.0 forms raise (every other form is current)
DEPRECATED = {
    "serverless_catalog.py": {
        "ServerlessModel.tier2_plus_require is the meganova 0.4.0 form; write tier2_required"
        " (see MIGRATING.md)"
    },
}
ERROR_LINE = re.compile(r"^.*(error|Traceback)", re.M | re.I)


def test_every_script_is_covered() -> None:
    assert {p.name for p in SCRIPTS.glob("*.py")} == set(RUNS) | set(REFUSED)


@pytest.fixture
def fake_api(
    httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FakeMeganova]:
    fake = FakeMeganova(video_seconds=0)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(serve_fake(fake))
    monkeypatch.setenv("MEGANOVA_API_KEY", "sk-example")
    monkeypatch.setenv("MEGANOVA_BASE_URL", httpserver.url_for("/v1"))
    monkeypatch.setenv("STUDIO_AGENT_KEY", "agent_example")
    monkeypatch.setenv("MEGANOVA_AGENT_BASE_URL", httpserver.url_for(""))
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")  # the person approves
    for name in ("MEGANOVA_MODEL", "MEGANOVA_REGION", "MEGANOVA_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["script"])
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # video polling
    (tmp_path / "recording.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00fake audio")
    yield fake


def run_script(name: str) -> list[str]:
    """Run ``name`` as ``__main__``; return the DeprecationWarnings it raised."""
    path = SCRIPTS / name
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        exec(code, {"__name__": "__main__", "__file__": str(path)})
    return [str(w.message) for w in seen if issubclass(w.category, DeprecationWarning)]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_script_runs(
    name: str, fake_api: FakeMeganova, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if name == "cloud_agent_confirm.py":
        fake_api.script(
            ToolApproval("send_invoice", {"to": "me@example.com"}, "Email the last invoice")
        )
    deprecations = run_script(name)
    out = capsys.readouterr().out
    assert not ERROR_LINE.search(out), out
    for expected in RUNS[name]:
        assert expected in out, out
    assert fake_api.requests, "the script sent nothing"
    if name == "cloud_agent_confirm.py":
        fake_api.assert_script_consumed()
    assert set(deprecations) == DEPRECATED.get(name, set())
    if name == "draw_picture.py":
        assert (tmp_path / "lighthouse_1.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_script_using_a_feature_not_in_this_release_stops_saying_what_to_do(
    name: str, fake_api: FakeMeganova
) -> None:
    with pytest.raises(MeganovaError, match=r"not in meganova 0\.5\.0.*MIGRATING\.md") as info:
        run_script(name)
    assert REFUSED[name] in str(info.value)
    assert isinstance(info.value, NotImplementedError)
