"""Pydantic models of OpenAI's Responses API wire (``/v1/responses``), as Cloudflare forwards it.

The request (`ResponsesRequest`) declares every top-level parameter of openai-python's
``ResponseCreateParams``; an unknown one is refused before anything is sent, naming the close
matches (a typo must not be dropped or answered by OpenAI's 400 after a round trip). Input items
and tools are validated where their shape is known (messages, function calls and their outputs,
reasoning items, function tools) and kept as they are otherwise (hosted tools, other item types),
because the API grows new ones.

Responses and stream events are tolerant: unknown keys are kept (``extra="allow"``), unknown
output item types come back as `OtherItem`. ``Response.meta`` is set by the client from the
response headers (like ``ChatCompletion.meta``) and never dumped.

Serialise a request with :func:`responses_body`: unset parameters are omitted.
"""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    field_validator,
    model_validator,
)

from .catalog import DEFAULT_MODEL
from .meta import GatewayMeta
from .wire import FunctionDefinition

__all__ = [
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "InputItem",
    "InputMessage",
    "InputTokensDetails",
    "OtherItem",
    "OutputItem",
    "OutputMessage",
    "OutputRefusal",
    "OutputText",
    "OutputTokensDetails",
    "ReasoningConfig",
    "ReasoningItem",
    "Response",
    "ResponseStreamEvent",
    "ResponseUsage",
    "ResponsesFunctionTool",
    "ResponsesRequest",
    "SummaryText",
    "TextConfig",
    "responses_body",
]


# defer_build (every model here): validators are built on first use, not at import, so the
# Responses models cost only their class creation when every public name is imported.
class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


# --- items (input and output) ------------------------------------------------------------------


class SummaryText(_Tolerant):
    type: Literal["summary_text"] = "summary_text"
    text: str = ""


class InputMessage(_Tolerant):
    """A message item. Content parts stay dicts (``input_text``, ``input_image``,
    ``output_text``...): the API knows more part types than this package models."""

    type: Literal["message"] = "message"
    role: Literal["user", "system", "developer", "assistant"]
    content: str | list[dict[str, Any]]
    id: str | None = None
    status: str | None = None


class FunctionCallItem(_Tolerant):
    """A function call the model made (output), or sent back in ``input`` on the next turn."""

    type: Literal["function_call"] = "function_call"
    call_id: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]
    arguments: str = ""
    id: str | None = None
    status: str | None = None


class FunctionCallOutputItem(_Tolerant):
    """The result of a function call, answering ``call_id``."""

    type: Literal["function_call_output"] = "function_call_output"
    call_id: Annotated[str, Field(min_length=1)]
    output: str | list[dict[str, Any]]
    id: str | None = None
    status: str | None = None


class ReasoningItem(_Tolerant):
    """A reasoning item. Send it back unchanged (with its ``encrypted_content`` when the call
    was ``store=False``) so the model keeps its reasoning across tool-call turns."""

    type: Literal["reasoning"] = "reasoning"
    id: str
    summary: list[SummaryText] = Field(default_factory=list)
    encrypted_content: str | None = None
    status: str | None = None


class OtherItem(_Tolerant):
    """An item of a type this package does not model (hosted tool calls, item references...),
    kept as it came."""

    type: str


_ITEM_TAGS = frozenset({"message", "function_call", "function_call_output", "reasoning"})


def _item_tag(value: Any) -> str:
    kind = value.get("type", "message") if isinstance(value, dict) else getattr(value, "type", "")
    return kind if kind in _ITEM_TAGS else "other"


InputItem = Annotated[
    Annotated[InputMessage, Tag("message")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[FunctionCallOutputItem, Tag("function_call_output")]
    | Annotated[ReasoningItem, Tag("reasoning")]
    | Annotated[OtherItem, Tag("other")],
    Discriminator(_item_tag),
]


# --- tools and configs -------------------------------------------------------------------------


class ResponsesFunctionTool(FunctionDefinition):
    """A function tool, flat as the Responses API wants it (no ``function`` wrapper); the name
    and schema rules are Chat Completions' (`FunctionDefinition`), other keys are kept."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    type: Literal["function"] = "function"


def _tool_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "function" if kind == "function" else "other"


class OtherTool(_Tolerant):
    """A hosted tool (``web_search``, ``file_search``, ``mcp``...), passed through."""

    type: str


Tool = Annotated[
    Annotated[ResponsesFunctionTool, Tag("function")] | Annotated[OtherTool, Tag("other")],
    Discriminator(_tool_tag),
]


class ReasoningConfig(_Tolerant):
    # "minimal" is a valid API value (gpt-5); the GPT-5.4 rule refuses it (model_rules).
    effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    summary: Literal["auto", "concise", "detailed"] | None = None


class TextConfig(_Tolerant):
    """``format``: ``{"type": "text"}``, ``{"type": "json_object"}`` or ``{"type":
    "json_schema", "name", "schema", "strict"}`` (flat, unlike Chat Completions')."""

    format: dict[str, Any] | None = None
    verbosity: Literal["low", "medium", "high"] | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        kind = value.get("type")
        if kind not in ("text", "json_object", "json_schema"):
            raise ValueError("text.format type must be 'text', 'json_object' or 'json_schema'")
        if kind == "json_schema" and (not value.get("name") or "schema" not in value):
            raise ValueError("a json_schema text.format needs a name and a schema")
        return value


# OpenAI: up to 16 pairs, keys up to 64 characters, values up to 512.
Metadata = Annotated[
    dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]],
    Field(max_length=16),
]


class ResponsesRequest(BaseModel):
    """One Responses API request. ``stream`` is set by the client (``create`` / ``stream``);
    ``model`` left unset is the client's ``config.model`` (`DEFAULT_MODEL` without a client).

    Every parameter of openai-python's ``ResponseCreateParams`` is declared; an unknown one is
    refused with the close matches. Numbers are strict (``True`` is not 1).
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    input: str | Annotated[list[InputItem], Field(min_length=1)]
    model: Annotated[str, Field(min_length=1)] = DEFAULT_MODEL
    instructions: str | None = None
    tools: list[Tool] | None = None
    tool_choice: Literal["none", "auto", "required"] | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    reasoning: ReasoningConfig | None = None
    text: TextConfig | None = None
    include: list[str] | None = None
    store: bool | None = None
    max_output_tokens: Annotated[int, Field(ge=16, strict=True)] | None = None
    max_tool_calls: Annotated[int, Field(ge=1, strict=True)] | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    metadata: Metadata | None = None
    safety_identifier: Annotated[str, Field(max_length=64)] | None = None
    service_tier: Literal["auto", "default", "flex", "scale", "priority"] | None = None
    temperature: Annotated[float, Field(ge=0, le=2, strict=True)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1, strict=True)] | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=20, strict=True)] | None = None
    truncation: Literal["auto", "disabled"] | None = None
    user: str | None = None
    previous_response_id: str | None = None
    background: bool | None = None
    conversation: str | dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    context_management: list[dict[str, Any]] | None = None
    stream_options: dict[str, Any] | None = None
    stream: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in cls.model_fields]
            if unknown:
                raise ValueError("; ".join(_unknown_message(key) for key in unknown))
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "ResponsesRequest":
        if self.tool_choice not in (None, "none", "auto") and not self.tools:
            raise ValueError("tool_choice needs tools")
        return self


def _unknown_message(key: str) -> str:
    import difflib  # here, on the error path only: ~1.5 ms off the import

    close = difflib.get_close_matches(key, list(ResponsesRequest.model_fields), n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown Responses API parameter {key!r}{hint}"


def responses_body(request: ResponsesRequest) -> dict[str, Any]:
    """The JSON body for ``request``: unset parameters omitted."""
    return request.model_dump(mode="json", exclude_none=True)


# --- the response ------------------------------------------------------------------------------


class OutputText(_Tolerant):
    type: Literal["output_text"] = "output_text"
    text: str = ""
    annotations: list[Any] = Field(default_factory=list)


class OutputRefusal(_Tolerant):
    type: Literal["refusal"] = "refusal"
    refusal: str = ""


class OtherPart(_Tolerant):
    type: str


def _part_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("output_text", "refusal") else "other"


ContentPart = Annotated[
    Annotated[OutputText, Tag("output_text")]
    | Annotated[OutputRefusal, Tag("refusal")]
    | Annotated[OtherPart, Tag("other")],
    Discriminator(_part_tag),
]


class OutputMessage(_Tolerant):
    type: Literal["message"] = "message"
    id: str = ""
    role: str = "assistant"
    status: str | None = None
    content: list[ContentPart] = Field(default_factory=list)


def _output_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("message", "function_call", "reasoning") else "other"


OutputItem = Annotated[
    Annotated[OutputMessage, Tag("message")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[ReasoningItem, Tag("reasoning")]
    | Annotated[OtherItem, Tag("other")],
    Discriminator(_output_tag),
]


class InputTokensDetails(_Tolerant):
    cached_tokens: int = 0


class OutputTokensDetails(_Tolerant):
    reasoning_tokens: int = 0


class ResponseUsage(_Tolerant):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: InputTokensDetails = Field(default_factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)


class Response(_Tolerant):
    id: str = ""
    object: str = "response"
    created_at: Annotated[float, Field(allow_inf_nan=False)] = 0  # int() of it must work
    model: str = ""
    status: str | None = None
    output: list[OutputItem] = Field(default_factory=list)
    usage: ResponseUsage | None = None
    incomplete_details: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    # Set by the clients from the response headers; never part of the wire dump.
    meta: GatewayMeta | None = Field(default=None, exclude=True)

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` part, joined (like openai-python's)."""
        return "".join(
            part.text
            for item in self.output
            if isinstance(item, OutputMessage)
            for part in item.content
            if isinstance(part, OutputText)
        )

    @property
    def function_calls(self) -> list[FunctionCallItem]:
        return [item for item in self.output if isinstance(item, FunctionCallItem)]

    @property
    def reasoning(self) -> list[ReasoningItem]:
        return [item for item in self.output if isinstance(item, ReasoningItem)]

    @property
    def refusal(self) -> str | None:
        parts = [
            part.refusal
            for item in self.output
            if isinstance(item, OutputMessage)
            for part in item.content
            if isinstance(part, OutputRefusal)
        ]
        return "".join(parts) if parts else None


# defer_build: the adapter's validator is built with the first event carrying an item.
_OUTPUT_ITEM: TypeAdapter[Any] = TypeAdapter(OutputItem, config=ConfigDict(defer_build=True))
# A position in a list: a negative one would index from the end (or past an empty list).
Index = Annotated[int, Field(ge=0)]


class ResponseStreamEvent(_Tolerant):
    """One typed stream event. The payload fields of the known events are declared; anything
    else stays readable as an extra attribute.

    ``item`` and ``response`` stay plain dicts (as sent), but must be what they claim, an
    output item and a `Response`: the stream assembles them into the final `Response`, so one
    of the wrong shape is refused with its event, not when the response is read.
    """

    type: str
    sequence_number: int | None = None
    delta: str | None = None
    item_id: str | None = None
    output_index: Index | None = None
    content_index: Index | None = None
    summary_index: Index | None = None
    item: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    text: str | None = None
    arguments: str | None = None
    name: str | None = None
    code: str | int | None = None
    message: str | None = None
    param: str | None = None

    @field_validator("item")
    @classmethod
    def _an_output_item(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            _OUTPUT_ITEM.validate_python(value)
        return value

    @field_validator("response")
    @classmethod
    def _a_response(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            Response.model_validate(value)
        return value
