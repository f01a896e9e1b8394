"""meganova.schema: the JSON Schema of user types (dataclasses, TypedDict, msgspec
Struct, pydantic models, plain types) validates what those types produce, in strict form
where strict mode can express the type; convert and decode check data strictly."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Any, Dict, List, Literal, Optional, Tuple

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typing_extensions import TypedDict

from meganova.errors import InvalidArgumentTypeError, MeganovaError, SchemaValidationError
from meganova.schema import convert, decode, json_schema
from tests.schema_shapes import ROOTS, Shape

# In the test dependency group; a venv made before it was added skips this module.
jsonschema = pytest.importorskip("jsonschema")


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Address:
    """Where someone lives."""

    city: str
    zip_code: Optional[str] = None


class Pet(TypedDict):
    name: str
    kind: Literal["cat", "dog"]


class Person(msgspec.Struct):
    name: str
    age: int
    address: Address
    pets: List[Pet]
    favourite: Color = Color.RED
    score: float = 0.0


def validator(schema: Dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_nested_user_types_get_a_strict_schema_that_accepts_their_instances() -> None:
    spec = json_schema(Person)
    assert spec.strict and spec.reason is None and spec.name == "Person"
    assert spec.schema["required"] == ["name", "age", "address", "pets", "favourite", "score"]
    person = Person("Ada", 36, Address("Oslo"), [{"name": "Rex", "kind": "dog"}])
    validator(spec.schema).validate(msgspec.to_builtins(person))
    # and refuses what the type refuses
    bad = {**msgspec.to_builtins(person), "extra": 1}
    assert not validator(spec.schema).is_valid(bad)


def test_each_schema_is_the_callers_own() -> None:
    # The codec builds a type's schema once; what a caller gets must still be its own.
    for strict in (True, False):
        first = json_schema(Person, strict=strict)
        first.schema["properties"].clear()
        first.schema.setdefault("$defs", {}).clear()
        again = json_schema(Person, strict=strict)
        assert list(again.schema["properties"]) == [
            "name",
            "age",
            "address",
            "pets",
            "favourite",
            "score",
        ]
        assert set(again.schema["$defs"]) == {"Address", "Pet", "Color"}


def test_convert_and_decode_build_the_type() -> None:
    data = {
        "name": "Ada",
        "age": 36,
        "address": {"city": "Oslo", "zip_code": None},
        "pets": [{"name": "Rex", "kind": "dog"}],
        "favourite": "blue",
        "score": 1,
    }
    person = convert(data, Person)
    assert person.address == Address("Oslo") and person.favourite is Color.BLUE
    assert person.score == 1.0
    assert decode(json.dumps(data), Person) == person
    assert decode(json.dumps(data).encode(), Person) == person


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"name": "Ada", "age": "36", "address": {"city": "x"}, "pets": []}, "$.age"),
        ({"name": "Ada", "age": 36, "address": {}, "pets": []}, "$.address"),
        (
            {
                "name": "Ada",
                "age": 36,
                "address": {"city": "x"},
                "pets": [{"name": "R", "kind": "eel"}],
            },
            "$.pets[0].kind",
        ),
        (
            {"name": "Ada", "age": 36, "address": {"city": "x"}, "pets": [], "favourite": "green"},
            "$.favourite",
        ),
    ],
)
def test_data_that_does_not_fit_raises_a_typed_error_naming_the_path(
    data: Dict[str, Any], where: str
) -> None:
    with pytest.raises(SchemaValidationError) as info:
        convert(data, Person)
    assert where in str(info.value)
    assert isinstance(info.value, MeganovaError) and isinstance(info.value, ValueError)


def test_decode_refuses_text_that_is_not_json() -> None:
    with pytest.raises(SchemaValidationError):
        decode("{not json", Person)


def test_an_unsupported_type_is_an_argument_error() -> None:
    class Opaque:
        pass

    with pytest.raises(InvalidArgumentTypeError) as info:
        json_schema(Opaque)
    assert info.value.argument == "type"


@pytest.mark.parametrize(
    ("tp", "why"),
    [
        (Dict[str, int], "root"),
        (List[Address], "root"),
        (Tuple[int, str], "root"),
        (TypedDict("Free", {"d": Dict[str, int]}), "free keys"),  # type: ignore[operator]
        (TypedDict("Anything", {"a": Any}), "any value"),  # type: ignore[operator]
        (TypedDict("Pair", {"p": Tuple[int, int]}), "tuple"),  # type: ignore[operator]
    ],
)
def test_types_strict_mode_cannot_express_fall_back_to_non_strict(tp: Any, why: str) -> None:
    spec = json_schema(tp)
    assert spec.strict is False and spec.reason is not None and why in spec.reason
    assert spec.response_format()["json_schema"]["strict"] is False
    validator(spec.schema)  # still a valid schema


def test_pydantic_models_use_their_own_schema_and_validation() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        label: str = pydantic.Field(description="what it is")
        count: Optional[int] = None

    class Order(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        items: List[Item]

    spec = json_schema(Order)
    assert spec.strict and spec.name == "Order"
    item = spec.schema["$defs"]["Item"]
    assert item["required"] == ["label", "count"] and item["additionalProperties"] is False
    assert item["properties"]["label"]["description"] == "what it is"
    order = convert({"items": [{"label": "pen"}]}, Order)
    assert isinstance(order, Order) and order.items[0].label == "pen"
    assert decode('{"items": []}', Order).items == []
    validator(spec.schema).validate(order.model_dump(mode="json"))
    with pytest.raises(SchemaValidationError, match="items"):
        convert({"items": 3}, Order)


# -- property tests: generated types (tests/schema_shapes.py) ---------------------------


@given(st.data(), ROOTS)
def test_schema_accepts_what_the_type_produces_and_convert_round_trips(
    data: st.DataObject, shape: Shape
) -> None:
    tp, values, expressible = shape
    spec = json_schema(tp)
    assert spec.strict is expressible, spec.reason
    loose = json_schema(tp, strict=False)
    value = data.draw(values)
    instance = convert(value, tp)
    produced = msgspec.to_builtins(instance)
    validator(spec.schema).validate(produced)
    validator(loose.schema).validate(produced)
    assert convert(produced, tp) == instance
    assert decode(msgspec.json.encode(instance), tp) == instance


@given(st.data(), ROOTS.filter(lambda s: s[2] and bool(s[0].__annotations__)))
def test_strict_schema_refuses_a_missing_or_unknown_property(
    data: st.DataObject, shape: Shape
) -> None:
    tp, values, _ = shape
    check = validator(json_schema(tp).schema)
    produced = msgspec.to_builtins(convert(data.draw(values), tp))
    assert not check.is_valid({**produced, "unknown": 1})
    missing = dict(produced)
    missing.pop(next(iter(missing)))
    assert not check.is_valid(missing)


@given(st.data(), ROOTS)
def test_a_wrong_typed_field_is_refused_by_convert(data: st.DataObject, shape: Shape) -> None:
    tp, values, _ = shape
    value = data.draw(values)
    if not value:
        return
    broken = {**value, next(iter(value)): object()}  # no JSON type fits an object()
    with pytest.raises(SchemaValidationError):
        convert(broken, tp)
