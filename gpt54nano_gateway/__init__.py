"""Shared transport for Cloudflare's ``openai/gpt-5.4-nano``: httpx + pydantic, nothing else.

::

    from gpt54nano_gateway import ChatRequest, GatewayClient, GatewayConfig

    client = GatewayClient(GatewayConfig.from_env())
    completion = client.create(ChatRequest.model_validate({"messages": [
        {"role": "user", "content": "Hello"}]}))

This package imports neither LangChain nor LlamaIndex, and not its own emulator
(``gpt54nano_gateway.emulator``, extra ``emulator``).
"""

from ._version import __version__
from .accumulator import StreamAccumulator
from .client import AsyncChatStream, AsyncGatewayClient, ChatStream, GatewayClient
from .config import GatewayConfig, GatewayOptions, GatewayRetries
from .errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GatewayConnectionError,
    GatewayError,
    GatewayTimeoutError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    RequestTimeoutError,
    ResponseParseError,
    StreamError,
    StreamTruncatedError,
    UnprocessableEntityError,
    error_from_response,
)
from .retry import RetryPolicy
from .rules import apply_model_rules
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
    GatewayMeta,
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

__all__ = [
    "APIStatusError",
    "AssistantMessage",
    "AsyncChatStream",
    "AsyncGatewayClient",
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
    "Delta",
    "DeveloperMessage",
    "FunctionCall",
    "FunctionDefinition",
    "FunctionTool",
    "GatewayClient",
    "GatewayConfig",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayMeta",
    "GatewayMetadata",
    "GatewayOptions",
    "GatewayRetries",
    "GatewayTimeoutError",
    "ImagePart",
    "InternalServerError",
    "JsonObjectFormat",
    "JsonSchemaFormat",
    "Message",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
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
    "request_to_wire",
]
