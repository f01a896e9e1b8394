"""Wire shapes the fake answers with: JSON bodies and SSE streams, as the API sends them."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Iterable, Iterator, Mapping, Sequence, Union

from ..adapters.fake_transport import FakeResponse
from ..core.budget import TimeBudget
from ..core.errors import APITimeoutError
from .clock import VirtualClock


class Pause:
    """A wait between two stream chunks."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Piece = Union[bytes, BaseException, Pause]


class ScriptedResponse(FakeResponse):
    """A fake reply whose stream may pause on the fake's clock; a pause longer than the
    request's read timeout ends in ``APITimeoutError``, as a real socket would."""

    def __init__(
        self,
        status: int,
        pieces: Iterable[Piece],
        headers: Mapping[str, str],
        *,
        clock: Any,
        read_timeout: float | None,
        budget: TimeBudget | None = None,
    ) -> None:
        super().__init__(status, b"", headers)
        self._pieces = list(pieces)
        self._clock = clock
        self._read_timeout = read_timeout
        self._budget = budget
        self._started = False

    def iter_bytes(self) -> Iterator[bytes]:
        if self._started:
            return
        self._started = True
        for piece in self._pieces:
            if self.closed:
                return
            if isinstance(piece, Pause):
                wait(self._clock, piece.seconds, self._read_timeout, self._budget)
            elif isinstance(piece, BaseException):
                raise piece
            elif piece:
                yield piece

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        # The pieces are in memory and pauses are on the fake's clock: nothing to await.
        for piece in self.iter_bytes():
            yield piece


def wait(
    clock: Any, seconds: float, read_timeout: float | None, budget: TimeBudget | None = None
) -> None:
    """Wait as a socket read would: at most the read timeout, or what is left of the
    call's deadline when that is less (then the error says so)."""
    if seconds <= 0:
        return
    limit = read_timeout if budget is None else budget.wait_limit(read_timeout)
    if limit is not None and seconds > limit:
        advance(clock, max(limit, 0.0))
        why = budget.message() if budget is not None and limit != read_timeout else None
        raise APITimeoutError(
            f"Read timed out after {max(limit, 0.0):g}s (the fake was told to wait "
            f"{seconds:g}s){': ' + why if why else ''}",
            request_sent=True,
        )
    advance(clock, seconds)


def advance(clock: Any, seconds: float) -> None:
    # The fake's own waiting is time passing on the server, not a client sleep.
    if isinstance(clock, VirtualClock):
        clock.advance(seconds)
    else:
        clock.sleep(seconds)


def sse(payload: Any) -> bytes:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return b"data: " + data + b"\n\n"


DONE = b"data: [DONE]\n\n"


def error_body(message: str, code: str | None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code is not None:
        error["code"] = code
    return {"error": error}


def split_words(text: str) -> list[str]:
    """Pieces a streamed answer arrives in: each word with the space before it."""
    pieces: list[str] = []
    for index, word in enumerate(text.split(" ")):
        pieces.append(word if index == 0 else " " + word)
    return [p for p in pieces if p]


class ChatShape:
    """Builds ``chat.completion`` and ``chat.completion.chunk`` bodies for one reply."""

    def __init__(self, completion_id: str, model: str, created: int) -> None:
        self.id = completion_id
        self.model = model
        self.created = created

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def completion(
        self,
        message: dict[str, Any],
        finish_reason: str,
        usage: dict[str, int],
    ) -> dict[str, Any]:
        return {
            **self._head("chat.completion"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": usage,
        }

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            **self._head("chat.completion.chunk"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    def usage_chunk(self, usage: dict[str, int]) -> dict[str, Any]:
        return {
            **self._head("chat.completion.chunk"),
            "choices": [],
            "usage": usage,
        }

    def text_chunks(self, pieces: Sequence[str]) -> list[dict[str, Any]]:
        chunks = []
        for index, piece in enumerate(pieces):
            delta: dict[str, Any] = {"content": piece}
            if index == 0:
                delta = {"role": "assistant", "content": piece}
            chunks.append(self.chunk(delta))
        if not chunks:
            chunks.append(self.chunk({"role": "assistant", "content": ""}))
        return chunks

    def tool_call_chunks(
        self, calls: list[dict[str, Any]], content: str | None
    ) -> list[dict[str, Any]]:
        """Each call opened (id, name) then its arguments in two halves, by ``index``."""
        chunks = [self.chunk({"role": "assistant", "content": content})]
        for index, call in enumerate(calls):
            function = call["function"]
            opened = {**call, "index": index, "function": {**function, "arguments": ""}}
            chunks.append(self.chunk({"tool_calls": [opened]}))
            arguments = function["arguments"]
            half = len(arguments) // 2
            for part in (arguments[:half], arguments[half:]):
                if part:
                    chunks.append(
                        self.chunk(
                            {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
                        )
                    )
        return chunks


def token_count(text: str) -> int:
    """A rough, deterministic token count (words), enough for usage numbers."""
    return len(text.split())
