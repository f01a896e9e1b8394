"""Parameter descriptions and the summary from Google, NumPy and reST docstrings."""

from __future__ import annotations

import inspect
from typing import Dict, List, Tuple

from hypothesis import given
from hypothesis import strategies as st

from meganova.agents.docstrings import parse_docstring


def google(city: str, days: int = 1) -> None:
    """Weather for a city.

    Looks it up in the almanac.

    Args:
        city (str): The city's name,
            as spelled locally.
        days: How many days ahead.

    Returns:
        The forecast.
    """


def numpy(city: str, days: int = 1) -> None:
    """Weather for a city.

    Parameters
    ----------
    city : str
        The city's name,
        as spelled locally.
    days : int, optional
        How many days ahead.

    Returns
    -------
    str
        The forecast.
    """


def rest(city: str, days: int = 1) -> None:
    """Weather for a city.

    :param str city: The city's name,
        as spelled locally.
    :param days: How many days ahead.
    :returns: The forecast.
    """


def test_the_three_styles_give_the_same_descriptions() -> None:
    for func in (google, numpy, rest):
        summary, params = parse_docstring(inspect.getdoc(func))
        assert params == {
            "city": "The city's name, as spelled locally.",
            "days": "How many days ahead.",
        }, func.__name__
        assert summary.startswith("Weather for a city."), func.__name__
    assert parse_docstring(inspect.getdoc(google))[0] == (
        "Weather for a city.\n\nLooks it up in the almanac."
    )


def test_no_docstring_and_no_sections() -> None:
    assert parse_docstring(None) == ("", {})
    assert parse_docstring("Just a line\nwrapped.") == ("Just a line wrapped.", {})


_name = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
_words = st.lists(st.from_regex(r"[A-Za-z0-9.,'()]{1,8}", fullmatch=True), min_size=1, max_size=8)


def _render(style: str, summary: str, params: List[Tuple[str, List[str]]]) -> str:
    lines = [summary, ""]
    if style == "google":
        lines.append("Args:")
        for name, words in params:
            lines.append(f"    {name} (int): {' '.join(words[:3])}")
            if words[3:]:
                lines.append(f"        {' '.join(words[3:])}")
    elif style == "numpy":
        lines += ["Parameters", "----------"]
        for name, words in params:
            lines += [f"{name} : int", f"    {' '.join(words[:3])}"]
            if words[3:]:
                lines.append(f"    {' '.join(words[3:])}")
    else:
        for name, words in params:
            lines.append(f":param {name}: {' '.join(words[:3])}")
            if words[3:]:
                lines.append(f"    {' '.join(words[3:])}")
    return "\n".join(lines)


@given(
    style=st.sampled_from(["google", "numpy", "rest"]),
    summary=st.from_regex(r"[A-Z][a-z ]{0,30}\.", fullmatch=True),
    params=st.dictionaries(_name, _words, max_size=5),
)
def test_any_rendered_docstring_parses_back(
    style: str, summary: str, params: Dict[str, List[str]]
) -> None:
    doc = _render(style, summary, list(params.items()))
    got_summary, got = parse_docstring(doc)
    assert got == {name: " ".join(words) for name, words in params.items()}
    assert got_summary == " ".join(summary.split())
