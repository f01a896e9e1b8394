"""What a cassette holds, and its file format (sans-I/O: values and text, no files).

A cassette file is JSON lines: one exchange per line, keys in a fixed order::

    {"request": {"method": "POST", "url": "https://.../v1/chat/completions",
                 "headers": {...}, "body": {"json": {...}}},
     "response": {"status": 200, "reason": "OK", "elapsed": 0.0123,
                  "headers": {...}, "body": {"json": {...}}}}

A body is ``{"json": value}`` when it is a JSON object or array (stored parsed, so it
reads and diffs well, and replayed compactly encoded: the same values, not always the
same bytes), else ``{"text": "..."}`` (UTF-8) or ``{"base64": "..."}``; an empty body
is left out. A streamed reply has ``"chunks"`` instead of ``"body"``: each the exact
bytes of one read, with ``"at"``, its time in seconds since the request was sent, and
``"end"``: ``"eof"`` (the body ended), ``"error"`` (it broke: ``"error"`` says how) or
``"closed"`` (the client closed it before its end, as a stream is once its ``[DONE]``
has arrived; a replay ends the body there, so a reader going further sees the
truncated body the SDK reports as such). A request that could not be sent
has a top-level ``"error"`` and no ``"response"``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

from .cassette_errors import CassetteFormatError

__all__ = [
    "CassetteRequest",
    "CassetteResponse",
    "Exchange",
    "RecordedError",
    "decode_line",
    "encode_line",
    "json_body",
]

ENDS = ("eof", "error", "closed")
_TIME_DIGITS = 4  # 0.1 ms: finer timing is noise, and longer numbers read badly


@dataclass(frozen=True)
class CassetteRequest:
    """A request as a cassette holds it (secrets already redacted).

    Args:
        method: The HTTP method, upper case.
        url: The full URL.
        headers: The headers kept (see the cassette's header allowlist).
        body: The body (``b""`` when there is none).
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def path(self) -> str:
        """The URL's path."""
        return urlsplit(self.url).path

    @property
    def query(self) -> List[Tuple[str, str]]:
        """The URL's query parameters, sorted (order does not change what is asked)."""
        return sorted(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def json(self) -> Any:
        """The body decoded as JSON (an object or array), else ``None``."""
        return json_body(self.body)


@dataclass(frozen=True)
class RecordedError:
    """A failure as recorded: the error's type name and its message (redacted).

    Args:
        type: The ``MeganovaError`` subclass's name (``"APIConnectionError"``...).
        message: Its message.
        request_sent: Whether the request had reached the server (``None``: unknown).
    """

    type: str
    message: str
    request_sent: Optional[bool] = None


@dataclass(frozen=True)
class CassetteResponse:
    """A reply as a cassette holds it.

    Args:
        status: The HTTP status.
        reason: The reason phrase.
        headers: The headers kept (framing headers are dropped: the body is stored
            decoded).
        chunks: The body as read: ``(seconds since the request was sent, bytes)``.
        streamed: Whether the request asked for a stream (its chunks are stored one by
            one; a plain body is stored whole).
        end: How the body ended: ``"eof"``, ``"error"`` or ``"closed"``.
        error: What broke the body when ``end`` is ``"error"``.
        elapsed: Seconds from sending the request to the reply's headers.
    """

    status: int
    reason: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    chunks: Tuple[Tuple[float, bytes], ...] = ()
    streamed: bool = False
    end: str = "eof"
    error: Optional[RecordedError] = None
    elapsed: float = 0.0

    @property
    def body(self) -> bytes:
        """The whole body."""
        return b"".join(data for _, data in self.chunks)


@dataclass(frozen=True)
class Exchange:
    """One request and what came back: a reply, or the error sending it raised.

    Args:
        request: The request.
        response: The reply (``None`` when sending failed).
        error: Why sending failed (when ``response`` is ``None``).
    """

    request: CassetteRequest
    response: Optional[CassetteResponse] = None
    error: Optional[RecordedError] = None


def seconds(value: float) -> float:
    """A time as a cassette stores it."""
    return round(max(value, 0.0), _TIME_DIGITS)


# -- bodies -------------------------------------------------------------------------------


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate("duplicate key")  # stored parsed, one would be lost
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_body(data: bytes) -> Any:
    """``data`` parsed when it is a JSON object or array that survives being stored
    parsed (no duplicate keys, no NaN, valid UTF-8), else ``None``."""
    if data[:1] not in (b"{", b"[") and data.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
        )
        compact(value)  # 1e999 parses to inf; a lone surrogate does not encode
    except (ValueError, RecursionError):
        return None
    return value


def compact(value: Any) -> bytes:
    """A JSON value as the bytes a replay sends."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def _body_out(data: bytes) -> Dict[str, Any]:
    value = json_body(data)
    if value is not None:
        return {"json": value}
    return _bytes_out(data)


def _bytes_out(data: bytes) -> Dict[str, Any]:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _bytes_in(item: Any, where: str) -> bytes:
    if not isinstance(item, dict) or len(item.keys() & {"json", "text", "base64"}) != 1:
        raise CassetteFormatError(f"{where}: a body is one of json, text or base64")
    if "json" in item:
        if not isinstance(item["json"], (dict, list)):
            raise CassetteFormatError(f"{where}: a json body is an object or an array")
        try:
            return compact(item["json"])
        except ValueError as exc:
            raise CassetteFormatError(f"{where}: {exc}") from None
    if "text" in item:
        text = item["text"]
        if not isinstance(text, str):
            raise CassetteFormatError(f"{where}: text is a string")
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            raise CassetteFormatError(f"{where}: text is not valid Unicode") from None
    raw = item["base64"]
    try:
        if not isinstance(raw, str):
            raise ValueError
        return base64.b64decode(raw.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        raise CassetteFormatError(f"{where}: base64 is not valid base64") from None


# -- lines ------------------------------------------------------------------------------


def _error_out(error: RecordedError) -> Dict[str, Any]:
    out: Dict[str, Any] = {"type": error.type, "message": error.message}
    if error.request_sent is not None:
        out["request_sent"] = error.request_sent
    return out


def encode_line(exchange: Exchange) -> str:
    """One exchange as one line of JSON (no newline), keys in a fixed order."""
    request = exchange.request
    req: Dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "headers": dict(request.headers),
    }
    if request.body:
        req["body"] = _body_out(request.body)
    line: Dict[str, Any] = {"request": req}
    response = exchange.response
    if response is not None:
        resp: Dict[str, Any] = {
            "status": response.status,
            "reason": response.reason,
            "elapsed": response.elapsed,
            "headers": dict(response.headers),
        }
        if response.streamed:
            resp["chunks"] = [{"at": at, **_bytes_out(data)} for at, data in response.chunks]
        elif response.body:
            resp["body"] = _body_out(response.body)
        if response.streamed or response.end != "eof":
            resp["end"] = response.end
        if response.error is not None:
            resp["error"] = _error_out(response.error)
        line["response"] = resp
    if exchange.error is not None:
        line["error"] = _error_out(exchange.error)
    text = json.dumps(line, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a header or URL: escape it
        text = json.dumps(line)
    return text


def _get(mapping: Any, key: str, kind: Any, where: str, default: Any = ...) -> Any:
    if not isinstance(mapping, dict):
        raise CassetteFormatError(f"{where}: expected an object")
    if key not in mapping:
        if default is ...:
            raise CassetteFormatError(f"{where}: {key!r} is missing")
        return default
    value = mapping[key]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise CassetteFormatError(f"{where}: {key!r} has the wrong type")
    return value


def _headers_in(value: Any, where: str) -> Dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CassetteFormatError(f"{where}: headers map names to strings")
    return dict(value)


def _error_in(value: Any, where: str) -> RecordedError:
    sent = _get(value, "request_sent", bool, where, None)
    return RecordedError(_get(value, "type", str, where), _get(value, "message", str, where), sent)


def _time_in(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise CassetteFormatError(f"{where}: a time is a number of seconds, at least 0")
    return float(value)


def decode_line(text: str, where: str = "line") -> Exchange:
    """One line of a cassette file as an ``Exchange``.

    Raises:
        CassetteFormatError: The line is not a recorded exchange (``where`` says which).
    """
    try:
        line = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CassetteFormatError(f"{where}: not JSON ({exc})") from None
    req = _get(line, "request", dict, where)
    body = _bytes_in(req["body"], f"{where} request body") if "body" in req else b""
    request = CassetteRequest(
        method=_get(req, "method", str, where),
        url=_get(req, "url", str, where),
        headers=_headers_in(req.get("headers", {}), where),
        body=body,
    )
    response = None
    if "response" in line:
        resp = _get(line, "response", dict, where)
        status = _get(resp, "status", int, where)
        if not 100 <= status <= 999:
            raise CassetteFormatError(f"{where}: status {status} is not an HTTP status")
        streamed = "chunks" in resp
        chunks: List[Tuple[float, bytes]] = []
        if streamed:
            for index, item in enumerate(_get(resp, "chunks", list, where)):
                at = _time_in(_get(item, "at", (int, float), where), where)
                rest = {k: v for k, v in item.items() if k != "at"}
                chunks.append((at, _bytes_in(rest, f"{where} chunk {index}")))
        elif "body" in resp:
            chunks.append((0.0, _bytes_in(resp["body"], f"{where} response body")))
        end = _get(resp, "end", str, where, "eof")
        if end not in ENDS:
            raise CassetteFormatError(f"{where}: end is one of {', '.join(ENDS)}")
        error = _error_in(resp["error"], where) if "error" in resp else None
        if (end == "error") != (error is not None):
            raise CassetteFormatError(f"{where}: a body that ended in an error says which")
        response = CassetteResponse(
            status=status,
            reason=_get(resp, "reason", str, where, ""),
            headers=_headers_in(resp.get("headers", {}), where),
            chunks=tuple(chunks),
            streamed=streamed,
            end=end,
            error=error,
            elapsed=_time_in(resp.get("elapsed", 0.0), where),
        )
    send_error = _error_in(line["error"], where) if "error" in line else None
    if (response is None) == (send_error is None):
        raise CassetteFormatError(f"{where}: an exchange has a response or an error")
    return Exchange(request, response, send_error)
