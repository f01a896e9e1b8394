"""Server text made safe to print on a terminal: a hostile reply must not be able to
move the cursor, retitle the window, hide text or write to the clipboard."""

from __future__ import annotations

import re

__all__ = ["printable"]

# Whole escape sequences first (so no "[31m" is left behind): CSI (ESC [ or 0x9B ...
# final byte), OSC/DCS/SOS/PM/APC strings up to BEL or ST, and two-byte ESC sequences.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# What is left of the C0 and C1 controls and DEL, plus the bidirectional overrides
# that make a terminal show text in another order than it is.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"[\t\n]+")


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` without terminal control sequences or characters. Tabs and newlines
    stay when ``newlines`` is true; otherwise each run of them becomes one space (for
    a one-line message). A carriage return is dropped: it could overwrite the line."""
    if text.isprintable() or (newlines and _printable_lines(text)):
        return text  # the common cases, no regex
    text = _CONTROLS.sub("", _SEQUENCES.sub("", text))
    if not _printable_lines(text):  # what else Python deems unprintable (format, unassigned...)
        text = "".join(c for c in text if c.isprintable() or c in "\t\n")
    return text if newlines else _NEWLINES.sub(" ", text)


def _printable_lines(text: str) -> bool:
    return text.replace("\n", "").replace("\t", "").isprintable()
