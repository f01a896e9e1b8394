"""pytest fixtures for testing code that uses Meganova (registered as a ``pytest11`` plugin).

``meganova_fake``: a fresh ``FakeMeganova`` per test (virtual clock, Luna by default).
``meganova_client``: a ``MegaNova`` wired to that fake.
``meganova_async_client``: an ``AsyncMegaNova`` wired to that fake (a plain fixture, so
tests under pytest-asyncio and under anyio's pytest plugin both get it).

pytest imports this module in every session of every project that has the package
installed, so it imports nothing of the SDK until a test asks for a fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from ..client import AsyncMegaNova, MegaNova
    from .fake import FakeMeganova


def _meganova_fake() -> FakeMeganova:
    """A fake Meganova API; script replies with ``meganova_fake.script(...)``."""
    from .fake import FakeMeganova

    return FakeMeganova()


def _meganova_client(meganova_fake: FakeMeganova) -> Iterator[MegaNova]:
    """A ``MegaNova`` client that talks to ``meganova_fake`` (closed after the test).

    Args:
        meganova_fake: The test's fake (the fixture of that name).
    """
    client = meganova_fake.client()
    try:
        yield client
    finally:
        client.close()


def _meganova_async_client(meganova_fake: FakeMeganova) -> Iterator[AsyncMegaNova]:
    """An ``AsyncMegaNova`` client that talks to ``meganova_fake`` (closed after the test).

    Args:
        meganova_fake: The test's fake (the fixture of that name).
    """
    import asyncio

    client = meganova_fake.async_client()
    try:
        yield client
    finally:
        # The fake holds no connections; closing marks it closed. No loop runs at
        # teardown under either plugin, so a fresh one is used.
        asyncio.run(client.close())


# Assigned rather than decorated: mypy sees pytest as untyped (see pyproject).
meganova_fake = pytest.fixture(name="meganova_fake")(_meganova_fake)
meganova_client = pytest.fixture(name="meganova_client")(_meganova_client)
meganova_async_client = pytest.fixture(name="meganova_async_client")(_meganova_async_client)
