"""The ``meganova_cassette`` fixture, as a user's test suite meets it: a fresh pytest run
records against the fake served over HTTP, the next replays with no server at all, and
a request the recording lacks fails by name under ``--meganova-record=none``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Optional

import pytest

from meganova.testing import FakeMeganova
from meganova.testing.pytest_plugin import cassette_name
from tests.helpers import python_env

USER_TESTS = """
import asyncio
import os

import pytest

BASE = os.environ.get("FAKE_BASE_URL", "http://127.0.0.1:9/v1")  # 9: nothing listens
KEY = "sk-user-secret-4242"
USER = [{"role": "user", "content": "Hi"}]


def test_greets(meganova_cassette):
    client = meganova_cassette.client(base_url=BASE, api_key=KEY)
    assert "Luna" in client.chat.create(messages=USER, model="m").text


@pytest.mark.parametrize("word", ["a/b", "c d"])
def test_param(meganova_cassette, word):
    client = meganova_cassette.client(base_url=BASE, api_key=KEY)
    client.chat.create(messages=[{"role": "user", "content": word}], model="m")


class TestGroup:
    def test_in_class(self, meganova_cassette):
        assert meganova_cassette.client(base_url=BASE, api_key=KEY).models.list()


def test_async(meganova_cassette):
    async def main():
        client = meganova_cassette.async_client(base_url=BASE, api_key=KEY)
        async with client:
            return (await client.chat.create(messages=USER, model="m")).text

    assert "Luna" in asyncio.run(main())


@pytest.mark.meganova_cassette(mode="none", path="elsewhere/marked.jsonl")
def test_marked(meganova_cassette):
    assert not meganova_cassette.records
    assert meganova_cassette.path.name == "marked.jsonl"


if os.environ.get("CHANGED"):  # the code under test now asks something else

    @pytest.mark.meganova_cassette(path="cassettes/test_user/test_greets.jsonl")
    def test_changed(meganova_cassette):
        client = meganova_cassette.client(base_url=BASE, api_key=KEY)
        client.chat.create(messages=[{"role": "user", "content": "Something new"}], model="m")
"""


def run_pytest(folder: Path, *args: str, env: Optional[dict[str, str]] = None) -> str:
    # The outer run's PYTEST_ADDOPTS (CI's ``-n 2``) would name a plugin left out below.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEGANOVA_", "FAKE_")) and k != "PYTEST_ADDOPTS"
    }
    # Plugins these tests do not use stay out: each costs the fresh run seconds.
    unused = ("cacheprovider", "hypothesispytest", "xdist", "anyio", "pytest_httpserver")
    plugins = [item for name in unused for item in ("-p", f"no:{name}")]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins, *args, str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
        env=python_env({**base, **(env or {})}),
    )
    return f"exit={result.returncode}\n{result.stdout}{result.stderr}"


def test_a_suite_records_once_then_replays_offline_and_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS), encoding="utf-8")
    fake = FakeMeganova()
    with fake.serve() as server:
        first = run_pytest(tmp_path, env={"FAKE_BASE_URL": server.base_url})
    assert first.startswith("exit=0"), first
    assert "6 passed" in first
    folder = tmp_path / "cassettes" / "test_user"
    files = sorted(p.name for p in folder.iterdir())
    assert files == [
        "TestGroup.test_in_class.jsonl",
        "test_async.jsonl",
        "test_greets.jsonl",
        "test_param[a_b].jsonl",
        "test_param[c_d].jsonl",
    ]
    assert len(fake.requests) == 5
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "sk-user-secret-4242" not in text
        assert all(json.loads(line)["request"] for line in text.splitlines())

    # The server is gone: everything comes from the files; a request the recording
    # lacks is refused by name, and nothing is sent.
    second = run_pytest(tmp_path, "--meganova-record=none", env={"CHANGED": "1"})
    assert "1 failed, 6 passed" in second, second
    assert "UnmatchedRequestError" in second and "POST /v1/chat/completions" in second
    assert "differs in body" in second


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("test_x", "test_x"),
        ("test_x[a/b]", "test_x[a_b]"),
        ("test_x[é ü:?*]", "test_x[_]"),
        ("TestA.test_b[1-2]", "TestA.test_b[1-2]"),
        ("..", "test"),
    ],
)
def test_cassette_names_are_safe_file_names(name: str, expected: str) -> None:
    assert cassette_name(name) == expected


def test_a_name_too_long_is_cut_and_kept_unique() -> None:
    names: List[str] = [cassette_name(f"test_long[{'x' * 300}{i}]") for i in range(2)]
    assert all(len(n) <= 150 for n in names)
    assert names[0] != names[1]
