"""Generated Python types for the schema property tests: dataclasses, TypedDicts and
msgspec Structs of str, int, float, bool, Literal, Enum, Optional, lists and dicts,
nested. Each shape is (the type, a strategy of JSON values fitting it, whether strict
mode can express it)."""

from __future__ import annotations

import dataclasses
import enum
import itertools
from typing import Any, Dict, List, Literal, Optional, Tuple

import msgspec
from hypothesis import strategies as st
from typing_extensions import TypedDict

__all__ = ["ROOTS", "SHAPES", "Shape"]

_names = (f"T{n}" for n in itertools.count())
Shape = Tuple[
    Any, "st.SearchStrategy[Any]", bool
]  # type, JSON values fitting it, strict-expressible

LABELS = st.text("abcxyz", min_size=1, max_size=3)


def _leaves() -> st.SearchStrategy[Shape]:
    plain: List[Shape] = [
        (str, st.text(max_size=5), True),
        (int, st.integers(-(2**53), 2**53), True),
        (float, st.floats(allow_nan=False, allow_infinity=False), True),
        (bool, st.booleans(), True),
    ]

    def literal(values: List[str]) -> Shape:
        return (Literal[tuple(values)], st.sampled_from(values), True)  # type: ignore[misc]

    def an_enum(values: List[str]) -> Shape:
        members = enum.Enum(next(_names), {f"M{i}": v for i, v in enumerate(values)})  # type: ignore[misc]
        return (members, st.sampled_from(values), True)

    values = st.lists(LABELS, min_size=1, max_size=3, unique=True)
    return st.one_of(st.sampled_from(plain), values.map(literal), values.map(an_enum))


def _object(kind: str, fields: List[Shape]) -> Shape:
    name = next(_names)
    pairs = [(f"f{i}", tp) for i, (tp, _, _) in enumerate(fields)]
    tp: Any
    if kind == "dataclass":
        tp = dataclasses.make_dataclass(name, pairs)
    elif kind == "typeddict":
        tp = TypedDict(name, dict(pairs))  # type: ignore[operator]  # noqa: UP013
    else:
        tp = msgspec.defstruct(name, pairs)
    values = st.fixed_dictionaries({f"f{i}": s for i, (_, s, _) in enumerate(fields)})
    return (tp, values, all(ok for _, _, ok in fields))


def _extend(children: st.SearchStrategy[Shape]) -> st.SearchStrategy[Shape]:
    def optional(s: Shape) -> Shape:
        return (Optional[s[0]], st.none() | s[1], s[2])

    def listed(s: Shape) -> Shape:
        return (List[s[0]], st.lists(s[1], max_size=3), s[2])  # type: ignore[valid-type]

    def mapping(s: Shape) -> Shape:
        return (Dict[str, s[0]], st.dictionaries(LABELS, s[1], max_size=3), False)  # type: ignore[valid-type]

    kinds = st.sampled_from(["dataclass", "typeddict", "struct"])
    return st.one_of(
        children.map(optional),
        children.map(listed),
        children.map(mapping),
        st.builds(_object, kinds, st.lists(children, min_size=1, max_size=4)),
    )


SHAPES = st.recursive(_leaves(), _extend, max_leaves=8)
ROOTS = st.builds(
    _object, st.sampled_from(["dataclass", "typeddict", "struct"]), st.lists(SHAPES, max_size=4)
)
