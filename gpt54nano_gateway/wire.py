"""Pydantic models of the OpenAI Chat Completions wire format, as Cloudflare forwards it.

Requests are strict: a value out of the range Cloudflare's catalog schema allows, an unknown
role or a malformed message fails validation *before* anything is sent. Unknown top-level
request keys are allowed (``extra="allow"``), because Cloudflare's schema passes extra OpenAI
parameters through to the upstream model (``model_kwargs`` / ``extra_body`` land there).

Responses are tolerant: unknown keys are kept (``extra="allow"``) and most fields are optional,
because the upstream adds fields (``obfuscation``, ``moderation``, ``gatewayMetadata``...)
over time.

Serialise a request with :func:`request_to_wire`, never with a bare ``model_dump``: unset
parameters must not be sent (GPT-5.4 answers 400 to an explicit ``temperature: 0``), while an
assistant turn that only carries tool calls must keep ``"content": null``.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .meta import GatewayMeta

__all__ = [
    "AllowedTools",
    "AllowedToolsChoice",
    "AssistantMessage",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatRequest",
    "Choice",
    "ChunkChoice",
    "CompletionTokensDetails",
    "ContentPart",
    "Delta",
    "DeveloperMessage",
    "FilePart",
    "FunctionCall",
    "FunctionDefinition",
    "FunctionTool",
    "GatewayMetadata",
    "ImagePart",
    "InputAudioPart",
    "JsonObjectFormat",
    "JsonSchemaFormat",
    "JsonSchemaSpec",
    "Message",
    "NamedToolChoice",
    "PromptTokensDetails",
    "ResponseFormat",
    "ResponseMessage",
    "StreamOptions",
    "SystemMessage",
    "TextFormat",
    "TextPart",
    "ToolCall",
    "ToolCallDelta",
    "ToolChoice",
    "ToolMessage",
    "Usage",
    "UserMessage",
    "request_to_wire",
]


# defer_build: a model's validator is built on its first use, not at import (45 models, ~60 ms
# of schema building otherwise; `import gpt54nano_gateway` names stay cheap, test_import_time).
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


# --- content parts -------------------------------------------------------------------------


class TextPart(_Strict):
    type: Literal["text"] = "text"
    text: str


class ImageURL(_Strict):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImagePart(_Strict):
    type: Literal["image_url"] = "image_url"
    image_url: ImageURL


class InputAudio(_Strict):
    data: str
    format: Literal["wav", "mp3"]


class InputAudioPart(_Strict):
    type: Literal["input_audio"] = "input_audio"
    input_audio: InputAudio


class FileData(_Strict):
    file_data: str | None = None
    file_id: str | None = None
    filename: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "FileData":
        if self.file_data is None and self.file_id is None:
            raise ValueError("a file part needs file_data (a data: URL) or file_id")
        return self


class FilePart(_Strict):
    type: Literal["file"] = "file"
    file: FileData


ContentPart = Annotated[
    TextPart | ImagePart | InputAudioPart | FilePart, Field(discriminator="type")
]


# --- messages --------------------------------------------------------------------------------


class FunctionCall(_Tolerant):
    name: str
    arguments: str


class ToolCall(_Tolerant):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class SystemMessage(_Strict):
    role: Literal["system"] = "system"
    content: str | list[TextPart]
    name: str | None = None


class DeveloperMessage(_Strict):
    role: Literal["developer"] = "developer"
    content: str | list[TextPart]
    name: str | None = None


class UserMessage(_Strict):
    role: Literal["user"] = "user"
    content: str | list[ContentPart]
    name: str | None = None


class AssistantMessage(_Strict):
    role: Literal["assistant"] = "assistant"
    content: str | list[TextPart] | None = None
    tool_calls: list[ToolCall] | None = None
    refusal: str | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _has_something(self) -> "AssistantMessage":
        if self.content is None and not self.tool_calls and self.refusal is None:
            raise ValueError("an assistant message needs content, tool_calls or refusal")
        return self


class ToolMessage(_Strict):
    role: Literal["tool"] = "tool"
    content: str | list[TextPart]
    tool_call_id: Annotated[str, Field(min_length=1)]


Message = Annotated[
    SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage,
    Field(discriminator="role"),
]


# --- tools, tool_choice, response_format ----------------------------------------------------


class FunctionDefinition(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None

    @field_validator("parameters")
    @classmethod
    def _object_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and value.get("type", "object") != "object":
            raise ValueError("function parameters must be a JSON schema of type 'object'")
        return value


class FunctionTool(_Strict):
    type: Literal["function"] = "function"
    function: FunctionDefinition


class NamedFunction(_Strict):
    name: str


class NamedToolChoice(_Strict):
    type: Literal["function"] = "function"
    function: NamedFunction


class AllowedTools(_Strict):
    mode: Literal["auto", "required"]
    tools: list[dict[str, Any]]


class AllowedToolsChoice(_Strict):
    type: Literal["allowed_tools"] = "allowed_tools"
    allowed_tools: AllowedTools


ToolChoice = (
    Literal["none", "auto", "required"]
    | Annotated[NamedToolChoice | AllowedToolsChoice, Field(discriminator="type")]
)


class TextFormat(_Strict):
    type: Literal["text"] = "text"


class JsonObjectFormat(_Strict):
    type: Literal["json_object"] = "json_object"


class JsonSchemaSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
    description: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class JsonSchemaFormat(_Strict):
    type: Literal["json_schema"] = "json_schema"
    json_schema: JsonSchemaSpec


ResponseFormat = Annotated[
    TextFormat | JsonObjectFormat | JsonSchemaFormat, Field(discriminator="type")
]


class StreamOptions(_Strict):
    # Cloudflare's catalog schema has additionalProperties: false here: only include_usage.
    include_usage: bool | None = None


# --- the request ----------------------------------------------------------------------------


class ChatRequest(BaseModel):
    """One Chat Completions request. ``model`` left unset is filled in from the client's config.

    Numeric parameters are strict: ``True`` or ``"0.5"`` is a type error, not a silent 1.0 / 0.5.
    """

    model_config = ConfigDict(extra="allow", defer_build=True)

    messages: Annotated[list[Message], Field(min_length=1)]
    model: Annotated[str, Field(min_length=1)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2, strict=True)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1, strict=True)] | None = None
    frequency_penalty: Annotated[float, Field(ge=-2, le=2, strict=True)] | None = None
    presence_penalty: Annotated[float, Field(ge=-2, le=2, strict=True)] | None = None
    max_tokens: Annotated[int, Field(gt=0, strict=True)] | None = None
    max_completion_tokens: Annotated[int, Field(gt=0, strict=True)] | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    tools: list[FunctionTool] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    stop: str | Annotated[list[str], Field(max_length=4)] | None = None
    seed: Annotated[int, Field(strict=True)] | None = None
    n: Annotated[int, Field(ge=1, le=128, strict=True)] | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    user: str | None = None
    # OpenAI: up to 16 pairs, keys up to 64 characters, values up to 512.
    metadata: (
        Annotated[
            dict[
                Annotated[str, Field(max_length=64)],
                Annotated[str, Field(max_length=512)],
            ],
            Field(max_length=16),
        ]
        | None
    ) = None
    logprobs: bool | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=20, strict=True)] | None = None
    # The values of openai-python's CompletionCreateParams (v2.x), "fast" included.
    service_tier: Literal["auto", "default", "flex", "scale", "priority", "fast"] | None = None
    # GPT-5 parameters of the current Chat Completions API.
    verbosity: Literal["low", "medium", "high"] | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    safety_identifier: Annotated[str, Field(max_length=64)] | None = None
    store: bool | None = None
    logit_bias: dict[str, Annotated[int, Field(ge=-100, le=100)]] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ChatRequest":
        if self.tool_choice is not None and self.tool_choice != "none" and not self.tools:
            raise ValueError("tool_choice needs tools")
        if self.top_logprobs is not None and not self.logprobs:
            raise ValueError("top_logprobs needs logprobs=True")
        return self


def request_to_wire(request: ChatRequest) -> dict[str, Any]:
    """The JSON body for ``request``: unset parameters omitted, meaningful message nulls kept."""
    body = request.model_dump(mode="json", exclude_none=True, by_alias=True)
    # exclude_none dropped "content": null from tool-call-only assistant turns; OpenAI expects it.
    for wire_message, message in zip(body["messages"], request.messages, strict=True):
        if isinstance(message, AssistantMessage) and message.content is None:
            wire_message["content"] = None
    return body


# --- responses ------------------------------------------------------------------------------


class PromptTokensDetails(_Tolerant):
    cached_tokens: int | None = None
    audio_tokens: int | None = None


class CompletionTokensDetails(_Tolerant):
    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class Usage(_Tolerant):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


class ResponseMessage(_Tolerant):
    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None
    reasoning_content: str | None = None


class Choice(_Tolerant):
    index: int = 0
    message: ResponseMessage
    finish_reason: str | None = None
    logprobs: dict[str, Any] | None = None


class GatewayMetadata(_Tolerant):
    keySource: str | None = None


class ChatCompletion(_Tolerant):
    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[Choice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    gatewayMetadata: GatewayMetadata | None = None
    # Set by the clients from the response headers; never part of the wire dump.
    meta: GatewayMeta | None = Field(default=None, exclude=True)


class FunctionCallDelta(_Tolerant):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(_Tolerant):
    index: int = 0
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None


class Delta(_Tolerant):
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCallDelta] | None = None
    reasoning_content: str | None = None


class ChunkChoice(_Tolerant):
    index: int = 0
    delta: Delta = Field(default_factory=Delta)
    finish_reason: str | None = None
    logprobs: dict[str, Any] | None = None


class ChatCompletionChunk(_Tolerant):
    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    # Cloudflare's keySource; typed here (not an extra key) so a wrong shape is refused with
    # the chunk that carries it, not later when the completion is assembled.
    gatewayMetadata: GatewayMetadata | None = None
