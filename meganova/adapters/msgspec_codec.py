"""The default codec: msgspec JSON, decoding straight into core's dataclass models."""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Dict, TypeVar, Union

import msgspec

from ..core.errors import InvalidArgumentTypeError
from ..core.ports import CodecError

T = TypeVar("T")


class MsgspecCodec:
    """Thread-safe; one decoder per target type, built on first use. Decoding is lax
    about scalar forms (``"5"`` fits an ``int``) so small server drifts do not break
    clients; wrong shapes still raise ``CodecError``."""

    def __init__(self) -> None:
        self._encoder = msgspec.json.Encoder()
        self._decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
        self._strict_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
        self._schemas: dict[Any, Dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        # Encoder, decoders and lock are caches: a fresh codec decodes the same.
        return (type(self), ())

    def encode(self, value: Any) -> bytes:
        try:
            return self._encoder.encode(value)
        except (TypeError, msgspec.EncodeError, ValueError, OverflowError) as exc:
            raise InvalidArgumentTypeError(
                f"The request body cannot be encoded as JSON: {exc}", argument="body"
            ) from None

    def _decoder(self, type_: Any) -> msgspec.json.Decoder[Any]:
        decoder = self._decoders.get(type_)
        if decoder is None:
            with self._lock:
                decoder = self._decoders.get(type_)
                if decoder is None:
                    decoder = msgspec.json.Decoder(type_, strict=False)
                    self._decoders[type_] = decoder
        return decoder

    def decode(self, data: bytes, type: type[T]) -> T:
        try:
            result: T = self._decoder(type).decode(data)
        except (msgspec.DecodeError, ValueError, TypeError, RecursionError) as exc:
            # ValueError covers invalid UTF-8 inside strings (UnicodeDecodeError).
            raise CodecError(str(exc)) from None
        return result

    # What ``decoder_for``'s decoders raise: not a ValueError in every msgspec release.
    decode_errors = (msgspec.DecodeError,)

    def decoder_for(self, type: type[T]) -> Callable[[bytes], T]:
        """msgspec's own bound ``decode`` for ``type``: no wrapper per call. It raises
        ``decode_errors`` instead of ``CodecError``."""
        decode: Callable[[bytes], T] = self._decoder(type).decode
        return decode

    def convert(self, value: Any, type: type[T]) -> T:
        try:
            result: T = msgspec.convert(value, type, strict=False)
        except (msgspec.ValidationError, ValueError, TypeError, RecursionError) as exc:
            raise CodecError(str(exc)) from None
        return result

    # -- SchemaCodec: structured outputs and tool parameters --------------------------

    def json_schema(self, type: Any) -> Dict[str, Any]:
        """msgspec's JSON Schema of ``type`` (pydantic's own for a pydantic model),
        built once per type: the caller must not change it (core copies it)."""
        try:
            cached = self._schemas.get(type)
        except TypeError:  # an unhashable type (e.g. Annotated with a dict): not cached
            return self._describe(type)
        if cached is None:
            cached = self._schemas[type] = self._describe(type)
        return cached

    def _describe(self, type: Any) -> Dict[str, Any]:
        model = _pydantic_model(type)
        if model is not None:
            schema: Dict[str, Any] = model.model_json_schema()
            return schema
        try:
            return msgspec.json.schema(type)
        except (TypeError, ValueError) as exc:
            raise TypeError(str(exc)) from None

    def validate(self, value: Any, type: type[T]) -> T:
        """``value`` as a ``type`` instance, strictly (no ``"5"`` for an ``int``);
        ``TypeError`` for a type msgspec does not support."""
        model = _pydantic_model(type)
        try:
            if model is not None:
                built: T = model.model_validate(value)
                return built
            result: T = msgspec.convert(value, type, strict=True)
        except (msgspec.ValidationError, ValueError, RecursionError) as exc:
            raise CodecError(str(exc)) from None
        return result

    def validate_json(self, data: Union[bytes, str], type: type[T]) -> T:
        """JSON text as a ``type`` instance, strictly."""
        model = _pydantic_model(type)
        try:
            if model is not None:
                built: T = model.model_validate_json(data)
                return built
            decoder = self._strict_decoders.get(type)
            if decoder is None:
                decoder = msgspec.json.Decoder(type, strict=True)
                with self._lock:
                    self._strict_decoders[type] = decoder
            result: T = decoder.decode(data)
        except (msgspec.DecodeError, ValueError, RecursionError) as exc:
            raise CodecError(str(exc)) from None
        return result


def _pydantic_model(type_: Any) -> Any:
    """``type_`` when it is a pydantic (v2) model class, else ``None``. Pydantic is not a
    dependency: a user's model means the user imported it, so only ``sys.modules`` is
    consulted."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(type_, type):
        return None
    base = getattr(pydantic, "BaseModel", None)
    if base is None or not issubclass(type_, base):
        return None
    if not hasattr(type_, "model_json_schema"):
        raise TypeError(f"{type_.__qualname__} is a pydantic v1 model; pydantic 2 is supported")
    return type_
