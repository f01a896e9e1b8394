"""Every type user code annotates with: response models, stream chunks, streams,
errors, the typed request parameters (``TypedDict``s) and the transport port.

``from meganova.types import ChatResponse, ChatCompletionMessageParam``. Names load on
first use, so importing this module costs almost nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as in meganova/__init__.py: importing typing costs more than this module
if TYPE_CHECKING:
    from typing import Any, Dict, List

    from .core.errors import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConflictError,
        ContentFilterFinishReasonError,
        GenerationFailedError,
        GenerationTimeoutError,
        IncompleteStreamError,
        InternalServerError,
        InvalidArgumentError,
        InvalidArgumentTypeError,
        LengthFinishReasonError,
        MeganovaError,
        NotFoundError,
        OutputValidationError,
        PermissionDeniedError,
        RateLimitError,
        RefusalError,
        ResponseTooLargeError,
        SchemaValidationError,
        StreamConnectionError,
        StreamDecodeError,
        StreamError,
        StreamEventTooLargeError,
        StreamTimeoutError,
        StructuredOutputError,
        UnprocessableEntityError,
    )
    from .core.hooks import (
        CallContext,
        CallEndEvent,
        CallStartEvent,
        FirstTokenEvent,
        HookEvent,
        Hooks,
        HooksLike,
        RequestEvent,
        ResponseEvent,
        RetryEvent,
        StreamEndEvent,
    )
    from .core.http import (
        Headers,
        Request,
        Timeout,
        TimeoutLike,
    )
    from .core.models.agents import (
        AgentChatResponse,
        AgentInfo,
        PendingToolCall,
    )
    from .core.models.audio import (
        Transcription,
    )
    from .core.models.billing import (
        BillingBalance,
        InstanceBilling,
        InstanceBillings,
    )
    from .core.models.chat import (
        ChatChoice,
        ChatChunkChoice,
        ChatCompletionChunk,
        ChatDelta,
        ChatMessage,
        ChatResponse,
        ChatStreamChunk,
        ChoiceDelta,
        DeltaFunctionCall,
        DeltaToolCall,
        FunctionCall,
        ParsedChatMessage,
        ParsedChatResponse,
        ParsedChoice,
        TokenUsage,
        ToolCall,
    )
    from .core.models.common import (
        Model,
    )
    from .core.models.embeddings import (
        Embedding,
        EmbeddingResponse,
        EmbeddingUsage,
    )
    from .core.models.images import (
        ImageData,
        ImageGeneration,
    )
    from .core.models.models_ import (
        ModelInfo,
        ModelList,
        ModelPricing,
    )
    from .core.models.rerank import (
        RerankResponse,
        RerankResult,
    )
    from .core.models.serverless import (
        ServerlessCatalogue,
        ServerlessModel,
    )
    from .core.models.usage import (
        UsageRow,
        UsageSummary,
    )
    from .core.models.videos import (
        NativeVideoGeneration,
        SupportedVideoModels,
        VideoGeneration,
    )
    from .core.params import (
        CallOptions,
        ChatCompletionAssistantMessageParam,
        ChatCompletionContentPartImageParam,
        ChatCompletionContentPartInputAudioParam,
        ChatCompletionContentPartParam,
        ChatCompletionContentPartTextParam,
        ChatCompletionMessageParam,
        ChatCompletionMessageToolCallParam,
        ChatCompletionNamedToolChoiceParam,
        ChatCompletionStreamOptionsParam,
        ChatCompletionSystemMessageParam,
        ChatCompletionToolChoiceOptionParam,
        ChatCompletionToolMessageParam,
        ChatCompletionToolParam,
        ChatCompletionUserMessageParam,
        ChatParams,
        FunctionDefinition,
        FunctionParameters,
        ImageURL,
        InputAudio,
        JSONSchema,
        ParseParams,
        ResponseFormat,
        ResponseFormatJSONObject,
        ResponseFormatJSONSchema,
        ResponseFormatText,
        StopParam,
    )
    from .core.ports import (
        AsyncResponse,
        AsyncRetryPolicy,
        AsyncTransport,
        Codec,
        Response,
        RetryPolicy,
        Transport,
    )
    from .core.response_info import (
        RateLimitInfo,
        ResponseInfo,
    )
    from .core.schema import TypeSchema
    from .raw import (
        AsyncStreamingResponse,
        AsyncStreamingResponseManager,
        RawResponse,
        StreamingResponse,
        StreamingResponseManager,
    )
    from .streaming import (
        ChatCompletionStream,
        ChatStream,
        ParsedChatCompletionStream,
        Stream,
    )
    from .streaming_async import (
        AsyncChatCompletionStream,
        AsyncChatStream,
        AsyncParsedChatCompletionStream,
        AsyncStream,
    )

# name -> module under meganova that defines it
_HOME: Dict[str, str] = {
    **dict.fromkeys(["Model"], "core.models.common"),
    **dict.fromkeys(
        [
            "ChatChoice",
            "ChatChunkChoice",
            "ChatCompletionChunk",
            "ChatDelta",
            "ChatMessage",
            "ChatResponse",
            "ChatStreamChunk",
            "ChoiceDelta",
            "DeltaFunctionCall",
            "DeltaToolCall",
            "FunctionCall",
            "TokenUsage",
            "ToolCall",
        ],
        "core.models.chat",
    ),
    **dict.fromkeys(["ChatCompletionStream", "ChatStream", "Stream"], "streaming"),
    **dict.fromkeys(
        ["AsyncChatCompletionStream", "AsyncChatStream", "AsyncStream"], "streaming_async"
    ),
    **dict.fromkeys(["ModelInfo", "ModelList", "ModelPricing"], "core.models.models_"),
    **dict.fromkeys(["Embedding", "EmbeddingResponse", "EmbeddingUsage"], "core.models.embeddings"),
    **dict.fromkeys(["RerankResponse", "RerankResult"], "core.models.rerank"),
    **dict.fromkeys(["ImageData", "ImageGeneration"], "core.models.images"),
    **dict.fromkeys(["Transcription"], "core.models.audio"),
    **dict.fromkeys(["AgentChatResponse", "AgentInfo", "PendingToolCall"], "core.models.agents"),
    **dict.fromkeys(
        ["NativeVideoGeneration", "SupportedVideoModels", "VideoGeneration"], "core.models.videos"
    ),
    **dict.fromkeys(["ServerlessCatalogue", "ServerlessModel"], "core.models.serverless"),
    **dict.fromkeys(["UsageRow", "UsageSummary"], "core.models.usage"),
    **dict.fromkeys(
        ["BillingBalance", "InstanceBilling", "InstanceBillings"], "core.models.billing"
    ),
    **dict.fromkeys(
        [
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
            "JSONSchema",
            "ResponseFormat",
            "ResponseFormatJSONObject",
            "ResponseFormatJSONSchema",
            "ResponseFormatText",
            "StopParam",
            "CallOptions",
            "ChatParams",
        ],
        "core.params",
    ),
    **dict.fromkeys(
        [
            "APIConnectionError",
            "APIError",
            "APIResponseValidationError",
            "APITimeoutError",
            "AuthenticationError",
            "BadRequestError",
            "ConfigurationError",
            "ConflictError",
            "GenerationFailedError",
            "GenerationTimeoutError",
            "IncompleteStreamError",
            "InternalServerError",
            "InvalidArgumentError",
            "InvalidArgumentTypeError",
            "MeganovaError",
            "NotFoundError",
            "PermissionDeniedError",
            "RateLimitError",
            "ResponseTooLargeError",
            "StreamConnectionError",
            "StreamDecodeError",
            "StreamError",
            "StreamEventTooLargeError",
            "StreamTimeoutError",
            "UnprocessableEntityError",
        ],
        "core.errors",
    ),
    **dict.fromkeys(
        [
            "ContentFilterFinishReasonError",
            "LengthFinishReasonError",
            "OutputValidationError",
            "RefusalError",
            "SchemaValidationError",
            "StructuredOutputError",
        ],
        "core.errors",
    ),
    **dict.fromkeys(["TypeSchema"], "core.schema"),
    **dict.fromkeys(
        ["ParsedChatMessage", "ParsedChatResponse", "ParsedChoice"], "core.models.chat"
    ),
    **dict.fromkeys(["ParseParams"], "core.params"),
    **dict.fromkeys(["ParsedChatCompletionStream"], "streaming"),
    **dict.fromkeys(["AsyncParsedChatCompletionStream"], "streaming_async"),
    **dict.fromkeys(["Headers", "Request", "Timeout", "TimeoutLike"], "core.http"),
    **dict.fromkeys(
        [
            "CallContext",
            "CallEndEvent",
            "CallStartEvent",
            "FirstTokenEvent",
            "HookEvent",
            "Hooks",
            "HooksLike",
            "RequestEvent",
            "ResponseEvent",
            "RetryEvent",
            "StreamEndEvent",
        ],
        "core.hooks",
    ),
    **dict.fromkeys(["RateLimitInfo", "ResponseInfo"], "core.response_info"),
    **dict.fromkeys(
        [
            "AsyncStreamingResponse",
            "AsyncStreamingResponseManager",
            "RawResponse",
            "StreamingResponse",
            "StreamingResponseManager",
        ],
        "raw",
    ),
    **dict.fromkeys(
        [
            "AsyncResponse",
            "AsyncRetryPolicy",
            "AsyncTransport",
            "Codec",
            "Response",
            "RetryPolicy",
            "Transport",
        ],
        "core.ports",
    ),
}

__all__ = [
    "AgentChatResponse",
    "AgentInfo",
    "PendingToolCall",
    "AsyncStreamingResponse",
    "AsyncStreamingResponseManager",
    "RawResponse",
    "StreamingResponse",
    "StreamingResponseManager",
    "CallContext",
    "CallEndEvent",
    "CallStartEvent",
    "FirstTokenEvent",
    "HookEvent",
    "Hooks",
    "HooksLike",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "StreamEndEvent",
    "RateLimitInfo",
    "ResponseInfo",
    "APIConnectionError",
    "AsyncResponse",
    "AsyncRetryPolicy",
    "AsyncTransport",
    "APIError",
    "APIResponseValidationError",
    "APITimeoutError",
    "AsyncChatCompletionStream",
    "AsyncChatStream",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BillingBalance",
    "ChatChoice",
    "ChatChunkChoice",
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionChunk",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionStream",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionToolParam",
    "ChatCompletionUserMessageParam",
    "ChatDelta",
    "ChatMessage",
    "ChatResponse",
    "ChatStream",
    "ChatStreamChunk",
    "ChoiceDelta",
    "Codec",
    "ConfigurationError",
    "ConflictError",
    "DeltaFunctionCall",
    "DeltaToolCall",
    "Embedding",
    "EmbeddingResponse",
    "EmbeddingUsage",
    "FunctionCall",
    "FunctionDefinition",
    "FunctionParameters",
    "GenerationFailedError",
    "GenerationTimeoutError",
    "Headers",
    "ImageData",
    "ImageGeneration",
    "ImageURL",
    "IncompleteStreamError",
    "InputAudio",
    "InstanceBilling",
    "InstanceBillings",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "JSONSchema",
    "MeganovaError",
    "Model",
    "ModelInfo",
    "ModelList",
    "ModelPricing",
    "NativeVideoGeneration",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "Request",
    "RerankResponse",
    "RerankResult",
    "Response",
    "ResponseFormat",
    "ResponseFormatJSONObject",
    "ResponseFormatJSONSchema",
    "ResponseFormatText",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerlessCatalogue",
    "ServerlessModel",
    "StopParam",
    "CallOptions",
    "ChatParams",
    "Stream",
    "StreamConnectionError",
    "StreamDecodeError",
    "StreamError",
    "StreamEventTooLargeError",
    "StreamTimeoutError",
    "SupportedVideoModels",
    "Timeout",
    "TimeoutLike",
    "TokenUsage",
    "ToolCall",
    "Transcription",
    "Transport",
    "UnprocessableEntityError",
    "UsageRow",
    "UsageSummary",
    "VideoGeneration",
    # structured outputs
    "ContentFilterFinishReasonError",
    "LengthFinishReasonError",
    "OutputValidationError",
    "RefusalError",
    "SchemaValidationError",
    "StructuredOutputError",
    "TypeSchema",
    "ParseParams",
    "ParsedChatMessage",
    "ParsedChatResponse",
    "ParsedChoice",
    "ParsedChatCompletionStream",
    "AsyncParsedChatCompletionStream",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'meganova.types' has no attribute {name!r}")
    # imported here: importlib is not loaded at start-up when no .pth file needs it
    from importlib import import_module

    value = getattr(import_module(f"meganova.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
