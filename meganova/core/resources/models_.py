"""``client.models``: the model list and one model.

Paths (``MODELS_PATH``): ``GET {v1}/models`` is well attested (official SDK on GitHub
and PyPI, its tests, the MCP server). ``GET {v1}/models/{id}`` exists only in the
GitHub SDK (never published) and is unverified, including for ids containing ``/``;
``get`` therefore falls back to searching the list when the server answers 404/405.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, List, Mapping, Optional
from urllib.parse import quote

from ..effects import Flow
from ..errors import APIError, APIResponseValidationError, InvalidArgumentError
from ..http import Timeout, TimeoutLike
from ..legacy import legacy_call
from ..models.models_ import ModelInfo, ModelList
from ..ports import CodecError
from ..validation import optional_str, require_str
from ._facade import Resource, awaits, flow_of, runs
from ._support import Envelope, call_options, convert_list, convert_tolerant, envelope_from

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

logger = logging.getLogger("meganova")
MODELS_PATH = "/models"


@dataclass
class _TypedModels(Envelope):
    """The usual reply, decoded in one typed pass."""

    data: Optional[List[ModelInfo]] = None


def model_path(model_id: str) -> str:
    """``/models/org/name``: the ``/`` of an id is kept (as the GitHub SDK sends it);
    everything else that is not URL-safe is percent-encoded."""
    segments = model_id.split("/")
    if any(s in ("", ".", "..") for s in segments):
        raise InvalidArgumentError(
            f"model_id has an empty, '.' or '..' path segment: {model_id!r}",
            argument="model_id",
        )
    return MODELS_PATH + "/" + "/".join(quote(s, safe="") for s in segments)


class ModelsResource(Resource):
    """``client.models``: the models the API serves (``list``) and one by id (``get``)."""

    __slots__ = ()

    @legacy_call(
        renamed={"type": "tag"},
        old='models.list(type="chat")',
        new='models.list(tag="chat")',
    )
    @runs
    def list(
        self,
        *,
        capability: Optional[str] = None,
        tag: Optional[str] = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[ModelList]:
        """Every model (``GET /models``), optionally filtered on the client.

        An entry that does not match the expected types is kept with the fields that do (a
        warning is logged); an entry without an id is skipped.

        Args:
            capability: Keep the models whose ``capabilities[capability]`` is true
                (e.g. ``"vision"``, ``"tools"``).
            tag: Keep the models whose ``tags`` contain it (e.g. ``"chat"``).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            A ``ModelList`` (a ``list`` of ``ModelInfo`` with the reply's ``request_id``).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        capability = optional_str("capability", capability)
        tag = optional_str("tag", tag)
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        engine = self._engine
        reply: Envelope
        try:
            reply = yield from engine.fetch(
                "GET", MODELS_PATH, cast_to=_TypedModels, options=options
            )
            models = reply.data or []
            if not all(m.id for m in models):  # an entry without an id cannot be used
                logger.warning("Skipped %d model(s) without an id", sum(not m.id for m in models))
                models = [m for m in models if m.id]
            result = ModelList(models)
        except APIResponseValidationError as exc:
            # Some entry (or the shape) is off: go item by item, keeping what fits.
            reply = envelope_from(engine, exc, Envelope)
            items = reply.data
            if isinstance(items, Mapping) and "models" in items:
                items = items["models"]  # the early platform shape {"data": {"models": [...]}}
            result = ModelList(convert_list(engine, items, ModelInfo, what="model", key="id"))
        result.request_id = reply.request_id
        result.object = reply.object
        if capability is not None:
            result[:] = [m for m in result if m.has_capability(capability)]
        if tag is not None:
            result[:] = [m for m in result if m.has_tag(tag)]
        for model in result:
            model.request_id = reply.request_id
        return result

    @runs
    def get(
        self,
        model_id: str,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[ModelInfo]:
        """One model by id (``GET /models/{id}``, falling back to the list).

        Args:
            model_id: The model's id, e.g. ``"meganova-ai/manta-flash-1.0"`` (its ``/`` is kept).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            The ``ModelInfo``.

        Raises:
            NotFoundError: Neither ``/models/{id}`` nor the list has the model.
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        model_id = require_str("model_id", model_id)
        path = model_path(model_id)
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        try:
            return (yield from self._engine.fetch("GET", path, cast_to=ModelInfo, options=options))
        except APIResponseValidationError as exc:
            return self._tolerant(exc)
        except APIError as exc:
            if exc.status not in (404, 405):
                raise
            first = exc
        models: ModelList = yield from flow_of(ModelsResource.list)(
            self, timeout=timeout, extra_headers=extra_headers, extra_query=extra_query
        )
        for model in models:
            if model.id == model_id:
                return model
        raise first

    def _tolerant(self, exc: APIResponseValidationError) -> ModelInfo:
        try:
            raw: Any = self._engine.codec.decode(exc.body, object)
        except CodecError:
            raise exc from None
        if isinstance(raw, Mapping) and isinstance(raw.get("data"), Mapping):
            raw = raw["data"]  # tolerate an enveloped single object
        model = convert_tolerant(self._engine, raw, ModelInfo, what="model", key="id")
        if model is None:
            raise exc
        model.request_id = exc.request_id
        return model


class AsyncModelsResource(Resource):
    """``client.models`` of ``AsyncMegaNova``: as ``ModelsResource``, awaited."""

    __slots__ = ()
    list = awaits(ModelsResource.list)
    get = awaits(ModelsResource.get)
