"""JSON Schema for Python types, in the form OpenAI-style ``strict`` mode accepts.

The codec describes a type (``SchemaCodec.json_schema``: msgspec for dataclasses,
``TypedDict``, ``msgspec.Struct`` and plain types, pydantic's own ``model_json_schema``
for its models); this module turns that description into what the API takes:

- the root is the type's object schema itself (a ``$ref`` root is resolved), with the
  definitions it uses under ``$defs`` (``$ref``s stay; recursive types work);
- in strict form every object lists every property in ``required`` and has
  ``"additionalProperties": false``; a field with a default is required too (the model
  always writes it; an optional field is one whose type allows ``None``); ``default``
  and other pure annotations are dropped;
- strict mode cannot express: a mapping with free keys (``dict[str, X]``), tuples
  (``prefixItems``), ``typing.Any`` or a bare ``object``/``dict``, a root that is not
  an object (``list[X]``, ``int``, a union), string lengths (``minLength`` /
  ``maxLength``), ``uniqueItems`` (sets), ``bytes`` (``contentEncoding``), and any
  other keyword outside the strict subset. For such a type the schema is kept as the
  codec wrote it (defaults and optional fields intact) with ``strict=False``, and
  ``TypeSchema.reason`` says what could not be expressed. The API also limits a strict
  schema's size (nesting depth, number of properties and enum values); the server
  reports a schema over those limits.

Pure: the codec is passed in (core imports no JSON library).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import InvalidArgumentError, InvalidArgumentTypeError

__all__ = ["TypeSchema", "schema_name", "to_strict", "type_schema"]

# Keywords strict mode takes as they are.
_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "enum",
        "const",
        "$ref",
        "description",
        "title",
        "format",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)
# Annotations that constrain nothing: dropped from the strict form.
_ANNOTATIONS = frozenset(
    {
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "discriminator",
        "$schema",
    }
)
_WHY = {
    "prefixItems": "a tuple",
    "minLength": "a string length bound",
    "maxLength": "a string length bound",
    "uniqueItems": "a set (uniqueItems)",
    "contentEncoding": "bytes (contentEncoding)",
}
_DEFS = "#/$defs/"
_NAME_OK = re.compile(r"[^a-zA-Z0-9_-]")


@dataclass(frozen=True)
class TypeSchema:
    """A type's JSON Schema as the API takes it.

    ``schema`` is strict-form when ``strict`` is true; otherwise ``reason`` says why it
    could not be (``None`` when strict form was not asked for). ``name`` is the type's
    name as the API accepts it (letters, digits, ``_``, ``-``; at most 64).
    """

    name: str
    schema: Dict[str, Any]
    strict: bool
    reason: Optional[str] = None

    def response_format(self) -> Dict[str, Any]:
        """The chat ``response_format`` asking for JSON that fits this schema."""
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "schema": self.schema, "strict": self.strict},
        }

    def tool(self, name: Optional[str] = None, description: Optional[str] = None) -> Dict[str, Any]:
        """A chat ``tools`` entry whose parameters are this schema.

        Args:
            name: The function's name (default: the schema's name).
            description: What the function does, for the model.
        """
        function: Dict[str, Any] = {"name": name or self.name, "parameters": self.schema}
        if description:
            function["description"] = description
        function["strict"] = self.strict
        return {"type": "function", "function": function}


def schema_name(type_: Any) -> str:
    """The API-acceptable name of a type (its ``__name__``, other characters as ``_``).

    Args:
        type_: The type (anything without a ``__name__`` is named ``response``).
    """
    raw = getattr(type_, "__name__", None)
    if not isinstance(raw, str) or not raw:
        raw = "response"
    return _NAME_OK.sub("_", raw)[:64]


def type_schema(
    codec: Any,
    type_: Any,
    *,
    strict: bool = True,
    name: Optional[str] = None,
    descriptions: Optional[Mapping[str, str]] = None,
    argument: str = "type",
) -> TypeSchema:
    """The ``TypeSchema`` of ``type_`` from a codec offering ``json_schema``.

    Args:
        codec: A ``SchemaCodec`` (the default msgspec codec is one).
        type_: The type to describe.
        strict: Ask for strict form (falls back to ``strict=False`` with a reason).
        name: The schema's name (default: the type's).
        descriptions: Descriptions of the root object's properties, by name (set on
            the property, replacing one the type gave).
        argument: The argument named in errors.

    Raises:
        InvalidArgumentTypeError: The codec cannot describe the type.
    """
    describe = getattr(codec, "json_schema", None)
    if describe is None:
        raise InvalidArgumentTypeError(
            f"{argument}: the client's codec ({type(codec).__name__}) cannot describe "
            "types as JSON Schema (it has no json_schema method)",
            argument=argument,
        )
    try:
        raw = describe(type_)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentTypeError(
            f"{argument}: cannot describe {_type_label(type_)} as JSON Schema: {exc}",
            argument=argument,
        ) from None
    if not isinstance(raw, dict):
        raise InvalidArgumentTypeError(
            f"{argument}: the codec described {_type_label(type_)} as "
            f"{type(raw).__name__}, not a JSON Schema object",
            argument=argument,
        )
    if name is not None and (not isinstance(name, str) or not name):
        raise InvalidArgumentError("name must be a non-empty string", argument="name")
    loose = _resolve_root(raw)
    if descriptions:
        _describe(loose, descriptions, argument)
    final_name = _NAME_OK.sub("_", name)[:64] if name else schema_name(type_)
    if not strict:
        return TypeSchema(final_name, loose, False)
    tight, reason = to_strict(loose)
    if reason is not None:
        return TypeSchema(final_name, loose, False, reason)
    return TypeSchema(final_name, tight, True)


def to_strict(schema: Mapping[str, Any]) -> Tuple[Dict[str, Any], Optional[str]]:
    """``schema`` in strict form and ``None``, or ``({}, reason)`` when strict mode
    cannot express it.

    Args:
        schema: A JSON Schema (not changed); its root may be a ``$ref`` into ``$defs``.
    """
    root = _resolve_root(schema)
    defs: Dict[str, Any] = root.pop("$defs", None) or {}
    problems: List[str] = []
    _strict_node(root, "$", defs, problems)
    for key in list(defs):
        if isinstance(defs[key], dict):
            _strict_node(defs[key], f"$defs/{key}", defs, problems)
    if root.get("type") != "object" or "properties" not in root:
        problems.insert(0, "the root is not an object with properties")
    if problems:
        return {}, problems[0]
    used = _reachable(root, defs)
    if used:
        root["$defs"] = {key: defs[key] for key in defs if key in used}
    return root, None


def _type_label(type_: Any) -> str:
    name = getattr(type_, "__qualname__", None)
    return name if isinstance(name, str) else repr(type_)


def _copy(value: Any) -> Any:
    """A copy of JSON data (dicts, lists, scalars): ``copy.deepcopy`` costs ten times
    more and schemas are copied on every typed call."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _resolve_root(schema: Mapping[str, Any]) -> Dict[str, Any]:
    """A deep copy whose root is the object itself, not a ``$ref`` to it, with only
    the definitions it uses."""
    root: Dict[str, Any] = _copy(dict(schema))
    ref = root.get("$ref")
    defs = root.pop("$defs", None) or {}
    if isinstance(ref, str) and ref.startswith(_DEFS) and ref[len(_DEFS) :] in defs:
        target = _copy(defs[ref[len(_DEFS) :]])
        siblings = {k: v for k, v in root.items() if k != "$ref"}
        root = {**target, **siblings}
    used = _reachable(root, defs) if isinstance(defs, dict) else set()
    if used:
        root["$defs"] = {key: defs[key] for key in defs if key in used}
    return root


def _describe(root: Dict[str, Any], descriptions: Mapping[str, str], argument: str) -> None:
    properties = root.get("properties")
    if not isinstance(properties, dict):
        raise InvalidArgumentError(
            f"{argument}: descriptions need an object type with properties", argument=argument
        )
    for key, text in descriptions.items():
        if key not in properties:
            raise InvalidArgumentError(
                f"{argument}: descriptions names {key!r}, which is not a property "
                f"(properties: {', '.join(properties) or 'none'})",
                argument=argument,
            )
        properties[key] = {**properties[key], "description": text}


def _strict_node(node: Any, path: str, defs: Dict[str, Any], problems: List[str]) -> None:
    if not isinstance(node, dict) or not node:
        problems.append(f"any value (typing.Any or an untyped container) at {path}")
        return
    for key in [k for k in node if k in _ANNOTATIONS]:
        del node[key]
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str) or not (
            ref == "#" or (ref.startswith(_DEFS) and ref[len(_DEFS) :] in defs)
        ):
            problems.append(f"a reference outside $defs ({ref!r}) at {path}")
        elif ref == "#":
            node.clear()
            node["$ref"] = ref
        elif len(node) > 1:
            # Strict mode takes nothing beside a $ref: inline the definition, keeping
            # the siblings (a description, constraints) over it.
            target = _copy(defs[ref[len(_DEFS) :]])
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node.clear()
            node.update({**target, **siblings})
            _strict_node(node, path, defs, problems)
        return
    for key in node:
        if key not in _STRICT_KEYWORDS:
            problems.append(f"{_WHY.get(key, repr(key))} at {path}")
    types = node.get("type")
    is_object = types == "object" or (isinstance(types, list) and "object" in types)
    if is_object or "properties" in node:
        properties = node.get("properties")
        extra_props = node.get("additionalProperties", False)
        if extra_props is not False:
            problems.append(f"a mapping with free keys (dict) at {path}")
        elif not isinstance(properties, dict):
            problems.append(f"an object without declared properties at {path}")
        else:
            node["required"] = list(properties)
            node["additionalProperties"] = False
            for key, sub in properties.items():
                _strict_node(sub, f"{path}.{key}", defs, problems)
    items = node.get("items")
    if items is not None and "prefixItems" not in node:
        _strict_node(items, f"{path}[]", defs, problems)
    elif "type" in node and node.get("type") == "array" and items is None:
        problems.append(f"a list of any value at {path}")
    any_of = node.get("anyOf")
    if isinstance(any_of, list):
        for position, sub in enumerate(any_of):
            _strict_node(sub, f"{path}|{position}", defs, problems)
    enum = node.get("enum")
    if isinstance(enum, list) and "type" not in node:
        kind = _json_type_of(enum)
        if kind is not None:
            node["type"] = kind


def _json_type_of(values: List[Any]) -> Optional[str]:
    if values and all(isinstance(v, str) for v in values):
        return "string"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    return None


def _reachable(root: Dict[str, Any], defs: Dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    pending: List[Any] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_DEFS):
                key = ref[len(_DEFS) :]
                if key not in seen and key in defs:
                    seen.add(key)
                    pending.append(defs[key])
            pending.extend(v for k, v in node.items() if k != "$ref")
        elif isinstance(node, list):
            pending.extend(node)
    return seen
