"""``client.embeddings``.

Path (``EMBEDDINGS_PATH``): ``POST {v1}/embeddings``: GitHub SDK, PyPI 0.4.0, MCP server.
No Meganova embedding model id is confirmed (look them up with
``client.serverless.list_models(modality="embeddings")``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Union

from ..effects import Flow
from ..errors import InvalidArgumentError, InvalidArgumentTypeError
from ..http import Timeout, TimeoutLike
from ..models.embeddings import EmbeddingResponse
from ..validation import drop_none, require_str
from ._facade import Resource, awaits, runs
from ._support import call_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

EMBEDDINGS_PATH = "/embeddings"
ENCODING_FORMATS = ("float", "base64")


def check_input(value: object) -> Union[str, List[str]]:
    if isinstance(value, str):
        return require_str("input", value)
    if isinstance(value, (list, tuple)):
        if not value:
            raise InvalidArgumentError("input must not be an empty list", argument="input")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise InvalidArgumentTypeError(
                    f"input[{i}] must be a string, got {type(item).__name__}", argument="input"
                )
            if not item.strip():
                raise InvalidArgumentError(f"input[{i}] must not be empty", argument="input")
        return list(value)
    raise InvalidArgumentTypeError(
        f"input must be a string or a list of strings, got {type(value).__name__}",
        argument="input",
    )


class EmbeddingsResource(Resource):
    """``client.embeddings``: vectors for texts."""

    __slots__ = ()

    @runs
    def create(
        self,
        input: Union[str, List[str]],
        model: str,
        encoding_format: Optional[str] = None,
        *,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[EmbeddingResponse]:
        """Embed a string or a list of strings (``POST /embeddings``).

        Args:
            input: One text or a list of texts (none empty).
            model: The embedding model, e.g. ``"BAAI/bge-m3"``.
            encoding_format: ``"float"`` or ``"base64"`` (the vectors come back as lists of
                floats either way).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Fields merged into the JSON body, for API fields this signature lacks.
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            An ``EmbeddingResponse``; ``.data[i].embedding`` is the vector of input ``i``.

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        body = {
            "input": check_input(input),
            "model": require_str("model", model),
            "encoding_format": encoding_format,
        }
        if encoding_format is not None and encoding_format not in ENCODING_FORMATS:
            raise InvalidArgumentError(
                f"encoding_format must be one of {ENCODING_FORMATS}, got {encoding_format!r}",
                argument="encoding_format",
            )
        options = call_options(timeout, extra_headers, extra_query, extra_body, **sdk_options)
        return (
            yield from self._engine.fetch(
                "POST",
                EMBEDDINGS_PATH,
                cast_to=EmbeddingResponse,
                json=drop_none(body),
                options=options,
            )
        )


class AsyncEmbeddingsResource(Resource):
    """``client.embeddings`` of ``AsyncMegaNova``: as ``EmbeddingsResource``, awaited."""

    __slots__ = ()
    create = awaits(EmbeddingsResource.create)
