"""Client configuration: frozen values, resolved from arguments, then the environment."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping
from urllib.parse import urlsplit

from .._version import __version__
from .errors import ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError
from .http import SENSITIVE_HEADERS, Timeout, TimeoutLike, check_seconds
from .redact import Sensitive
from .retry import RetrySettings
from .validation import check_header, check_header_value, require_str

DEFAULT_BASE_URL = "https://api.meganova.ai/v1"
DEFAULT_TIMEOUT = Timeout(connect=5.0, read=600.0)
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024  # far above any real reply; a bound on a hostile one
ENV_API_KEY = "MEGANOVA_API_KEY"
ENV_BASE_URL = "MEGANOVA_BASE_URL"
ENV_MODEL = "MEGANOVA_MODEL"
ENV_REGION = "MEGANOVA_REGION"


class Secret:
    """Holds the API key; its repr, str and equality never reveal it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))


def _string_option(name: str, value: object) -> str | None:
    return None if value is None else require_str(name, value, allow_empty=True)


def check_max_retries(value: object, name: str = "max_retries") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentTypeError(
            f"{name} must be an int >= 0, got {type(value).__name__}", argument=name
        )
    if value < 0 or value > 100:
        raise InvalidArgumentError(f"{name} must be between 0 and 100, got {value}", argument=name)
    return value


def check_deadline(value: object, name: str = "deadline") -> float | None:
    return check_seconds(name, value)


def check_max_response_bytes(value: object, name: str = "max_response_bytes") -> int | None:
    """Bytes a whole (decompressed) reply body may have; ``None`` lifts the cap."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentTypeError(
            f"{name} must be an int number of bytes or None, got {type(value).__name__}",
            argument=name,
        )
    if value < 1:
        raise InvalidArgumentError(f"{name} must be >= 1, got {value}", argument=name)
    return value


def normalize_base_url(url: object, name: str = "base_url") -> str:
    text = _string_option(name, url)
    if not text or not text.strip():
        raise InvalidArgumentError(f"{name} must not be empty", argument=name)
    text = text.strip().rstrip("/")
    try:
        parts = urlsplit(text)
    except ValueError:  # a malformed [IPv6] host
        raise InvalidArgumentError(f"{name} is not a valid URL: {text!r}", argument=name) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidArgumentError(
            f"{name} must be an absolute http(s) URL, got {text!r}", argument=name
        )
    if "@" in parts.netloc:
        # Credentials in a URL end up in reprs and logs; the key goes in a header.
        raise InvalidArgumentError(
            f"{name} must not contain user:password@; pass the key as api_key", argument=name
        )
    if parts.query or parts.fragment:
        raise InvalidArgumentError(f"{name} must not carry a query or fragment", argument=name)
    _check_host_and_port(name, text, parts.netloc)
    return text


def _check_host_and_port(name: str, url: str, netloc: str) -> None:
    """A host a connection can be opened to and a port in 1..65535: checked here, so a
    typo is an argument error at construction, not a connection error on every call."""
    parts = urlsplit(url)  # checked by the caller: it parses
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (port is not None and not 0 < port < 65536) or netloc.endswith(":"):
        raise InvalidArgumentError(
            f"{name} has an invalid port (1 to 65535), got {url!r}", argument=name
        )
    host = parts.hostname or ""
    if netloc.startswith("["):
        import ipaddress  # rare: only for an IPv6 literal

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            host = ""
    elif not all(c.isalnum() or c in "-._" for c in host) or ".." in host:
        host = ""
    if not host or host.startswith((".", "-")):
        raise InvalidArgumentError(f"{name} has an invalid host, got {url!r}", argument=name)


def check_region(value: object) -> str:
    text = require_str("region", value)
    check_header_value("region", text)
    return text.strip()


def check_default_model(value: object) -> str | None:
    return None if value is None else require_str("default_model", value).strip()


def check_default_headers(value: object) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InvalidArgumentTypeError(
            f"default_headers must be a mapping of str to str, got {type(value).__name__}",
            argument="default_headers",
        )
    pairs = (check_header("default_headers", key, item) for key, item in value.items())
    # A credential among them is Sensitive: the config's repr never shows it.
    return tuple(
        (name, Sensitive(item) if name.lower() in SENSITIVE_HEADERS else item)
        for name, item in pairs
    )


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client needs to build requests; immutable and shareable."""

    api_key: Secret
    base_url: str = DEFAULT_BASE_URL
    timeout: Timeout = DEFAULT_TIMEOUT
    retry: RetrySettings = field(default_factory=RetrySettings)
    region: str = "auto"
    user_agent_extra: str | None = None
    default_headers: tuple[tuple[str, str], ...] = ()
    default_model: str | None = None
    deadline: float | None = None
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES

    @property
    def max_retries(self) -> int:
        return self.retry.max_retries

    @property
    def user_agent(self) -> str:
        agent = f"meganova-python/{__version__}"
        return f"{agent} {self.user_agent_extra}" if self.user_agent_extra else agent

    def secrets(self) -> tuple[str, ...]:
        """Every secret this configuration holds: what ``Redactor`` scrubs from errors,
        logs and reprs (add credentials here as options gain them)."""
        found = [self.api_key.reveal()]
        found += [v for name, v in self.default_headers if name.lower() in SENSITIVE_HEADERS]
        return tuple(found)

    def with_changes(self, **changes: Any) -> ClientConfig:
        return replace(self, **changes)


def resolve_config(
    *,
    api_key: object,
    base_url: object,
    timeout: TimeoutLike,
    max_retries: object,
    region: object,
    user_agent_extra: object,
    default_headers: object,
    default_model: object,
    deadline: object,
    env: Mapping[str, str],
    max_response_bytes: object = DEFAULT_MAX_RESPONSE_BYTES,
) -> ClientConfig:
    """Arguments win over the environment; errors name the argument at fault."""
    key = _string_option("api_key", api_key)
    if key is None:
        key = env.get(ENV_API_KEY)
    if key is None or not key.strip():
        raise ConfigurationError(
            "No API key: pass MegaNova(api_key=...) or set the "
            f"{ENV_API_KEY} environment variable.",
            code="missing_api_key",
        )
    key = key.strip()
    if not key.isascii() or not key.isprintable() or " " in key:
        # Never echo the key: the message names the problem only.
        raise InvalidArgumentError(
            "api_key must be printable ASCII without spaces", argument="api_key"
        )
    url = base_url if base_url is not None else env.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    region_value = check_region(region if region is not None else env.get(ENV_REGION) or "auto")
    extra = _string_option("user_agent_extra", user_agent_extra)
    if extra is not None:
        check_header_value("user_agent_extra", extra)
    model = check_default_model(
        default_model if default_model is not None else env.get(ENV_MODEL) or None
    )
    return ClientConfig(
        api_key=Secret(key),
        base_url=normalize_base_url(url),
        timeout=Timeout.coerce(timeout),
        retry=RetrySettings(max_retries=check_max_retries(max_retries)),
        region=region_value,
        user_agent_extra=extra or None,
        default_headers=check_default_headers(default_headers),
        default_model=model,
        deadline=check_deadline(deadline),
        max_response_bytes=check_max_response_bytes(max_response_bytes),
    )
