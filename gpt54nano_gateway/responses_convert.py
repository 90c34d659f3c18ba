"""Pure converters between the Chat Completions and the Responses wires, named by direction.

For the GPT-5.4 rule policy ``tools_with_reasoning="responses"`` (``model_rules``): function
tools with a reasoning effort are refused on ``/v1/chat/completions`` but accepted on
``/v1/responses``, so a caller holding a `ChatRequest` can send it there and get a
`ChatCompletion` back::

    if needs_responses_wire(request, policy):
        response = client.responses.create(chat_request_to_responses(request))
        completion = response_to_chat_completion(response)

`chat_request_to_responses` maps every Chat parameter that has a Responses equivalent; one that
has none (``stop``, ``seed``, ``n`` > 1, penalties, ``logit_bias``, audio input...) raises
`ConfigurationError` naming it, because dropping it would change the call silently. Extra
(unmodelled) Chat keys are passed on, and refused by `ResponsesRequest` when unknown there.
`response_to_chat_completion` keeps the text, refusal, function calls (``call_id`` becomes the
tool call id, so the next Chat turn's ``tool`` messages answer them), reasoning summaries (as
``reasoning_content``), usage (cached and reasoning tokens) and ``meta``.
"""

from __future__ import annotations

from typing import Any

from .errors import ConfigurationError
from .responses_wire import Response, ResponsesRequest
from .wire import (
    AllowedToolsChoice,
    AssistantMessage,
    ChatCompletion,
    ChatRequest,
    Choice,
    CompletionTokensDetails,
    FilePart,
    FunctionCall,
    ImagePart,
    JsonObjectFormat,
    JsonSchemaFormat,
    NamedToolChoice,
    PromptTokensDetails,
    ResponseMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
)

__all__ = ["chat_request_to_responses", "response_to_chat_completion"]

# Chat parameters the Responses API has no equivalent for.
_NO_EQUIVALENT = (
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
)
# Chat parameters handled below (or set by the client), not passed on as they are.
_HANDLED = frozenset(
    {
        "messages",
        "model",
        "tools",
        "tool_choice",
        "response_format",
        "reasoning_effort",
        "verbosity",
        "max_tokens",
        "max_completion_tokens",
        "logprobs",
        "top_logprobs",
        "n",
        "stream",
        "stream_options",
        *_NO_EQUIVALENT,
    }
)


def _text_of(content: str | list[TextPart]) -> str:
    return content if isinstance(content, str) else "".join(part.text for part in content)


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, TextPart):
            parts.append({"type": "input_text", "text": part.text})
        elif isinstance(part, ImagePart):
            image = {"type": "input_image", "image_url": part.image_url.url}
            parts.append({**image, "detail": part.image_url.detail or "auto"})
        elif isinstance(part, FilePart):
            file = part.file.model_dump(exclude_none=True)
            parts.append({"type": "input_file", **file})
        else:
            raise ConfigurationError(
                f"a {part.type!r} content part has no Responses API equivalent here"
            )
    return parts


def _input_items(request: ChatRequest) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for message in request.messages:
        if isinstance(message, UserMessage):
            items.append({"role": "user", "content": _user_content(message.content)})
        elif isinstance(message, AssistantMessage):
            text = _text_of(message.content) if message.content is not None else ""
            if message.refusal and not text:
                text = message.refusal
            if text:
                items.append({"role": "assistant", "content": text})
            for call in message.tool_calls or []:
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.id,
                        "name": call.function.name,
                        "arguments": call.function.arguments,
                    }
                )
        elif isinstance(message, ToolMessage):
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.tool_call_id,
                    "output": _text_of(message.content),
                }
            )
        else:  # system / developer
            items.append({"role": message.role, "content": _text_of(message.content)})
    return items


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, NamedToolChoice):
        return {"type": "function", "name": choice.function.name}
    if isinstance(choice, AllowedToolsChoice):
        tools = [
            {"type": "function", "name": tool["function"]["name"]}
            if isinstance(tool.get("function"), dict)
            else tool
            for tool in choice.allowed_tools.tools
        ]
        return {"type": "allowed_tools", "mode": choice.allowed_tools.mode, "tools": tools}
    return choice


def _text_config(request: ChatRequest) -> dict[str, Any] | None:
    text: dict[str, Any] = {}
    fmt = request.response_format
    if isinstance(fmt, JsonSchemaFormat):
        spec = fmt.json_schema
        text["format"] = {
            "type": "json_schema",
            "name": spec.name,
            "schema": spec.schema_ or {},
            **({"description": spec.description} if spec.description is not None else {}),
            **({"strict": spec.strict} if spec.strict is not None else {}),
        }
    elif isinstance(fmt, JsonObjectFormat):
        text["format"] = {"type": "json_object"}
    elif fmt is not None:
        text["format"] = {"type": "text"}
    if request.verbosity is not None:
        text["verbosity"] = request.verbosity
    return text or None


def chat_request_to_responses(request: ChatRequest) -> ResponsesRequest:
    """The Responses request equivalent to the Chat ``request`` (module docstring)."""
    fields = request.model_fields_set | set(request.__pydantic_extra__ or {})
    unsupported = [name for name in _NO_EQUIVALENT if getattr(request, name) is not None]
    if request.n is not None and request.n > 1:
        unsupported.append("n")
    if unsupported:
        raise ConfigurationError(
            "no Responses API equivalent for the Chat Completions parameter(s) "
            + ", ".join(repr(name) for name in unsupported)
            + ": leave them unset to send this call on the Responses wire"
        )
    body: dict[str, Any] = {
        name: getattr(request, name)
        for name in fields - _HANDLED
        if getattr(request, name) is not None
    }
    body["input"] = _input_items(request)
    if request.model is not None:
        body["model"] = request.model
    if request.tools:
        body["tools"] = [
            {"type": "function", **tool.function.model_dump(exclude_none=True)}
            for tool in request.tools
        ]
    if request.tool_choice is not None:
        body["tool_choice"] = _tool_choice(request.tool_choice)
    if request.reasoning_effort is not None:
        body["reasoning"] = {"effort": request.reasoning_effort}
    text = _text_config(request)
    if text is not None:
        body["text"] = text
    max_tokens = request.max_completion_tokens or request.max_tokens
    if max_tokens is not None:
        body["max_output_tokens"] = max_tokens
    if request.top_logprobs is not None:
        body["top_logprobs"] = request.top_logprobs
    if request.logprobs:
        body["include"] = [*body.get("include", []), "message.output_text.logprobs"]
    return ResponsesRequest.model_validate(body)


def _finish_reason(response: Response, has_calls: bool) -> str:
    if has_calls:
        return "tool_calls"
    if response.status == "incomplete":
        reason = (response.incomplete_details or {}).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    return "stop"


def response_to_chat_completion(response: Response) -> ChatCompletion:
    """The `ChatCompletion` equivalent to a Responses ``response`` (module docstring)."""
    calls = [
        ToolCall(id=call.call_id, function=FunctionCall(name=call.name, arguments=call.arguments))
        for call in response.function_calls
    ]
    summaries = [part.text for item in response.reasoning for part in item.summary if part.text]
    text = response.output_text
    message = ResponseMessage(
        content=text if text or not (calls or response.refusal) else None,
        refusal=response.refusal,
        tool_calls=calls or None,
        reasoning_content="\n\n".join(summaries) if summaries else None,
    )
    usage = None
    if response.usage is not None:
        u = response.usage
        usage = Usage(
            prompt_tokens=u.input_tokens,
            completion_tokens=u.output_tokens,
            total_tokens=u.total_tokens,
            prompt_tokens_details=PromptTokensDetails(
                cached_tokens=u.input_tokens_details.cached_tokens
            ),
            completion_tokens_details=CompletionTokensDetails(
                reasoning_tokens=u.output_tokens_details.reasoning_tokens
            ),
        )
    completion = ChatCompletion(
        id=response.id,
        created=int(response.created_at),
        model=response.model,
        choices=[
            Choice(index=0, message=message, finish_reason=_finish_reason(response, bool(calls)))
        ],
        usage=usage,
    )
    completion.meta = response.meta
    return completion
