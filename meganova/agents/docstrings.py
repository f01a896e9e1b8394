"""A tool's description and its parameters' descriptions, read from its docstring.

Understands the three common styles: Google (``Args:`` with ``name (type): text``),
NumPy (``Parameters`` underlined, ``name : type`` then indented text) and reST
(``:param name: text``, ``:param type name: text``). Pure text work, no imports
beyond the standard library.
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

__all__ = ["parse_docstring"]

_GOOGLE_ARGS = re.compile(r"^(args|arguments|parameters|params|keyword args|kwargs)\s*:\s*$", re.I)
_GOOGLE_SECTION = re.compile(
    r"^(args|arguments|parameters|params|keyword args|kwargs|returns?|yields?|raises|"
    r"examples?|notes?|attributes|see also|warnings?|references|todo)\s*:\s*$",
    re.I,
)
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:(.*)$")
_NUMPY_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_NUMPY_ITEM = re.compile(r"^(\w+)\s*(?::.*)?$")
_REST_FIELD = re.compile(r"^:(\w+)((?:\s+[^:]+?)?)\s*:(.*)$")


def parse_docstring(doc: str | None) -> Tuple[str, Dict[str, str]]:
    """``(summary, {parameter: description})`` of a cleaned docstring (``inspect.getdoc``).

    The summary is the text before the first section or field list, its lines joined
    by spaces within a paragraph and paragraphs kept apart by a blank line.
    """
    if not doc:
        return "", {}
    lines = doc.expandtabs().splitlines()
    end = len(lines)
    params: Dict[str, str] = {}
    for i, line in enumerate(lines):
        stripped = line.strip()
        section = _GOOGLE_SECTION.match(stripped) and not line[:1].isspace()
        underlined = i + 1 < len(lines) and stripped and _NUMPY_UNDERLINE.match(lines[i + 1])
        if _REST_FIELD.match(stripped) or section or underlined:
            end = min(end, i)
    params.update(_google(lines))
    params.update(_numpy(lines))
    params.update(_rest(lines))
    return _join_paragraphs(lines[:end]), params


def _join_paragraphs(lines: List[str]) -> str:
    paragraphs: List[str] = []
    current: List[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _collect(items: Dict[str, List[str]]) -> Dict[str, str]:
    return {name: " ".join(part for part in parts if part) for name, parts in items.items()}


def _google(lines: List[str]) -> Dict[str, str]:
    found: Dict[str, List[str]] = {}
    i = 0
    while i < len(lines):
        if not _GOOGLE_ARGS.match(lines[i].strip()):
            i += 1
            continue
        base = _indent(lines[i])
        i += 1
        item_indent = None
        current: List[str] | None = None
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                i += 1
                continue
            indent = _indent(line)
            if indent <= base:
                break
            if item_indent is None:
                item_indent = indent
            match = _GOOGLE_ITEM.match(line.strip()) if indent == item_indent else None
            if match:
                current = found.setdefault(match.group(1), [])
                current.append(match.group(2).strip())
            elif current is not None and indent > item_indent:
                current.append(line.strip())
            i += 1
    return _collect(found)


def _numpy(lines: List[str]) -> Dict[str, str]:
    found: Dict[str, List[str]] = {}
    i = 0
    while i + 1 < len(lines):
        title = lines[i].strip().lower()
        if title not in ("parameters", "other parameters", "keyword arguments") or not (
            _NUMPY_UNDERLINE.match(lines[i + 1])
        ):
            i += 1
            continue
        base = _indent(lines[i])
        i += 2
        current: List[str] | None = None
        while i < len(lines):
            line = lines[i]
            if i + 1 < len(lines) and line.strip() and _NUMPY_UNDERLINE.match(lines[i + 1]):
                break  # the next section
            if not line.strip():
                i += 1
                continue
            indent = _indent(line)
            match = _NUMPY_ITEM.match(line.strip()) if indent == base else None
            if match:
                current = found.setdefault(match.group(1), [])
            elif indent > base and current is not None:
                current.append(line.strip())
            elif indent <= base:
                break
            i += 1
    return _collect(found)


def _rest(lines: List[str]) -> Dict[str, str]:
    found: Dict[str, List[str]] = {}
    current: List[str] | None = None
    field_indent = 0
    for line in lines:
        stripped = line.strip()
        match = _REST_FIELD.match(stripped)
        if match:
            kind, middle, text = match.groups()
            current = None
            words = middle.split()
            if kind in ("param", "parameter", "arg", "argument", "key", "keyword") and words:
                current = found.setdefault(words[-1], [])
                current.append(text.strip())
                field_indent = _indent(line)
        elif current is not None and stripped and _indent(line) > field_indent:
            current.append(stripped)
        elif not stripped or _indent(line) <= field_indent:
            current = None
    return _collect(found)
