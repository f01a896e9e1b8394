"""Which proxy a request goes through (pure).

The composition root and the transports hand in what they read (the ``proxy=`` option,
or the environment as ``urllib.request.getproxies()`` and ``proxy_bypass`` see it); the
decisions are here: parsing a proxy URL, its credentials as ``Proxy-Authorization``,
the proxy for a target URL, and keeping credentials out of every repr and message.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping
from urllib.parse import quote, unquote, urlsplit

from .errors import ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError
from .redact import Redactor

# ``APIConnectionError.code`` of a proxy that wants credentials it did not get (407).
PROXY_AUTHENTICATION_REQUIRED = "proxy_authentication_required"
# The environment's variables, in the order urllib.request reads them (lowercase first).
PROXY_SCHEMES = ("http", "https", "all")


class ProxyFromEnvironment:
    """The default of every ``proxy`` option: the proxies the environment names
    (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, lowercase too)."""

    _instance: ProxyFromEnvironment | None = None

    def __new__(cls) -> ProxyFromEnvironment:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PROXY_FROM_ENVIRONMENT"

    def __reduce__(self) -> str:
        return "PROXY_FROM_ENVIRONMENT"


PROXY_FROM_ENVIRONMENT = ProxyFromEnvironment()


class Proxy:
    """One proxy: ``http://`` or ``https://`` (TLS to the proxy), host, port and the
    credentials its URL carried. Its repr, str and ``url`` never show the credentials."""

    __slots__ = ("_password", "_username", "host", "port", "scheme")

    def __init__(
        self, scheme: str, host: str, port: int, username: str = "", password: str = ""
    ) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self._username = username
        self._password = password

    @property
    def url(self) -> str:
        """``scheme://host:port``, without credentials."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def has_credentials(self) -> bool:
        return bool(self._username or self._password)

    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` value (Basic) its credentials make, if any."""
        if not self.has_credentials:
            return None
        import base64  # only with credentials: keeps it out of every client's start

        pair = f"{self._username}:{self._password}".encode("latin-1")
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def secrets(self) -> List[str]:
        """Every form in which its credentials could show up in a message."""
        if not self.has_credentials:
            return []
        found = {
            f"{self._username}:{self._password}",
            f"{quote(self._username, safe='')}:{quote(self._password, safe='')}",
            self.authorization() or "",
            (self.authorization() or "").split(" ", 1)[-1],
        }
        if len(self._password) >= 4:
            found.update({self._password, quote(self._password, safe="")})
        return sorted((s for s in found if s), key=len, reverse=True)

    def redact(self, text: str) -> str:
        # The one mechanism: also finds them JSON-escaped or percent-encoded. Every form
        # secrets() lists counts, however short (it drops a short bare password itself).
        return Redactor(self.secrets(), min_length=1).text(text)

    def __repr__(self) -> str:
        if not self.has_credentials:
            return f"Proxy({self.url!r})"
        return f"Proxy('{self.scheme}://<redacted>@{self.url.split('://', 1)[1]}')"

    __str__ = __repr__

    def _key(self) -> tuple[str, str, int, str, str]:
        return (self.scheme, self.host, self.port, self._username, self._password)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Proxy) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled transport must still reach its proxy: the credentials travel, as
        # the API key does in a pickled client (never in a repr or message).
        return (Proxy, self._key())


def _shown(text: str) -> str:
    """A proxy URL as an error may show it: without its credentials."""
    scheme, sep, rest = text.rpartition("://")
    return f"{scheme}{sep}<redacted>@{rest.rsplit('@', 1)[1]}" if "@" in rest else text


def invalid_proxy(message: str, source: str) -> Exception:
    """The error for a bad proxy: naming the ``proxy`` argument, or the variable."""
    if source == "proxy":
        return InvalidArgumentError(f"proxy: {message}", argument="proxy")
    return ConfigurationError(
        f"{source}: {message} (unset it, list the host in NO_PROXY, or pass proxy=None)",
        code="invalid_proxy",
    )


def parse_proxy(value: object, source: str = "proxy") -> Proxy:
    """A proxy URL such as ``http://user:pw@host:3128``; without a scheme it is an
    ``http://`` proxy, as curl and requests read it. ``source`` names where the value
    came from in errors: ``proxy`` (the argument) or an environment variable."""
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(
            f"proxy must be a URL string or None, got {type(value).__name__}", argument="proxy"
        )
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    shown = _shown(text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise invalid_proxy(f"{shown!r} is not a valid proxy URL", source) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise invalid_proxy(
            f"{scheme}:// proxies are not supported, only http:// and https:// ({shown!r})",
            source,
        )
    host = parts.hostname or ""
    if not host:
        raise invalid_proxy(f"{shown!r} has no host", source)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise invalid_proxy(f"{shown!r} must be scheme://[user:password@]host[:port] only", source)
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    try:
        f"{username}:{password}".encode("latin-1")
    except UnicodeEncodeError:
        raise invalid_proxy(f"the credentials in {shown!r} must be Latin-1", source) from None
    if any(c in username + password for c in "\r\n"):
        raise invalid_proxy(f"the credentials in {shown!r} contain a line break", source)
    return Proxy(scheme, host, port or (443 if scheme == "https" else 80), username, password)


class ProxyRoutes:
    """The proxy for each target URL: by the target's scheme, else the ``all`` one;
    none for a host ``bypass`` says to reach directly (``NO_PROXY``). ``bypass`` gets
    ``host:port``, as ``urllib.request.proxy_bypass`` does."""

    def __init__(
        self, proxies: Mapping[str, Proxy], bypass: Callable[[str], bool] | None = None
    ) -> None:
        self._proxies = dict(proxies)
        self._bypass = bypass
        self._cache: Dict[tuple[str, str, int], Proxy | None] = {}

    @property
    def proxies(self) -> Dict[str, Proxy]:
        return dict(self._proxies)

    def for_target(self, scheme: str, host: str, port: int) -> Proxy | None:
        key = (scheme, host, port)
        try:
            return self._cache[key]
        except KeyError:
            pass
        proxy = self._proxies.get(scheme) or self._proxies.get("all")
        if proxy is not None and self._bypass is not None:
            netloc = f"[{host}]" if ":" in host else host
            if self._bypass(f"{netloc}:{port}"):
                proxy = None
        if len(self._cache) >= 256:
            self._cache.clear()  # a bound: a client calls few origins
        self._cache[key] = proxy
        return proxy

    def __repr__(self) -> str:
        return f"ProxyRoutes({self._proxies!r})"


def routes(
    proxy: object,
    environment: Callable[[], tuple[Mapping[str, str], Callable[[str], bool]]],
) -> ProxyRoutes | None:
    """The routes a ``proxy`` option means: ``PROXY_FROM_ENVIRONMENT`` asks
    ``environment()`` for the proxies by scheme (``getproxies()``) and the bypass test;
    ``None`` means no proxy at all; a URL string is the proxy for every request."""
    if proxy is None:
        return None
    if isinstance(proxy, Proxy):
        return ProxyRoutes({"all": proxy})
    if proxy is not PROXY_FROM_ENVIRONMENT:
        return ProxyRoutes({"all": parse_proxy(proxy)})
    found, bypass = environment()
    proxies = {
        scheme: parse_proxy(found[scheme], f"{scheme.upper()}_PROXY")
        for scheme in PROXY_SCHEMES
        if found.get(scheme)
    }
    return ProxyRoutes(proxies, bypass) if proxies else None


def check_proxy(value: object) -> object:
    """A ``proxy`` option as given, checked now (before any network call)."""
    if value is None or value is PROXY_FROM_ENVIRONMENT or isinstance(value, Proxy):
        return value
    parse_proxy(value)
    return value


def describe_proxy(value: object) -> str:
    """``, proxy=...`` for a transport's repr, never with credentials; ``""`` for the
    default (the environment's)."""
    if value is PROXY_FROM_ENVIRONMENT:
        return ""
    shown = repr(_shown(value.strip())) if isinstance(value, str) else repr(value)
    return f", proxy={shown}"
