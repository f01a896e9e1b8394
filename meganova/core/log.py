"""The SDK's log lines: one line per event on the ``meganova`` logger, and the same facts
in ``extra=`` fields (``meganova_event``, ``meganova_attempt``, ...) for structured
handlers. ``elapsed`` always means the seconds since the call started (every attempt
and wait included), read on the engine's clock.

Events and levels: ``response`` and ``failed`` (a failure not worth retrying) are DEBUG,
``retry`` is INFO, ``gave_up`` (a retryable failure with no attempt or time left) and
``stream_failed`` are WARNING. Paths pass through the client's redactor first, and
the segment after ``/agents/v1/`` (an agent key) is never shown."""

from __future__ import annotations

import logging
import re
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

from .redact import REDACTED, Redactor

__all__ = [
    "DEBUG",
    "INFO",
    "WARNING",
    "enabled",
    "event",
    "log_path",
    "logger",
]

logger = logging.getLogger("meganova")
DEBUG, INFO, WARNING = logging.DEBUG, logging.INFO, logging.WARNING
_AGENT_KEY = re.compile(r"(/agents/v1/)[^/?#]+")
enabled = logger.isEnabledFor


def log_path(url: str, redactor: Optional[Redactor] = None) -> str:
    """A URL's path for a log line or a span: no query, no host, no secret."""
    path = urlsplit(url).path
    if redactor is not None:
        path = redactor.text(path)
    return _AGENT_KEY.sub(r"\1" + REDACTED, path)


def event(level: int, name: str, message: str, fields: Mapping[str, Any]) -> None:
    """Write one event: ``message`` (already formatted) and ``fields`` as
    ``meganova_<field>`` extras. Callers check ``enabled(level)`` first."""
    extra = {"meganova_" + key: value for key, value in fields.items()}
    extra["meganova_event"] = name
    logger.log(level, message, extra=extra, stacklevel=2)
