"""A Cloud agent's configuration: the agent key (in the URL path, never a header) and
the Studio base URL, from arguments, then the environment."""

from __future__ import annotations

from typing import Mapping

from .config import (
    ClientConfig,
    Secret,
    check_deadline,
    check_default_headers,
    check_max_response_bytes,
    check_max_retries,
    normalize_base_url,
)
from .errors import ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError
from .http import Timeout, TimeoutLike
from .retry import RetrySettings
from .validation import check_header_value

DEFAULT_AGENT_BASE_URL = "https://studio-api.meganova.ai"
ENV_AGENT_KEY = "MEGANOVA_AGENT_KEY"
ENV_AGENT_BASE_URL = "MEGANOVA_AGENT_BASE_URL"
AGENT_KEY_PREFIX = "agent_"


def check_agent_key(key: object, *, source: str = "api_key") -> str:
    """The agent key, stripped; refused (naming ``api_key``) unless it is printable ASCII
    starting with ``agent_``. Messages never quote the key."""
    if not isinstance(key, str):
        raise InvalidArgumentTypeError(
            f"api_key must be a string, got {type(key).__name__}", argument="api_key"
        )
    key = key.strip()
    if not key.startswith(AGENT_KEY_PREFIX) or len(key) == len(AGENT_KEY_PREFIX):
        where = "" if source == "api_key" else f" (from {source})"
        raise InvalidArgumentError(
            f"api_key{where} is not a Cloud agent key: agent keys start with 'agent_' (find "
            "yours on the agent's page in Meganova Studio; a MegaNova API key does not work "
            "here)",
            argument="api_key",
        )
    if not key.isascii() or not key.isprintable() or " " in key:
        raise InvalidArgumentError(
            "api_key must be printable ASCII without spaces", argument="api_key"
        )
    return key


def resolve_agent_config(
    *,
    api_key: object,
    base_url: object,
    timeout: TimeoutLike,
    max_retries: object,
    user_agent_extra: object,
    default_headers: object,
    deadline: object,
    max_response_bytes: object,
    env: Mapping[str, str],
) -> ClientConfig:
    """Arguments win over ``MEGANOVA_AGENT_KEY`` / ``MEGANOVA_AGENT_BASE_URL``."""
    source = "api_key"
    if api_key is None:
        api_key = env.get(ENV_AGENT_KEY)
        source = ENV_AGENT_KEY
    if api_key is None or (isinstance(api_key, str) and not api_key.strip()):
        raise ConfigurationError(
            "No agent key: pass CloudAgent(api_key='agent_...') or set the "
            f"{ENV_AGENT_KEY} environment variable.",
            code="missing_api_key",
        )
    key = check_agent_key(api_key, source=source)
    url = (
        base_url if base_url is not None else env.get(ENV_AGENT_BASE_URL) or DEFAULT_AGENT_BASE_URL
    )
    extra = None
    if user_agent_extra is not None:
        if not isinstance(user_agent_extra, str):
            raise InvalidArgumentTypeError(
                "user_agent_extra must be a string", argument="user_agent_extra"
            )
        extra = check_header_value("user_agent_extra", user_agent_extra) or None
    return ClientConfig(
        api_key=Secret(key),
        base_url=normalize_base_url(url),
        timeout=Timeout.coerce(timeout),
        retry=RetrySettings(max_retries=check_max_retries(max_retries)),
        user_agent_extra=extra,
        default_headers=check_default_headers(default_headers),
        deadline=check_deadline(deadline),
        max_response_bytes=check_max_response_bytes(max_response_bytes),
    )
