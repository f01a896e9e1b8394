"""What a cassette writes instead of secrets (sans-I/O: values in, redacted values out).

Headers go through an allowlist: a header known to be safe keeps its value, any other
keeps its name with the value ``<redacted>`` (so a test can still see it was sent);
framing headers are dropped (the body is stored decoded). Credentials (``Authorization``,
``Proxy-Authorization``, ``Cookie``, ``Set-Cookie``, API-key headers) are always
redacted, even when allowed. Agent keys in URL paths (``agent_...`` segments, and the
segment after ``/agents/v1/``), credentials in a URL (``user:password@``) and
secret-looking query parameters become ``<redacted>``. Then every secret a request of
the cassette carried (credentials, header values the SDK marks ``Sensitive``, agent
keys, and the secrets the user lists) is scrubbed from everything kept, wherever the
server echoed it: URL, headers, bodies, stream chunks (also one straddling two chunks)
and error messages, plainly or escaped as JSON and URLs do. JSON fields the user lists
(and a few credential names) are replaced by ``<redacted>`` in JSON bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, FrozenSet, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from ..core.http import SENSITIVE_HEADERS
from ..core.redact import REDACTED, Redactor, Sensitive
from .cassette_format import CassetteRequest, RecordedError, compact, json_body

__all__ = [
    "ALWAYS_REDACTED_HEADERS",
    "DROPPED_HEADERS",
    "REDACTED_FIELDS",
    "REDACTED_QUERY",
    "SAFE_HEADERS",
    "Redaction",
]

SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "content-type",
        "date",
        "idempotency-key",
        "location",
        "request-id",
        "retry-after",
        "retry-after-ms",
        "user-agent",
        "x-mn-region",
        "x-mn-request-id",
        "x-mn-sdk",
        "x-request-id",
    }
)
"""Headers whose values a cassette keeps (besides ``x-ratelimit-*`` and ``ratelimit-*``)."""

SAFE_PREFIXES = ("x-ratelimit-", "ratelimit-")

ALWAYS_REDACTED_HEADERS = SENSITIVE_HEADERS | {"cookie", "set-cookie", "x-auth-token"}
"""Headers whose values are never written, even when listed as allowed."""

DROPPED_HEADERS = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}
)
"""Framing headers, left out: bodies are stored decoded, and a replay has no wire."""

REDACTED_QUERY = frozenset({"api_key", "apikey", "key", "token", "access_token"})
"""Query parameters whose values are never written."""

REDACTED_FIELDS = frozenset(
    {"api_key", "apikey", "password", "access_token", "refresh_token", "client_secret"}
)
"""JSON fields whose values are never written, at any depth of a JSON body."""

_AGENT = re.compile(r"^agent(?:_|%5f)", re.IGNORECASE)
_MAX_DEPTH = 32


def _lower(names: Iterable[str]) -> FrozenSet[str]:
    return frozenset(name.lower() for name in names)


@dataclass(frozen=True)
class Redaction:
    """The cassette's redaction settings: the user's additions to the defaults.

    Args:
        allow_headers: More headers whose values are kept.
        redact_headers: Headers whose values are never kept (even safe ones); their
            values are also scrubbed wherever the server echoes them.
        redact_fields: JSON fields whose values are replaced, at any depth.
        secrets: More strings scrubbed from everything written.
    """

    allow_headers: FrozenSet[str] = frozenset()
    redact_headers: FrozenSet[str] = frozenset()
    redact_fields: FrozenSet[str] = frozenset()
    secrets: Tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        allow_headers: Iterable[str] = (),
        redact_headers: Iterable[str] = (),
        redact_fields: Iterable[str] = (),
        secrets: Iterable[str] = (),
    ) -> Redaction:
        """Settings from the user's lists (names any case)."""
        return cls(
            _lower(allow_headers),
            _lower(redact_headers),
            frozenset(redact_fields) | REDACTED_FIELDS,
            tuple(str.__str__(s) for s in secrets if isinstance(s, str) and s),
        )

    def keeps(self, name: str) -> bool:
        """Whether a header's value is written as it is."""
        key = name.lower()
        if key in ALWAYS_REDACTED_HEADERS or key in self.redact_headers:
            return False
        return key in SAFE_HEADERS or key in self.allow_headers or key.startswith(SAFE_PREFIXES)

    def secrets_of(self, url: str, headers: Mapping[str, Any]) -> List[Sensitive]:
        """The secrets a request carries: its credentials (headers always redacted, or
        marked ``Sensitive``), agent keys and URL credentials, and the user's."""
        found = list(self.secrets)
        found.extend(_header_secrets(headers, ALWAYS_REDACTED_HEADERS | self.redact_headers))
        found.extend(_agent_keys(url))
        parts = urlsplit(url)
        found.extend(unquote(p) for p in (parts.username, parts.password) if p)
        # Sensitive: a frame holding them in an error report's locals shows "<redacted>".
        return [Sensitive(secret) for secret in found]

    def scrubber(self, secrets: Iterable[str]) -> Scrubber:
        """What redacts an exchange, given every secret to scrub from it."""
        return Scrubber(self, Redactor(secrets))


def _header_secrets(headers: Mapping[str, Any], names: FrozenSet[str]) -> List[str]:
    secrets = []
    for name, value in headers.items():
        if not isinstance(value, str):
            continue
        if not isinstance(value, Sensitive) and str(name).lower() not in names:
            continue
        plain = str.__str__(value)  # a Sensitive value's real text
        secrets.append(plain)
        secrets.append(plain.split(" ", 1)[-1])  # without "Bearer"
    return secrets


def _agent_segments(path: str) -> List[int]:
    parts = path.split("/")
    found = [i for i, part in enumerate(parts) if _AGENT.match(part)]
    for i in range(len(parts) - 2):
        if parts[i].lower() == "agents" and parts[i + 1].lower() == "v1" and parts[i + 2]:
            found.append(i + 2)
    return sorted(set(found))


def _agent_keys(url: str) -> List[str]:
    parts = urlsplit(url).path.split("/")
    keys: List[str] = []
    for index in _agent_segments(urlsplit(url).path):
        keys.extend((parts[index], unquote(parts[index])))
    return keys


class Scrubber:
    """Redacts one exchange, given the secrets its request carries."""

    __slots__ = ("redaction", "redactor")

    def __init__(self, redaction: Redaction, redactor: Redactor) -> None:
        self.redaction = redaction
        self.redactor = redactor

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        segments = parts.path.split("/")
        for index in _agent_segments(parts.path):
            segments[index] = REDACTED
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(name.lower() in REDACTED_QUERY for name, _ in pairs):
                query = "&".join(
                    f"{quote(n, safe='')}="
                    + (REDACTED if n.lower() in REDACTED_QUERY else quote(v, safe=""))
                    for n, v in pairs
                )
        netloc = parts.netloc
        if "@" in netloc:  # user:password@host
            netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
        rebuilt = urlunsplit((parts.scheme, netloc, "/".join(segments), query, ""))
        return self.redactor.text(rebuilt)

    def headers(self, headers: Mapping[str, Any]) -> dict[str, str]:
        kept: dict[str, str] = {}
        for name, value in headers.items():
            if name.lower() in DROPPED_HEADERS:
                continue
            if self.redaction.keeps(name) and isinstance(value, str):
                kept[name] = self.redactor.text(str.__str__(value))
            else:
                kept[name] = REDACTED
        return kept

    def body(self, data: bytes) -> bytes:
        if not data:
            return data
        value = json_body(data)
        if value is not None:
            # Scrubbed as bytes after encoding: every string at any depth, and a secret
            # only ever sits inside a JSON string, which "<redacted>" keeps valid.
            data = compact(_fields(value, self.redaction.redact_fields))
        return self.redactor.bytes(data)

    def chunks(self, chunks: List[Tuple[float, bytes]]) -> List[Tuple[float, bytes]]:
        """Each chunk scrubbed, a secret straddling two chunks included (its
        ``<redacted>`` goes in the chunk where it starts; the chunk where it ends
        keeps what follows it)."""
        joined = b"".join(data for _, data in chunks)
        spans = self.redactor.spans(joined)
        if not spans:
            return chunks
        out = []
        start = 0
        index = 0
        for at, data in chunks:
            end = start + len(data)
            piece = bytearray()
            position = start
            while position < end:
                while index < len(spans) and spans[index][1] <= position:
                    index += 1
                if index < len(spans) and spans[index][0] < end:
                    span_start, span_end = spans[index]
                    if span_start > position:
                        piece += joined[position:span_start]
                        position = span_start
                    if span_start >= start:  # the secret starts in this chunk
                        piece += REDACTED.encode()
                    position = min(span_end, end)
                else:
                    piece += joined[position:end]
                    position = end
            out.append((at, bytes(piece)))
            start = end
        return out

    def error(self, error: BaseException) -> RecordedError:
        message = self.url_text(str(error))
        return RecordedError(type(error).__name__, message, getattr(error, "request_sent", None))

    def url_text(self, text: str) -> str:
        """Text that may quote the URL (an error message): agent keys and secrets out."""
        return self.redactor.text(_mask_agent_text(text))

    def request(
        self, method: str, url: str, headers: Mapping[str, Any], body: Optional[bytes]
    ) -> CassetteRequest:
        return CassetteRequest(
            method=method.upper(),
            url=self.url(url),
            headers=self.headers(headers),
            body=self.body(body or b""),
        )


_AGENT_IN_TEXT = re.compile(r"(?<=/)agent(?:_|%5f)[^/?#\s\"'<>]+", re.IGNORECASE)


def _mask_agent_text(text: str) -> str:
    return _AGENT_IN_TEXT.sub(REDACTED, text)


def _fields(value: Any, names: FrozenSet[str], depth: int = 0) -> Any:
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {
            k: (REDACTED if k in names else _fields(v, names, depth + 1)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_fields(v, names, depth + 1) for v in value]
    return value
