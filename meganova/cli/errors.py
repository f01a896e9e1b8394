"""What the command says when something fails: one line for people, one JSON object
for programs (with ``--json``), always on stderr, never with the key or server-sent
terminal controls in it."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Collection

from ..core.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    InvalidArgumentError,
    MeganovaError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from ..core.redact import Redactor
from ..core.terminal import printable

if TYPE_CHECKING:
    from ..client import MegaNova

PROG = "meganova"

# SDK argument -> the option a user types for it.
FLAG_OF = {
    "from_": "--from",
    "to": "--to",
    "model": "--model",
    "model_id": "the model id",
    "temperature": "--temperature",
    "max_tokens": "--max-tokens",
    "messages": "the prompt",
    "capability": "--capability",
    "tag": "--tag",
    "search": "--search",
    "modality": "--modality",
    "base_url": "--base-url",
    "api_key": "--api-key",
    "proxy": "--proxy",
    "agent_key": "--agent-key",
}
# SDK argument -> the environment variable it may come from.
ENV_OF = {
    "base_url": "MEGANOVA_BASE_URL",
    "api_key": "MEGANOVA_API_KEY",
    "default_model": "MEGANOVA_MODEL",
    "region": "MEGANOVA_REGION",
    "agent_key": "MEGANOVA_AGENT_KEY",
}


class UsageProblem(Exception):
    """A command-line mistake found after parsing (exit 2)."""


class NoKey(Exception):
    """Neither a key nor ``--offline``: nothing may be sent (exit 1)."""

    MESSAGE = (
        "no API key: set MEGANOVA_API_KEY (or pass --api-key), "
        "or run with --offline to try the built-in demo"
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


def advice(error: MeganovaError, given: Collection[str] = ()) -> str:
    """What to do next. ``given``: the SDK arguments the user passed as options."""
    if isinstance(error, AuthenticationError):
        return "Check MEGANOVA_API_KEY, or try the demo with --offline."
    if isinstance(error, PermissionDeniedError):
        return "Your key or account tier does not allow this; check your Meganova account."
    if isinstance(error, NotFoundError):
        return "Check the id (meganova models lists the available models)."
    if isinstance(error, RateLimitError):
        if error.retry_after is not None:
            return f"Wait {error.retry_after:g}s and try again."
        return "Wait a moment and try again."
    if isinstance(error, (BadRequestError, UnprocessableEntityError)):
        return "Check the options you passed (meganova --help)."
    if isinstance(error, InternalServerError):
        return "The service had a problem; try again shortly."
    if isinstance(error, APITimeoutError):
        return "The server did not answer in time; try again later."
    if isinstance(error, APIConnectionError):
        if "proxy" in error.message.lower():  # the transports name the proxy that failed
            where = "--proxy" if "proxy" in given else "HTTPS_PROXY/HTTP_PROXY"
            return f"Check the proxy ({where}) and your network connection."
        return "Check your network connection and MEGANOVA_BASE_URL."
    if isinstance(error, ConfigurationError):
        return "Set MEGANOVA_API_KEY, or run with --offline."
    if isinstance(error, InvalidArgumentError):
        argument = error.argument or ""
        env_var = ENV_OF.get(argument)
        if argument not in given and env_var and env_var in os.environ:
            return f"Check the {env_var} environment variable."
        flag = FLAG_OF.get(argument)
        if flag:
            return f"Check {flag} (meganova --help)."
        return "Check the command's arguments (meganova --help)."
    return "Try again; if it keeps failing, report it with the request id."


def _message(error: MeganovaError) -> str:
    text = error.message.strip()
    return text.splitlines()[0] if text else type(error).__name__


def describe(error: MeganovaError, given: Collection[str] = ()) -> str:
    """One line: what happened, the request id, what to do."""
    details = []
    if isinstance(error, APIError) and error.status is not None:
        details.append(f"HTTP {error.status}")
    if error.code and error.code not in ("connection_error", "timeout", "invalid_argument"):
        details.append(f"code {error.code}")
    if error.request_id:
        details.append(f"request id {error.request_id}")
    suffix = f" ({', '.join(details)})" if details else ""
    return f"{PROG}: error: {_message(error)}{suffix}. {advice(error, given)}"


def as_object(error: MeganovaError, given: Collection[str] = ()) -> dict[str, Any]:
    """The error for ``--json``: one object a program can branch on."""
    return {
        "error": {
            "type": type(error).__name__,
            "message": _message(error),
            "status": getattr(error, "status", None),
            "code": error.code,
            "request_id": error.request_id,
            "hint": advice(error, given),
        }
    }


def report(
    error: MeganovaError,
    client: MegaNova | None,
    *,
    as_json: bool,
    given: Collection[str] = (),
    key: str | None = None,
) -> str:
    """The error as printed: the client's secrets (or, before there is a client, the
    key) scrubbed, whatever the server echoed, and no terminal control characters."""
    if as_json:
        line = json.dumps(as_object(error, given), ensure_ascii=True)
    else:
        line = describe(error, given)
    redactor = client.engine.redactor if client is not None else Redactor([key] if key else [])
    return printable(redactor.text(line), newlines=False)


def usage_line(problem: str, *, as_json: bool, kind: str = "UsageError") -> str:
    """A problem found before anything was sent (no key, a bad option)."""
    if as_json:
        return json.dumps({"error": {"type": kind, "message": problem}})
    return f"{PROG}: error: {problem}"
