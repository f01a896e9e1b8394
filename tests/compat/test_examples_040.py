"""The 0.4.0 repository's own examples run against this SDK, offline.

Each runs as a script (``__main__``) with its source adapted only as MIGRATING.md says
(the ``dotenv`` lines dropped: python-dotenv is not ours), ``MEGANOVA_API_KEY`` set and
``MEGANOVA_BASE_URL`` pointing at a local HTTP server that answers from
``FakeMeganova``, so ``MegaNova(api_key=...)`` uses the real default transport. The
examples catch every exception and print it, so success is read from what they print.
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
from meganova.testing import FakeMeganova
from tests.helpers import serve_fake

EXAMPLES = Path(__file__).resolve().parent / "examples_040"
DOTENV = re.compile(r"^\s*(from dotenv import load_dotenv|load_dotenv\(\))\s*$", re.M)

# example -> lines its output must contain (it printed no error)
RUNS = {
    "basic_chat.py": ["Role: assistant", "Content: ", "Usage: "],
    "streaming_chat.py": ["Response: ", "Stream finished."],
    "list_models.py": ["Total models: ", "--- Get Model ---", "  Context: "],
    "serverless_models.py": ["Found 4 models", "Requires: Tier 2+", "Found 1 models"],
    "embeddings.py": ["Embeddings: 1", "Dimensions: 8", "Tokens used: 9"],
    "image_generation.py": ["Images: 1", "Saved: generated_0.png"],
    "audio_transcription.py": ["Transcription:"],
    "usage_billing.py": ["Usage Data: ", "Total Cost: "],
    "video_generation.py": ["Generation ID: vid_", "Final status: completed"],
    "test_context_length.py": ["Model claims context length: ", "Max confirmed context: "],
}
# example -> the 0.4.0 feature it stops at (not in 0.5.0: see MIGRATING.md)
REFUSED = {
    "agent_customer_support.py": "agent runner",
    "agent_sandboxed.py": "agent runner",
    "agent_team.py": "agent runner",
    "agent_with_tools.py": "agent runner",
    "studio_agent_chat.py": "Cloud agent",
    "studio_agent_streaming.py": "Cloud agent",
    "studio_agent_tools.py": "Cloud agent",
    "async_chat.py": "asyncio client",
}
ERROR_LINE = re.compile(r"^(Error|An error occurred|Failed|.*[Ee]rror retrieving)", re.M)


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(RUNS) | set(REFUSED)


@pytest.fixture
def fake_api(
    httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FakeMeganova]:
    fake = FakeMeganova(video_seconds=0)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(serve_fake(fake))
    monkeypatch.setenv("MEGANOVA_API_KEY", "sk-example")
    monkeypatch.setenv("MEGANOVA_BASE_URL", httpserver.url_for("/v1"))
    monkeypatch.setenv("STUDIO_AGENT_KEY", "agent_example")
    for name in ("MEGANOVA_MODEL", "MEGANOVA_REGION", "MEGANOVA_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["example"])
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # the examples' own pauses
    (tmp_path / "recording.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00fake audio")
    yield fake


def run_example(name: str) -> None:
    source = DOTENV.sub("", (EXAMPLES / name).read_text(encoding="utf-8"))
    # list_models.py is a SyntaxError on every Python (a backslash inside an f-string's
    # braces); MIGRATING.md gives this one-line fix, unrelated to the SDK.
    source = source.replace('{\\", \\".join(caps)}', "{', '.join(caps)}")
    code = compile(source, str(EXAMPLES / name), "exec")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        exec(code, {"__name__": "__main__", "__file__": str(EXAMPLES / name)})


@pytest.mark.parametrize("name", sorted(RUNS))
def test_example_runs(
    name: str, fake_api: FakeMeganova, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run_example(name)
    out = capsys.readouterr().out
    assert not ERROR_LINE.search(out), out
    for expected in RUNS[name]:
        assert expected in out, out
    assert fake_api.requests, "the example sent nothing"
    if name == "image_generation.py":
        assert (tmp_path / "generated_0.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_example_of_a_feature_not_in_this_release_stops_saying_what_to_do(
    name: str, fake_api: FakeMeganova
) -> None:
    with pytest.raises(MeganovaError, match=r"not in meganova 0\.5\.0.*MIGRATING\.md") as info:
        run_example(name)
    assert REFUSED[name] in str(info.value)
    assert isinstance(info.value, NotImplementedError)
