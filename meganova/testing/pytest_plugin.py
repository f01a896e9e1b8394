"""pytest fixtures for testing code that uses Meganova (registered as a ``pytest11`` plugin).

``meganova_fake``: a fresh ``FakeMeganova`` per test (virtual clock, Luna by default).
``meganova_client``: a ``MegaNova`` wired to that fake.
``meganova_async_client``: an ``AsyncMegaNova`` wired to that fake (a plain fixture, so
tests under pytest-asyncio and under anyio's pytest plugin both get it).
``meganova_cassette``: a ``Cassette`` per test, in ``cassettes/<module>/<test>.jsonl``
beside the test file; its ``client()`` / ``async_client()`` record real exchanges
once and replay them afterwards. ``--meganova-record=none|once|new_episodes|all``
and the ``meganova_cassette`` marker choose the mode (see the fixture).

pytest imports this module in every session of every project that has the package
installed, so it imports nothing of the SDK until a test asks for a fixture.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:
    from ..client import AsyncMegaNova, MegaNova
    from .cassette import Cassette
    from .fake import FakeMeganova

RECORD_MODES = ("none", "once", "new_episodes", "all")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-\[\]]+")
_LONGEST_NAME = 150


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("meganova")
    group.addoption(
        "--meganova-record",
        action="store",
        default=None,
        choices=RECORD_MODES,
        help="meganova_cassette mode for every test: none (replay only), once (replay "
        "when the file exists, else record; the default), new_episodes (record what is "
        "missing), all (record everything anew)",
    )


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "meganova_cassette(path=None, mode=None, **options): the meganova_cassette "
        "fixture's file, mode and Cassette options for this test",
    )


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


def cassette_name(test_name: str) -> str:
    """A test's name as a file name: characters other than letters, digits, ``_``, ``.``,
    ``-`` and brackets become ``_``; a name too long is cut and made unique by a hash."""
    name = _UNSAFE.sub("_", test_name).strip("._") or "test"
    if len(name) > _LONGEST_NAME:
        digest = hashlib.sha1(test_name.encode("utf-8")).hexdigest()[:10]
        name = f"{name[: _LONGEST_NAME - 11]}-{digest}"
    return name


def _meganova_cassette(request: Any) -> Iterator[Cassette]:
    """A ``Cassette`` for this test: ``meganova_cassette.client()`` (or
    ``async_client()`` in an async test) records the test's calls on its first run and
    replays them afterwards, offline.

    The file is ``cassettes/<test module>/<test name>.jsonl`` beside the test file
    (a class's tests: ``<Class>.<test>``; parametrised ids kept, unsafe characters
    replaced by ``_``). The mode is ``--meganova-record`` when given, else the
    ``meganova_cassette`` marker's ``mode``, else ``"once"`` (replay when the file
    exists, record when it does not), as vcrpy; run CI with
    ``--meganova-record=none`` so a missing recording fails instead of reaching the
    network. The marker's other keywords (``path``, ``match_on``, ``redact_headers``,
    ``redact_fields``, ``allow_headers``, ``secrets``, ``pace``) go to ``Cassette``.
    Clients it made are closed after the test (async ones too, when the test left them
    open).

    Args:
        request: pytest's request for the test (the fixture of that name).
    """
    import asyncio

    from .cassette import Cassette

    marker = request.node.get_closest_marker("meganova_cassette")
    options = dict(marker.kwargs) if marker is not None else {}
    marked_mode = options.pop("mode", None)
    path = options.pop("path", None)
    test_file = Path(str(request.node.path if hasattr(request.node, "path") else request.fspath))
    if path is None:
        name = request.node.name
        if request.cls is not None:
            name = f"{request.cls.__name__}.{name}"
        path = test_file.parent / "cassettes" / test_file.stem / f"{cassette_name(name)}.jsonl"
    elif not Path(path).is_absolute():
        path = test_file.parent / path
    mode = request.config.getoption("meganova_record") or marked_mode or "once"
    cassette = Cassette(path, mode=mode, **options)
    try:
        yield cassette
    finally:
        for client in list(cassette._clients):
            if hasattr(client, "__aenter__"):
                # No loop runs at a plain fixture's teardown; a transport bound to the
                # test's own loop may refuse: the test should have closed it.
                with contextlib.suppress(Exception):
                    asyncio.run(client.close())
        cassette.close()


meganova_cassette = pytest.fixture(name="meganova_cassette")(_meganova_cassette)
