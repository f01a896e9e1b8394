"""Fold streamed chat chunks into the whole response (pure; no I/O).

Works on chunks from any source (live, faked, replayed): text and reasoning are
joined, tool-call fragments are joined by ``index`` into whole calls, a final
usage-only chunk (empty ``choices``) is kept, several choices are kept apart.

Incremental and compact: a stream folds each chunk in as it arrives and keeps no
chunk, so its memory grows with the text received, not with the number of chunks
(pieces of text are joined into blocks as they come).
"""

from __future__ import annotations

from typing import Iterable, List, Optional

from .models.chat import (
    ChatChoice,
    ChatCompletionChunk,
    ChatMessage,
    ChatResponse,
    DeltaToolCall,
    FunctionCall,
    TokenUsage,
    ToolCall,
)

__all__ = ["ChatAccumulator", "accumulate"]

_BLOCK = 256  # pieces of text joined into one string: a list of tiny strings costs ~60 B each


class _Text:
    """Text arriving in many small pieces, held as a few large blocks."""

    __slots__ = ("blocks", "pieces")

    def __init__(self) -> None:
        self.blocks: List[str] = []
        self.pieces: List[str] = []

    def add(self, piece: str) -> None:
        pieces = self.pieces
        pieces.append(piece)
        if len(pieces) >= _BLOCK:
            self.blocks.append("".join(pieces))
            pieces.clear()

    def settle(self) -> None:
        """Join the pieces into a block once there are many (for appenders that skip
        ``add``'s own check)."""
        pieces = self.pieces
        if len(pieces) >= _BLOCK:
            self.blocks.append("".join(pieces))
            pieces.clear()

    def value(self) -> str:
        return "".join(self.blocks + self.pieces) if self.blocks else "".join(self.pieces)


class _ToolCallState:
    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id = ""
        self.type = "function"
        self.name = ""
        self.arguments = _Text()

    def build(self) -> ToolCall:
        return ToolCall(
            id=self.id,
            type=self.type,
            function=FunctionCall(name=self.name, arguments=self.arguments.value()),
        )


class _ChoiceState:
    __slots__ = (
        "content",
        "finish_reason",
        "logprobs",
        "reasoning",
        "refusal",
        "role",
        "tool_calls",
    )

    def __init__(self) -> None:
        self.role: Optional[str] = None
        self.content: Optional[_Text] = None  # None: no content delta at all
        self.reasoning: Optional[_Text] = None
        self.refusal: Optional[_Text] = None
        self.tool_calls: dict[int, _ToolCallState] = {}
        self.finish_reason: Optional[str] = None
        self.logprobs: Optional[object] = None

    def add_tool_call(self, fragment: DeltaToolCall) -> None:
        calls = self.tool_calls
        index = fragment.index
        if index is None:
            # No index on the wire: a new id starts a new call, anything else continues.
            last = max(calls) if calls else None
            if last is None or (fragment.id and calls[last].id and fragment.id != calls[last].id):
                index = 0 if last is None else last + 1
            else:
                index = last
        call = calls.get(index)
        if call is None:
            call = calls[index] = _ToolCallState()
        if fragment.id and not call.id:
            call.id = fragment.id
        if fragment.type:
            call.type = fragment.type
        function = fragment.function
        if function is not None:
            name = function.name
            # Some servers repeat the whole name in every fragment; others split it.
            if name and name != call.name:
                call.name += name
            if function.arguments:
                call.arguments.add(function.arguments)

    def build(self, index: int) -> ChatChoice:
        calls = self.tool_calls
        return ChatChoice(
            index=index,
            message=ChatMessage(
                role=self.role or "assistant",
                content=None if self.content is None else self.content.value(),
                tool_calls=[calls[i].build() for i in sorted(calls)] if calls else None,
                reasoning_content=None if self.reasoning is None else self.reasoning.value(),
                refusal=None if self.refusal is None else self.refusal.value(),
            ),
            finish_reason=self.finish_reason,
            logprobs=self.logprobs,
        )


class ChatAccumulator:
    """Feed chunks with ``add``; read ``text()`` at any time; ``response()`` builds the
    ``ChatResponse`` a non-streamed call would have returned."""

    __slots__ = (
        "_choices",
        "_head",
        "_text0",
        "count",
        "created",
        "id",
        "model",
        "system_fingerprint",
        "usage",
    )

    def __init__(self) -> None:
        self.id = ""
        self.model: Optional[str] = None
        self.created: Optional[int] = None
        self.system_fingerprint: Optional[str] = None
        self.usage: Optional[TokenUsage] = None
        self.count = 0
        self._head = True  # some of id, model, created still unknown
        self._text0: Optional[_Text] = None  # choice 0's text, once it started
        self._choices: dict[int, _ChoiceState] = {}

    def add(self, chunk: ChatCompletionChunk) -> None:
        # A stream calls this once per chunk. The common chunk (one choice, only a piece
        # of text for choice 0 once its text started, no usage) takes the short way.
        choices = chunk.choices
        text = self._text0
        if text is not None and not self._head and len(choices) == 1 and chunk.usage is None:
            choice = choices[0]
            delta = choice.delta
            content = delta.content
            if (
                content is not None
                and choice.index == 0
                and choice.finish_reason is None
                and choice.logprobs is None
                and delta.role is None
                and delta.tool_calls is None
                and delta.reasoning_content is None
                and delta.reasoning is None
                and delta.refusal is None
                and (self.system_fingerprint is not None or not chunk.system_fingerprint)
            ):
                self.count += 1
                pieces = text.pieces
                pieces.append(content)
                if len(pieces) >= _BLOCK:
                    text.blocks.append("".join(pieces))
                    pieces.clear()
                return
        self._add(chunk)

    def plain_text(self) -> Optional[List[str]]:
        """Where a stream may append the text of a plain chunk itself (one choice,
        index 0, only ``content`` set, no usage, no new fingerprint: what ``add`` takes
        the short way), counting it in ``count`` and calling ``settle_text`` now and
        then; ``None`` while such a chunk must still go through ``add``."""
        text = self._text0
        return None if text is None or self._head else text.pieces

    def settle_text(self) -> None:
        if self._text0 is not None:
            self._text0.settle()

    def _add(self, chunk: ChatCompletionChunk) -> None:
        self.count += 1
        if self._head or (chunk.system_fingerprint and self.system_fingerprint is None):
            self._learn_head(chunk)
        usage = chunk.usage
        if usage is not None:
            self.usage = usage
        for choice in chunk.choices:
            index = choice.index
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = _ChoiceState()
            delta = choice.delta
            content = delta.content
            if content is not None:
                text = state.content
                if text is None:
                    text = state.content = _Text()
                    if index == 0:
                        self._text0 = text
                pieces = text.pieces
                pieces.append(content)
                if len(pieces) >= _BLOCK:
                    text.blocks.append("".join(pieces))
                    pieces.clear()
            if delta.role and state.role is None:
                state.role = delta.role
            reasoning = delta.reasoning_content
            if reasoning is None:
                reasoning = delta.reasoning
            if reasoning is not None:
                if state.reasoning is None:
                    state.reasoning = _Text()
                state.reasoning.add(reasoning)
            if delta.refusal is not None:
                if state.refusal is None:
                    state.refusal = _Text()
                state.refusal.add(delta.refusal)
            if delta.tool_calls:
                for fragment in delta.tool_calls:
                    state.add_tool_call(fragment)
            if choice.finish_reason is not None:
                state.finish_reason = choice.finish_reason
            if choice.logprobs is not None:
                state.logprobs = choice.logprobs

    def _learn_head(self, chunk: ChatCompletionChunk) -> None:
        """The first non-empty id, model, creation time and fingerprint."""
        if chunk.id and not self.id:
            self.id = chunk.id
        if chunk.model and self.model is None:
            self.model = chunk.model
        if chunk.created is not None and self.created is None:
            self.created = chunk.created
        if chunk.system_fingerprint and self.system_fingerprint is None:
            self.system_fingerprint = chunk.system_fingerprint
        # Once these are known no chunk can change them (a stream that never sends one
        # keeps looking, as it must); the fingerprint, often never sent, is checked apart.
        self._head = not (self.id and self.model is not None and self.created is not None)

    def extend(self, chunks: Iterable[ChatCompletionChunk]) -> ChatAccumulator:
        for chunk in chunks:
            self.add(chunk)
        return self

    def text(self, index: int = 0) -> str:
        state = self._choices.get(index)
        if state is None or state.content is None:
            return ""
        return state.content.value()

    def finish_reasons(self) -> tuple[str, ...]:
        """Each choice's finish reason, in choice order (choices without one left out)."""
        choices = self._choices
        return tuple(
            reason for reason in (choices[i].finish_reason for i in sorted(choices)) if reason
        )

    @property
    def finished(self) -> bool:
        """Whether any choice has a finish reason."""
        return any(state.finish_reason is not None for state in self._choices.values())

    def response(self, *, request_id: Optional[str] = None) -> ChatResponse:
        choices = self._choices
        return ChatResponse(
            id=self.id,
            object="chat.completion",
            created=self.created,
            model=self.model,
            choices=[choices[i].build(i) for i in sorted(choices)],
            usage=self.usage,
            system_fingerprint=self.system_fingerprint,
            request_id=request_id,
        )


def accumulate(
    chunks: Iterable[ChatCompletionChunk], *, request_id: Optional[str] = None
) -> ChatResponse:
    """The whole response the chunks add up to."""
    return ChatAccumulator().extend(chunks).response(request_id=request_id)
