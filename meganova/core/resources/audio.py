"""``client.audio``: speech to text.

Path (``TRANSCRIPTIONS_PATH``): ``POST {v1}/audio/transcriptions`` (multipart), used by
the GitHub SDK, PyPI 0.4.0 and the MCP server: well attested. Only the ``file`` and
``model`` parts are known to be read; other form fields can be sent with ``extra_body``.
"""

from __future__ import annotations

import mimetypes
import os
from typing import IO, TYPE_CHECKING, Any, Mapping, Union

from ..effects import Flow
from ..errors import InvalidArgumentError, InvalidArgumentTypeError
from ..http import Timeout, TimeoutLike
from ..models.audio import Transcription
from ..multipart import FilePart, encode_multipart
from ..validation import check_header_value, optional_str, require_str
from ._facade import Resource, awaits, runs
from ._support import call_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..params import RetryOptions

TRANSCRIPTIONS_PATH = "/audio/transcriptions"
DEFAULT_TRANSCRIPTION_MODEL = "Systran/faster-whisper-large-v3"
DEFAULT_FILENAME = "audio"
# Preferred over the platform's mimetypes table, which differs between OSes and versions.
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".mpga": "audio/mpeg",
    ".mpeg": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".webm": "audio/webm",
}

FileArg = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]


def guess_content_type(filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower()
    if ext in AUDIO_TYPES:
        return AUDIO_TYPES[ext]
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def read_file_argument(file: object, filename: str | None) -> tuple[bytes, str]:
    """``(content, filename)`` from a path, bytes, or a binary file object (read whole,
    once, so that retries resend all of it)."""
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        if not isinstance(path, str):
            raise InvalidArgumentTypeError("file path must be text", argument="file")
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise InvalidArgumentError(
                f"file cannot be read: {exc.strerror or exc}", argument="file"
            ) from None
        return content, filename or os.path.basename(path) or DEFAULT_FILENAME
    if isinstance(file, (bytes, bytearray, memoryview)):
        return bytes(file), filename or DEFAULT_FILENAME
    read = getattr(file, "read", None)
    if callable(read):
        content = read()
        if not isinstance(content, (bytes, bytearray)):
            raise InvalidArgumentTypeError(
                "file must be opened in binary mode ('rb')", argument="file"
            )
        name = getattr(file, "name", None)
        fallback = os.path.basename(name) if isinstance(name, str) else ""
        return bytes(content), filename or fallback or DEFAULT_FILENAME
    raise InvalidArgumentTypeError(
        f"file must be a path, bytes or a binary file object, got {type(file).__name__}",
        argument="file",
    )


class AudioResource(Resource):
    """``client.audio``: speech to text."""

    __slots__ = ()

    @runs
    def transcribe(
        self,
        file: FileArg,
        *,
        model: str = DEFAULT_TRANSCRIPTION_MODEL,
        filename: str | None = None,
        content_type: str | None = None,
        timeout: TimeoutLike | Timeout | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **sdk_options: Unpack[RetryOptions],
    ) -> Flow[Transcription]:
        """Transcribe audio (``POST /audio/transcriptions``, a multipart upload).

        Args:
            file: A path, the bytes, or a binary file object (read whole, once, so a retry
                resends all of it).
            model: The speech model.
            filename: The file name sent with the upload (default: the path's name).
            content_type: The MIME type (default: guessed from the file name).
            timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
                a ``Timeout``, or ``None`` for the client's.
            extra_headers: Headers added to this request (a ``None`` value removes one).
            extra_query: Query parameters added to the URL.
            extra_body: Extra form fields (values sent as text).
            **sdk_options: This call's ``max_retries``, ``deadline``, ``idempotency_key``
                and ``max_response_bytes`` (see ``CallOptions``).

        Returns:
            A ``Transcription`` (``.text``, and ``language``, ``duration``, ``segments`` when sent).

        Raises:
            InvalidArgumentError: An argument is invalid (raised before anything is sent).
            APIError: The API answered with an error status (after the retries).
            APIConnectionError: The network failed (``APITimeoutError`` for timeouts).
        """
        model = require_str("model", model)
        filename = optional_str("filename", filename)
        content_type = optional_str("content_type", content_type)
        if content_type is not None:  # a header line of the file's part: no CR/LF
            check_header_value("content_type", content_type)
        if extra_body is not None and not isinstance(extra_body, Mapping):
            raise InvalidArgumentTypeError("extra_body must be a mapping", argument="extra_body")
        content, name = read_file_argument(file, filename)
        if not content:
            raise InvalidArgumentError("file is empty", argument="file")
        fields = [("model", model)]
        for key, value in (extra_body or {}).items():
            if not isinstance(key, str):
                raise InvalidArgumentTypeError(
                    "extra_body keys must be strings", argument="extra_body"
                )
            if value is not None:
                fields.append((key, _form_text(value)))
        body, multipart_type = encode_multipart(
            fields,
            [FilePart("file", name, content, content_type or guess_content_type(name))],
        )
        # extra_body went into the form; the engine would otherwise send it as JSON.
        options = call_options(timeout, extra_headers, extra_query, None, **sdk_options)
        return (
            yield from self._engine.fetch(
                "POST",
                TRANSCRIPTIONS_PATH,
                cast_to=Transcription,
                content=body,
                content_type=multipart_type,
                options=options,
            )
        )


def _form_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AsyncAudioResource(Resource):
    """``client.audio`` of ``AsyncMegaNova``: as ``AudioResource``, awaited."""

    __slots__ = ()
    transcribe = awaits(AudioResource.transcribe)
