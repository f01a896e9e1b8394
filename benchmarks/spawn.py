"""Start a benchmark server script in its own process and learn its base URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def spawn_server(script: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Run ``script`` (which prints ``PORT <n>`` once it listens, and exits when its
    stdin closes); returns the process and its ``http://127.0.0.1:<n>/v1`` base."""
    proc = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        raise SystemExit(f"{script.name} did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}/v1"
