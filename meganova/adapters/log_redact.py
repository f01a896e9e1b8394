"""Third-party loggers that print request URLs (urllib3's connection pool, httpx) would
print a Cloud agent's key, which lives in the URL path. A filter on those loggers masks
every ``agent_...`` path segment of their records; installed once, when the first
Cloud agent is made, and cheap for records without one."""

from __future__ import annotations

import logging
import threading

from ..core.redact import mask_agent_keys

# The loggers that write request lines with the URL (requests logs through urllib3's).
URL_LOGGERS = ("urllib3.connectionpool", "httpx", "httpcore", "aiohttp.client")
_lock = threading.Lock()
_installed = False


class AgentKeyFilter(logging.Filter):
    """Masks ``agent_...`` path segments in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_agent_keys(record.msg)
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(_masked(a) for a in args)
        return True


def _masked(value: object) -> object:
    if isinstance(value, (int, float)) or value is None:
        return value  # %d and %f placeholders keep their numbers
    text = value if isinstance(value, str) else str(value)
    masked = mask_agent_keys(text)
    return value if masked == text else masked


def guard_url_loggers() -> None:
    """Install ``AgentKeyFilter`` on the URL-logging loggers (once per process)."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        for name in URL_LOGGERS:
            logging.getLogger(name).addFilter(AgentKeyFilter())
        _installed = True
