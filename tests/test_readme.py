"""README.md cannot drift from the code: every ```python block runs, offline.

Convention: the blocks run in order in one namespace (like a notebook), in a temporary
directory holding a small ``hello.mp3``, with ``MEGANOVA_API_KEY`` (and
``MEGANOVA_AGENT_KEY``) set and ``MEGANOVA_BASE_URL`` (and ``MEGANOVA_AGENT_BASE_URL``)
pointing at a local HTTP server whose answers come from ``FakeMeganova``, so
``MegaNova()`` in a block uses the real default transport against that server.
Functions named ``test_*`` that a block defines are then called, with a fresh fake
for a ``meganova_fake`` parameter, as pytest would. The shell commands a newcomer runs
(the offline demo, the test command) are checked too.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Iterator

import pytest

from meganova.testing import Cassette, FakeMeganova, ToolApproval, luna_answer
from tests.helpers import serve_fake

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[tuple[str, str]]:
    """(id, code) for each ```python block, the id naming its section."""
    blocks = []
    for match in FENCE.finditer(TEXT):
        if match.group(1) != "python":
            continue
        prose = FENCE.sub("", TEXT[: match.start()])
        headings = re.findall(r"^#+ (.+)$", prose, re.MULTILINE)
        section = re.sub(r"\W+", "-", headings[-1].lower()).strip("-") if headings else "top"
        blocks.append((f"{len(blocks):02d}-{section}", match.group(2)))
    return blocks


BLOCKS = python_blocks()


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Runs every block once, in order; maps block id -> the exception it raised (or None)."""
    from pytest_httpserver import HTTPServer

    fake = FakeMeganova(video_seconds=0)
    # The Cloud agents block's agent asks before running a tool, so its approval runs too.
    fake.script(ToolApproval("create_ticket", {"subject": "Login"}, "Open a ticket"))
    httpserver = HTTPServer(host="127.0.0.1", port=0, threaded=True)  # bulk runs: many at once
    httpserver.start()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(serve_fake(fake))
    workdir = tmp_path_factory.mktemp("readme")
    (workdir / "hello.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00fake audio")
    names = (
        "MEGANOVA_API_KEY",
        "MEGANOVA_BASE_URL",
        "MEGANOVA_AGENT_KEY",
        "MEGANOVA_AGENT_BASE_URL",
    )
    saved_env = {k: os.environ.get(k) for k in names}
    saved_cwd = os.getcwd()
    os.environ["MEGANOVA_API_KEY"] = "sk-readme"
    os.environ["MEGANOVA_BASE_URL"] = httpserver.url_for("/v1")
    os.environ["MEGANOVA_AGENT_KEY"] = "agent_readme"
    os.environ["MEGANOVA_AGENT_BASE_URL"] = httpserver.url_for("")
    os.chdir(workdir)
    outcomes: dict[str, Any] = {}
    called: list[str] = []
    # A real module, as a user's script is: dataclasses and msgspec resolve the blocks'
    # annotations (strings here: compile inherits this file's __future__ import) in it.
    module = types.ModuleType("readme")
    sys.modules["readme"] = module
    namespace: dict[str, Any] = module.__dict__
    try:
        for block_id, code in BLOCKS:
            try:
                exec(compile(code, f"README.md:{block_id}", "exec"), namespace)
                for name, value in list(namespace.items()):
                    if name.startswith("test_") and inspect.isfunction(value):
                        del namespace[name]
                        _call_like_pytest(value)
                        called.append(name)
                outcomes[block_id] = None
            except BaseException as exc:  # recorded, reported by the block's own test
                outcomes[block_id] = exc
        outcomes["tests called"] = called
        yield outcomes
    finally:
        sys.modules.pop("readme", None)
        httpserver.stop()
        os.chdir(saved_cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _call_like_pytest(test: Any) -> None:
    parameters = list(inspect.signature(test).parameters)
    if parameters == ["meganova_cassette"]:
        # As the fixture's first run (records from the server the blocks use), then a
        # run with --meganova-record=none: offline, from the file.
        path = Path("cassettes") / "readme" / f"{test.__name__}.jsonl"
        for mode in ("once", "none"):
            with Cassette(path, mode=mode) as cassette:
                test(cassette)
                assert cassette.recorded if mode == "once" else cassette.all_played
        return
    arguments: dict[str, Any] = {}
    for name in parameters:
        fake = FakeMeganova()
        if name == "meganova_fake":
            arguments[name] = fake
        elif name == "meganova_client":
            arguments[name] = fake.client()
        else:
            raise AssertionError(f"README test {test.__name__} wants an unknown fixture {name!r}")
    test(**arguments)


def test_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 8


def test_readme_test_functions_were_called(readme_run: dict[str, Any]) -> None:
    assert len(readme_run["tests called"]) >= 3


@pytest.mark.parametrize("block_id", [b for b, _ in BLOCKS])
def test_readme_block_runs(block_id: str, readme_run: dict[str, Any]) -> None:
    error = readme_run[block_id]
    if error is not None:
        raise AssertionError(f"README block {block_id} failed: {error!r}") from error


def _block_under(heading: str, *, right_under: bool = True) -> str:
    prose = r"\n\n" if right_under else r"\n\n(?:[^#`][^\n]*\n+)*"
    match = re.search(
        rf"^## {re.escape(heading)}{prose}```(?:bash|sh|console)\n(.*?)```", TEXT, re.M | re.S
    )
    assert match, f"README needs a fenced command under '## {heading}'"
    return match.group(1)


def test_the_test_command_is_one_line_under_its_heading() -> None:
    lines = [line for line in _block_under("Run the tests").splitlines() if line.strip()]
    assert lines == ["python -m pip install -U pip && pip install -e . --group test && pytest"]


def test_the_offline_demo_command_works_as_written() -> None:
    (command,) = [
        line
        for line in _block_under("Try it: the offline demo", right_under=False).splitlines()
        if line.strip()
    ]
    assert command == 'meganova chat --offline "Hi Luna, how are you?"'
    script = Path(sys.executable).parent / "meganova"
    program = [str(script)] if script.exists() else [sys.executable, "-m", "meganova"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
    env["MEGANOVA_DEMO_DELAY"] = "0"
    result = subprocess.run(
        [*program, "chat", "--offline", "Hi Luna, how are you?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == luna_answer("Hi Luna, how are you?")


def test_readme_benchmark_table_is_the_one_the_last_run_wrote() -> None:
    results = (README.parent / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    for heading in ("## Summary (for README)", "## Async summary (for README)"):
        assert heading in results, f"benchmarks/RESULTS.md has no {heading!r}"
        table = results.split(heading + "\n\n", 1)[1].split("\n\n", 1)[0].strip()
        assert table in TEXT, f"README's table under {heading!r} differs from benchmarks/RESULTS.md"


def _section(heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## )", TEXT, re.M | re.S)
    assert match, f"README needs a '## {heading}' section"
    return match.group(1)


def test_the_async_section_awaits_every_call_the_sync_examples_make() -> None:
    """Every README example has an async form: each resource call the sync blocks make
    is awaited in the Async section (whose blocks run above, like every block)."""
    async_text = _section("Async")
    sync_code = "\n".join(
        code for _, code in BLOCKS if code not in async_text and "AsyncMegaNova" not in code
    )
    calls = set(
        re.findall(
            r"\.((?:chat\.completions|chat|models|serverless|embeddings|rerank"
            r"|images|videos|audio|usage|billing)\.\w+)\(",
            sync_code,
        )
    )
    assert len(calls) >= 12, calls
    missing = sorted(c for c in calls if not re.search(rf"await \w+\.{re.escape(c)}\(", async_text))
    assert not missing, f"README's Async section does not await: {missing}"
