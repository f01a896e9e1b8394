"""A JSON value that fits a JSON Schema: what the fake answers to a ``json_schema``
``response_format``, so structured-output code runs offline.

Deterministic and simple: the first ``enum``/``const`` value, ``"example"`` for a string
(or a sample of its ``format``), the ``minimum`` (or 0) for a number, ``false``, one
item per array (``minItems`` when larger), every property of an object, the first
non-null branch of an ``anyOf``. Recursion through ``$ref`` stops at a bounded depth by
taking the null branch or an empty array.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

__all__ = ["example_for"]

MAX_DEPTH = 6
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "duration": "P1D",
    "email": "someone@example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
}


def example_for(schema: Mapping[str, Any]) -> Any:
    """A value fitting ``schema`` (its ``$defs`` resolve ``$ref``s).

    Args:
        schema: A JSON Schema, as a ``response_format``'s ``json_schema.schema``.
    """
    defs = schema.get("$defs") or schema.get("definitions") or {}
    return _value(schema, defs, schema, 0)


def _value(node: Any, defs: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    if not isinstance(node, Mapping) or depth > 8 * MAX_DEPTH:  # a schema with no way out
        return None
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = root if ref == "#" else defs.get(ref.rsplit("/", 1)[-1], {})
        return _value(target, defs, root, depth + 1)
    if "const" in node:
        return node["const"]
    enum = node.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and options:
            return _value(_branch(options, depth), defs, root, depth)
    all_of = node.get("allOf")
    if isinstance(all_of, list) and all_of:
        return _value(all_of[0], defs, root, depth)
    kind = node.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        kind = non_null[0] if non_null and depth < MAX_DEPTH else "null"
    if kind == "object" or "properties" in node:
        return _object(node, defs, root, depth)
    if kind == "array":
        return _array(node, defs, root, depth)
    if kind == "string":
        return _FORMATS.get(str(node.get("format")), "example")
    if kind == "integer":
        return _number(node, 0)
    if kind == "number":
        return float(_number(node, 0))
    if kind == "boolean":
        return False
    return None


def _branch(options: List[Any], depth: int) -> Any:
    """The first non-null branch; the null one once deep (ends recursion)."""
    nulls = [o for o in options if isinstance(o, Mapping) and o.get("type") == "null"]
    others = [o for o in options if o not in nulls]
    if nulls and (depth >= MAX_DEPTH or not others):
        return nulls[0]
    return others[0] if others else options[0]


def _object(
    node: Mapping[str, Any], defs: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> Dict[str, Any]:
    properties = node.get("properties") or {}
    required = node.get("required")
    keys = list(properties) if required is None else [k for k in properties if k in required]
    return {key: _value(properties[key], defs, root, depth + 1) for key in keys}


def _array(
    node: Mapping[str, Any], defs: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> List[Any]:
    minimum = node.get("minItems")
    count = minimum if isinstance(minimum, int) and minimum > 1 else 1
    maximum = node.get("maxItems")
    if isinstance(maximum, int):
        count = min(count, maximum)
    if depth >= MAX_DEPTH and not minimum:
        return []
    prefix = node.get("prefixItems")
    if isinstance(prefix, list):
        return [_value(item, defs, root, depth + 1) for item in prefix]
    return [_value(node.get("items"), defs, root, depth + 1) for _ in range(count)]


def _number(node: Mapping[str, Any], default: int) -> Any:
    low: Optional[Any] = node.get("minimum")
    if low is None and isinstance(node.get("exclusiveMinimum"), (int, float)):
        low = node["exclusiveMinimum"] + 1
    if low is not None:
        return low
    high = node.get("maximum")
    if high is not None and high < default:
        return high
    return default
