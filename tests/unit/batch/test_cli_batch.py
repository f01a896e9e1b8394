"""``meganova batch``, run in a subprocess as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List

from .server import ChatServer, chat_requests


def meganova(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "meganova", *args],
        capture_output=True,
        text=True,
        env=base,
        timeout=120,
    )


def write(path: Path, rows: List[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_offline_run_writes_results_and_resume_sends_nothing_twice(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", chat_requests(25))
    out = tmp_path / "out.jsonl"
    first = meganova("batch", str(src), "-o", str(out), "--offline", "--concurrency", "4")
    assert first.returncode == 0, first.stderr
    assert "25 succeeded, 0 failed" in first.stdout
    assert len(out.read_text().splitlines()) == 25

    again = meganova("batch", str(src), "-o", str(out), "--offline", "--resume", "--json")
    summary = json.loads(again.stdout)
    assert again.returncode == 0 and summary["skipped"] == 25 and summary["requests_sent"] == 0
    assert len(out.read_text().splitlines()) == 25


def test_without_output_results_go_to_stdout_and_the_summary_to_stderr(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", [*chat_requests(3), "{broken"])
    result = meganova("batch", str(src), "--offline")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1  # one request failed
    assert sorted(str(r["custom_id"]) for r in lines) == ["None", "r0", "r1", "r2"]
    assert "3 succeeded, 1 failed" in result.stderr and "line 4: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_against_a_server_with_a_key_and_a_rate(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", chat_requests(10))
    out = tmp_path / "out.jsonl"
    with ChatServer() as server:
        result = meganova(
            "batch",
            str(src),
            "-o",
            str(out),
            "--rpm",
            "6000",
            "--base-url",
            server.base_url,
            MEGANOVA_API_KEY="sk-cli-secret",
        )
        assert sorted(server.tags()) == sorted(f"r{i}" for i in range(10))
    assert result.returncode == 0, result.stderr
    assert "sk-cli-secret" not in result.stdout + result.stderr + out.read_text()


def test_usage_problems_exit_2_without_a_traceback(tmp_path: Path) -> None:
    missing = meganova("batch", str(tmp_path / "nope.jsonl"), "--offline")
    assert missing.returncode == 2 and "no such input file" in missing.stderr
    src = write(tmp_path / "in.jsonl", chat_requests(1))
    resume = meganova("batch", str(src), "--offline", "--resume")
    assert resume.returncode == 2 and "--resume needs -o" in resume.stderr
    assert "Traceback" not in missing.stderr + resume.stderr
