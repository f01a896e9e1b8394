"""MEGANOVA_LOG in a fresh interpreter: no doubled lines, no silent typos."""

import os
import subprocess
import sys

SCRIPT = """
import logging, sys
if sys.argv[1] == "app-configured":
    logging.basicConfig(level=logging.WARNING, format="APP %(name)s %(message)s")
from meganova import MegaNova
from meganova.adapters.fake_transport import FakeTransport
MegaNova(api_key="sk-log", base_url="http://api.example.test/v1", transport=FakeTransport())
"""


def run(mode: str, level: str) -> str:
    env = {**os.environ, "MEGANOVA_LOG": level}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stderr


def test_lines_go_to_stderr_when_the_app_has_no_logging():
    err = run("bare", "warning")
    assert err.count("plain http") == 1


def test_an_app_with_logging_gets_each_line_once_through_its_handlers():
    err = run("app-configured", "info")
    assert err.count("plain http") == 1
    assert "APP meganova" in err


def test_an_unknown_level_is_reported_not_ignored():
    err = run("bare", "verbose")
    assert "MEGANOVA_LOG='verbose'" in err and "stays off" in err
    assert "plain http" not in err
