"""The status line and headers of a reply, as every reply class exposes them."""

from __future__ import annotations

from typing import Any

from ..core.http import Headers


class OwnHead:
    """``status``, ``headers`` and ``reason`` kept by the reply itself."""

    __slots__ = ()
    _status: int
    _headers: Headers
    _reason: str

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> Headers:
        return self._headers

    @property
    def reason(self) -> str:
        return self._reason


class WrappedHead:
    """``status``, ``headers`` and ``reason`` of the reply this one wraps (``_response``)."""

    __slots__ = ()
    _response: Any

    @property
    def status(self) -> int:
        return self._response.status  # type: ignore[no-any-return]

    @property
    def headers(self) -> Headers:
        return self._response.headers  # type: ignore[no-any-return]

    @property
    def reason(self) -> str:
        return self._response.reason  # type: ignore[no-any-return]
