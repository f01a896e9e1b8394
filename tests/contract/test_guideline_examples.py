"""Every example of the implementation guideline, as written, through the default
transport to a real local HTTP server (answered by the fake Meganova).

Section 1's example names no model: as issue 3 asks, the model then comes from
``MEGANOVA_MODEL`` (or ``default_model=``), which this test sets. Section 8's
``client.chat.create(...)`` placeholder is filled in with a real call.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from meganova.testing import Error, FakeMeganova, Stream, Text
from tests.helpers import serve_fake

# The client every later section uses (section 1's first lines).
CLIENT = """
from meganova import MegaNova

client = MegaNova(api_key="YOUR_API_KEY")
"""

SECTION_1 = """
from meganova import MegaNova

client = MegaNova(api_key="YOUR_API_KEY")

resp = client.chat.create(
    session_id="sess_123",
    messages=[{"role": "user", "content": "Hi!"}],
)
print(resp.choices[0].message["content"])
"""

SECTION_3_1 = """
from meganova import MegaNova

client = MegaNova(
    api_key="YOUR_API_KEY",
    base_url="https://api.meganova.ai/v1",
    timeout=10.0,           # seconds
    max_retries=3,
    region="auto",          # "auto", "us-east", "eu-west", etc.
    user_agent_extra=None,  # optional extra UA fragment
)
"""

SECTION_4_1 = """
resp = client.chat.create(
    messages=[
        {"role": "user", "content": "Hey, how are you?"}
    ],
    model="manta-flash",
    temperature=0.9,
    max_tokens=512,
)

print(resp.choices[0].message["content"])
"""

SECTION_4_2 = """
for chunk in client.chat.stream(
    messages=[{"role": "user", "content": "Describe the city tonight."}],
    model="manta-flash",
):
    print(chunk.delta, end="", flush=True)
"""

SECTION_5 = """
for m in client.models.list():
    print(m.id, m.name, m.context_length, m.pricing)
"""

SECTION_6_1 = """
summary = client.usage.summary(
    from_="2025-11-01T00:00:00Z",
    to="2025-11-30T23:59:59Z",
    group_by="user",
)
"""

SECTION_6_2 = """
balance = client.billing.get_balance()
print(balance.balance, balance.currency, balance.status)
"""

SECTION_8 = """
from meganova import MegaNova, MeganovaError
from meganova.errors import RateLimitError

try:
    resp = client.chat.create(messages=[{"role": "user", "content": "Hi"}], model="manta-flash")
except RateLimitError as e:
    print("Rate-limited, retry later:", e)
except MeganovaError as e:
    print("Meganova API error:", e)
"""

SECTION_10_1 = """
from meganova import MegaNova

client = MegaNova(api_key="YOUR_API_KEY")

resp = client.chat.create(
    messages=[{"role": "user", "content": "Hi Luna, how are you?"}],
    model="manta-flash"
)

print(resp.choices[0].message["content"])
"""

SECTION_10_2 = """
for chunk in client.chat.stream(
    messages=[{"role": "user", "content": "Tell me about Neon Harbor tonight."}],
    model="manta-flash"
):
    print(chunk.delta, end="", flush=True)
"""

SECTION_10_3 = """
models = client.models.list()
for m in models:
    print(m.id, m.modalities, m.context_length)

balance = client.billing.get_balance()
print("Balance:", balance.balance, balance.currency)
"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeMeganova]:
    from pytest_httpserver import HTTPServer

    fake = FakeMeganova()
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request(re.compile(".*")).respond_with_handler(serve_fake(fake))
    fake.base_url = server.url_for("/v1")  # type: ignore[attr-defined]
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def env(fake: FakeMeganova, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.delenv("MEGANOVA_API_KEY", raising=False)
    monkeypatch.setenv("MEGANOVA_BASE_URL", fake.base_url)  # type: ignore[attr-defined]
    monkeypatch.setenv("MEGANOVA_MODEL", "meganova-ai/manta-flash-1.0")
    fake.script()  # nothing left over from another test
    namespace: dict[str, Any] = {}
    run(CLIENT, namespace)
    return namespace


def run(code: str, namespace: dict[str, Any]) -> None:
    exec(compile(code, "guideline", "exec"), namespace)


def test_section_1(fake: FakeMeganova, env: dict[str, Any], capsys: Any) -> None:
    fake.script(Text("Hello from Luna."))
    run(SECTION_1, env)
    assert capsys.readouterr().out == "Hello from Luna.\n"
    sent = fake.last_request
    assert sent.json["session_id"] == "sess_123"
    assert sent.json["model"] == "meganova-ai/manta-flash-1.0"
    headers = {name.lower(): value for name, value in sent.headers.items()}
    assert headers["x-mn-sdk"] == "python"


def test_section_3_1_builds_the_client_it_describes(env: dict[str, Any]) -> None:
    run(SECTION_3_1, env)
    client = env["client"]
    assert client.base_url == "https://api.meganova.ai/v1"
    assert (client.timeout.connect, client.timeout.read) == (10.0, 10.0)
    assert client.max_retries == 3 and client.config.region == "auto"
    assert "YOUR_API_KEY" not in repr(client)


@pytest.mark.parametrize(
    ("code", "expected"), [(SECTION_4_1, "I'm well.\n"), (SECTION_10_1, "I'm well.\n")]
)
def test_chat_examples(
    code: str, expected: str, fake: FakeMeganova, env: dict[str, Any], capsys: Any
) -> None:
    fake.script(Text("I'm well."))
    run(code, env)
    assert capsys.readouterr().out == expected
    assert fake.last_request.json["model"] == "manta-flash"


@pytest.mark.parametrize("code", [SECTION_4_2, SECTION_10_2])
def test_streaming_examples(
    code: str, fake: FakeMeganova, env: dict[str, Any], capsys: Any
) -> None:
    fake.script(Stream(["The rain ", "stopped; ", "neon wakes."]))
    run(code, env)
    assert capsys.readouterr().out == "The rain stopped; neon wakes."
    assert fake.last_request.json["stream"] is True


def test_section_5_models(env: dict[str, Any], capsys: Any) -> None:
    run(SECTION_5, env)
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines[0].startswith("meganova-ai/")


def test_section_6_usage_and_balance(fake: FakeMeganova, env: dict[str, Any], capsys: Any) -> None:
    run(SECTION_6_1, env)
    assert fake.last_request.path == "/usage/time_range"
    assert env["summary"].request_id
    run(SECTION_6_2, env)
    balance, currency, status = capsys.readouterr().out.split()
    assert float(balance) >= 0 and currency and status


def test_section_8_errors(fake: FakeMeganova, env: dict[str, Any], capsys: Any) -> None:
    env["client"] = env["client"].with_options(max_retries=0)
    fake.script(Error(429, "slow down"))
    run(SECTION_8, env)
    assert capsys.readouterr().out.startswith("Rate-limited, retry later: slow down")


def test_section_10_3(env: dict[str, Any], capsys: Any) -> None:
    run(SECTION_10_3, env)
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("Balance: ")
    assert "meganova-ai/manta-flash-1.0" in out
