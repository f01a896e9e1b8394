"""Offline testing: test your own code against the fake Meganova that ships with the
package. No key, no network; retry waits take no time (virtual clock).

    pytest examples/offline_testing.py

With the package installed, pytest provides the ``meganova_fake`` fixture (a fresh
``FakeMeganova`` per test) and ``meganova_client`` (a client wired to it).
"""

from __future__ import annotations

import pytest

from meganova import MegaNova
from meganova.errors import IncompleteStreamError, RateLimitError
from meganova.testing import EndEarly, Error, FakeMeganova, Stream, Text, ToolCall

MODEL = "meganova-ai/manta-flash-1.0"


# -- the code under test: yours ---------------------------------------------------------


def summarize(client: MegaNova, text: str) -> str:
    """Summarise ``text`` in one sentence."""
    resp = client.chat.create(
        messages=[
            {"role": "system", "content": "Summarise in one sentence."},
            {"role": "user", "content": text},
        ],
        model=MODEL,
        max_tokens=60,
    )
    return resp.text.strip()


def streamed(client: MegaNova, prompt: str) -> str:
    """The whole streamed answer to ``prompt``."""
    with client.chat.stream(messages=[{"role": "user", "content": prompt}], model=MODEL) as s:
        return "".join(chunk.delta for chunk in s)


def wants_tool(client: MegaNova, prompt: str) -> str | None:
    """The name of the tool the model asks for, if any."""
    resp = client.chat.create(
        messages=[{"role": "user", "content": prompt}],
        model=MODEL,
        tools=[{"type": "function", "function": {"name": "get_weather"}}],
    )
    calls = resp.choices[0].message.tool_calls
    return calls[0].function.name if calls else None


# -- its tests -------------------------------------------------------------------------


def test_summary_is_the_answer_stripped(meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(Text("  Neon Harbor never sleeps.  "))
    assert summarize(meganova_fake.client(), "a long text") == "Neon Harbor never sleeps."
    sent = meganova_fake.last_request
    assert sent.json["max_tokens"] == 60
    assert sent.json["messages"][1]["content"] == "a long text"


def test_busy_api_is_retried(meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(Error(503), Error(429, retry_after=2), Text("Done."))
    assert summarize(meganova_fake.client(), "x") == "Done."
    assert len(meganova_fake.requests) == 3  # two retries, no real waiting


def test_rate_limit_reaches_the_caller_when_retries_run_out(meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(Error(429, "slow down"))
    with pytest.raises(RateLimitError):
        summarize(meganova_fake.client(max_retries=0), "x")


def test_stream_pieces_are_joined(meganova_client: MegaNova, meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(Stream(["Neon ", "Harbor"]))
    assert streamed(meganova_client, "Where am I?") == "Neon Harbor"


def test_a_cut_stream_raises_with_the_partial_text(meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(EndEarly(["Once upon "]))
    with pytest.raises(IncompleteStreamError) as caught:
        streamed(meganova_fake.client(max_retries=0), "A story?")
    assert caught.value.partial_text == "Once upon "


def test_tool_call_is_seen(meganova_fake: FakeMeganova) -> None:
    meganova_fake.script(ToolCall("get_weather", {"city": "Hanoi"}))
    assert wants_tool(meganova_fake.client(), "Weather in Hanoi?") == "get_weather"


def test_without_pytest_fixtures() -> None:
    fake = FakeMeganova()  # works anywhere, not only under pytest
    assert summarize(fake.client(), "Hi") != ""
