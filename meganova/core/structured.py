"""Structured outputs: what a chat reply means when a type was asked for.

Written once for both clients and both shapes of a call: ``chat.completions.parse``
applies it to the whole reply, ``chat.completions.stream(response_format=T)`` to the
response a finished stream adds up to. Pure (the codec is passed in).

For each choice, in order (as openai-python decides): ``finish_reason="length"`` raises
``LengthFinishReasonError`` (the JSON was cut), ``"content_filter"`` raises
``ContentFilterFinishReasonError``, a ``refusal`` raises ``RefusalError``; a turn that
only calls tools has ``parsed=None``; otherwise the content must be JSON fitting the
type, or ``OutputValidationError`` carries the raw text and what did not fit.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar

from .errors import (
    ContentFilterFinishReasonError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    LengthFinishReasonError,
    OutputValidationError,
    RefusalError,
)
from .models.chat import (
    ChatChoice,
    ChatResponse,
    ParsedChatMessage,
    ParsedChatResponse,
    ParsedChoice,
)
from .ports import CodecError
from .schema import TypeSchema, type_schema

__all__ = ["as_parsed", "parse_response", "parser_for", "response_format_of"]

T = TypeVar("T")
ARGUMENT = "response_format"


def response_format_of(codec: Any, type_: Any) -> TypeSchema:
    """The ``TypeSchema`` a typed call sends as ``response_format`` (checked before
    anything is sent)."""
    if type_ is None:
        raise InvalidArgumentError(
            "response_format is required: the type the reply must fit (a dataclass, "
            "TypedDict, msgspec.Struct or pydantic model)",
            argument=ARGUMENT,
        )
    if isinstance(type_, Mapping):
        raise InvalidArgumentTypeError(
            "response_format must be a type here (a dataclass, TypedDict, msgspec.Struct "
            "or pydantic model); to send a response_format dict as it is, use "
            "chat.completions.create",
            argument=ARGUMENT,
        )
    return type_schema(codec, type_, argument=ARGUMENT)


def parse_response(response: ChatResponse, type_: Any, codec: Any) -> ParsedChatResponse[Any]:
    """``response`` with every choice's ``message.parsed`` set to its content as
    ``type_``; raises the structured-output errors described in the module's doc."""
    validate = _validator(codec)
    request_id = response.request_id
    choices = []
    for choice in response.choices:
        message = choice.message
        where: Dict[str, Any] = dict(response=response, choice=choice.index, request_id=request_id)
        reason = choice.finish_reason
        if reason == "length":
            raise LengthFinishReasonError(
                "The reply reached the token limit before its JSON was complete "
                "(finish_reason='length'); allow more tokens (max_tokens)",
                content=message.content,
                **where,
            )
        if reason == "content_filter":
            raise ContentFilterFinishReasonError(
                "The server's content filter stopped the reply (finish_reason='content_filter')",
                **where,
            )
        if message.refusal:
            raise RefusalError(
                f"The model refused to answer: {message.refusal}",
                refusal=message.refusal,
                **where,
            )
        content = message.content
        parsed: Any = None
        if content or not message.tool_calls:
            if content is None or not content.strip():
                raise OutputValidationError(
                    f"The reply is empty: no JSON to read as {_name(type_)}",
                    content=content,
                    validation_message="empty reply, no JSON",
                    **where,
                )
            try:
                parsed = validate(content, type_)
            except CodecError as exc:
                raise OutputValidationError(
                    f"The reply does not fit {_name(type_)}: {exc}",
                    content=content,
                    validation_message=str(exc),
                    **where,
                ) from None
        choices.append(_choice(choice, parsed))
    return _response(response, choices)


def as_parsed(response: ChatResponse) -> ParsedChatResponse[Any]:
    """``response`` as a ``ParsedChatResponse`` with nothing parsed (a stream opened
    without a type)."""
    return _response(response, [_choice(choice, None) for choice in response.choices])


def parser_for(codec: Any, type_: Any) -> Callable[[ChatResponse], ParsedChatResponse[Any]]:
    """What a finished stream applies to its whole response."""
    if type_ is None:
        return as_parsed

    def parse(response: ChatResponse) -> ParsedChatResponse[Any]:
        return parse_response(response, type_, codec)

    return parse


def _validator(codec: Any) -> Callable[[str, Any], Any]:
    validate_json = getattr(codec, "validate_json", None)
    if validate_json is not None:
        validator: Callable[[str, Any], Any] = validate_json
        return validator
    decode = codec.decode  # a codec without the schema methods: its own decoding

    def validate(content: str, type_: Any) -> Any:
        return decode(content.encode("utf-8"), type_)

    return validate


def _name(type_: Any) -> str:
    name = getattr(type_, "__name__", None)
    return name if isinstance(name, str) else repr(type_)


def _values(model: Any) -> Dict[str, Any]:
    return {f.name: getattr(model, f.name) for f in fields(model)}


def _choice(choice: ChatChoice, parsed: Optional[Any]) -> ParsedChoice[Any]:
    values = _values(choice.message)
    values["parsed"] = parsed
    message = ParsedChatMessage(**values)
    values = _values(choice)
    values["message"] = message
    return ParsedChoice(**values)


def _response(response: ChatResponse, choices: list[ParsedChoice[Any]]) -> ParsedChatResponse[Any]:
    values = _values(response)
    values["choices"] = choices
    return ParsedChatResponse(**values)
