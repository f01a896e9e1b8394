"""``client.serverless``: the serverless model catalogue.

Path: ``GET {api}/serverless/models/filter`` where ``{api}`` is the platform base
(``https://api.meganova.ai/api/v1``), derived from the configured base URL by
``platform_base`` (path segments, not string replacement). Well attested: GitHub SDK,
PyPI 0.4.0 and the MCP server. Filters other than ``modality`` are from the published
SDK (PyPI 0.4.0) and the MCP server; nothing is sent unless given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

from ..effects import Flow
from ..errors import InvalidArgumentError, InvalidArgumentTypeError
from ..http import Timeout, TimeoutLike
from ..legacy import legacy_call
from ..models.serverless import ServerlessCatalogue, ServerlessModel
from ..validation import optional_bool
from ._facade import Resource, awaits, runs
from ._support import Envelope, call_options, convert_list, fetch_envelope, platform_url

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

CATALOGUE_PATH = "/serverless/models/filter"
TIER2_WIRE_KEY = "tier2+_require"

CsvArg = Union[str, Sequence[str], None]


def _csv(name: str, value: CsvArg) -> Optional[str]:
    """A comma-separated filter: a string as given, or a list of strings joined."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            raise InvalidArgumentError(f"{name} must not be empty", argument=name)
        return value
    if isinstance(value, (list, tuple)) and value:
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise InvalidArgumentTypeError(f"{name} must hold non-empty strings", argument=name)
        return ",".join(value)
    raise InvalidArgumentTypeError(
        f"{name} must be a string or a non-empty list of strings", argument=name
    )


@dataclass
class _CatalogueWire(Envelope):
    """``{"data": {"models", "count", "tag_counts"}}``, or the same keys unwrapped."""

    models: Any = None
    count: Any = None
    tag_counts: Any = None


def _prepare(item: Mapping[str, Any]) -> Mapping[str, Any]:
    if TIER2_WIRE_KEY in item and "tier2_required" not in item:
        return {**item, "tier2_required": item[TIER2_WIRE_KEY]}
    return item


class ServerlessResource(Resource):
    """``client.serverless``: the serverless model catalogue, with prices, tiers and tags."""

    __slots__ = ()

    @legacy_call(
        positional=("modality",),
        old='serverless.list_models("text_generation")',
        new='serverless.list_models(modality="text_generation")',
    )
    @runs
    def list_models(
        self,
        *,
        modality: CsvArg = None,
        search: Optional[str] = None,
        highlight: CsvArg = None,
        use_case: CsvArg = None,
        model_family: CsvArg = None,
        filter_logic: Optional[str] = None,
        include_tag_counts: Optional[bool] = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[ServerlessCatalogue]:
        """Catalogue entries matching the filters (``GET /serverless/models/filter``).

        Args:
            modality: ``"text_generation"``, ``"text_to_image"``, ``"embeddings"``,
                ``"reranker"``, ``"audio"``...; a string or a list (sent comma-separated).
            search: Text to look for in names and descriptions.
            highlight: Highlight tags to match; a string or a list.
            use_case: Use cases to match; a string or a list.
            model_family: Model families to match; a string or a list.
            filter_logic: ``"and"`` (every filter) or ``"or"`` (any filter).
            include_tag_counts: Also return how many models carry each tag.
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields sent as a JSON body (this GET has none otherwise).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            A ``ServerlessCatalogue`` (``.models`` lists ``ServerlessModel`` entries).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        if search is not None and (not isinstance(search, str) or not search.strip()):
            raise InvalidArgumentError("search must be a non-empty string", argument="search")
        if filter_logic is not None and filter_logic not in ("and", "or"):
            raise InvalidArgumentError(
                f"filter_logic must be 'and' or 'or', got {filter_logic!r}",
                argument="filter_logic",
            )
        query = {
            "modality": _csv("modality", modality),
            "search": search,
            "highlight": _csv("highlight", highlight),
            "use_case": _csv("use_case", use_case),
            "model_family": _csv("model_family", model_family),
            "filter_logic": filter_logic,
            "include_tag_counts": optional_bool("include_tag_counts", include_tag_counts),
        }
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        url = platform_url(self._engine, CATALOGUE_PATH)
        reply = yield from fetch_envelope(
            self._engine, "GET", url, query=query, options=options, cast_to=_CatalogueWire
        )
        payload = reply.data
        items: Any = reply.models
        count, tag_counts = reply.count, reply.tag_counts
        if isinstance(payload, Mapping):
            items = payload.get("models")
            count = payload.get("count")
            tag_counts = payload.get("tag_counts")
        elif isinstance(payload, list):
            items = payload
        models = convert_list(
            self._engine,
            items,
            ServerlessModel,
            what="serverless model",
            key="model_name",
            prepare=_prepare,
        )
        return ServerlessCatalogue(
            models=models,
            count=count if isinstance(count, int) and not isinstance(count, bool) else None,
            tag_counts=tag_counts if isinstance(tag_counts, dict) else None,
            message=reply.message,
            status=reply.status,
            request_id=reply.request_id,
        )


class AsyncServerlessResource(Resource):
    """``client.serverless`` of ``AsyncMegaNova``: as ``ServerlessResource``, awaited."""

    __slots__ = ()
    list_models = awaits(ServerlessResource.list_models)
