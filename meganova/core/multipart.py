"""A multipart/form-data encoder that produces the whole body as bytes.

Because the body is complete bytes (never a stream or an open file), every retry of an
upload sends the entire file again, byte for byte (RFC 7578).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence, Tuple

_ESCAPES = {'"': "%22", "\r": "%0D", "\n": "%0A", "\\": "\\\\"}


def _quote(value: str) -> str:
    """Escape a name or filename for a quoted-string parameter, as browsers do."""
    return "".join(_ESCAPES.get(c, c) for c in value)


@dataclass(frozen=True)
class FilePart:
    name: str
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


Field = Tuple[str, str]


def new_boundary() -> str:
    return "meganova-" + os.urandom(16).hex()


def encode_multipart(
    fields: Sequence[Field],
    files: Sequence[FilePart] = (),
    *,
    boundary: str | None = None,
) -> tuple[bytes, str]:
    """``(body, content_type)`` for text ``fields`` then ``files``. A boundary that
    occurs inside any part is replaced by a fresh one."""
    chosen = boundary or new_boundary()
    contents = [value.encode("utf-8") for _, value in fields] + [f.content for f in files]
    while any(chosen.encode("ascii") in c for c in contents):
        chosen = new_boundary()
    dash = b"--" + chosen.encode("ascii")
    out: list[bytes] = []
    for name, value in fields:
        out += [
            dash,
            b"\r\n",
            f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode(),
            value.encode("utf-8"),
            b"\r\n",
        ]
    for part in files:
        out += [
            dash,
            b"\r\n",
            (
                f'Content-Disposition: form-data; name="{_quote(part.name)}"; '
                f'filename="{_quote(part.filename)}"\r\n'
                f"Content-Type: {part.content_type}\r\n\r\n"
            ).encode(),
            part.content,
            b"\r\n",
        ]
    out += [dash, b"--\r\n"]
    return b"".join(out), f"multipart/form-data; boundary={chosen}"
