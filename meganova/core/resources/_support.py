"""Helpers shared by the endpoint resources: per-call options, tolerant decoding, the
platform base URL. Pure: the codec is reached only through the engine's port."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Any, Callable, List, Mapping, Optional, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..effects import Flow
from ..engine import UNSET, Engine, RequestOptions, Unset
from ..errors import APIResponseValidationError
from ..http import Timeout, TimeoutLike
from ..models.common import Model
from ..ports import CodecError

T = TypeVar("T")
E = TypeVar("E", bound="Envelope")
logger = logging.getLogger("meganova")


def call_options(
    timeout: TimeoutLike | Timeout | None,
    extra_headers: Mapping[str, str | None] | None,
    extra_query: Mapping[str, Any] | None,
    extra_body: Mapping[str, Any] | None,
    *,
    deadline: float | None = None,
    max_retries: int | None = None,
    idempotency_key: str | None = None,
    max_response_bytes: int | Unset | None = UNSET,
) -> RequestOptions | None:
    return RequestOptions.build(
        timeout=timeout,
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        deadline=deadline,
        max_retries=max_retries,
        idempotency_key=idempotency_key,
        max_response_bytes=max_response_bytes,
    )


@dataclass
class Envelope(Model):
    """Any JSON reply: the platform envelope ``{data, message, status}``, an OpenAI-style
    object (``data``/``object``), or a bare JSON array (then ``data`` holds the array)."""

    data: Any = None
    message: Any = None
    status: Any = None
    object: Any = None
    request_id: Optional[str] = None

    def __post_init__(self) -> None:
        # Side fields of an odd type must not cost the caller the payload.
        self.message = _text(self.message)
        self.status = _text(self.status)
        self.object = _text(self.object)


def _text(value: Any) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def fetch_envelope(
    engine: Engine,
    method: str,
    path: str,
    *,
    query: Mapping[str, Any] | None = None,
    json: Any = None,
    options: RequestOptions | None = None,
    cast_to: type[E],
) -> Flow[E]:
    """The flow of a call whose reply shape is not pinned down. ``cast_to`` (an ``Envelope``
    subclass) names the top-level keys to keep; a bare JSON array (or scalar) reply is
    put in ``data``. The request id is kept either way."""
    try:
        return (
            yield from engine.fetch(
                method, path, cast_to=cast_to, query=query, json=json, options=options
            )
        )
    except APIResponseValidationError as exc:
        return envelope_from(engine, exc, cast_to)


def envelope_from(engine: Engine, exc: APIResponseValidationError, cast_to: type[E]) -> E:
    """The envelope of a reply whose body failed a typed decode (``exc.body``); a bare
    JSON array (or scalar) is put in ``data``. Raises ``exc`` when the body is no JSON,
    or a validation error when it is an object whose known keys have the wrong types."""
    status = 200 if exc.status is None else exc.status
    try:
        return engine.decode(exc.body, cast_to, status, exc.request_id)
    except APIResponseValidationError as second:
        try:
            raw: Any = engine.codec.decode(exc.body, object)
        except CodecError:
            raise exc from None
        if isinstance(raw, Mapping):
            raise second from None  # an object whose known keys have the wrong types
        return cast_to(data=raw, request_id=exc.request_id)


def field_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls) if f.name != "request_id"]


def convert_tolerant(
    engine: Engine,
    item: Any,
    cls: type[T],
    *,
    what: str,
    key: str | None = None,
) -> T | None:
    """Convert one list item; when it does not fit ``cls``, keep every field that does
    (at least ``key``) and log a warning naming what was left out. Returns ``None``
    (with a warning) only when even ``key`` is unusable."""
    codec = engine.codec
    if not isinstance(item, Mapping):
        logger.warning("Skipped a %s that is not a JSON object: %.200r", what, item)
        return None
    kept: dict[str, Any] = {}
    label = "?"
    if key is not None:
        value = item.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            # An entry without its id cannot be used (or asked for again): never kept.
            logger.warning("Skipped a %s without a usable %r: %.200r", what, key, item)
            return None
        kept[key] = value
        label = value
    try:
        return codec.convert(item, cls)
    except CodecError as exc:
        first_error = str(exc)
    dropped: list[str] = []
    for name in field_names(cls):
        if name == key or name not in item:
            continue
        try:
            codec.convert({**kept, name: item[name]}, cls)
        except CodecError:
            dropped.append(name)
            continue
        kept[name] = item[name]
    logger.warning(
        "%s %r does not match the expected shape (%s); kept it without: %s",
        what,
        label,
        first_error,
        ", ".join(dropped) or "-",
    )
    return codec.convert(kept, cls)


def convert_list(
    engine: Engine,
    items: Any,
    cls: type[T],
    *,
    what: str,
    key: str | None = None,
    prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
) -> List[T]:
    """Convert a JSON array item by item: one odd entry never fails the whole list."""
    if items is None:
        return []
    if not isinstance(items, list):
        logger.warning("Expected a list of %s, got %s; ignored it", what, type(items).__name__)
        return []
    out: List[T] = []
    for item in items:
        if prepare is not None and isinstance(item, Mapping):
            item = prepare(item)
        converted = convert_tolerant(engine, item, cls, what=what, key=key)
        if converted is not None:
            out.append(converted)
    return out


def platform_base(base_url: str) -> str:
    """The platform API base (``https://api.meganova.ai/api/v1``) derived from the
    inference base (``https://api.meganova.ai/v1``): a final ``/v1`` path segment is
    replaced by ``/api/v1``; a base already ending in ``/api/v1`` is kept; any other
    base gets ``/api/v1`` appended. Only the path is touched, never the host."""
    parts = urlsplit(base_url)
    segments = [s for s in parts.path.split("/") if s]
    if segments[-2:] == ["api", "v1"]:
        segments = segments[:-2]
    elif segments[-1:] == ["v1"]:
        segments = segments[:-1]
    path = "/" + "/".join([*segments, "api", "v1"])
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def platform_url(engine: Engine, path: str) -> str:
    return platform_base(engine.config.base_url) + path
