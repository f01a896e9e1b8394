"""A streamed answer is printed piece by piece: a control sequence the server split
between two pieces must still be removed whole (none of it printed as text)."""

from __future__ import annotations

from typing import List

from hypothesis import given
from hypothesis import strategies as st

from meganova.cli.output import MAX_HELD, StreamText
from meganova.core.terminal import printable

SEQUENCES = [
    "\x1b[31m",  # colour
    "\x1b[2J",  # clear the screen
    "\x9b1A",  # one-byte CSI: cursor up
    "\x1b]0;pwned\x07",  # window title
    "\x1b]52;c;c2VjcmV0\x1b\\",  # write to the clipboard
    "\x1bc",  # reset the terminal
    "\x1bP+q544e\x1b\\",  # DCS
]
PIECES = st.lists(st.one_of(st.sampled_from(SEQUENCES), st.text("abc é\n", max_size=5)))


def shown(pieces: List[str]) -> str:
    printer = StreamText()
    return "".join(printer.feed(p) for p in pieces) + printer.finish()


def split(text: str, cuts: List[int]) -> List[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]


@given(PIECES, st.lists(st.integers(min_value=0), max_size=8))
def test_any_split_prints_what_the_whole_text_prints(parts: List[str], cuts: List[int]) -> None:
    text = "".join(parts)
    assert shown(split(text, cuts)) == printable(text)


@given(st.text(max_size=40), st.lists(st.integers(min_value=0), max_size=8))
def test_whatever_arrives_nothing_unprintable_is_printed(text: str, cuts: List[int]) -> None:
    out = shown(split(text, cuts))
    assert out.replace("\n", "").replace("\t", "").isprintable()


def test_a_split_window_title_never_leaks() -> None:
    assert shown(["Hi\x1b]", "0;pwn", "ed\x07 there"]) == "Hi there"
    assert shown(["Hi\x1b", "[2J there"]) == "Hi there"


def test_an_endless_sequence_is_not_held_forever() -> None:
    printer = StreamText()
    printer.feed("\x1b]0;")
    assert printer.feed("x" * MAX_HELD) == ""  # too long to be a title: dropped, not held
    assert printer.feed(" and on") == " and on"
