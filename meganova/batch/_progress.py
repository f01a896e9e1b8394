"""The progress line of a bulk run on a terminal (stderr): done/total, rate, ETA,
tokens, failures. No dependency; redrawn at most ``EVERY`` seconds."""

from __future__ import annotations

from typing import Callable, Optional, TextIO

from ..core.batch.results import BatchSummary

EVERY = 0.2


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def render(summary: BatchSummary, total: Optional[int], elapsed: float) -> str:
    done = summary.total + summary.skipped
    rate = summary.total / elapsed if elapsed > 0 else 0.0
    head = f"{done:,}/{total:,}" if total else f"{done:,}"
    parts = [head]
    if total:
        parts[0] += f" {100 * done // max(total, 1)}%"
    parts.append(f"{rate:,.1f}/s")
    if total and rate > 0:
        parts.append(f"ETA {_clock(max(0, total - done) / rate)}")
    parts.append(f"{summary.total_tokens:,} tokens")
    parts.append(f"{summary.failed:,} failed")
    return " | ".join(parts)


class Progress:
    """Draws on ``stream`` (a terminal); ``now`` is the run's clock."""

    def __init__(self, stream: TextIO, total: Optional[int], now: Callable[[], float]) -> None:
        self._stream = stream
        self._total = total
        self._now = now
        self._began = now()
        self._drawn = float("-inf")
        self._width = 0

    def update(self, summary: BatchSummary, *, force: bool = False) -> None:
        now = self._now()
        if not force and now - self._drawn < EVERY:
            return
        self._drawn = now
        text = render(summary, self._total, now - self._began)
        pad = " " * max(0, self._width - len(text))
        self._width = len(text)
        self._stream.write("\r" + text + pad)
        self._stream.flush()

    def close(self, summary: BatchSummary) -> None:
        self.update(summary, force=True)
        self._stream.write("\n")
        self._stream.flush()
