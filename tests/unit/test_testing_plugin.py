"""Written as a user of the SDK would: their own code, tested with the plugin's fixture.

Nothing here imports the fixture; pytest finds it through the package's ``pytest11``
entry point.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from meganova import MegaNova
from meganova.testing import Error, FakeMeganova, Text

# -- the user's own code ----------------------------------------------------------


def summarize(client: MegaNova, text: str) -> str:
    """A user's function: a one-line summary, or a fallback when the API is busy."""
    try:
        response = client.chat.create(
            messages=[
                {"role": "system", "content": "Summarize in one line."},
                {"role": "user", "content": text},
            ],
            model="meganova-ai/manta-flash-1.0",
            max_tokens=60,
        )
    except Exception:
        return "(summary unavailable)"
    return (response.choices[0].message.content or "").strip()


# -- the user's tests ---------------------------------------------------------------


def test_summarize(meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(Text("Rain, neon and noodles."))
    assert summarize(meganova_fake.client(), "A long story...") == "Rain, neon and noodles."


def test_summarize_sends_the_text_and_a_length_limit(meganova_fake: FakeMeganova) -> None:
    summarize(meganova_fake.client(), "A long story...")
    sent = meganova_fake.last_request.json
    assert sent["messages"][-1]["content"] == "A long story..."
    assert sent["max_tokens"] == 60


def test_summarize_falls_back_when_rate_limited(meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(*[Error(429, retry_after=1)] * 3)
    assert summarize(meganova_fake.client(), "x") == "(summary unavailable)"
    assert meganova_fake.clock.sleeps == [1.0, 1.0]  # two retries, no real waiting


def test_the_client_fixture(meganova_client: MegaNova) -> None:
    assert "Luna" in summarize(meganova_client, "Who are you?")


def test_plugin_is_found_by_a_fresh_pytest_run(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            from meganova.testing import Text

            def test_greeting(meganova_fake):
                meganova_fake.script(Text("Ahoy!"))
                reply = meganova_fake.client().chat.create(
                    messages=[{"role": "user", "content": "Hi"}], model="m"
                )
                assert reply.choices[0].message.content == "Ahoy!"
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
