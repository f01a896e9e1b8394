"""``client.rerank``.

Path (``RERANK_PATH``): ``POST {v1}/rerank``: PyPI 0.4.0 and the MCP server only (both
published, both send ``return_documents=true``); not in the GitHub SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

from ..effects import Flow
from ..errors import InvalidArgumentError, InvalidArgumentTypeError
from ..http import Timeout, TimeoutLike
from ..legacy import legacy_call
from ..models.rerank import RerankResponse
from ..validation import drop_none, optional_bool, optional_int, require_str
from ._facade import Resource, awaits, runs
from ._support import call_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

RERANK_PATH = "/rerank"

Document = Union[str, Mapping[str, Any]]


class RerankResource(Resource):
    """``client.rerank``: order documents by relevance to a query."""

    __slots__ = ()

    @legacy_call(
        positional=("query", "documents"),
        old="rerank.create(query, documents, model=...)",
        new="rerank.create(query=..., documents=..., model=...)",
    )
    @runs
    def create(
        self,
        *,
        query: str,
        documents: Sequence[Document],
        model: str,
        top_n: Optional[int] = None,
        return_documents: Optional[bool] = True,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[RerankResponse]:
        """Order ``documents`` by relevance to ``query`` (``POST /rerank``).

        Args:
            query: What the documents are ranked against.
            documents: The documents: strings, or objects with the text in a field.
            model: The reranker, e.g. ``"BAAI/bge-reranker-v2-m3"``.
            top_n: Return only the best ``top_n`` results.
            return_documents: Include each document in its result.
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields merged into the JSON body, for API fields this signature lacks.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            A ``RerankResponse``; ``.results`` holds ``index`` and ``relevance_score``, best first.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        query = require_str("query", query)
        if isinstance(documents, (str, bytes)) or not isinstance(documents, Sequence):
            raise InvalidArgumentTypeError(
                "documents must be a list of strings or objects", argument="documents"
            )
        if not documents:
            raise InvalidArgumentError("documents must not be empty", argument="documents")
        for i, doc in enumerate(documents):
            if not isinstance(doc, (str, Mapping)):
                raise InvalidArgumentTypeError(
                    f"documents[{i}] must be a string or an object, got {type(doc).__name__}",
                    argument="documents",
                )
        body = {
            "query": query,
            "documents": [d if isinstance(d, str) else dict(d) for d in documents],
            "model": require_str("model", model),
            "top_n": optional_int("top_n", top_n, minimum=1),
            "return_documents": optional_bool("return_documents", return_documents),
        }
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        return (
            yield from self._engine.fetch(
                "POST", RERANK_PATH, cast_to=RerankResponse, json=drop_none(body), options=options
            )
        )


class AsyncRerankResource(Resource):
    """``client.rerank`` of ``AsyncMegaNova``: as ``RerankResource``, awaited."""

    __slots__ = ()
    create = awaits(RerankResource.create)
