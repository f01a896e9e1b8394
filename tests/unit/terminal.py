"""A ``python -m meganova`` driven through a real pseudo-terminal (``pty.fork``), as a
person types: shared by the interactive command-line tests."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path
from typing import Dict, List

from tests.helpers import default_sigint

WAIT = 30.0  # the most any expected output may take (a loaded CI machine)
UP = "\x1b[A"  # the Up arrow
CTRL_D = "\x04"


class Terminal:
    """One ``python -m meganova`` in a pseudo-terminal: type, and wait for output."""

    def __init__(self, args: List[str], env: Dict[str, str]) -> None:
        import pty  # POSIX only: the tests using this skip elsewhere

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            default_sigint()
            os.execve(sys.executable, [sys.executable, "-m", "meganova", *args], env)
        self.seen = ""
        self.transcript = ""  # everything shown, for failure messages

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait_reading(self) -> None:
        """Wait until the child blocks reading the terminal. CPython's readline installs
        the prompt before it enters select(); a SIGINT landing in between stays pending
        until the next key, so a Ctrl-C typed the instant "> " shows may go unanswered."""
        wchan = Path(f"/proc/{self.pid}/wchan")
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                waiting_on = wchan.read_text()
            except OSError:  # no /proc (macOS): nothing to wait on
                return
            if "poll" in waiting_on or "select" in waiting_on:
                return
            time.sleep(0.01)
        raise AssertionError(f"the session never waited for input: {self.transcript!r}")

    def expect(self, text: str) -> str:
        """Wait for ``text``; returns what arrived up to and including it."""
        deadline = time.monotonic() + WAIT
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"waited {WAIT}s for {text!r}; the terminal showed {self.transcript!r}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    data = b""
                assert data, f"the session ended before {text!r}: {self.transcript!r}"
                shown = data.decode("utf-8", "replace")
                self.seen += shown
                self.transcript += shown
        head, _, self.seen = self.seen.partition(text)
        return head + text

    def exit_status(self) -> int:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = 0
                return os.waitstatus_to_exitcode(status)
            try:  # keep draining, so the child never blocks on a full terminal
                if select.select([self.fd], [], [], 0.05)[0]:
                    self.seen += os.read(self.fd, 65536).decode("utf-8", "replace")
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"the session did not end: {self.seen!r}")

    def close(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
