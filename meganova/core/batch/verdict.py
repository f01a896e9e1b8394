"""What a bulk run does after a failed attempt (pure).

The run sends every request with the client's retries turned off and retries here,
with the client's own rule (``core.retry.decide``: its ``max_retries``, statuses,
backoff and ``Retry-After`` cap). The client retrying a 429 inside a call while the
run pauses everyone for it would multiply the waits and the attempts; this way a
request is still sent at most ``max_retries + 1`` times, and a 429 or ``Retry-After``
pauses every worker once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import APIError, InvalidArgumentError
from ..retry import RetrySettings, backoff_delay, decide

__all__ = ["Verdict", "after_failure"]


@dataclass(frozen=True)
class Verdict:
    """``retry`` after ``delay`` seconds; ``pause`` > 0: pause every worker that long."""

    retry: bool
    delay: float = 0.0
    pause: float = 0.0
    sent: bool = True  # False: the request never left (an invalid argument)


def after_failure(
    error: BaseException,
    attempt: int,
    settings: RetrySettings,
    *,
    rand: Callable[[], float],
) -> Verdict:
    """The verdict after attempt ``attempt`` (1-based) failed with ``error``."""
    if isinstance(error, (InvalidArgumentError, TypeError)):
        return Verdict(False, sent=False)
    decision = decide(error, attempt, settings, rand=rand)
    pause = 0.0
    if isinstance(error, APIError) and (error.status == 429 or error.retry_after is not None):
        asked = error.retry_after
        if asked is None:
            asked = backoff_delay(attempt - 1, settings, rand)
        pause = min(asked, settings.max_retry_after)
    return Verdict(decision.retry, decision.delay if decision.retry else 0.0, pause)
