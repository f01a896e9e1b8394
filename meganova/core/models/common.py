"""Base of every response model: attribute access and ``model["field"]`` both work; and
``ResultList``, the ``list`` a call returns when its answer is a plain list."""

import json
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, TypeVar

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Dumps:
    """``to_json`` and pydantic's ``model_dump`` / ``model_dump_json``, over a class's
    ``to_dict`` (the models' and ``ModelList``'s)."""

    __slots__ = ()

    if TYPE_CHECKING:

        def to_dict(self, *, exclude_none: bool = True) -> Dict[str, Any]: ...

    def to_json(self, *, indent: Optional[int] = None, exclude_none: bool = True) -> str:
        """``to_dict()`` as JSON text (non-ASCII kept as is).

        Args:
            indent: Indent the JSON by this many spaces (default: one line).
            exclude_none: Keep fields that are ``None`` (left out by default).
        """
        return json.dumps(
            self.to_dict(exclude_none=exclude_none), ensure_ascii=False, indent=indent
        )

    # pydantic's names, for code written against pydantic models; same results.
    def model_dump(self, *, exclude_none: bool = True) -> Dict[str, Any]:
        """The same as ``to_dict()`` (pydantic's name).

        Args:
            exclude_none: Keep fields that are ``None`` (left out by default).
        """
        return self.to_dict(exclude_none=exclude_none)

    def model_dump_json(self, *, indent: Optional[int] = None, exclude_none: bool = True) -> str:
        """The same as ``to_json()`` (pydantic's name).

        Args:
            indent: Indent the JSON by this many spaces (default: one line).
            exclude_none: Keep fields that are ``None`` (left out by default).
        """
        return self.to_json(indent=indent, exclude_none=exclude_none)


class Model(Dumps):
    """Mixin for dataclass models. Unknown wire fields are ignored when decoding;
    string-typed enums (role, finish_reason, status) accept values added later."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        if isinstance(key, str) and key in self._field_names():
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        """A field by name, like ``dict.get``.

        Args:
            key: The field's name.
            default: What to return when the model has no such field.
        """
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._field_names()

    def keys(self) -> Iterator[str]:
        """The field names, so ``dict(model)``-style code works."""
        return iter(self._field_names())

    def to_dict(self, *, exclude_none: bool = True) -> Dict[str, Any]:
        """The model as plain Python data, the way the API sends it.

        ``request_id`` (from the reply's headers, not its body) is not included.

        Args:
            exclude_none: Keep fields that are ``None`` (left out by default).
        """
        out: Dict[str, Any] = {}
        for name in self._field_names():
            if name == "request_id":
                continue
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            out[name] = _plain(value)
        return out

    @classmethod
    def _field_names(cls) -> "tuple[str, ...]":
        cached = cls.__dict__.get("_mn_fields")
        if cached is None:
            cached = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else ()
            type.__setattr__(cls, "_mn_fields", cached)
        return cached


class ResultList(List[T]):
    """What a call returns when its answer is a plain list (``videos.list_models()``):
    a ``list`` in every way (equal to the same plain list, ``repr`` and JSON as one),
    which also knows its reply, so ``meganova.response_info(result)`` works on it as on
    every result. A pickled one keeps those facts (never the API key); a copy made with
    ``list(result)`` or a slice is a plain ``list`` without them."""
