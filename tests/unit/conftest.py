"""Fixtures many unit modules share: a fresh fake Meganova, and asyncio as the async
tests' backend (the async fakes and transports are asyncio's)."""

import pytest

from meganova.testing import FakeMeganova


@pytest.fixture
def fake() -> FakeMeganova:
    return FakeMeganova()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
