"""Every method of the client takes the same per-call options (``timeout``,
``max_retries``, ``deadline``, ``idempotency_key``, ``extra_headers``, ``extra_query``,
``extra_body``) and they reach the request."""

from __future__ import annotations

from typing import Any, Callable, Dict

import pytest

from meganova import MegaNova
from meganova.testing import FakeMeganova

MODEL = "meganova-ai/manta-flash-1.0"
OPTIONS: Dict[str, Any] = {
    "timeout": 5,
    "max_retries": 0,
    "deadline": 30,
    "idempotency_key": "key-1",
    "extra_headers": {"X-Probe": "yes"},
    "extra_query": {"probe": "1"},
}
CALLS: Dict[str, Callable[[MegaNova], Any]] = {
    "chat.create": lambda c: c.chat.create(
        messages=[{"role": "user", "content": "Hi"}], model=MODEL, **OPTIONS
    ),
    "chat.completions.create": lambda c: c.chat.completions.create(
        messages=[{"role": "user", "content": "Hi"}], model=MODEL, **OPTIONS
    ),
    "models.list": lambda c: c.models.list(**OPTIONS),
    "models.get": lambda c: c.models.get(MODEL, **OPTIONS),
    "embeddings.create": lambda c: c.embeddings.create("hello", "BAAI/bge-m3", **OPTIONS),
    "rerank.create": lambda c: c.rerank.create(
        query="q", documents=["a", "b"], model="r", **OPTIONS
    ),
    "images.generate": lambda c: c.images.generate("a cat", "m", **OPTIONS),
    "audio.transcribe": lambda c: c.audio.transcribe(b"ID3 audio", filename="a.mp3", **OPTIONS),
    "videos.generate": lambda c: c.videos.generate("a lighthouse", "video-model", **OPTIONS),
    "videos.supported_models": lambda c: c.videos.supported_models(**OPTIONS),
    "billing.get_balance": lambda c: c.billing.get_balance(**OPTIONS),
    "usage.summary": lambda c: c.usage.summary(
        from_="2026-11-01T00:00:00Z", to="2026-11-02T00:00:00Z", **OPTIONS
    ),
    "serverless.list_models": lambda c: c.serverless.list_models(**OPTIONS),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_call_options_reach_the_request(name: str) -> None:
    fake = FakeMeganova()
    with fake.client() as client:
        CALLS[name](client)
    seen = fake.last_request
    assert seen.headers.get("X-Probe") == "yes"
    assert seen.query.get("probe") == "1"
    if seen.method == "POST":
        assert seen.headers.get("Idempotency-Key") == "key-1"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_max_retries_zero_sends_a_failing_call_once(name: str) -> None:
    from meganova.errors import APIError
    from meganova.testing.script import Error

    fake = FakeMeganova()
    fake.script(Error(503), Error(503))
    with fake.client(max_retries=3) as client, pytest.raises(APIError):
        CALLS[name](client)
    assert len(fake.requests) == 1
