"""Whether a failed attempt may be tried again, and after how long (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

from .errors import APIConnectionError, APIError
from .http import Headers
from .ports import RetryDecision

RETRYABLE_STATUSES = frozenset({408, 409, 429})
# ``APIConnectionError.code`` of a TLS certificate that did not verify: never retried.
CERTIFICATE_VERIFY_FAILED = "certificate_verify_failed"


@dataclass(frozen=True)
class RetrySettings:
    """Backoff is ``initial_delay * 2**retries``, capped at ``max_delay`` and scaled by a
    random factor in ``[1 - jitter, 1]``. A server asking for a wait above
    ``max_retry_after`` is not waited for: the error is raised with ``retry_after`` set."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, then ``retry-after`` as
    seconds or as an HTTP date (``now`` is the wall clock, Unix seconds). ``None`` when
    absent, malformed or not positive. Header names match whatever their case."""
    if not isinstance(headers, Headers):
        headers = Headers(headers)
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            millis = float(raw_ms)
        except ValueError:
            millis = math.nan
        if math.isfinite(millis) and millis > 0:
            return millis / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        from datetime import timezone  # rare: only for the date form
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            # asctime and "-0000" dates carry no zone: HTTP dates are UTC, never local.
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    return seconds


def backoff_delay(retries_taken: int, settings: RetrySettings, rand: Callable[[], float]) -> float:
    """Exponential backoff with multiplicative jitter; ``retries_taken`` starts at 0."""
    base = min(settings.initial_delay * (2.0 ** min(retries_taken, 60)), settings.max_delay)
    return base * (1.0 - settings.jitter * rand())


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


def decide(
    error: BaseException,
    attempt: int,
    settings: RetrySettings,
    *,
    rand: Callable[[], float],
    remaining: float | None = None,
) -> RetryDecision:
    """Core's retry rule. ``attempt`` is the number of the attempt that failed (1-based);
    ``remaining`` is what is left of the call's deadline, if it has one."""
    if attempt > settings.max_retries or getattr(error, "retryable", None) is False:
        return RetryDecision(False)
    if isinstance(error, APIError):
        hint = error.headers.get("x-should-retry") if error.headers else None
        if hint is not None and hint.strip().lower() == "false":
            return RetryDecision(False)
        forced = hint is not None and hint.strip().lower() == "true"
        if not forced and (error.status is None or not is_retryable_status(error.status)):
            return RetryDecision(False)
        if error.retry_after is not None:
            if error.retry_after > settings.max_retry_after:
                return RetryDecision(False)
            delay = error.retry_after
        else:
            delay = backoff_delay(attempt - 1, settings, rand)
    elif isinstance(error, APIConnectionError):
        if error.code == CERTIFICATE_VERIFY_FAILED:
            return RetryDecision(False)
        delay = backoff_delay(attempt - 1, settings, rand)
    else:
        return RetryDecision(False)
    if remaining is not None and delay >= remaining:
        return RetryDecision(False)
    return RetryDecision(True, delay)
