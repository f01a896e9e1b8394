"""A transport over ``requests`` (``pip install meganova[requests]``), for code whose
proxies, certificates, sessions and test mocks (requests_mock, responses) are built
around requests.

requests sends: a ``Session`` (yours, or one of ours) with its environment handling
(``HTTPS_PROXY``/``NO_PROXY``, ``REQUESTS_CA_BUNDLE``), adapters and mocks. The body is
read from ``Response.raw`` (requests' documented urllib3 reply for ``stream=True``)
by the urllib3 transport's reader, so both transports decode, bound and time out a
body the same way. ``iter_content`` is not used: it decompresses without a bound and
waits for the whole of a body that has neither a length nor chunks.

requests never retries and never follows a redirect here: core decides both.
"""

from __future__ import annotations

import http.cookiejar
import os
import threading
from typing import Any

import requests
import requests.adapters
import requests.exceptions
import requests.utils

from ..core.errors import APIConnectionError, APITimeoutError, InvalidArgumentError
from ..core.http import Request
from ..core.proxy import (
    PROXY_FROM_ENVIRONMENT,
    Proxy,
    ProxyFromEnvironment,
    check_proxy,
    describe_proxy,
    parse_proxy,
)
from . import _urllib3_chunks, _urllib3_fast
from ._errors import finish_message, forget_locals, origin, unsendable
from ._lifecycle import PidGuard, check_options, rebuild
from ._proxy_errors import proxy_failure, proxy_refused, scrub_proxy
from ._reply import release_budget, use_budget
from .urllib3_transport import POOL_CLASSES, Urllib3Response, translate

__all__ = ["RequestsResponse", "RequestsTransport"]


# requests' errors for a URL or header it cannot send (all ValueErrors, and OSErrors too).
_UNSENDABLE = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.URLRequired,
)


def translate_requests(
    exc: BaseException, request: Request, proxy: Proxy | None = None
) -> APIConnectionError:
    """Map a requests failure while sending to core's error. requests wraps urllib3's
    exception as its first argument: that one says best what happened. ``proxy``: the
    proxy requests chose for the URL, if any."""
    if proxy is not None and isinstance(exc, requests.exceptions.ProxyError):
        return proxy_failure(exc, request, proxy)
    if isinstance(exc, _UNSENDABLE) or (
        isinstance(exc, ValueError) and not isinstance(exc, requests.exceptions.RequestException)
    ):
        return unsendable(exc, request)  # the same request would fail the same way
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
    if inner is not None and not isinstance(inner, requests.exceptions.RequestException):
        return translate(inner, request, reading=False)
    where = origin(request.url)
    error: APIConnectionError
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        error = APITimeoutError(f"Timed out connecting to {where}", request_sent=False)
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        error = APITimeoutError(f"Timed out waiting for a reply from {where}", request_sent=True)
    elif isinstance(exc, requests.exceptions.SSLError):
        error = APIConnectionError(f"TLS failed with {where}", request_sent=False)
    elif isinstance(exc, requests.exceptions.ProxyError):
        error = APIConnectionError(
            f"Could not connect to {where} through the proxy", request_sent=False
        )
    elif isinstance(exc, requests.exceptions.ConnectionError):
        # Also requests_mock's NoMockAddress: nothing answered this URL.
        error = APIConnectionError(f"Could not connect to {where}", request_sent=False)
    else:
        error = APIConnectionError(f"The request to {where} failed", request_sent=None)
    finish_message(error, exc, request)
    return error


class RequestsResponse(Urllib3Response):
    """A requests reply, its body read from ``Response.raw`` like a urllib3 reply."""

    def __init__(
        self, response: Any, request: Request, fast: bool = False, bounded: bool = True
    ) -> None:
        super().__init__(response.raw, request, fast, bounded)
        self.response = response  # the requests.Response, for hooks and history users

    def _length_enforced(self) -> bool:
        # requests leaves urllib3's default (on in 2.x, off in 1.26); mocks turn it off.
        return bool(getattr(self._raw, "enforce_content_length", False))


class _Session(requests.Session):
    """Our own session: no cookies kept, no default headers, redirects left to core
    (``Session.send`` would otherwise read a redirect's body to look ahead)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers.clear()
        self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


def _no_auth(prepared: Any) -> Any:
    """Keeps a session from replacing our Authorization with ``~/.netrc`` credentials."""
    return prepared


class RequestsTransport:
    """Sends requests through a ``requests.Session``.

    ``session``: yours (its proxies, certificates, adapters, hooks and headers apply;
    it is used as given and not closed by us), else one of ours with one pooled adapter
    per scheme. ``verify``: ``True`` (``REQUESTS_CA_BUNDLE`` or requests' CAs),
    ``False`` or a CA bundle path. ``max_connections``: connections kept per host by
    our own session. ``proxy``: by default requests' own reading of the environment
    (``HTTPS_PROXY``, ``NO_PROXY``, ...); a URL for every request; ``None`` for none.
    """

    def __init__(
        self,
        *,
        session: Any = None,
        verify: bool | str = True,
        max_connections: int = 10,
        proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
    ) -> None:
        check_options(verify, max_connections)
        check_proxy(proxy)
        if session is not None and proxy is not PROXY_FROM_ENVIRONMENT:
            raise InvalidArgumentError(
                "pass a proxy or a session of your own (set its proxies), not both",
                argument="proxy",
            )
        self._proxy = proxy
        # What requests is told per request: set keys win over the environment's, and
        # keys set to None keep it from using the environment's.
        self._proxies: dict[str, str | None] = (
            {}
            if proxy is PROXY_FROM_ENVIRONMENT
            else {"http": proxy, "https": proxy, "all": None}
            if isinstance(proxy, str)
            else {"http": None, "https": None, "all": None}
        )
        self._verify = verify
        self._max_connections = max_connections
        self._owned = session is None
        self._fast = _urllib3_fast.enabled()
        self._lock = threading.Lock()
        self._guard = PidGuard()
        self._session: requests.Session = session if session is not None else self._new_session()

    @property
    def fast_path(self) -> bool:
        """Whether replies are read through urllib3's private internals for speed (as
        the urllib3 transport does; off with ``MEGANOVA_NO_FAST_PATH=1``)."""
        return self._fast

    def _new_session(self) -> requests.Session:
        session = _Session()
        for scheme in ("http://", "https://"):
            adapter = requests.adapters.HTTPAdapter(
                pool_maxsize=self._max_connections, max_retries=0
            )
            # Our connections: 1xx replies skipped, reads within the call's deadline.
            adapter.poolmanager.pool_classes_by_scheme = dict(POOL_CLASSES)
            session.mount(scheme, adapter)
        return session

    def _current(self) -> requests.Session:
        if self._guard.pid != os.getpid():
            with self._lock:
                if self._guard.forked():
                    # A forked child must not share its parent's sockets.
                    if self._owned:
                        self._session = self._new_session()
                    else:
                        self._session.close()
        return self._session

    def send(self, request: Request) -> RequestsResponse:
        _urllib3_chunks.close_dropped()
        session = self._current()
        token = use_budget(request.budget)
        settings: Any = None
        try:
            # Accept-Encoding None drops the session's "gzip, deflate": http.client then
            # asks for identity, as on the other transports.
            headers: dict[str, Any] = {"Accept-Encoding": None, **request.headers}
            prepared = session.prepare_request(
                requests.Request(
                    request.method, request.url, headers=headers, data=request.body, auth=_no_auth
                )
            )
            # A session of the user's keeps its own verify unless ours says otherwise.
            verify = None if (self._verify is True and not self._owned) else self._verify
            proxies: Any = dict(self._proxies)  # requests' stubs do not admit None values
            settings = session.merge_environment_settings(request.url, proxies, True, verify, None)
            response = session.send(
                prepared,
                timeout=(request.timeout.connect, request.timeout.read),
                allow_redirects=False,
                **settings,
            )
        except (requests.exceptions.RequestException, ValueError) as exc:
            forget_locals(exc)  # requests', urllib3's and http.client's frames hold headers
            proxy = _chosen_proxy(request.url, settings)
            raise scrub_proxy(translate_requests(exc, request, proxy), proxy) from exc
        except Exception as exc:
            forget_locals(exc)
            proxy = _chosen_proxy(request.url, settings)
            raise scrub_proxy(translate(exc, request, reading=False, proxy=proxy), proxy) from exc
        finally:
            release_budget(token)
        if response.status_code == 407 and not request.url.startswith("https:"):
            proxy = _chosen_proxy(request.url, settings)
            if proxy is not None:  # a forwarding proxy's own refusal, not the API's reply
                RequestsResponse(response, request, self._fast, self._owned).close()
                raise proxy_refused(request, proxy)
        return RequestsResponse(response, request, self._fast, self._owned)

    def close(self) -> None:
        if self._owned:
            with self._lock:
                self._session.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles as a fresh transport with the same options: sockets never travel. A
        # session of the user's own travels as requests pickles it (without its pools).
        options: dict[str, Any] = {"verify": self._verify, "max_connections": self._max_connections}
        if not self._owned:
            options["session"] = self._session
        elif self._proxy is not PROXY_FROM_ENVIRONMENT:
            options["proxy"] = self._proxy
        return (rebuild, (type(self), options))

    def __repr__(self) -> str:
        proxy = describe_proxy(self._proxy)
        return f"RequestsTransport(max_connections={self._max_connections}{proxy})"


def _chosen_proxy(url: str, settings: Any) -> Proxy | None:
    """The proxy requests picked for ``url`` (for messages; ``None``: none, or one we
    cannot describe, such as socks)."""
    proxies = settings.get("proxies") if isinstance(settings, dict) else None
    chosen = requests.utils.select_proxy(url, proxies) if proxies else None
    if not isinstance(chosen, str):
        return None
    try:
        return parse_proxy(chosen)
    except Exception:
        return None
