"""The errors a cassette raises: all ``MeganovaError``, none ever retried."""

from __future__ import annotations

from ..core.errors import MeganovaError

__all__ = ["CassetteError", "CassetteFormatError", "UnmatchedRequestError"]


class CassetteError(MeganovaError):
    """Base class of the errors a cassette raises (never retried: a replay that does
    not fit the file stays wrong however often it is tried)."""

    retryable = False


class CassetteFormatError(CassetteError):
    """A cassette file holds a line that is not a recorded exchange (the message
    names the file and the line)."""


class UnmatchedRequestError(CassetteError):
    """A request that no recorded exchange answers, in a mode that may not record it.
    Nothing was sent. The message names the request (method and path, secrets
    redacted), the cassette file and why nothing matched.

    Attributes:
        method: The request's method.
        path: The request's URL path (agent keys redacted).
        cassette: The cassette file's path.
    """

    def __init__(self, message: str, *, method: str, path: str, cassette: str) -> None:
        super().__init__(message, code="cassette_unmatched")
        self.method = method
        self.path = path
        self.cassette = cassette
