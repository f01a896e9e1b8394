"""Typed request parameters: what a chat call's ``messages``, ``tools``, ``tool_choice``,
``response_format`` and ``stream_options`` look like, as ``TypedDict``s (the shapes of
openai-python's ``*_param.py``).

They exist for type checkers: ``{"role": "usr"}`` or a misspelt tool field is reported
before the code runs. At run time they are plain dicts and the SDK sends them as they are.
Keys a type checker must see are required through a ``total=True`` base class (Python
3.9 has no ``Required``/``NotRequired``).
"""

from typing import (
    TYPE_CHECKING,
    Dict,
    Iterable,
    Literal,
    Mapping,
    Optional,
    Sequence,
    TypedDict,
    Union,
)

if TYPE_CHECKING:
    from .http import TimeoutLike
    from .models.chat import ChatMessage

__all__ = [
    "CallOptions",
    "ChatExtras",
    "ChatParams",
    "HTTPOptions",
    "ParseParams",
    "NativeVideoExtras",
    "RetryOptions",
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
    """A text part of a message's content."""

    type: Literal["text"]
    text: str


class _ImageURLBase(TypedDict):
    url: str


class ImageURL(_ImageURLBase, total=False):
    """``url`` is an https URL or a ``data:image/...;base64,...`` URL."""

    detail: Literal["auto", "low", "high"]


class ChatCompletionContentPartImageParam(TypedDict):
    """An image part of a message's content (``image_url``)."""

    type: Literal["image_url"]
    image_url: ImageURL


class InputAudio(TypedDict):
    """Base64 audio data and its ``format`` (``wav``, ``mp3``)."""

    data: str  # base64
    format: Literal["wav", "mp3"]


class ChatCompletionContentPartInputAudioParam(TypedDict):
    """An audio part of a message's content (``input_audio``)."""

    type: Literal["input_audio"]
    input_audio: InputAudio


ChatCompletionContentPartParam = Union[
    ChatCompletionContentPartTextParam,
    ChatCompletionContentPartImageParam,
    ChatCompletionContentPartInputAudioParam,
]
"""Any part of a message's content: text, image or audio."""

# -- tool calls an assistant message carries ------------------------------------------


class _FunctionCallParam(TypedDict):
    name: str
    arguments: str  # JSON-encoded, as the model produced it


class ChatCompletionMessageToolCallParam(TypedDict):
    """A tool call in an assistant message you send back."""

    id: str
    type: Literal["function"]
    function: _FunctionCallParam


# -- messages ---------------------------------------------------------------------------


class _SystemMessageBase(TypedDict):
    role: Literal["system"]
    content: Union[str, Iterable[ChatCompletionContentPartTextParam]]


class ChatCompletionSystemMessageParam(_SystemMessageBase, total=False):
    """A system message: ``{"role": "system", "content": ...}``."""

    name: str


class _UserMessageBase(TypedDict):
    role: Literal["user"]
    content: Union[str, Iterable[ChatCompletionContentPartParam]]


class ChatCompletionUserMessageParam(_UserMessageBase, total=False):
    """A user message: ``{"role": "user", "content": ...}`` (text or parts)."""

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
"""Any message: system, user, assistant or tool."""

# -- tools --------------------------------------------------------------------------------


class _FunctionDefinitionBase(TypedDict):
    name: str


class FunctionDefinition(_FunctionDefinitionBase, total=False):
    """A function the model may call: ``name``, ``description``, JSON-schema ``parameters``."""

    description: str
    parameters: FunctionParameters
    strict: Optional[bool]


class ChatCompletionToolParam(TypedDict):
    """A tool: ``{"type": "function", "function": FunctionDefinition}``."""

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
"""``"none"``, ``"auto"``, ``"required"`` or a named function."""

# -- response format, stream options, stop -------------------------------------------------


class ResponseFormatText(TypedDict):
    """Plain text answers: ``{"type": "text"}``."""

    type: Literal["text"]


class ResponseFormatJSONObject(TypedDict):
    """Answers that are a JSON object: ``{"type": "json_object"}``."""

    type: Literal["json_object"]


class _JSONSchemaBase(TypedDict):
    name: str


class JSONSchema(_JSONSchemaBase, total=False):
    """A named JSON schema the answer must follow (``strict`` to enforce it)."""

    description: str
    schema: Dict[str, object]
    strict: Optional[bool]


class ResponseFormatJSONSchema(TypedDict):
    """Answers that follow a schema: ``{"type": "json_schema", "json_schema": ...}``."""

    type: Literal["json_schema"]
    json_schema: JSONSchema


ResponseFormat = Union[ResponseFormatText, ResponseFormatJSONObject, ResponseFormatJSONSchema]
"""Any response format: text, a JSON object, or a JSON schema."""


class ChatCompletionStreamOptionsParam(TypedDict, total=False):
    """Stream settings: ``{"include_usage": True}`` adds usage to the last chunk."""

    include_usage: bool  # ask for a last chunk carrying the usage


StopParam = Union[str, Sequence[str]]
"""A stop sequence, or a list of them."""


# -- the SDK's per-call options, and a chat call's parameters ---------------------------
# For ``**params: Unpack[...]`` signatures: one list of names, checked by type checkers,
# shared by the sync and async clients' methods.


class RetryOptions(TypedDict, total=False):
    """The SDK's options of one call beyond the HTTP ones (see the methods' docs)."""

    max_retries: Optional[int]
    deadline: Optional[float]
    idempotency_key: Optional[str]
    max_response_bytes: Optional[int]


class HTTPOptions(TypedDict, total=False):
    """The HTTP options of one call (see the methods' docs)."""

    timeout: "TimeoutLike"
    extra_headers: Optional[Mapping[str, Optional[str]]]
    extra_query: Optional[Mapping[str, object]]
    extra_body: Optional[Mapping[str, object]]


class CallOptions(RetryOptions, HTTPOptions, total=False):
    """The options every call takes (see the methods' docs)."""


class ChatExtras(RetryOptions, total=False):
    """A chat call's parameters past the four the guideline names."""

    session_id: Optional[str]
    top_p: Optional[float]
    n: Optional[int]
    stop: Optional[StopParam]
    seed: Optional[int]
    presence_penalty: Optional[float]
    frequency_penalty: Optional[float]
    logit_bias: Optional[Mapping[str, int]]
    logprobs: Optional[bool]
    top_logprobs: Optional[int]
    tools: Optional[Sequence[ChatCompletionToolParam]]
    tool_choice: Optional[ChatCompletionToolChoiceOptionParam]
    parallel_tool_calls: Optional[bool]
    stream_options: Optional[ChatCompletionStreamOptionsParam]
    user: Optional[str]
    max_completion_tokens: Optional[int]
    reasoning_effort: Optional[str]
    include_reasoning: Optional[bool]


class NativeVideoExtras(RetryOptions, total=False):
    """``videos.generate_native``'s model-specific keys (others go in ``extra_body``)."""

    duration: Optional[float]
    resolution: Optional[str]
    aspect_ratio: Optional[str]
    seed: Optional[int]


class _ChatMessages(TypedDict):
    messages: "Sequence[Union[ChatCompletionMessageParam, ChatMessage]]"


class _ChatBody(_ChatMessages, ChatExtras, HTTPOptions, total=False):
    model: Optional[str]
    temperature: Optional[float]
    max_tokens: Optional[int]


class ChatParams(_ChatBody, total=False):
    """A chat call's keyword arguments (``stream`` apart: it picks the return type), for
    ``chat.create``, ``chat.stream`` and ``chat.completions.create`` of both clients. The
    API's fields are sent when not ``None``, as given; ``timeout``, ``max_retries``,
    ``deadline``, ``idempotency_key`` and ``max_response_bytes`` act on the call only and
    are not sent.

    Attributes:
        messages: The conversation: dicts shaped like ``ChatCompletionMessageParam``
            (``{"role": "user", "content": "..."}``), or a previous reply's ``ChatMessage``.
        model: The model id; ``None`` uses the client's ``default_model`` (without one,
            ``InvalidArgumentError`` naming ``model``).
        temperature: Sampling temperature, 0 to 2.
        max_tokens: Most tokens to generate (1 or more).
        session_id: The API's session id, to group calls of one conversation.
        top_p: Nucleus sampling: the probability mass considered.
        n: How many choices to generate.
        stop: A string or a list of strings that end the generation.
        seed: A seed for reproducible sampling.
        presence_penalty: Penalty for tokens already present (-2 to 2).
        frequency_penalty: Penalty by how often a token appeared (-2 to 2).
        logit_bias: Token id to a bias added to its logit.
        logprobs: Return the log probabilities of the output tokens.
        top_logprobs: Most likely tokens returned per position (with ``logprobs``).
        tools: Functions the model may call (``ChatCompletionToolParam`` dicts).
        tool_choice: ``"auto"``, ``"none"``, ``"required"`` or a named function.
        parallel_tool_calls: Allow several tool calls in one turn.
        response_format: ``{"type": "json_object"}``, a JSON schema, or text.
        stream_options: Stream settings, e.g. ``{"include_usage": True}``.
        user: An id for the end user, for abuse monitoring.
        max_completion_tokens: Most tokens for the completion, reasoning included.
        reasoning_effort: How hard a reasoning model thinks (e.g. ``"low"``, ``"high"``).
        include_reasoning: Return the model's reasoning text where it has one.
        max_retries: Retries for this call only (``None``: the client's).
        deadline: Total seconds for this call, every attempt and wait included.
        idempotency_key: The ``Idempotency-Key`` header (one is generated otherwise;
            it stays the same across retries).
        max_response_bytes: Largest reply body accepted for this call (``None``: no cap).
        timeout: This call's timeout: seconds (both phases), a ``(connect, read)`` pair,
            a ``Timeout``, or ``None`` for the client's.
        extra_headers: Headers added to this request (a ``None`` value removes one).
        extra_query: Query parameters added to the URL.
        extra_body: Fields merged into the JSON body, for API fields this signature lacks.
    """

    response_format: Optional[ResponseFormat]


class ParseParams(_ChatBody, total=False):
    """The keyword arguments of ``chat.completions.parse`` and ``stream`` besides
    ``response_format`` (which there is the type the reply must fit): every key of
    ``ChatParams`` but that one, with the same meaning."""
