"""A run killed mid-way (SIGKILL, SIGINT) and resumed: nothing that had completed is sent
again, nothing is lost, every request has exactly one result line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import meganova.batch
from meganova import MegaNova
from tests.helpers import default_sigint

from .server import ChatServer, chat_requests

N = 150
SCRIPT = """
import sys
import meganova.batch
from meganova import MegaNova

client = MegaNova(api_key="sk-test", base_url=sys.argv[1])
meganova.batch.run(client, sys.argv[2], output=sys.argv[3], concurrency=6, progress=False)
"""


def whole_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    return [json.loads(line)["custom_id"] for line in data.split(b"\n")[:-1]]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_run_resumes_with_nothing_lost_or_sent_twice(
    tmp_path: Path, sig: signal.Signals
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in chat_requests(N)))
    out = tmp_path / "out.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
    with ChatServer(delay=0.04) as server:  # the run takes ~1 s: time to kill it mid-way
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, server.base_url, str(src), str(out)],
            env=env,
            preexec_fn=default_sigint,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and proc.poll() is None:
                if out.exists() and out.stat().st_size and len(whole_lines(out)) >= 30:
                    break
                time.sleep(0.01)
            proc.send_signal(sig)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        done_before = set(whole_lines(out))
        assert 30 <= len(done_before) < N  # killed mid-way
        sent_before = len(server.arrivals)

        summary = meganova.batch.run(
            MegaNova(api_key="sk-test", base_url=server.base_url),
            src,
            output=out,
            resume=True,
            concurrency=6,
        )
        sent_after = server.tags()[sent_before:]

    assert summary.skipped == len(done_before)
    assert not done_before & set(sent_after)  # nothing completed was sent again
    final = whole_lines(out)
    assert out.read_bytes().endswith(b"\n")
    assert sorted(final) == sorted(r["custom_id"] for r in chat_requests(N))  # each once
