"""Python types as JSON Schema, and JSON data checked into those types.

Structured outputs (``client.chat.completions.parse``) and tool parameters use this
module; it is public for anyone building a ``response_format`` or a tool by hand::

    from dataclasses import dataclass
    from meganova.schema import convert, json_schema

    @dataclass
    class City:
        name: str
        population: int

    spec = json_schema(City)   # spec.schema, spec.strict, spec.response_format()
    city = convert({"name": "Oslo", "population": 709000}, City)

Types: dataclasses, ``TypedDict``, ``msgspec.Struct``, pydantic (v2) models when
pydantic is installed (it is not a dependency), and str, int, float, bool, None,
``Optional``, ``Literal``, ``Enum``, lists and dicts, nested. msgspec (the default
codec) writes the schemas and does the checking; pydantic models use their own
``model_json_schema`` / ``model_validate``.

Strict form (OpenAI-style ``"strict": true``): every property required (a field with a
default too; make a field optional with ``Optional[X]``), ``"additionalProperties":
false`` on every object, definitions in ``$defs``. What strict mode cannot express
(``dict[str, X]`` with free keys, tuples, ``Any``, a root that is not an object, string
length bounds, sets, bytes) gives ``strict=False`` and the codec's schema as it is,
with ``TypeSchema.reason`` saying why. See ``meganova.core.schema``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, TypeVar, Union

from .core.errors import InvalidArgumentTypeError, SchemaValidationError
from .core.ports import CodecError
from .core.schema import TypeSchema, schema_name, to_strict, type_schema

__all__ = [
    "SchemaValidationError",
    "TypeSchema",
    "convert",
    "decode",
    "json_schema",
    "schema_name",
    "to_strict",
]

T = TypeVar("T")

_codec: Any = None


def _default() -> Any:
    global _codec
    if _codec is None:
        from .adapters.msgspec_codec import MsgspecCodec

        _codec = MsgspecCodec()
    return _codec


def json_schema(
    type: Any,
    *,
    strict: bool = True,
    name: Optional[str] = None,
    descriptions: Optional[Mapping[str, str]] = None,
) -> TypeSchema:
    """The JSON Schema of a type, in strict form when strict mode can express it.

    Args:
        type: A dataclass, ``TypedDict``, ``msgspec.Struct``, pydantic model or plain type.
        strict: Ask for strict form; when the type needs what strict mode lacks, the
            result has ``strict=False`` and ``reason`` set.
        name: The schema's name (default: the type's ``__name__``).
        descriptions: Descriptions of the root object's properties, by name (a tool's
            parameter descriptions from its docstring).

    Returns:
        A ``TypeSchema``: ``schema``, ``strict``, ``name``, ``reason``;
        ``response_format()`` and ``tool()`` give the API's request shapes.

    Raises:
        InvalidArgumentTypeError: The type cannot be described (an unsupported type).
        InvalidArgumentError: ``descriptions`` names a property the type lacks.
    """
    return type_schema(
        _default(), type, strict=strict, name=name, descriptions=descriptions, argument="type"
    )


def _checked(validate: Callable[[Any, type[T]], T], value: Any, type: type[T]) -> T:
    """``validate(value, type)``, its failures as the SDK's errors."""
    try:
        return validate(value, type)
    except CodecError as exc:
        raise SchemaValidationError(str(exc)) from None
    except TypeError as exc:
        raise InvalidArgumentTypeError(f"type: {exc}", argument="type") from None


def convert(value: Any, type: type[T]) -> T:
    """Decoded JSON data as an instance of ``type``, checked strictly (``"5"`` is not an
    ``int``; a missing required field, an unknown ``Literal`` or ``Enum`` value fail).

    Args:
        value: Decoded JSON data (dicts, lists, str, int, float, bool, None).
        type: The type to build.

    Returns:
        The instance.

    Raises:
        SchemaValidationError: The data does not fit; the message names the path.
        InvalidArgumentTypeError: The type is not one the codec supports.
    """
    return _checked(_default().validate, value, type)


def decode(data: Union[str, bytes], type: type[T]) -> T:
    """JSON text as an instance of ``type``, checked as ``convert`` does.

    Args:
        data: The JSON text.
        type: The type to build.

    Returns:
        The instance.

    Raises:
        SchemaValidationError: The text is not JSON, or does not fit.
        InvalidArgumentTypeError: The type is not one the codec supports.
    """
    return _checked(_default().validate_json, data, type)
