"""Shared transport for Cloudflare's ``openai/gpt-5.4-nano``: httpx + pydantic, nothing else.

::

    from gpt54nano_gateway import ChatRequest, GatewayClient, GatewayConfig

    client = GatewayClient(GatewayConfig.from_env())
    completion = client.create(ChatRequest.model_validate({"messages": [
        {"role": "user", "content": "Hello"}]}))

This package imports neither LangChain nor LlamaIndex, nor the emulator
(``gpt54nano_emulator``, extra ``emulator``). Names are loaded on first access
(PEP 562), so ``import gpt54nano_gateway`` alone costs almost nothing; the first use of a
client or a wire model loads httpx, pydantic and the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .accumulator import StreamAccumulator
    from .catalog import CONTEXT_WINDOW, DEFAULT_MODEL, MAX_OUTPUT_TOKENS
    from .client import AsyncChatStream, AsyncGatewayClient, ChatStream, GatewayClient
    from .config import GatewayConfig
    from .error_mapping import error_from_response
    from .errors import (
        APIStatusError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConflictError,
        DlpBlockedError,
        EmptyResponseError,
        GatewayConnectionError,
        GatewayError,
        GatewayTimeoutError,
        GuardrailBlockedError,
        GuardrailUnavailableError,
        InternalServerError,
        LogNotFoundError,
        NotFoundError,
        PayloadTooLargeError,
        PaymentRequiredError,
        PermissionDeniedError,
        PoolTimeoutError,
        QuotaExceededError,
        RateLimitError,
        RequestTimeoutError,
        ResponseParseError,
        StreamError,
        StreamTruncatedError,
        UnprocessableEntityError,
    )
    from .gateway_logs import AsyncGatewayLogs, GatewayLog, GatewayLogs, LogPatch
    from .meta import GatewayMeta, gateway_metadata
    from .model_rules import apply_model_rules
    from .options import CustomCost, GatewayOptions, GatewayRetries
    from .retry import RetryPolicy
    from .sse import ServerSentEvent, SSEDecoder
    from .wire import (
        AssistantMessage,
        ChatCompletion,
        ChatCompletionChunk,
        ChatRequest,
        Choice,
        ChunkChoice,
        ContentPart,
        Delta,
        DeveloperMessage,
        FunctionCall,
        FunctionDefinition,
        FunctionTool,
        GatewayMetadata,
        ImagePart,
        JsonObjectFormat,
        JsonSchemaFormat,
        Message,
        ResponseMessage,
        StreamOptions,
        SystemMessage,
        TextPart,
        ToolCall,
        ToolCallDelta,
        ToolMessage,
        Usage,
        UserMessage,
        request_to_wire,
    )

# Where each public name lives; resolved on first access by __getattr__.
_HOMES: dict[str, str] = {
    "LogPatch": ".gateway_logs",
    "GatewayLogs": ".gateway_logs",
    "GatewayLog": ".gateway_logs",
    "AsyncGatewayLogs": ".gateway_logs",
    "CustomCost": ".options",
    "LogNotFoundError": ".errors",
    "GuardrailUnavailableError": ".errors",
    "GuardrailBlockedError": ".errors",
    "DlpBlockedError": ".errors",
    "EmptyResponseError": ".errors",
    "CONTEXT_WINDOW": ".catalog",
    "DEFAULT_MODEL": ".catalog",
    "MAX_OUTPUT_TOKENS": ".catalog",
    "gateway_metadata": ".meta",
    "APIStatusError": ".errors",
    "AssistantMessage": ".wire",
    "AsyncChatStream": ".client",
    "AsyncGatewayClient": ".client",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "ChatCompletion": ".wire",
    "ChatCompletionChunk": ".wire",
    "ChatRequest": ".wire",
    "ChatStream": ".client",
    "Choice": ".wire",
    "ChunkChoice": ".wire",
    "ConfigurationError": ".errors",
    "ConflictError": ".errors",
    "ContentPart": ".wire",
    "Delta": ".wire",
    "DeveloperMessage": ".wire",
    "FunctionCall": ".wire",
    "FunctionDefinition": ".wire",
    "FunctionTool": ".wire",
    "GatewayClient": ".client",
    "GatewayConfig": ".config",
    "GatewayConnectionError": ".errors",
    "GatewayError": ".errors",
    "GatewayMeta": ".meta",
    "GatewayMetadata": ".wire",
    "GatewayOptions": ".options",
    "GatewayRetries": ".options",
    "GatewayTimeoutError": ".errors",
    "ImagePart": ".wire",
    "InternalServerError": ".errors",
    "JsonObjectFormat": ".wire",
    "JsonSchemaFormat": ".wire",
    "Message": ".wire",
    "NotFoundError": ".errors",
    "PayloadTooLargeError": ".errors",
    "PaymentRequiredError": ".errors",
    "PermissionDeniedError": ".errors",
    "PoolTimeoutError": ".errors",
    "QuotaExceededError": ".errors",
    "RateLimitError": ".errors",
    "RequestTimeoutError": ".errors",
    "ResponseMessage": ".wire",
    "ResponseParseError": ".errors",
    "RetryPolicy": ".retry",
    "SSEDecoder": ".sse",
    "ServerSentEvent": ".sse",
    "StreamAccumulator": ".accumulator",
    "StreamError": ".errors",
    "StreamOptions": ".wire",
    "StreamTruncatedError": ".errors",
    "SystemMessage": ".wire",
    "TextPart": ".wire",
    "ToolCall": ".wire",
    "ToolCallDelta": ".wire",
    "ToolMessage": ".wire",
    "UnprocessableEntityError": ".errors",
    "Usage": ".wire",
    "UserMessage": ".wire",
    "apply_model_rules": ".model_rules",
    "error_from_response": ".error_mapping",
    "request_to_wire": ".wire",
}

__all__ = [
    "CONTEXT_WINDOW",
    "DEFAULT_MODEL",
    "MAX_OUTPUT_TOKENS",
    "APIStatusError",
    "AssistantMessage",
    "AsyncChatStream",
    "AsyncGatewayClient",
    "AsyncGatewayLogs",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatRequest",
    "ChatStream",
    "Choice",
    "ChunkChoice",
    "ConfigurationError",
    "ConflictError",
    "ContentPart",
    "CustomCost",
    "Delta",
    "DeveloperMessage",
    "DlpBlockedError",
    "EmptyResponseError",
    "FunctionCall",
    "FunctionDefinition",
    "FunctionTool",
    "GatewayClient",
    "GatewayConfig",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayLog",
    "GatewayLogs",
    "GatewayMeta",
    "GatewayMetadata",
    "GatewayOptions",
    "GatewayRetries",
    "GatewayTimeoutError",
    "GuardrailBlockedError",
    "GuardrailUnavailableError",
    "ImagePart",
    "InternalServerError",
    "JsonObjectFormat",
    "JsonSchemaFormat",
    "LogNotFoundError",
    "LogPatch",
    "Message",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "QuotaExceededError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseMessage",
    "ResponseParseError",
    "RetryPolicy",
    "SSEDecoder",
    "ServerSentEvent",
    "StreamAccumulator",
    "StreamError",
    "StreamOptions",
    "StreamTruncatedError",
    "SystemMessage",
    "TextPart",
    "ToolCall",
    "ToolCallDelta",
    "ToolMessage",
    "UnprocessableEntityError",
    "Usage",
    "UserMessage",
    "__version__",
    "apply_model_rules",
    "error_from_response",
    "gateway_metadata",
    "request_to_wire",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
