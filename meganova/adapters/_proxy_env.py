"""The proxies the environment names, read the standard library's way
(``urllib.request.getproxies()`` and ``proxy_bypass()``: ``HTTPS_PROXY``,
``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` in either case, and the system settings on
macOS and Windows). Core decides with what this returns (``core.proxy.routes``)."""

from __future__ import annotations

import os
import sys
from typing import Callable, Mapping, Tuple


def _never(host: str) -> bool:
    return False


def environment() -> Tuple[Mapping[str, str], Callable[[str], bool]]:
    """(proxy URL by scheme, whether ``host:port`` bypasses them)."""
    if sys.platform not in ("darwin", "win32") and not any(
        name[-6:].lower() == "_proxy" for name in os.environ
    ):
        # Elsewhere getproxies() reads only these variables: skip importing
        # urllib.request (a cold start cost) when none is set.
        return {}, _never
    import urllib.request

    def bypass(host: str) -> bool:
        return bool(urllib.request.proxy_bypass(host))

    return urllib.request.getproxies(), bypass
