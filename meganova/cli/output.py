"""How the command prints: tables and fields for people, JSON for programs. Server
text never reaches the terminal with control sequences in it."""

from __future__ import annotations

import json
import keyword
import re
from typing import Any, Iterable, Sequence, TextIO

from ..core.terminal import printable

# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on: DEL, the C1
# controls (0x9b is a one-byte CSI) and the bidirectional overrides.
_RAW_CONTROLS = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def wire_name(name: str) -> str:
    """``from_`` (a Python keyword escaped) is ``from`` on the wire and in our JSON."""
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        return name[:-1]
    return name


def plain(value: Any) -> Any:
    """A response as JSON data: wire names, and the reply's ``request_id`` kept."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        data = _rename(to_dict())
        request_id = getattr(value, "request_id", None)
        if request_id is not None:
            data["request_id"] = request_id
        return data
    if isinstance(value, (list, tuple)):
        items = [plain(v) for v in value]
        if not hasattr(value, "request_id"):
            return items
        # A reply that is a list (``models``): the API's own envelope, with the id.
        return {"object": "list", "data": items, "request_id": getattr(value, "request_id", None)}
    if isinstance(value, dict):
        return _rename(value)
    return value


def _rename(value: Any) -> Any:
    if isinstance(value, dict):
        return {wire_name(str(k)): _rename(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = 2) -> str:
    text = json.dumps(plain(value), indent=indent, ensure_ascii=False, default=str)
    return _RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(value: Any, out: TextIO, *, indent: int | None = 2) -> None:
    out.write(dumps(value, indent=indent) + "\n")


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value) or "-"
    if isinstance(value, dict):
        return printable(json.dumps(value, ensure_ascii=False, default=str), newlines=False)
    return printable(str(value), newlines=False)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> None:
    cells = [[cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths))
    out.write(line.rstrip() + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")


def print_fields(pairs: Iterable[tuple[str, Any]], out: TextIO) -> None:
    shown = [(wire_name(k), cell(v)) for k, v in pairs if v is not None]
    width = max((len(k) for k, _ in shown), default=0)
    for key, value in shown:
        out.write(f"{key.ljust(width)}  {value}\n")


def text(value: str) -> str:
    """Server text as printed: lines kept, control sequences gone."""
    return printable(value)


# A control sequence cut off by the end of a piece of a stream: a CSI without its final
# byte, a string (OSC, DCS, ...) without its terminator, an ESC and its intermediates.
_UNFINISHED = re.compile(
    r"(?:(?:\x1b\[|\x9b)[0-?]*[ -/]*"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*\x1b?"
    r"|\x1b[ -/]*)\Z"
)
MAX_HELD = 4096  # a sequence longer than this is garbage: printed (cleaned) anyway


class StreamText:
    """Server text that arrives in pieces, made printable piece by piece: a control
    sequence split between two pieces is held back until it is whole, so none of it
    (say, a window title) leaks out as text."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        value = self._held + piece
        cut = _UNFINISHED.search(value)
        if cut is not None and len(value) - cut.start() <= MAX_HELD:
            self._held = value[cut.start() :]
            value = value[: cut.start()]
        else:
            self._held = ""
        return printable(value)

    def finish(self) -> str:
        value, self._held = self._held, ""
        return printable(value)
