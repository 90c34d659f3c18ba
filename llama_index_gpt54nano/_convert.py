"""Pure conversions between LlamaIndex chat messages and the Chat Completions wire format.

Nothing here does I/O. Outbound, ``to_wire_messages`` turns a history into wire message dicts
and refuses, before anything is sent, a block the wire cannot carry. Inbound,
``from_wire_message`` builds the assistant ``ChatMessage`` the rest of LlamaIndex expects: text
in a ``TextBlock``, reasoning in a ``ThinkingBlock``, and tool calls both as ``ToolCallBlock``s
(the 0.14 carrier) and as plain dicts in ``additional_kwargs["tool_calls"]`` (the legacy carrier
that streaming structured output and older agents read).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    AudioBlock,
    CachePoint,
    ChatMessage,
    ChatResponse,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.llms.llm import ToolSelection

from gpt54nano_gateway.meta import GatewayMeta, gateway_metadata
from gpt54nano_gateway.wire import ChatCompletion, ResponseMessage, ToolCall, Usage

__all__ = [
    "UnsupportedContentError",
    "from_wire_completion",
    "from_wire_message",
    "meta_to_kwargs",
    "to_wire_message",
    "to_wire_messages",
    "to_wire_tool_call",
    "usage_to_kwargs",
]


class UnsupportedContentError(ValueError):
    """A message holds something the Chat Completions wire cannot carry (raised before sending)."""


_ROLE_TO_WIRE: dict[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "developer",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
}


# --- outbound: ChatMessage -> wire dict --------------------------------------------------------


def to_wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """The wire ``messages`` list for a LlamaIndex history.

    Chat Completions allows only text in a ``tool`` message, but a LlamaIndex tool may return
    images. Those go in one ``user`` message placed right after the run of tool results (tool
    messages must directly follow the assistant turn that called them).
    """
    wire: list[dict[str, Any]] = []
    pending_media: list[dict[str, Any]] = []
    for message in messages:
        role = _wire_role(message)
        if role != "tool" and pending_media:
            wire.append(_media_message(pending_media))
            pending_media = []
        if role == "tool":
            wire.append(_tool_message(message, pending_media))
        else:
            wire.append(to_wire_message(message))
    if pending_media:
        wire.append(_media_message(pending_media))
    return wire


def to_wire_message(message: ChatMessage) -> dict[str, Any]:
    """One wire message dict (tool results with non-text blocks: use ``to_wire_messages``)."""
    role = _wire_role(message)
    if role == "tool":
        media: list[dict[str, Any]] = []
        wire = _tool_message(message, media)
        if media:
            raise UnsupportedContentError(
                "a tool result with non-text blocks needs to_wire_messages (it adds a user message)"
            )
        return wire
    if role == "assistant":
        return _assistant_message(message)
    if role == "user":
        return {"role": "user", "content": _user_content(message)}
    return {"role": role, "content": _text_only(message, role)}


def _wire_role(message: ChatMessage) -> str:
    try:
        return _ROLE_TO_WIRE[MessageRole(message.role)]
    except (KeyError, ValueError) as exc:
        raise UnsupportedContentError(f"unsupported message role {message.role!r}") from exc


def _text_only(message: ChatMessage, role: str) -> str:
    texts: list[str] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif not isinstance(block, CachePoint | ThinkingBlock):
            raise UnsupportedContentError(
                f"a {role} message can only carry text, got a {type(block).__name__}"
            )
    return "\n".join(texts)


def _user_content(message: ChatMessage) -> str | list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    only_text = True
    for block in message.blocks:
        if isinstance(block, CachePoint):
            continue  # a caching hint for other providers; OpenAI caches prefixes by itself
        part = _content_part(block)
        only_text = only_text and part["type"] == "text"
        parts.append(part)
    if only_text:
        return "\n".join(part["text"] for part in parts)
    return parts


def _content_part(block: Any) -> dict[str, Any]:
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, ImageBlock):
        if block.url is not None and block.image is None:
            image_url: dict[str, Any] = {"url": str(block.url)}
        else:
            image_url = {"url": block.inline_url()}
        if block.detail in ("auto", "low", "high"):
            image_url["detail"] = block.detail
        return {"type": "image_url", "image_url": image_url}
    if isinstance(block, DocumentBlock):
        return {"type": "file", "file": {"filename": block.title, "file_data": block.inline_url()}}
    if isinstance(block, AudioBlock):
        if block.format not in ("wav", "mp3"):
            raise UnsupportedContentError(
                f"audio must be wav or mp3 on this wire, got format={block.format!r}"
            )
        data = block.resolve_audio(as_base64=True).read().decode("ascii")
        return {"type": "input_audio", "input_audio": {"data": data, "format": block.format}}
    raise UnsupportedContentError(
        f"{type(block).__name__} cannot be sent to openai/gpt-5.4-nano in a user message"
    )


_ASSISTANT_IMAGE_DROPPED = (
    "an ImageBlock in an assistant message was not sent: Chat Completions assistant messages "
    "carry only text and tool calls (llama-index-llms-openai drops it silently too); to show "
    "the model that image again, put it in a user message"
)


def _assistant_message(message: ChatMessage) -> dict[str, Any]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ToolCallBlock):
            calls.append(to_wire_tool_call(block, len(calls)))
        elif isinstance(block, ImageBlock):
            # Images land in assistant turns from other LLM classes (OpenAIResponses' image
            # generation) or copied histories. The wire has no place for them; refusing would
            # make such a history unusable, moving them to a user turn would put words in the
            # user's mouth. Dropped, but never silently.
            warnings.warn(_ASSISTANT_IMAGE_DROPPED, UserWarning, stacklevel=2)
        elif not isinstance(block, ThinkingBlock | CachePoint):
            # Reasoning is not sent back: the Chat Completions input has no place for it.
            raise UnsupportedContentError(
                f"an assistant message can only carry text and tool calls, "
                f"got a {type(block).__name__}"
            )
    if not calls:
        legacy = message.additional_kwargs.get("tool_calls") or []
        calls = [to_wire_tool_call(call, index) for index, call in enumerate(legacy)]
    text = "\n".join(texts)
    wire: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
    if calls:
        wire["tool_calls"] = calls
    return wire


def _tool_message(message: ChatMessage, media: list[dict[str, Any]]) -> dict[str, Any]:
    call_id = message.additional_kwargs.get("tool_call_id")
    if not call_id:
        raise UnsupportedContentError(
            "a tool message needs additional_kwargs['tool_call_id'] (the id of the call it answers)"
        )
    texts: list[str] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ImageBlock | DocumentBlock | AudioBlock):
            media.append(_content_part(block))
        elif not isinstance(block, CachePoint):
            raise UnsupportedContentError(
                f"a tool result cannot carry a {type(block).__name__} on this wire"
            )
    return {"role": "tool", "tool_call_id": str(call_id), "content": "\n".join(texts)}


def _media_message(parts: list[dict[str, Any]]) -> dict[str, Any]:
    intro = {"type": "text", "text": "Attachments returned by the tool calls above:"}
    return {"role": "user", "content": [intro, *parts]}


def to_wire_tool_call(call: Any, index: int) -> dict[str, Any]:
    """A wire tool call from any shape history holds: ``ToolCallBlock``, ``ToolSelection``,
    a wire dict, a ``ToolSelection``-shaped dict, or an SDK-like object with ``.function``."""
    call_id: Any
    name: Any
    arguments: Any
    if isinstance(call, ToolCallBlock):
        call_id, name, arguments = call.tool_call_id, call.tool_name, call.tool_kwargs
    elif isinstance(call, ToolSelection):
        call_id, name, arguments = call.tool_id, call.tool_name, call.tool_kwargs
    else:
        data = call if isinstance(call, Mapping) else _as_mapping(call)
        function = data.get("function")
        if function is not None:
            function = function if isinstance(function, Mapping) else _as_mapping(function)
            call_id, name, arguments = (
                data.get("id"),
                function.get("name"),
                function.get("arguments"),
            )
        else:
            call_id, name = data.get("tool_id") or data.get("id"), data.get("tool_name")
            arguments = data.get("tool_kwargs")
    if not name:
        raise UnsupportedContentError(f"a tool call in history has no function name: {call!r}")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {})
    return {
        "id": str(call_id) if call_id else f"call_{index}",
        "type": "function",
        "function": {"name": str(name), "arguments": arguments},
    }


def _as_mapping(obj: Any) -> Mapping[str, Any]:
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        dumped = dump()
        if isinstance(dumped, Mapping):
            return dumped
    return {
        key: getattr(obj, key)
        for key in ("id", "function", "name", "arguments")
        if hasattr(obj, key)
    }


# --- inbound: wire -> ChatMessage / ChatResponse ----------------------------------------------


def from_wire_message(
    message: ResponseMessage, *, reasoning_tokens: int | None = None
) -> ChatMessage:
    """The assistant ``ChatMessage`` for one wire response message."""
    return build_assistant_message(
        message.content,
        message.reasoning_content,
        message.tool_calls or (),
        refusal=message.refusal,
        reasoning_tokens=reasoning_tokens,
    )


def build_assistant_message(
    text: str | None,
    reasoning: str | None,
    tool_calls: Sequence[ToolCall],
    *,
    refusal: str | None = None,
    reasoning_tokens: int | None = None,
) -> ChatMessage:
    """Assemble an assistant message. Tool-call arguments stay the raw JSON string: lossless
    when the message goes back on the wire, and ``get_tool_calls_from_response`` parses it."""
    blocks: list[Any] = []
    if reasoning:
        blocks.append(ThinkingBlock(content=reasoning, num_tokens=reasoning_tokens))
    if text is not None:
        blocks.append(TextBlock(text=text))
    additional_kwargs: dict[str, Any] = {}
    if tool_calls:
        wire_calls = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.function.name, "arguments": call.function.arguments},
            }
            for call in tool_calls
        ]
        blocks.extend(
            ToolCallBlock(
                tool_call_id=call.id,
                tool_name=call.function.name,
                tool_kwargs=call.function.arguments,
            )
            for call in tool_calls
        )
        additional_kwargs["tool_calls"] = wire_calls
    if refusal:
        additional_kwargs["refusal"] = refusal
    return ChatMessage(
        role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=additional_kwargs
    )


def from_wire_completion(completion: ChatCompletion) -> ChatResponse:
    """A ``ChatResponse`` for a complete (non-streamed) answer; ``raw`` is the completion."""
    usage = completion.usage
    reasoning_tokens = _reasoning_tokens(usage)
    if completion.choices:
        choice = completion.choices[0]
        message = from_wire_message(choice.message, reasoning_tokens=reasoning_tokens)
        finish_reason = choice.finish_reason
    else:
        message = ChatMessage(role=MessageRole.ASSISTANT, blocks=[])
        finish_reason = None
    additional_kwargs = usage_to_kwargs(usage)
    if finish_reason is not None:
        additional_kwargs["finish_reason"] = finish_reason
    additional_kwargs.update(meta_to_kwargs(completion.meta))
    return ChatResponse(message=message, raw=completion, additional_kwargs=additional_kwargs)


def usage_to_kwargs(usage: Usage | None) -> dict[str, Any]:
    """Token counts under OpenAI's ``ChatResponse.additional_kwargs`` keys, plus the details."""
    if usage is None:
        return {}
    counts: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.prompt_tokens_details and usage.prompt_tokens_details.cached_tokens is not None:
        counts["cached_tokens"] = usage.prompt_tokens_details.cached_tokens
    if (reasoning := _reasoning_tokens(usage)) is not None:
        counts["reasoning_tokens"] = reasoning
    return counts


def meta_to_kwargs(meta: GatewayMeta | None) -> dict[str, Any]:
    """What the gateway said about the call (log id, cache status, ray id...), under ``gateway``."""
    fields = gateway_metadata(meta)
    return {"gateway": fields} if fields else {}


def _reasoning_tokens(usage: Usage | None) -> int | None:
    if usage is None or usage.completion_tokens_details is None:
        return None
    return usage.completion_tokens_details.reasoning_tokens
