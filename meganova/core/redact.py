"""One redaction mechanism for every secret the configuration holds (the API key, and
credentials such as a proxy's): errors, logs and reprs all scrub through a
``Redactor`` built from them, and request header values carrying one travel as
``Sensitive`` strings, whose repr and str never show it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Pattern, TypeVar

from .http import Headers

__all__ = ["REDACTED", "Redactor", "Sensitive", "mask_agent_keys", "redact_text"]

REDACTED = "<redacted>"
_MIN_SECRET = 4  # shorter "secrets" (test keys such as "k") would mangle every message
_MAX_DEPTH = 32  # parsed JSON bodies: deeper nesting is left as it is
# Attributes of an error that hold partial results (models), never server-echoed text.
_SKIP_ATTRIBUTES = frozenset({"chunks", "partial", "partial_text", "job", "attempts"})
E = TypeVar("E", bound=BaseException)
# A Cloud agent key travels as a path segment (``/agents/v1/agent_.../chat``): any
# ``agent_...`` segment of a URL or path (plain or percent-encoded) is a credential.
_AGENT_SEGMENT = re.compile(r"(?<=/)agent(?:_|%5f)[^/?#\s\"'<>]+", re.IGNORECASE)


class Sensitive(str):
    """A header value that carries a secret (``Bearer sk-...``).

    It is a real ``str`` (compares, hashes, slices and ``encode``s as the secret, so
    the wire gets the real bytes at the last hop), but its ``repr``, ``str`` and
    ``format`` show ``<redacted>``: a dict of headers in a traceback's captured locals
    or a log line never reveals it. Concatenation and ``encode`` are how a transport
    reads it; copies keep the type; pickles carry only the redacted text.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Sensitive:
        if isinstance(value, Sensitive):
            return value  # str(value) would be the redacted text
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return repr(REDACTED)

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return format(REDACTED, spec)

    def reveal(self) -> str:
        """The plain secret, for a library that would otherwise ``str()`` it."""
        return str.__str__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (str, (REDACTED,))

    def __copy__(self) -> Sensitive:
        return self

    def __deepcopy__(self, memo: Any) -> Sensitive:
        return self


def _char_pattern(char: str, *, as_bytes: bool) -> str:
    """One character of a secret as sent plainly, JSON-escaped (``\\u002d``, either
    case of hex digits, ``\\/``, ``\\\\``) or percent-encoded (``%2D``). Escapes
    come first, so ``%25`` is one ``%``, not a ``%`` followed by ``25``. For a bytes
    pattern, the plain form is the character's UTF-8 bytes (spelt as latin-1 text)."""
    code = ord(char)
    forms = []
    if code <= 0xFFFF:
        forms.append(r"\\u" + f"{code:04x}")
    if char in '/\\"':
        forms.append(re.escape("\\" + char))
    if code < 0x80:
        forms.append("%" + f"{code:02x}")
    forms.append(re.escape(char.encode("utf-8")).decode("latin-1") if as_bytes else re.escape(char))
    return "(?:" + "|".join(forms) + ")"


def _pattern_text(secrets: Iterable[str], *, as_bytes: bool = False) -> str:
    # Longest first: a secret containing another is removed whole.
    ordered = sorted(set(secrets), key=len, reverse=True)
    return "|".join(
        "".join(_char_pattern(c, as_bytes=as_bytes) for c in secret) for secret in ordered
    )


class Redactor:
    """Scrubs a fixed set of secrets from text, bytes, headers and errors, wherever
    they appear plainly or escaped as JSON and URLs do. Built from the configuration;
    its patterns are compiled on first use (an error path), never per call."""

    __slots__ = ("_bytes", "_secrets", "_text")

    def __init__(self, secrets: Iterable[str] = (), *, min_length: int = _MIN_SECRET) -> None:
        plain = {str.__str__(s) for s in secrets if isinstance(s, str)}  # Sensitive too
        self._secrets = tuple(sorted(s for s in plain if s and len(s) >= min_length))
        self._text: Pattern[str] | None = None
        self._bytes: Pattern[bytes] | None = None

    @classmethod
    def for_headers(cls, headers: Mapping[str, Any], names: Iterable[str] = ()) -> Redactor:
        """The secrets a request's headers carry: every ``Sensitive`` value and every
        value of a header in ``names``, whole and without its scheme (``Bearer``)."""
        wanted = {n.lower() for n in names}
        found: list[str] = []
        for name, value in headers.items():
            if not isinstance(value, str) or not (
                isinstance(value, Sensitive) or str(name).lower() in wanted
            ):
                continue
            plain = str.__str__(value)
            found.append(plain)
            found.append(plain.split(" ", 1)[-1])
        return cls(found)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Redactor, ())  # never pickles what it hides

    def _text_pattern(self) -> Pattern[str]:
        if self._text is None:
            self._text = re.compile(_pattern_text(self._secrets), re.IGNORECASE)
        return self._text

    def _bytes_pattern(self) -> Pattern[bytes]:
        if self._bytes is None:
            text = _pattern_text(self._secrets, as_bytes=True)
            self._bytes = re.compile(text.encode("latin-1"), re.IGNORECASE)
        return self._bytes

    # IGNORECASE makes the hex digits of an escape match in either case; it also
    # matches a secret echoed in another case, which is still the secret.

    def spans(self, data: bytes) -> list[tuple[int, int]]:
        """Where a secret occurs in ``data``: ``(start, end)`` offsets, in order. For
        text cut in pieces (a stream's chunks) whose secrets may straddle two pieces."""
        if not self._secrets or not data:
            return []
        return [match.span() for match in self._bytes_pattern().finditer(data)]

    def text(self, text: str) -> str:
        if not self._secrets or not text:
            return text
        return self._text_pattern().sub(REDACTED, text)

    def bytes(self, data: bytes) -> bytes:
        if not self._secrets or not data:
            return data
        return self._bytes_pattern().sub(REDACTED.encode(), data)

    def value(self, value: Any, depth: int = 0) -> Any:
        """A JSON-like value (a parsed body) with every string scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (bytes, bytearray)):
            return self.bytes(bytes(value))
        if depth >= _MAX_DEPTH:
            return value
        if isinstance(value, Headers):  # keeps its case-insensitive lookups
            return Headers([(k, self.text(v)) for k, v in value.items()])
        if isinstance(value, Mapping):
            return {self.value(k, depth + 1): self.value(v, depth + 1) for k, v in value.items()}
        if type(value) in (list, tuple):
            return type(value)(self.value(v, depth + 1) for v in value)
        return value

    def error(self, error: E) -> E:
        """Scrub an error in place (message, args, body, headers, request id, parsed
        body...): what its str, repr and pickle show. Returns it."""
        if not self._secrets:
            return error
        error.args = tuple(self.value(a) for a in error.args)
        state = getattr(error, "__dict__", None)
        if state:
            for name, item in list(state.items()):
                if name in _SKIP_ATTRIBUTES or item is None:
                    continue
                if isinstance(item, (str, bytes, Mapping)) or type(item) in (list, tuple):
                    state[name] = self.value(item)
        return error


def mask_agent_keys(text: str) -> str:
    """``text`` (a URL, a path, or a message quoting one) with every ``agent_...`` path
    segment replaced by ``<redacted>``: a Cloud agent's key lives in its URL path."""
    lowered = text.lower()
    if "agent_" not in lowered and "agent%5f" not in lowered:
        return text  # the usual case: no regex
    return _AGENT_SEGMENT.sub(REDACTED, text)


def redact_text(text: str, headers: Mapping[str, Any], names: Iterable[str] = ()) -> str:
    """``text`` without any secret the request ``headers`` carry (see
    ``Redactor.for_headers``) nor an agent key from a URL path: for messages built from a
    library's exception."""
    return mask_agent_keys(Redactor.for_headers(headers, names).text(text))
