"""A tool's JSON schema comes from its signature and docstring; the model's arguments
are checked and converted to the annotated types before the call; a definition that
cannot be described to a model is refused at ``Agent(...)`` naming tool and parameter."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, Tuple, TypedDict

import pytest

from meganova.agents import Agent, Tool, tool
from meganova.agents.toolbox import Toolbox, render_result
from meganova.errors import InvalidArgumentError
from meganova.testing import FakeMeganova


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


@dataclass
class Point:
    lat: float
    lon: float


class Place(TypedDict):
    name: str
    at: Point


@dataclass
class Trip:
    stops: List[Place]
    note: Optional[str] = None
    tags: List[str] = field(default_factory=list)


def plan(
    trip: Trip,
    unit: Unit = Unit.CELSIUS,
    mode: Literal["walk", "drive"] = "walk",
    budget: Optional[float] = None,
    days: int = 1,
    rush: bool = False,
    extras: Optional[Dict[str, int]] = None,
    nothing: None = None,
) -> str:
    """Plan a trip.

    Args:
        trip: Where to go.
        unit: The temperature unit.
        mode: How to travel.
    """
    return f"{type(trip.stops[0]['at']).__name__} {unit.name} {mode} {budget} {days} {rush}"


def schema_of(func: Any) -> Dict[str, Any]:
    return Toolbox([func]).specs[0]["function"]


def test_every_supported_type_is_described_and_the_docstring_fills_descriptions() -> None:
    spec = schema_of(plan)
    assert spec["name"] == "plan" and spec["description"] == "Plan a trip."
    params = spec["parameters"]
    props = params["properties"]
    assert params["type"] == "object" and params["required"] == ["trip"]
    assert props["trip"] == {"description": "Where to go.", "$ref": "#/$defs/Trip"}
    assert props["unit"]["$ref"] == "#/$defs/Unit" and props["unit"]["default"] == "celsius"
    assert props["mode"] == {
        "description": "How to travel.",
        "enum": ["drive", "walk"],
        "default": "walk",
    }
    assert props["budget"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert props["days"] == {"type": "integer", "default": 1}
    assert props["rush"] == {"type": "boolean", "default": False}
    assert props["extras"]["anyOf"][0] == {
        "type": "object",
        "additionalProperties": {"type": "integer"},
    }
    assert props["nothing"] == {"type": "null", "default": None}
    defs = params["$defs"]
    assert set(defs) == {"Trip", "Place", "Point", "Unit"}
    assert defs["Place"]["properties"]["at"] == {"$ref": "#/$defs/Point"}
    assert defs["Unit"]["enum"] == ["celsius", "fahrenheit"]


def test_arguments_arrive_converted_to_the_annotated_types() -> None:
    box = Toolbox([plan])
    bound = box.bind(
        "plan",
        {
            "trip": {"stops": [{"name": "Hue", "at": {"lat": 16, "lon": "107.5"}}]},
            "unit": "fahrenheit",
            "days": "3",
        },
    )
    assert not isinstance(bound, str)
    assert bound.invoke() == "Point FAHRENHEIT walk None 3 False"
    trip = bound.kwargs["trip"]
    assert isinstance(trip, Trip) and trip.stops[0]["at"] == Point(16.0, 107.5)


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({}, "missing required field `trip`"),
        ({"trip": {"stops": [{"name": "x"}]}}, "`$.trip.stops[0]`"),
        ({"trip": {"stops": []}, "mode": "fly"}, "Invalid enum value 'fly'"),
        ({"trip": {"stops": []}, "unit": "kelvin"}, "Invalid enum value 'kelvin'"),
    ],
)
def test_arguments_that_do_not_fit_give_the_model_the_reason(
    arguments: Dict[str, Any], problem: str
) -> None:
    answer = Toolbox([plan]).bind("plan", arguments)
    assert isinstance(answer, str) and answer.startswith("Error: invalid arguments for plan")
    assert problem in answer


def test_tool_sets_the_name_and_description_with_or_without_arguments() -> None:
    @tool
    def a(x: int) -> int:
        """First line.

        More text."""
        return x

    @tool()
    def b() -> None:
        """B."""

    @tool("see", "Sees things")
    def c(thing: str) -> str:
        return thing

    @tool(name="dee")
    def d() -> None:
        """Dee's docstring."""

    specs = {s["function"]["name"]: s["function"] for s in Toolbox([a, b, c, d]).specs}
    assert {n: s.get("description") for n, s in specs.items()} == {
        "a": "First line.\n\nMore text.",
        "b": "B.",
        "see": "Sees things",
        "dee": "Dee's docstring.",
    }
    assert a(2) == 2 and c("x") == "x"  # still the plain functions
    assert specs["b"]["parameters"] == {"type": "object", "properties": {}}


def test_methods_partials_callable_objects_and_raw_schemas_are_tools() -> None:
    class Counter:
        def __init__(self) -> None:
            self.total = 0

        def bump(self, by: int) -> int:
            """Bump the counter."""
            self.total += by
            return self.total

        def __call__(self, word: str) -> str:
            return word.upper()

    counter = Counter()
    shout = Tool(name="shout", func=counter)
    scaled = Tool(name="scaled", func=functools.partial(lambda k, x: k * x, 3))
    raw = Tool("raw", "Raw schema", func=lambda **kw: sorted(kw), parameters={"type": "object"})
    box = Toolbox([counter.bump, shout, scaled, raw])
    assert [s["function"]["name"] for s in box.specs] == ["bump", "shout", "scaled", "raw"]
    assert box.specs[0]["function"]["parameters"]["required"] == ["by"]
    assert box.specs[3]["function"]["parameters"] == {"type": "object"}
    for name, args, expected in [
        ("bump", {"by": "2"}, 2),
        ("shout", {"word": "hi"}, "HI"),
        ("scaled", {"x": 2}, 6),
        ("raw", {"b": 1, "a": 2}, ["a", "b"]),
    ]:
        bound = box.bind(name, args)
        assert not isinstance(bound, str) and bound.invoke() == expected


def test_positional_only_parameters_are_passed_by_position() -> None:
    def power(base: int, /, exp: int = 2) -> int:
        return int(base**exp)

    bound = Toolbox([power]).bind("power", {"base": 3})
    assert not isinstance(bound, str) and bound.invoke() == 9


class Opaque:
    pass


def takes_opaque(thing: Opaque) -> None:
    """Unsupported."""


def takes_args(*numbers: int) -> None:
    """Varargs."""


def takes_kwargs(**options: str) -> None:
    """Kwargs."""


OPAQUE = Opaque()


def odd_default(when: Any = OPAQUE) -> None:
    """Default that is not JSON."""


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        (
            [takes_opaque],
            r"tool 'takes_opaque', parameter 'thing': type .*Opaque.* is not supported",
        ),
        ([takes_args], r"tool 'takes_args', parameter 'numbers': \*args and \*\*kwargs"),
        ([takes_kwargs], r"tool 'takes_kwargs', parameter 'options': \*args and \*\*kwargs"),
        ([odd_default], r"tool 'odd_default', parameter 'when': its default"),
        ([plan, plan], r"two tools are named 'plan'"),
        ([plan, 42], r"tools\[1\] is a int, not a function or Tool"),
        ([lambda x: x], r"tool .*lambda.*: a tool name is 1-64 letters"),
        ("plan", r"tools must be a list"),
    ],
)
def test_a_tool_that_cannot_be_described_is_refused_at_agent_naming_it(
    tools: Any, message: str
) -> None:
    fake = FakeMeganova()
    with pytest.raises(InvalidArgumentError, match=message) as caught:
        Agent(fake.client(), model="m", tools=tools)
    assert caught.value.argument == "tools"
    assert fake.requests == []


def test_a_tool_object_needs_a_callable_and_a_valid_name() -> None:
    with pytest.raises(InvalidArgumentError, match="func must be a callable"):
        Tool(name="x", func="not callable")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="tool 'x y': a tool name is 1-64"):
        Tool(name="x y", func=plan)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        (3.5, "3.5"),
        (None, "null"),
        ({"a": [1, Point(1, 2)]}, '{"a":[1,{"lat":1,"lon":2}]}'),
        (Unit.CELSIUS, '"celsius"'),
        (Opaque, "<class"),
        ({"when": Opaque}, '{"when":"<class'),
    ],
)
def test_results_reach_the_model_as_text_or_json(value: Any, text: str) -> None:
    assert render_result(value).startswith(text)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("model", ""),
        ("max_turns", 0),
        ("max_tokens", -5),
        ("temperature", "hot"),
        ("max_parallel_tools", 0),
        ("system_prompt", 3),
        ("hooks", "nope"),
        ("params", ["x"]),
        ("params", {"stream": True}),
    ],
)
def test_agent_options_are_checked(option: str, value: Any) -> None:
    fake = FakeMeganova()
    options: Dict[str, Any] = {"model": "m", option: value}
    with pytest.raises(InvalidArgumentError) as caught:
        Agent(fake.client(), **options)
    assert caught.value.argument == option


def test_a_client_that_is_not_one_is_refused() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        Agent(object(), model="m")
    assert caught.value.argument == "client"


def test_tuple_and_set_parameters_are_supported_too() -> None:
    def span(bounds: Tuple[int, int]) -> int:
        return bounds[1] - bounds[0]

    bound = Toolbox([span]).bind("span", {"bounds": [2, 9]})
    assert not isinstance(bound, str) and bound.invoke() == 7
