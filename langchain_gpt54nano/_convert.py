"""Pure converters between LangChain objects and the Chat Completions wire format.

Named by direction: `to_wire_*` turns LangChain input into wire dicts (validated later, once,
by `ChatRequest`), `from_wire_*` turns the transport's pydantic responses into LangChain
messages. No I/O here, so every mapping is unit-testable without a server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolMessage,
    is_data_content_block,
)
from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)
from langchain_core.messages.block_translators.openai import convert_to_openai_data_block
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from gpt54nano_gateway.meta import GatewayMeta, gateway_metadata
from gpt54nano_gateway.wire import ChatCompletion, ChatCompletionChunk, Usage

from ._fast_chunk import text_chunk_builder

__all__ = [
    "MODEL_PROVIDER",
    "UnsupportedContentError",
    "from_wire_chunk",
    "from_wire_completion",
    "meta_to_metadata",
    "to_wire_message",
    "to_wire_messages",
    "to_wire_tool",
    "to_wire_tool_choice",
    "usage_to_metadata",
]

# The content format (OpenAI Chat Completions): core picks its block translator by this key,
# so `content_blocks` / `output_version="v1"` work exactly as for ChatOpenAI.
MODEL_PROVIDER = "openai"


class UnsupportedContentError(ValueError):
    """A message or content block that the Chat Completions wire cannot carry."""


# --- LangChain -> wire: messages --------------------------------------------------------------

_ROLE_ALIASES = {"human": "user", "ai": "assistant"}
# Assistant content blocks that are LangChain/provider bookkeeping, never sent back as text.
_TEXT_TYPES = frozenset({"text", "input_text", "output_text"})


def to_wire_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """Convert a LangChain conversation into wire message dicts.

    Chat Completions allows only text in a ``tool`` message, but a tool may return images or
    files. Those go in one ``user`` message placed right after the run of tool results (tool
    messages must directly follow the assistant turn that called them), as the LlamaIndex
    adapter does.
    """
    wire: list[dict[str, Any]] = []
    media: list[dict[str, Any]] = []
    legacy_call_id: str | None = None  # the id given to the last legacy `function_call`
    for index, message in enumerate(messages):
        if isinstance(message, FunctionMessage) and legacy_call_id is not None:
            # The legacy function result answers the legacy call converted just before.
            text = _text_content(message.content, "function")
            wire.append({"role": "tool", "content": text, "tool_call_id": legacy_call_id})
            legacy_call_id = None
            continue
        if isinstance(message, ToolMessage):
            wire.append(_tool_message(message, media))
            continue
        if media:
            wire.append(_attachments_message(media))
            media = []
        legacy_call_id = None
        if isinstance(message, AIMessage) and (call := _legacy_function_call(message, index)):
            legacy_call_id = call["id"]
            item = _assistant_message(message)
            item["tool_calls"] = [call]
            item["content"] = item["content"] or None
            wire.append(item)
            continue
        wire.append(to_wire_message(message))
    if media:
        wire.append(_attachments_message(media))
    return wire


def to_wire_message(message: BaseMessage) -> dict[str, Any]:
    """Convert one LangChain message into a wire message dict (raises before anything is sent)."""
    if isinstance(message, HumanMessage):
        return _with_name({"role": "user", "content": _user_content(message.content)}, message)
    if isinstance(message, AIMessage):
        return _assistant_message(message)
    if isinstance(message, SystemMessage):
        # langchain-openai's marker for a developer turn; kept so histories round-trip.
        role = message.additional_kwargs.get("__openai_role__") or "system"
        if role not in ("system", "developer"):
            raise UnsupportedContentError(f"unsupported __openai_role__ {role!r}")
        return _with_name({"role": role, "content": _text_content(message.content, role)}, message)
    if isinstance(message, ToolMessage):
        media: list[dict[str, Any]] = []
        wire = _tool_message(message, media)
        if media:  # only to_wire_messages can place them (in a user message after the run)
            raise UnsupportedContentError("a tool message can only carry text; got a media block")
        return wire
    if isinstance(message, ChatMessage):
        role = _ROLE_ALIASES.get(message.role, message.role)
        if role == "user":
            wire = {"role": "user", "content": _user_content(message.content)}
        elif role in ("system", "developer"):
            wire = {"role": role, "content": _text_content(message.content, role)}
        elif role == "assistant":
            wire = {"role": "assistant", "content": _text_content(message.content, role)}
        else:
            raise UnsupportedContentError(
                f"ChatMessage role {message.role!r} is not supported "
                "(use user, system, developer or assistant; tool turns need ToolMessage)"
            )
        return _with_name(wire, message)
    raise UnsupportedContentError(f"unsupported message type {type(message).__name__}")


def _legacy_function_call(message: AIMessage, index: int) -> dict[str, Any] | None:
    """An OpenAI legacy ``additional_kwargs["function_call"]`` (no tool_calls) as a wire tool
    call: the wire has no ``function_call`` field any more. Its id is made up, stable for the
    history's position (the legacy format had none); the FunctionMessage after it gets it."""
    call = message.additional_kwargs.get("function_call")
    if not isinstance(call, Mapping) or message.tool_calls or message.invalid_tool_calls:
        return None
    name = call.get("name")
    if not isinstance(name, str) or not name:
        raise UnsupportedContentError("a legacy function_call needs a name to be resent")
    arguments = call.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    return {
        "id": f"call_legacy_{index}",
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def _tool_content(texts: list[str]) -> str | list[dict[str, Any]]:
    """One text as a string; several as separate text parts, as ChatOpenAI sends a list
    content (joining them would glue ``"a"`` and ``"b"`` into ``"ab"``)."""
    if len(texts) == 1:
        return texts[0]
    return [{"type": "text", "text": text} for text in texts]


def _tool_message(message: ToolMessage, media: list[dict[str, Any]]) -> dict[str, Any]:
    """The wire tool message; its image/file blocks are appended to ``media`` instead."""
    # `name` and `status` are not part of the wire tool message; status="error" is conveyed by
    # the content itself, as langchain-openai does.
    if isinstance(message.content, str):
        text = message.content
    else:
        texts: list[str] = []
        for block in message.content:
            if isinstance(block, str):
                texts.append(block)
            elif isinstance(block, Mapping) and block.get("type") in _TEXT_TYPES:
                texts.append(str(block.get("text", "")))
            else:
                media.append(_user_part(block))
        texts = [text for text in texts if text]
        return {
            "role": "tool",
            "content": _tool_content(texts or ["(the result is attached in the next message)"]),
            "tool_call_id": message.tool_call_id,
        }
    return {"role": "tool", "content": text, "tool_call_id": message.tool_call_id}


def _attachments_message(parts: list[dict[str, Any]]) -> dict[str, Any]:
    intro = {"type": "text", "text": "Attachments returned by the tool calls above:"}
    return {"role": "user", "content": [intro, *parts]}


def _with_name(wire: dict[str, Any], message: BaseMessage) -> dict[str, Any]:
    if message.name:
        wire["name"] = message.name
    return wire


def _assistant_message(message: AIMessage) -> dict[str, Any]:
    tool_calls = [_to_wire_tool_call(tc) for tc in message.tool_calls]
    tool_calls += [_to_wire_invalid_tool_call(tc) for tc in message.invalid_tool_calls]
    text = _text_content(message.content, "assistant", drop_other=True)
    wire: dict[str, Any] = {"role": "assistant"}
    # OpenAI expects null (not "") content when the turn only carries tool calls.
    wire["content"] = text if (text or not tool_calls) else None
    if tool_calls:
        wire["tool_calls"] = tool_calls
    return _with_name(wire, message)


def _to_wire_tool_call(call: ToolCall) -> dict[str, Any]:
    if not call.get("id"):
        raise UnsupportedContentError(
            f"tool call {call['name']!r} has no id; the wire needs one to match its ToolMessage"
        )
    return {
        "id": call["id"],
        "type": "function",
        # ensure_ascii=False keeps non-ASCII arguments readable for the model.
        "function": {
            "name": call["name"],
            "arguments": json.dumps(call["args"], ensure_ascii=False),
        },
    }


def _to_wire_invalid_tool_call(call: InvalidToolCall) -> dict[str, Any]:
    if not call.get("id") or not call.get("name"):
        raise UnsupportedContentError("an invalid tool call needs an id and a name to be resent")
    return {
        "id": call["id"],
        "type": "function",
        "function": {"name": call["name"], "arguments": call.get("args") or ""},
    }


def _text_content(content: str | list[Any], role: str, *, drop_other: bool = False) -> str:
    """Join text blocks; other blocks are an error (or dropped for assistant history)."""
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, Mapping) and block.get("type") in _TEXT_TYPES:
            texts.append(str(block.get("text", "")))
        elif not drop_other:
            kind = block.get("type") if isinstance(block, Mapping) else type(block).__name__
            raise UnsupportedContentError(
                f"a {role} message can only carry text; got a {kind!r} block"
            )
        # Assistant history: tool_use / tool_call / reasoning / thinking blocks are
        # represented by tool_calls or are not resent at all.
    return "".join(texts)


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    return [_user_part(block) for block in content]


def _user_part(block: Any) -> dict[str, Any]:
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, Mapping):
        raise UnsupportedContentError(f"unsupported content block {type(block).__name__}")
    kind = block.get("type")
    if kind in _TEXT_TYPES:
        return {"type": "text", "text": block["text"]}
    if kind == "image_url":
        image_url = block["image_url"]
        # Older LangChain code passes the URL as a bare string.
        return {
            "type": "image_url",
            "image_url": {"url": image_url} if isinstance(image_url, str) else dict(image_url),
        }
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": dict(block["input_audio"])}
    if kind == "file" and isinstance(block.get("file"), Mapping):
        return {"type": "file", "file": dict(block["file"])}
    if kind == "image" and isinstance(block.get("source"), Mapping):
        return _anthropic_image(block["source"])
    if is_data_content_block(dict(block)):
        try:
            return convert_to_openai_data_block(dict(block), api="chat/completions")
        except (ValueError, KeyError) as exc:
            raise UnsupportedContentError(f"cannot send {kind!r} block: {exc}") from exc
    raise UnsupportedContentError(
        f"unsupported content block type {kind!r} in a user message "
        "(supported: text, image, file, audio, image_url, file, input_audio)"
    )


def _anthropic_image(source: Mapping[str, Any]) -> dict[str, Any]:
    if source.get("type") == "base64":
        url = f"data:{source['media_type']};base64,{source['data']}"
    elif source.get("type") == "url":
        url = source["url"]
    else:
        raise UnsupportedContentError(f"unsupported image source {source.get('type')!r}")
    return {"type": "image_url", "image_url": {"url": url}}


# --- LangChain -> wire: tools -----------------------------------------------------------------


def to_wire_tool(tool: Any, *, strict: bool | None = None) -> dict[str, Any]:
    """Any tool form LangChain accepts (pydantic, TypedDict, function, BaseTool, dict)."""
    wire = convert_to_openai_tool(tool, strict=strict)
    if strict is not None and "strict" not in wire.get("function", {}):
        # A ready OpenAI tool dict is passed through by LangChain; `strict=` still applies.
        wire = {**wire, "function": {**wire["function"], "strict": strict}}
    return wire


def to_wire_tool_choice(
    tool_choice: dict[str, Any] | str | bool | None, tool_names: Sequence[str]
) -> dict[str, Any] | str | None:
    """Normalise LangChain's tool_choice forms to the wire's (`"any"`/True -> "required")."""
    if tool_choice is None or tool_choice is False:
        return None
    if tool_choice is True or tool_choice == "any":
        return "required"
    if isinstance(tool_choice, str):
        if tool_choice in ("auto", "none", "required"):
            return tool_choice
        if tool_choice in tool_names:
            return {"type": "function", "function": {"name": tool_choice}}
        raise ValueError(
            f"tool_choice {tool_choice!r} is neither auto/none/any/required nor a bound tool "
            f"name ({', '.join(tool_names) or 'no tools bound'})"
        )
    if isinstance(tool_choice, dict):
        return tool_choice
    raise ValueError(f"unsupported tool_choice {tool_choice!r}")


# --- wire -> LangChain ------------------------------------------------------------------------


def usage_to_metadata(usage: Usage) -> UsageMetadata:
    """Wire usage -> LangChain usage_metadata, with cache-read and reasoning details."""
    input_details = InputTokenDetails()
    if (prompt := usage.prompt_tokens_details) is not None:
        if prompt.cached_tokens is not None:
            input_details["cache_read"] = prompt.cached_tokens
        if prompt.audio_tokens is not None:
            input_details["audio"] = prompt.audio_tokens
    output_details = OutputTokenDetails()
    if (completion := usage.completion_tokens_details) is not None:
        if completion.reasoning_tokens is not None:
            output_details["reasoning"] = completion.reasoning_tokens
        if completion.audio_tokens is not None:
            output_details["audio"] = completion.audio_tokens
    metadata = UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    )
    if input_details:
        metadata["input_token_details"] = input_details
    if output_details:
        metadata["output_token_details"] = output_details
    return metadata


def meta_to_metadata(meta: GatewayMeta | None) -> dict[str, Any]:
    """What the gateway said (log id, cache status, step, ray id...) as ``response_metadata``
    entries: one ``"gateway"`` key, spelt as in the LlamaIndex adapter (`gateway_metadata`)."""
    fields = gateway_metadata(meta)
    return {"gateway": fields} if fields else {}


def _response_metadata(
    source: ChatCompletion | ChatCompletionChunk, finish_reason: str | None, model: str
) -> dict[str, Any]:
    # model_name is the id the call asked for (the catalog slug, as in ls_model_name and the
    # model profile), so usage and traces group per model the way the user names it; Cloudflare
    # answers with the upstream's dated id (`gpt-5.4-nano-2026-03-17`), kept as upstream_model.
    metadata: dict[str, Any] = {
        "model_name": model,
        "upstream_model": source.model or None,
        "model_provider": MODEL_PROVIDER,
        "finish_reason": finish_reason,
        "id": source.id or None,
        "system_fingerprint": source.system_fingerprint,
        "service_tier": source.service_tier,
    }
    return {key: value for key, value in metadata.items() if value is not None}


def from_wire_completion(completion: ChatCompletion, *, model: str) -> ChatResult:
    """A non-streamed completion -> ChatResult (one generation per choice).

    `model` is the requested model id, reported as `model_name`.
    """
    usage = usage_to_metadata(completion.usage) if completion.usage is not None else None
    gateway = meta_to_metadata(completion.meta)
    generations = []
    for choice in completion.choices:
        wire = choice.message
        tool_calls: list[ToolCall] = []
        invalid: list[InvalidToolCall] = []
        for raw in wire.tool_calls or []:
            raw_dict = raw.model_dump()
            try:
                parsed = parse_tool_call(raw_dict, return_id=True)
            except Exception as exc:  # OutputParserException: arguments are not JSON
                invalid.append(make_invalid_tool_call(raw_dict, str(exc)))
                continue
            if parsed is not None and not isinstance(parsed["args"], dict):
                # JSON, but not an object ("[1]", "5"): as the stream path reports it.
                invalid.append(make_invalid_tool_call(raw_dict, "arguments are not a JSON object"))
                continue
            if parsed is not None:
                tool_calls.append(
                    ToolCall(name=parsed["name"], args=parsed["args"], id=parsed.get("id"))
                )
        additional_kwargs: dict[str, Any] = {}
        if wire.refusal is not None:
            additional_kwargs["refusal"] = wire.refusal
        if wire.reasoning_content:
            additional_kwargs["reasoning_content"] = wire.reasoning_content
        metadata = _response_metadata(completion, choice.finish_reason, model) | gateway
        if choice.logprobs is not None:
            metadata["logprobs"] = choice.logprobs
        message = AIMessage(
            content=wire.content or "",
            tool_calls=tool_calls,
            invalid_tool_calls=invalid,
            additional_kwargs=additional_kwargs,
            usage_metadata=usage,
            response_metadata=metadata,
        )
        generations.append(ChatGeneration(message=message))
    llm_output: dict[str, Any] = {
        "model_name": completion.model or model,
        "id": completion.id or None,
    }
    if completion.usage is not None:
        llm_output["token_usage"] = completion.usage.model_dump(exclude_none=True)
    return ChatResult(generations=generations, llm_output=llm_output)


def from_wire_chunk(
    chunk: ChatCompletionChunk,
    *,
    model: str,
    gateway: Mapping[str, Any] | None = None,
    include_usage: bool = True,
) -> ChatGenerationChunk:
    """One streamed chunk -> ChatGenerationChunk.

    Only the first choice is streamed (LangChain streams one generation). Usage rides on the
    chunk that carries it (the final `choices: []` chunk), so it appears once per stream;
    `gateway` (the stream's GatewayMeta as metadata) should be passed for one chunk only,
    since response_metadata strings are concatenated when chunks are added.
    """
    usage = usage_to_metadata(chunk.usage) if include_usage and chunk.usage is not None else None
    metadata: dict[str, Any] = {"model_provider": MODEL_PROVIDER}
    if not chunk.choices:
        # No model_name here: the finishing chunk carries it, and strings concatenate on merge.
        message = AIMessageChunk(content="", usage_metadata=usage, response_metadata=metadata)
        return ChatGenerationChunk(message=message)
    choice = chunk.choices[0]
    delta = choice.delta
    # Only the fields a delta carries are passed: this runs once per token, and every
    # extra (empty) field costs validation in the message constructor.
    fields: dict[str, Any] = {"content": delta.content or "", "response_metadata": metadata}
    if delta.tool_calls:
        fields["tool_call_chunks"] = [
            tool_call_chunk(
                name=tc.function.name if tc.function else None,
                args=tc.function.arguments if tc.function else None,
                id=tc.id,
                index=tc.index,
            )
            for tc in delta.tool_calls
        ]
    if delta.refusal or delta.reasoning_content:
        extra: dict[str, Any] = {}
        if delta.refusal:
            extra["refusal"] = delta.refusal
        if delta.reasoning_content:
            extra["reasoning_content"] = delta.reasoning_content
        fields["additional_kwargs"] = extra
    if usage is not None:
        fields["usage_metadata"] = usage
    if choice.finish_reason is not None:
        metadata |= _response_metadata(chunk, choice.finish_reason, model)
        if gateway:
            metadata |= gateway
    if len(fields) == 2 and (build := text_chunk_builder()) is not None:
        return build(fields["content"], metadata)  # a text delta: the checked fast path
    message = AIMessageChunk(**fields)
    return ChatGenerationChunk(message=message)
