"""Typed request parameters: what a chat call's ``messages``, ``tools``, ``tool_choice``,
``response_format`` and ``stream_options`` look like, as ``TypedDict``s (the shapes of
openai-python's ``*_param.py``).

They exist for type checkers: ``{"role": "usr"}`` or a misspelt tool field is reported
before the code runs. At run time they are plain dicts and the SDK sends them as they are.
Keys a type checker must see are required through a ``total=True`` base class (Python
3.9 has no ``Required``/``NotRequired``).
"""

from typing import Dict, Iterable, Literal, Optional, Sequence, TypedDict, Union

__all__ = [
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionToolParam",
    "ChatCompletionUserMessageParam",
    "FunctionDefinition",
    "FunctionParameters",
    "ImageURL",
    "InputAudio",
    "ResponseFormat",
    "ResponseFormatJSONObject",
    "ResponseFormatJSONSchema",
    "ResponseFormatText",
    "JSONSchema",
    "StopParam",
]

FunctionParameters = Dict[str, object]
"""A JSON Schema object describing a function's arguments."""

# -- content parts --------------------------------------------------------------------


class ChatCompletionContentPartTextParam(TypedDict):
    type: Literal["text"]
    text: str


class _ImageURLBase(TypedDict):
    url: str


class ImageURL(_ImageURLBase, total=False):
    """``url`` is an https URL or a ``data:image/...;base64,...`` URL."""

    detail: Literal["auto", "low", "high"]


class ChatCompletionContentPartImageParam(TypedDict):
    type: Literal["image_url"]
    image_url: ImageURL


class InputAudio(TypedDict):
    data: str  # base64
    format: Literal["wav", "mp3"]


class ChatCompletionContentPartInputAudioParam(TypedDict):
    type: Literal["input_audio"]
    input_audio: InputAudio


ChatCompletionContentPartParam = Union[
    ChatCompletionContentPartTextParam,
    ChatCompletionContentPartImageParam,
    ChatCompletionContentPartInputAudioParam,
]

# -- tool calls an assistant message carries ------------------------------------------


class _FunctionCallParam(TypedDict):
    name: str
    arguments: str  # JSON-encoded, as the model produced it


class ChatCompletionMessageToolCallParam(TypedDict):
    id: str
    type: Literal["function"]
    function: _FunctionCallParam


# -- messages ---------------------------------------------------------------------------


class _SystemMessageBase(TypedDict):
    role: Literal["system"]
    content: Union[str, Iterable[ChatCompletionContentPartTextParam]]


class ChatCompletionSystemMessageParam(_SystemMessageBase, total=False):
    name: str


class _UserMessageBase(TypedDict):
    role: Literal["user"]
    content: Union[str, Iterable[ChatCompletionContentPartParam]]


class ChatCompletionUserMessageParam(_UserMessageBase, total=False):
    name: str


class _AssistantMessageBase(TypedDict):
    role: Literal["assistant"]


class ChatCompletionAssistantMessageParam(_AssistantMessageBase, total=False):
    """A previous assistant turn; ``content`` is ``None`` on a turn that only called tools."""

    content: Union[str, Iterable[ChatCompletionContentPartTextParam], None]
    name: str
    tool_calls: Iterable[ChatCompletionMessageToolCallParam]
    reasoning_content: Optional[str]


class ChatCompletionToolMessageParam(TypedDict):
    """A tool's result; ``tool_call_id`` is the ``id`` of the call it answers."""

    role: Literal["tool"]
    content: Union[str, Iterable[ChatCompletionContentPartTextParam]]
    tool_call_id: str


ChatCompletionMessageParam = Union[
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
    ChatCompletionAssistantMessageParam,
    ChatCompletionToolMessageParam,
]

# -- tools --------------------------------------------------------------------------------


class _FunctionDefinitionBase(TypedDict):
    name: str


class FunctionDefinition(_FunctionDefinitionBase, total=False):
    description: str
    parameters: FunctionParameters
    strict: Optional[bool]


class ChatCompletionToolParam(TypedDict):
    type: Literal["function"]
    function: FunctionDefinition


class _NamedFunction(TypedDict):
    name: str


class ChatCompletionNamedToolChoiceParam(TypedDict):
    """Forces one tool: ``{"type": "function", "function": {"name": "get_weather"}}``."""

    type: Literal["function"]
    function: _NamedFunction


ChatCompletionToolChoiceOptionParam = Union[
    Literal["none", "auto", "required"], ChatCompletionNamedToolChoiceParam
]

# -- response format, stream options, stop -------------------------------------------------


class ResponseFormatText(TypedDict):
    type: Literal["text"]


class ResponseFormatJSONObject(TypedDict):
    type: Literal["json_object"]


class _JSONSchemaBase(TypedDict):
    name: str


class JSONSchema(_JSONSchemaBase, total=False):
    description: str
    schema: Dict[str, object]
    strict: Optional[bool]


class ResponseFormatJSONSchema(TypedDict):
    type: Literal["json_schema"]
    json_schema: JSONSchema


ResponseFormat = Union[ResponseFormatText, ResponseFormatJSONObject, ResponseFormatJSONSchema]


class ChatCompletionStreamOptionsParam(TypedDict, total=False):
    include_usage: bool  # ask for a last chunk carrying the usage


StopParam = Union[str, Sequence[str]]
