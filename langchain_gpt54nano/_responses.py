"""Pure converters between LangChain objects and the OpenAI Responses wire (``/v1/responses``).

Named by direction, like ``_convert`` for Chat Completions: ``to_responses_*`` builds the JSON
body from LangChain messages and the model's (Chat-Completions-spelt) parameters,
``from_responses_*`` turns a ``response`` object or its stream events into LangChain results.
No I/O. The shapes follow ``langchain_openai``'s Responses code, so messages made by either
model can be sent by the other:

- ``output_version="responses/v1"`` (the default on this wire): ``AIMessage.content`` is the
  list of output items as blocks, in order: ``{"type": "reasoning", "id", "summary": [...],
  "encrypted_content"}``, ``{"type": "text", "text", "annotations", "id"}``,
  ``{"type": "refusal", ...}``, ``{"type": "function_call", "call_id", "name", "arguments",
  "id"}``; ``tool_calls`` / ``tool_call_chunks`` as usual; ``AIMessage.id`` is the response id.
- ``"v0"``: langchain-openai 0.3's format (text blocks in ``content``, the reasoning item in
  ``additional_kwargs["reasoning"]``).
- ``"v1"``: LangChain's standard blocks; core converts the ``responses/v1`` content (it picks
  the translator by ``response_metadata["model_provider"] == "openai"``).

Reasoning across turns: the body asks for ``include=["reasoning.encrypted_content"]`` with
``store=False`` (nothing kept server-side), so every reasoning item comes back sealed in the
``AIMessage`` and ``to_responses_input`` sends it again on the next turn, right before the call
or message it led to, as the API requires.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from gpt54nano_gateway.errors import ConfigurationError

from ._convert import MODEL_PROVIDER, UnsupportedContentError, to_wire_message

__all__ = [
    "ENCRYPTED_REASONING",
    "ResponsesEventMapper",
    "ResponsesParameterError",
    "from_responses_output",
    "from_responses_usage",
    "to_responses_body",
    "to_responses_input",
    "to_responses_tool",
    "to_responses_tool_choice",
    "use_responses_wire",
]

ENCRYPTED_REASONING = "reasoning.encrypted_content"
OutputVersion = Literal["v0", "responses/v1", "v1"]

# Parameters only the Responses wire has: their presence picks it (as in ChatOpenAI).
_RESPONSES_ONLY = frozenset(
    {"include", "previous_response_id", "reasoning", "store", "text", "truncation"}
)
# Chat Completions parameters /v1/responses does not have (it answers 400 unknown_parameter):
# refused before sending, with the way out.
_CHAT_ONLY = frozenset(
    {
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "logprobs",
        "logit_bias",
        "n",
        "modalities",
        "audio",
        "prediction",
        "web_search_options",
    }
)
# Keys of ChatGPT54Nano's params that are renamed or folded into other fields here.
_RENAMED = {"max_tokens": "max_output_tokens", "max_completion_tokens": "max_output_tokens"}
_FUNCTION_CALL_IDS = "__openai_function_call_ids__"  # langchain-openai v0's key
_V0_TOOL_OUTPUTS = "tool_outputs"


class ResponsesParameterError(ConfigurationError):
    """A parameter the Responses wire does not have (refused before anything is sent)."""


# --- which wire ---------------------------------------------------------------------------------


def use_responses_wire(
    *,
    explicit: bool | None,
    output_version: str | None,
    params: Mapping[str, Any],
    tools_with_reasoning: str = "error",
) -> bool:
    """Whether a call goes to ``/v1/responses``.

    An explicit ``use_responses_api`` decides. Otherwise: ``output_version="responses/v1"``,
    a Responses-only parameter, or function tools together with a reasoning effort other than
    ``none`` (which GPT-5.4 refuses on Chat Completions) unless the caller chose the
    ``drop_effort`` policy for that case (``"error"``, the default, and the transport's
    ``"responses"`` both mean: use the Responses wire).
    """
    if explicit is not None:
        return explicit
    if output_version == "responses/v1" or _RESPONSES_ONLY.intersection(params):
        return True
    effort = params.get("reasoning_effort")
    return bool(
        params.get("tools")
        and effort not in (None, "none")
        and tools_with_reasoning != "drop_effort"
    )


# --- LangChain -> wire: the body ----------------------------------------------------------------


def to_responses_body(messages: Sequence[BaseMessage], params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for ``messages`` and ChatGPT54Nano's request ``params`` (model fields,
    bound and per-call kwargs, Chat Completions spellings; ``stream`` is the client's)."""
    chat_only = sorted(_CHAT_ONLY.intersection(params))
    if chat_only:
        raise ResponsesParameterError(
            f"{', '.join(chat_only)} {'is' if len(chat_only) == 1 else 'are'} not a Responses "
            "API parameter; unset it, or use the Chat Completions wire (use_responses_api=False)."
        )
    body: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("messages", "stop", "reasoning_effort", "response_format", "verbosity"):
            continue
        body[_RENAMED.get(key, key)] = value
    if params.get("stop"):
        # /v1/responses has no stop sequences (ChatOpenAI drops them without a word).
        warnings.warn(
            "stop sequences were not sent: the Responses API has no 'stop' parameter.",
            UserWarning,
            stacklevel=4,
        )
    reasoning = _reasoning(params)
    if reasoning:
        body["reasoning"] = reasoning
    text = _text_config(params)
    if text:
        body["text"] = text
    if body.get("tools"):
        body["tools"] = [to_responses_tool(tool) for tool in body["tools"]]
    if "tool_choice" in body:
        body["tool_choice"] = to_responses_tool_choice(body["tool_choice"])
    # Stateless by default: the reasoning comes back sealed and is resent by the client.
    body.setdefault("store", False)
    if body["store"] is False:
        include = list(body.get("include") or [])
        if ENCRYPTED_REASONING not in include:
            include.append(ENCRYPTED_REASONING)
        body["include"] = include
    body["input"] = to_responses_input(messages, store=body["store"])
    return body


def _reasoning(params: Mapping[str, Any]) -> dict[str, Any]:
    reasoning = dict(params.get("reasoning") or {})
    effort = params.get("reasoning_effort")
    if effort is not None and "effort" not in reasoning:
        reasoning["effort"] = effort
    if reasoning.get("effort") not in (None, "none") and "summary" not in reasoning:
        reasoning["summary"] = "auto"  # the summaries are what a caller can show
    return {key: value for key, value in reasoning.items() if value is not None}


def _text_config(params: Mapping[str, Any]) -> dict[str, Any]:
    text = dict(params.get("text") or {})
    if (fmt := params.get("response_format")) is not None:
        text["format"] = to_responses_text_format(fmt)
    if (verbosity := params.get("verbosity")) is not None:
        text["verbosity"] = verbosity
    return text


def to_responses_text_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """Chat Completions' ``response_format`` -> Responses' ``text.format``."""
    kind = response_format.get("type")
    if kind == "json_schema" and isinstance(response_format.get("json_schema"), Mapping):
        return {"type": "json_schema", **response_format["json_schema"]}
    return dict(response_format)  # json_object, text, or already in Responses form


def to_responses_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """``{"type": "function", "function": {...}}`` -> the flat Responses function tool."""
    if tool.get("type") == "function" and isinstance(tool.get("function"), Mapping):
        extra = {k: v for k, v in tool.items() if k not in ("type", "function")}
        return {"type": "function", **tool["function"], **extra}
    return dict(tool)


def to_responses_tool_choice(choice: Any) -> Any:
    if (
        isinstance(choice, Mapping)
        and choice.get("type") == "function"
        and isinstance(choice.get("function"), Mapping)
    ):
        return {"type": "function", **choice["function"]}
    return choice


# --- LangChain -> wire: the input items ---------------------------------------------------------


def to_responses_input(
    messages: Sequence[BaseMessage], *, store: bool | None = False
) -> list[dict[str, Any]]:
    """A LangChain conversation as Responses input items.

    With ``store=False`` a reasoning item without ``encrypted_content`` cannot be resolved
    server-side, so it is left out, and assistant message ids are not sent (as ChatOpenAI).
    """
    items: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, AIMessage):
            items.extend(_assistant_items(message, store=store))
        elif isinstance(message, ToolMessage):
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.tool_call_id,
                    "output": _tool_output(message.content),
                }
            )
        elif isinstance(message, HumanMessage | SystemMessage | ChatMessage):
            wire = to_wire_message(message)  # roles, names and content checks as on chat
            role = wire["role"]
            if role == "assistant":
                text = wire.get("content") or ""
                items.append(_assistant_message_item([_output_text(text)], None))
                continue
            content = wire["content"]
            if isinstance(content, list):
                content = [_input_part(part) for part in content]
            items.append({"type": "message", "role": role, "content": content})
        else:
            raise UnsupportedContentError(f"unsupported message type {type(message).__name__}")
    return items


def _input_part(part: Mapping[str, Any]) -> dict[str, Any]:
    """A Chat Completions content part (from ``to_wire_message``) as a Responses input part."""
    kind = part.get("type")
    if kind == "text":
        return {"type": "input_text", "text": part["text"]}
    if kind == "image_url":
        image = part["image_url"]
        new = {"type": "input_image", "image_url": image["url"]}
        if image.get("detail"):
            new["detail"] = image["detail"]
        return new
    if kind == "file":
        return {"type": "input_file", **part["file"]}
    raise UnsupportedContentError(
        f"a {kind!r} content part cannot be sent on the Responses wire "
        "(supported: text, image, file)"
    )


def _tool_output(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "input_text", "text": block})
        elif isinstance(block, Mapping) and block.get("type") in (
            "input_text",
            "input_image",
            "input_file",
        ):
            parts.append(dict(block))
        else:
            wire = to_wire_message(HumanMessage(content=[block]))
            parts.extend(_input_part(part) for part in wire["content"])
    return parts


def _output_text(text: str, annotations: Any = None) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": list(annotations or [])}


def _assistant_message_item(parts: list[dict[str, Any]], item_id: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "message", "role": "assistant", "content": parts}
    if item_id:
        item["id"] = item_id
    return item


def _strip_index(block: Mapping[str, Any]) -> dict[str, Any]:
    """Drop LangChain's streaming bookkeeping (``index``) from a block and its summary parts."""
    new = {k: v for k, v in block.items() if k != "index"}
    if isinstance(new.get("summary"), list):
        new["summary"] = [
            {k: v for k, v in part.items() if k != "index"} for part in new["summary"]
        ]
    return new


def _assistant_items(message: AIMessage, *, store: bool | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    keep_reasoning = store is not False
    v0_reasoning = message.additional_kwargs.get("reasoning")
    if isinstance(v0_reasoning, Mapping):  # langchain-openai v0: the item sits beside content
        reasoning = {"type": "reasoning", "summary": [], **_strip_index(v0_reasoning)}
        if keep_reasoning or reasoning.get("encrypted_content"):
            items.append(reasoning)
    sent_calls: set[str] = set()
    blocks: list[Any] = (
        [message.content] if isinstance(message.content, str) else list(message.content)
    )
    for block in _implode_v1_reasoning(blocks):
        if isinstance(block, str):
            if block:
                _append_part(items, _output_text(block), None)
            continue
        kind = block.get("type")
        if kind in ("text", "output_text"):
            if block.get("text") is None:
                continue
            item_id = block.get("id") if store is not False else None
            part = _output_text(block["text"], block.get("annotations"))
            _append_part(items, part, _provider_id(item_id, "msg_"))
        elif kind == "refusal" and block.get("refusal"):
            item_id = block.get("id") if store is not False else None
            part = {"type": "refusal", "refusal": block["refusal"]}
            _append_part(items, part, _provider_id(item_id, "msg_"))
        elif kind == "reasoning":
            reasoning = _strip_index(block)
            reasoning.setdefault("summary", [])
            if keep_reasoning or reasoning.get("encrypted_content"):
                items.append(reasoning)
        elif kind == "function_call":
            function_call = _strip_index(block)
            items.append(function_call)
            sent_calls.add(str(function_call.get("call_id")))
        elif kind == "tool_call":  # v1 standard block
            v1_call = _function_call_from_v1(block, message)
            if v1_call is not None:
                items.append(v1_call)
                sent_calls.add(str(v1_call["call_id"]))
        # Other blocks (tool_call_chunk leftovers, non-text media) are not resent.
    fc_ids = message.additional_kwargs.get(_FUNCTION_CALL_IDS) or {}
    for call in message.tool_calls:
        if call.get("id") is None:
            raise UnsupportedContentError(
                f"tool call {call['name']!r} has no id; the wire needs one to match its output"
            )
        if call["id"] in sent_calls:
            continue
        item = {
            "type": "function_call",
            "call_id": call["id"],
            "name": call["name"],
            "arguments": json.dumps(call["args"], ensure_ascii=False),
        }
        if isinstance(fc_ids, Mapping) and fc_ids.get(call["id"]):
            item["id"] = fc_ids[call["id"]]
        items.append(item)
    for invalid in message.invalid_tool_calls:
        if invalid.get("id") and invalid["id"] not in sent_calls and invalid.get("name"):
            items.append(
                {
                    "type": "function_call",
                    "call_id": invalid["id"],
                    "name": invalid["name"],
                    "arguments": invalid.get("args") or "",
                }
            )
    return items


def _provider_id(item_id: Any, prefix: str) -> str | None:
    # LangChain's own ids (``lc_run-…``) are not provider item ids; the API refuses them.
    return item_id if isinstance(item_id, str) and item_id.startswith(prefix) else None


def _append_part(items: list[dict[str, Any]], part: dict[str, Any], item_id: str | None) -> None:
    """Text and refusal parts of one output message (same id) go back in one message item."""
    if item_id is not None:
        for item in items:
            if item.get("type") == "message" and item.get("id") == item_id:
                item["content"].append(part)
                return
    last = items[-1] if items else None
    if (
        item_id is None
        and last is not None
        and last.get("type") == "message"
        and last.get("role") == "assistant"
        and "id" not in last
    ):
        last["content"].append(part)
        return
    items.append(_assistant_message_item([part], item_id))


def _implode_v1_reasoning(blocks: Iterable[Any]) -> Iterable[Any]:
    """v1 standard reasoning blocks (one per summary part, ``reasoning`` text) back into one
    Responses reasoning item each; other blocks pass unchanged."""
    pending: dict[str, Any] | None = None
    for block in blocks:
        is_v1 = (
            isinstance(block, Mapping)
            and block.get("type") == "reasoning"
            and "summary" not in block
        )
        if is_v1:
            extras = dict(block.get("extras") or {})
            same = pending is not None and pending.get("id") == block.get("id")
            if not same:
                if pending is not None:
                    yield pending
                pending = {"type": "reasoning", "summary": []}
                if block.get("id") is not None:
                    pending["id"] = block["id"]
            assert pending is not None
            if "reasoning" in block:
                pending["summary"].append({"type": "summary_text", "text": block["reasoning"]})
            encrypted = block.get("encrypted_content") or extras.get("encrypted_content")
            if encrypted:
                pending["encrypted_content"] = encrypted
            continue
        if pending is not None:
            yield pending
            pending = None
        yield block
    if pending is not None:
        yield pending


def _function_call_from_v1(block: Mapping[str, Any], message: AIMessage) -> dict[str, Any] | None:
    call_id = block.get("id")
    if not call_id:
        return None
    extras = block.get("extras") or {}
    args = block.get("args")
    if args is None:
        args = next((c["args"] for c in message.tool_calls if c.get("id") == call_id), {})
    item: dict[str, Any] = {
        "type": "function_call",
        "call_id": call_id,
        "name": block.get("name"),
        "arguments": extras.get("arguments") or json.dumps(args, ensure_ascii=False),
    }
    if extras.get("item_id"):
        item["id"] = extras["item_id"]
    if extras.get("status"):
        item["status"] = extras["status"]
    return item


# --- wire -> LangChain --------------------------------------------------------------------------


def _get(obj: Any, name: str) -> Any:
    """A field of a wire object, as a dict or as the transport's pydantic model."""
    # isinstance(dict), not Mapping: the ABC check costs more than the lookup (per event).
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return {k: v for k, v in obj.items() if v is not None}
    dumped: dict[str, Any] = obj.model_dump(mode="json", exclude_none=True)
    return dumped


def from_responses_usage(usage: Any) -> UsageMetadata:
    """Responses usage -> usage_metadata (cached input tokens, reasoning output tokens)."""
    input_tokens = _get(usage, "input_tokens") or 0
    output_tokens = _get(usage, "output_tokens") or 0
    total = _get(usage, "total_tokens")
    metadata = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total if total is not None else input_tokens + output_tokens,
    )
    input_details = InputTokenDetails()
    if (details := _get(usage, "input_tokens_details")) is not None:
        if (cached := _get(details, "cached_tokens")) is not None:
            input_details["cache_read"] = cached
        if (written := _get(details, "cache_write_tokens")) is not None:
            input_details["cache_creation"] = written
    output_details = OutputTokenDetails()
    details = _get(usage, "output_tokens_details")
    if details is not None and (reasoning := _get(details, "reasoning_tokens")) is not None:
        output_details["reasoning"] = reasoning
    if input_details:
        metadata["input_token_details"] = input_details
    if output_details:
        metadata["output_token_details"] = output_details
    return metadata


def _finish_reason(status: Any, incomplete: Any, has_calls: bool) -> str | None:
    """Chat Completions' finish_reason for a response's status, so callers (and the structured
    output refusal check) read one key on both wires."""
    if status == "completed":
        return "tool_calls" if has_calls else "stop"
    if status == "incomplete":
        reason = _get(incomplete, "reason") if incomplete is not None else None
        return "length" if reason == "max_output_tokens" else reason
    return None


def _response_metadata(
    response: Any, *, model: str, gateway: Mapping[str, Any] | None, has_calls: bool
) -> dict[str, Any]:
    # model_name is the requested slug, as on the chat wire; the dated id is upstream_model.
    metadata: dict[str, Any] = {
        "id": _get(response, "id"),
        "object": _get(response, "object"),
        "created_at": _get(response, "created_at"),
        "status": _get(response, "status"),
        "model_name": model,
        "upstream_model": _get(response, "model"),
        "model_provider": MODEL_PROVIDER,
        "finish_reason": _finish_reason(
            _get(response, "status"), _get(response, "incomplete_details"), has_calls
        ),
        "service_tier": _get(response, "service_tier"),
    }
    incomplete = _get(response, "incomplete_details")
    if incomplete is not None:
        metadata["incomplete_details"] = _as_dict(incomplete)
    metadata = {key: value for key, value in metadata.items() if value is not None}
    if gateway:
        metadata.update(gateway)
    return metadata


def _output_blocks(response: Any) -> tuple[list[dict[str, Any]], list[Any], list[Any], str]:
    """The content blocks, tool calls, invalid tool calls and refusal text of the output."""
    blocks: list[dict[str, Any]] = []
    tool_calls: list[Any] = []
    invalid: list[Any] = []
    refusal = ""
    for raw in _get(response, "output") or []:
        item = _as_dict(raw)
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    blocks.append(
                        {
                            "type": "text",
                            "text": part.get("text", ""),
                            "annotations": list(part.get("annotations") or []),
                            "id": item.get("id"),
                        }
                    )
                elif part.get("type") == "refusal":
                    refusal += part.get("refusal", "")
                    blocks.append(
                        {"type": "refusal", "refusal": part.get("refusal"), "id": item.get("id")}
                    )
        elif kind == "function_call":
            blocks.append(item)
            arguments = item.get("arguments") or ""
            try:
                args = json.loads(arguments, strict=False) if arguments else {}
            except json.JSONDecodeError as exc:
                invalid.append(
                    {
                        "type": "invalid_tool_call",
                        "name": item.get("name"),
                        "args": arguments,
                        "id": item.get("call_id"),
                        "error": str(exc),
                    }
                )
                continue
            if not isinstance(args, dict):
                invalid.append(
                    {
                        "type": "invalid_tool_call",
                        "name": item.get("name"),
                        "args": arguments,
                        "id": item.get("call_id"),
                        "error": "arguments are not a JSON object",
                    }
                )
                continue
            tool_calls.append(
                {
                    "type": "tool_call",
                    "name": item.get("name"),
                    "args": args,
                    "id": item.get("call_id"),
                }
            )
        elif kind is not None:
            # Reasoning and any other item (hosted tools): kept as is, so it can be resent.
            blocks.append(item)
    return blocks, tool_calls, invalid, refusal


def from_responses_output(
    response: Any,
    *,
    model: str,
    gateway: Mapping[str, Any] | None = None,
    output_version: str | None = None,
) -> ChatResult:
    """A ``response`` object (dict or the transport's ``Response``) -> ChatResult."""
    blocks, tool_calls, invalid, refusal = _output_blocks(response)
    usage = _get(response, "usage")
    additional_kwargs: dict[str, Any] = {}
    if refusal:
        additional_kwargs["refusal"] = refusal  # where the chat wire (and _structured) put it
    message = AIMessage(
        content=blocks,  # type: ignore[arg-type]
        id=_get(response, "id"),
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        additional_kwargs=additional_kwargs,
        usage_metadata=from_responses_usage(usage) if usage is not None else None,
        response_metadata=_response_metadata(
            response, model=model, gateway=gateway, has_calls=bool(tool_calls or invalid)
        ),
    )
    if output_version == "v0":
        message = to_v0_message(message)
    llm_output: dict[str, Any] = {"model_name": _get(response, "model") or model}
    if _get(response, "id"):
        llm_output["id"] = _get(response, "id")
    if usage is not None:
        llm_output["token_usage"] = _as_dict(usage)
    return ChatResult(generations=[ChatGeneration(message=message)], llm_output=llm_output)


def to_v0_message(message: AIMessage, *, has_reasoning: bool = False) -> AIMessage:
    """langchain-openai 0.3's layout: reasoning, refusals and call item ids beside the text."""
    if isinstance(message.content, str):
        return message
    content: list[Any] = []
    for block in message.content:
        if not isinstance(block, dict):
            content.append(block)
            continue
        kind = block.get("type")
        if kind == "reasoning":
            reasoning = {k: v for k, v in block.items() if k != "index"}
            if has_reasoning:  # a later stream chunk: only its summary part merges in
                reasoning.pop("id", None)
                reasoning.pop("type", None)
            message.additional_kwargs["reasoning"] = reasoning
        elif kind == "function_call":
            if block.get("call_id") and block.get("id"):
                ids = message.additional_kwargs.setdefault(_FUNCTION_CALL_IDS, {})
                ids[block["call_id"]] = block["id"]
        elif kind == "refusal":
            if block.get("refusal"):
                message.additional_kwargs["refusal"] = block["refusal"]
        elif kind == "text":
            if "id" in block:
                message.id = block["id"]
            content.append({k: v for k, v in block.items() if k != "id"})
        elif kind in ("message", "reasoning", "function_call"):
            continue
        elif kind is not None and kind.endswith("_call"):
            message.additional_kwargs.setdefault(_V0_TOOL_OUTPUTS, []).append(block)
        else:
            content.append(block)
    message.content = content
    if isinstance(message.id, str) and message.id.startswith("resp_"):
        message.id = None
    return message


class ResponsesEventMapper:
    """Maps one stream's events to ``ChatGenerationChunk``s (``from_responses_event``).

    The running ``index`` puts every output item (and every content part of a message) in its
    own content block, so LangChain's chunk addition merges the deltas of one block and keeps
    blocks apart, exactly as ``ChatOpenAI`` lays them out. The gateway's metadata rides on the
    last chunk only (response_metadata strings are concatenated when chunks are added).
    """

    __slots__ = (
        "_arguments",
        "_index",
        "_item_index",
        "_output_index",
        "_sub_index",
        "finished",
        "gateway",
        "has_reasoning",
        "include_usage",
        "model",
        "output_version",
    )

    def __init__(
        self,
        model: str,
        *,
        output_version: str | None = None,
        include_usage: bool = True,
    ) -> None:
        self.model = model
        self.output_version = output_version
        self.include_usage = include_usage
        self.gateway: dict[str, Any] | None = None
        self.finished = False
        self.has_reasoning = False
        self._index = -1
        self._output_index = -1
        self._sub_index = -1
        self._item_index: dict[str, int] = {}  # item id -> first output_index seen
        self._arguments: dict[str, str] = {}  # function call item id -> arguments so far

    def _advance(self, event: Any, sub_index: int | None = None) -> int:
        output_index = _get(event, "output_index")
        item_id = _get(event, "item_id")
        if item_id is None and (item := _get(event, "item")) is not None:
            item_id = _get(item, "id")
        if item_id is not None and output_index is not None:
            # Pin an item to its first output_index (later events may report another).
            output_index = self._item_index.setdefault(item_id, output_index)
        if sub_index is None:
            if self._output_index != output_index:
                self._index += 1
        else:
            if self._output_index != output_index or self._sub_index != sub_index:
                self._index += 1
            self._sub_index = sub_index
        self._output_index = output_index if output_index is not None else self._output_index
        return self._index

    def __call__(self, event: Any) -> ChatGenerationChunk | None:
        """The chunk for one event, or ``None`` for events that carry nothing new."""
        kind = _get(event, "type")
        content: list[dict[str, Any]] = []
        fields: dict[str, Any] = {}
        metadata: dict[str, Any] = {"model_provider": MODEL_PROVIDER}
        if kind == "response.output_text.delta":
            index = self._advance(event, _get(event, "content_index"))
            content.append({"type": "text", "text": _get(event, "delta") or "", "index": index})
        elif kind == "response.output_text.done":
            index = self._advance(event, _get(event, "content_index"))
            # The (empty) annotations make the merged block equal to the non-streamed one.
            content.append(
                {
                    "type": "text",
                    "text": "",
                    "annotations": [],
                    "id": _get(event, "item_id"),
                    "index": index,
                }
            )
        elif kind == "response.output_text.annotation.added":
            index = self._advance(event, _get(event, "content_index"))
            annotation = _as_dict(_get(event, "annotation") or {})
            content.append({"type": "text", "annotations": [annotation], "index": index})
        elif kind == "response.created":
            response_id = _get(_get(event, "response"), "id")
            fields["id"] = response_id
            if response_id:
                metadata["id"] = response_id  # as on the chat wire (and in ChatOpenAI)
        elif kind in ("response.completed", "response.incomplete"):
            return self._final(_get(event, "response"))
        elif kind == "response.output_item.added":
            item = _get(event, "item")
            item_kind = _get(item, "type")
            if item_kind == "function_call":
                index = self._advance(event)
                arguments = _get(item, "arguments") or ""
                self._arguments[str(_get(item, "id"))] = arguments
                fields["tool_call_chunks"] = [
                    {
                        "type": "tool_call_chunk",
                        "name": _get(item, "name"),
                        "args": arguments,
                        "id": _get(item, "call_id"),
                        "index": index,
                    }
                ]
                content.append(
                    {
                        "type": "function_call",
                        "name": _get(item, "name"),
                        "arguments": arguments,
                        "call_id": _get(item, "call_id"),
                        "id": _get(item, "id"),
                        "index": index,
                    }
                )
            elif item_kind == "reasoning":
                index = self._advance(event)
                self._sub_index = 0
                reasoning = _as_dict(item)
                # Complete only on the item's done event; sending it twice would double it.
                reasoning.pop("encrypted_content", None)
                reasoning["index"] = index
                content.append(reasoning)
            elif item_kind == "message" and self.output_version == "v0":
                fields["id"] = _get(item, "id")
            else:
                return None
        elif kind == "response.output_item.done":
            item = _get(event, "item")
            item_kind = _get(item, "type")
            if item_kind == "reasoning" and _get(item, "encrypted_content"):
                index = self._advance(event)
                content.append(
                    {
                        "type": "reasoning",
                        "id": _get(item, "id"),
                        "summary": [],
                        "encrypted_content": _get(item, "encrypted_content"),
                        "index": index,
                    }
                )
            elif item_kind not in (None, "message", "function_call", "reasoning"):
                index = self._advance(event)
                content.append({**_as_dict(item), "index": index})
            else:
                return None
        elif kind == "response.function_call_arguments.delta":
            index = self._advance(event)
            delta = _get(event, "delta") or ""
            item_id = str(_get(event, "item_id"))
            self._arguments[item_id] = self._arguments.get(item_id, "") + delta
            fields["tool_call_chunks"] = [
                {"type": "tool_call_chunk", "args": delta, "index": index}
            ]
            content.append({"type": "function_call", "arguments": delta, "index": index})
        elif kind == "response.function_call_arguments.done":
            # Deltas may be skipped upstream: emit whatever the done event adds.
            item_id = str(_get(event, "item_id"))
            streamed = self._arguments.get(item_id, "")
            arguments = _get(event, "arguments") or ""
            self._arguments[item_id] = arguments
            if not arguments.startswith(streamed) or arguments == streamed:
                return None
            index = self._advance(event)
            rest = arguments[len(streamed) :]
            fields["tool_call_chunks"] = [{"type": "tool_call_chunk", "args": rest, "index": index}]
            content.append({"type": "function_call", "arguments": rest, "index": index})
        elif kind == "response.refusal.done":
            refusal = _get(event, "refusal") or ""
            content.append({"type": "refusal", "refusal": refusal})
            fields["additional_kwargs"] = {"refusal": refusal}
        elif kind == "response.reasoning_summary_part.added":
            index = self._advance(event)
            summary_index = _get(event, "summary_index")
            content.append(
                {
                    "summary": [{"index": summary_index, "type": "summary_text", "text": ""}],
                    "index": index,
                    "type": "reasoning",
                    "id": _get(event, "item_id"),
                }
            )
        elif kind == "response.reasoning_summary_text.delta":
            index = self._advance(event)
            summary_index = _get(event, "summary_index")
            part = {"index": summary_index, "type": "summary_text", "text": _get(event, "delta")}
            content.append({"summary": [part], "index": index, "type": "reasoning"})
        else:
            # created/in_progress snapshots, part added/done, *.done repeats, error events
            # (the transport raises those as typed errors).
            return None
        message = AIMessageChunk(
            content=content,
            response_metadata=metadata,
            **fields,
        )
        if self.output_version == "v0":
            message = to_v0_message(message, has_reasoning=self.has_reasoning)  # type: ignore[assignment]
            self.has_reasoning = self.has_reasoning or "reasoning" in message.additional_kwargs
        return ChatGenerationChunk(message=message)

    def _final(self, response: Any) -> ChatGenerationChunk:
        """The terminal event: usage and response metadata (its content was streamed)."""
        self.finished = True
        calls = any(
            _get(item, "type") == "function_call" for item in _get(response, "output") or []
        )
        metadata = _response_metadata(
            response, model=self.model, gateway=self.gateway, has_calls=calls
        )
        metadata.pop("id", None)  # on the created chunk already (strings concatenate)
        usage = _get(response, "usage")
        message = AIMessageChunk(
            content=[],
            usage_metadata=(
                from_responses_usage(usage) if usage is not None and self.include_usage else None
            ),
            response_metadata=metadata,
            chunk_position="last",
        )
        return ChatGenerationChunk(message=message)
