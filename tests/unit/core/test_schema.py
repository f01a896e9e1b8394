"""core.schema: a codec's JSON Schema in the strict form the API takes, or strict=False
with the reason when strict mode cannot express the type."""

from __future__ import annotations

import copy
from typing import Any, Dict

import pytest

from meganova.core.errors import InvalidArgumentError, InvalidArgumentTypeError
from meganova.core.schema import TypeSchema, schema_name, to_strict, type_schema

PERSON: Dict[str, Any] = {
    "$ref": "#/$defs/Person",
    "$defs": {
        "Person": {
            "title": "Person",
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer", "default": 3},
                "home": {"$ref": "#/$defs/Place"},
            },
            "required": ["name"],
        },
        "Place": {
            "type": "object",
            "properties": {"city": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
            "required": [],
        },
        "Unused": {"type": "object", "properties": {}, "required": []},
    },
}


class SchemaCodec:
    """A codec that describes every type with a fixed schema."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    def json_schema(self, type: Any) -> Any:
        return copy.deepcopy(self.schema)


def test_strict_form_requires_every_property_and_closes_every_object() -> None:
    schema, reason = to_strict(PERSON)
    assert reason is None
    assert schema["type"] == "object" and "$ref" not in schema  # the root is the object
    assert schema["required"] == ["name", "age", "home"]
    assert schema["additionalProperties"] is False
    assert "default" not in schema["properties"]["age"]
    place = schema["$defs"]["Place"]
    assert place["required"] == ["city"] and place["additionalProperties"] is False
    assert set(schema["$defs"]) == {"Place"}  # only what the root reaches


def test_the_argument_is_not_changed() -> None:
    before = copy.deepcopy(PERSON)
    to_strict(PERSON)
    assert before == PERSON


def test_a_recursive_type_keeps_its_definition() -> None:
    tree = {
        "$ref": "#/$defs/Tree",
        "$defs": {
            "Tree": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}},
                "required": ["kids"],
            }
        },
    }
    schema, reason = to_strict(tree)
    assert reason is None
    assert schema["properties"]["kids"]["items"] == {"$ref": "#/$defs/Tree"}
    assert schema["$defs"]["Tree"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("prop", "why"),
    [
        ({"type": "object", "additionalProperties": {"type": "integer"}}, "free keys"),
        ({"type": "array", "prefixItems": [{"type": "integer"}], "items": False}, "tuple"),
        ({}, "any value"),
        ({"type": "object"}, "without declared properties"),
        ({"type": "string", "minLength": 2}, "string length"),
        ({"type": "array", "items": {"type": "integer"}, "uniqueItems": True}, "set"),
        ({"type": "string", "contentEncoding": "base64"}, "bytes"),
        ({"not": {"type": "string"}}, "'not'"),
        ({"$ref": "https://example.com/x"}, "outside $defs"),
    ],
)
def test_what_strict_mode_cannot_express_is_reported(prop: Dict[str, Any], why: str) -> None:
    schema = {"type": "object", "properties": {"x": prop}, "required": ["x"]}
    strict, reason = to_strict(schema)
    assert strict == {}
    assert reason is not None and why in reason and "$.x" in reason


@pytest.mark.parametrize(
    "root",
    [{"type": "integer"}, {"type": "array", "items": {"type": "string"}}, {"anyOf": []}],
)
def test_a_root_that_is_not_an_object_is_not_strict(root: Dict[str, Any]) -> None:
    _, reason = to_strict(root)
    assert reason is not None and "root" in reason


def test_a_ref_with_constraints_beside_it_is_inlined() -> None:
    schema = {
        "type": "object",
        "properties": {"home": {"$ref": "#/$defs/Place", "description": "where"}},
        "$defs": {"Place": {"type": "object", "properties": {"x": {"type": "integer"}}}},
    }
    strict, reason = to_strict(schema)
    assert reason is None
    home = strict["properties"]["home"]
    assert "$ref" not in home and home["description"] == "where"
    assert home["required"] == ["x"] and home["additionalProperties"] is False


def test_an_enum_gets_its_json_type() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"enum": ["x", "y"]}, "b": {"enum": [1, 2]}, "c": {"enum": [1, "x"]}},
    }
    strict, _ = to_strict(schema)
    props = strict["properties"]
    assert props["a"]["type"] == "string" and props["b"]["type"] == "integer"
    assert "type" not in props["c"]


def test_type_schema_falls_back_to_the_codecs_schema_with_the_reason() -> None:
    raw = {"type": "object", "properties": {"d": {"type": "object", "additionalProperties": {}}}}
    spec = type_schema(SchemaCodec(raw), dict, name="Mapping")
    assert spec == TypeSchema("Mapping", raw, False, spec.reason)
    assert spec.reason is not None and "free keys" in spec.reason
    assert spec.response_format()["json_schema"] == {
        "name": "Mapping",
        "schema": raw,
        "strict": False,
    }


def test_type_schema_not_strict_keeps_defaults_and_optional_fields() -> None:
    spec = type_schema(SchemaCodec(PERSON), object, strict=False, name="P")
    assert spec.strict is False and spec.reason is None
    assert spec.schema["required"] == ["name"]
    assert spec.schema["properties"]["age"]["default"] == 3


def test_descriptions_are_set_on_root_properties() -> None:
    spec = type_schema(SchemaCodec(PERSON), object, descriptions={"home": "where they live"})
    home = spec.schema["properties"]["home"]
    assert home["description"] == "where they live" and "$ref" not in home  # inlined
    with pytest.raises(InvalidArgumentError, match="'nope'") as info:
        type_schema(SchemaCodec(PERSON), object, descriptions={"nope": "x"}, argument="fn")
    assert info.value.argument == "fn"


def test_a_codec_without_json_schema_is_refused_naming_the_argument() -> None:
    with pytest.raises(InvalidArgumentTypeError, match="json_schema") as info:
        type_schema(object(), int, argument="response_format")
    assert info.value.argument == "response_format"


def test_a_type_the_codec_cannot_describe_is_refused_naming_the_argument() -> None:
    class Refuses:
        def json_schema(self, type: Any) -> Any:
            raise TypeError("Type 'x' is not supported")

    with pytest.raises(InvalidArgumentTypeError, match="not supported") as info:
        type_schema(Refuses(), int, argument="response_format")
    assert info.value.argument == "response_format"


def test_tool_shape() -> None:
    spec = type_schema(SchemaCodec(PERSON), object, name="Person")
    tool = spec.tool(description="Look a person up")
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "Person"
    assert tool["function"]["description"] == "Look a person up"
    assert tool["function"]["strict"] is True
    assert tool["function"]["parameters"] is spec.schema


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (int, "int"),
        (type("a.b c", (), {}), "a_b_c"),
        (object(), "response"),
        (type("x" * 80, (), {}), "x" * 64),
    ],
)
def test_schema_name_is_one_the_api_accepts(value: Any, expected: str) -> None:
    assert schema_name(value) == expected
