"""Pure conversions between LlamaIndex chat messages and the Responses API wire (``/v1/responses``).

Nothing here does I/O. Outbound, ``to_responses_input`` turns a history into input items and
``to_responses_body`` a call (fields + per-call keyword arguments, in the Chat Completions
spellings the rest of LlamaIndex uses) into a Responses body. Inbound, ``from_responses_output``
turns a ``Response`` into the ``ChatResponse`` agents expect, and ``ResponsesStreamAssembler``
does the same, event by event, for a stream.

Reasoning round trip: each ``reasoning`` output item becomes one ``ThinkingBlock`` whose
``content`` is the summary text and whose ``additional_information`` holds the item's ``id`` and
``encrypted_content`` (the same keys llama-index-llms-openai's ``OpenAIResponses`` uses, so a
history made by either class goes through the other). On the next turn that block goes back as
the ``reasoning`` item, ahead of the call or message it produced, which is what lets the model
continue its chain of thought across tool calls without any server-side state (``store: false``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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

from gpt54nano_gateway.errors import ConfigurationError

from ._convert import UnsupportedContentError, meta_to_kwargs, to_wire_tool_call

__all__ = [
    "ENCRYPTED_REASONING",
    "ResponsesParameterError",
    "ResponsesStreamAssembler",
    "from_responses_output",
    "responses_usage_to_kwargs",
    "to_responses_body",
    "to_responses_input",
    "to_responses_text_format",
    "to_responses_tool",
    "to_responses_tool_choice",
]

#: The ``include`` value that makes reasoning items carry ``encrypted_content``.
ENCRYPTED_REASONING = "reasoning.encrypted_content"


class ResponsesParameterError(ConfigurationError):
    """A Chat Completions parameter the Responses API has no place for (raised before sending)."""


# --- outbound: history -> input items --------------------------------------------------------

_ROLES: dict[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "developer",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
}


def to_responses_input(
    messages: Sequence[ChatMessage], *, stored: bool = False
) -> list[dict[str, Any]]:
    """The ``input`` items for a LlamaIndex history.

    ``stored`` says the earlier responses were made with ``store: true``: a reasoning item may
    then go back by ``id`` alone. Otherwise only reasoning with ``encrypted_content`` can go back
    (a bare id is answered 404 "Items are not persisted when store is false"); reasoning that
    cannot go back (a Chat Completions ``reasoning_content``, another provider's thinking) is
    left out, as the Chat Completions path leaves every ``ThinkingBlock`` out.
    """
    items: list[dict[str, Any]] = []
    for message in messages:
        role = _role(message)
        if role == "assistant":
            items.extend(_assistant_items(message, stored=stored))
        elif role == "tool":
            items.append(_tool_output(message))
        elif role == "user":
            items.append({"type": "message", "role": "user", "content": _user_content(message)})
        else:
            items.append({"type": "message", "role": role, "content": _text_only(message, role)})
    return items


def _role(message: ChatMessage) -> str:
    try:
        return _ROLES[MessageRole(message.role)]
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


def _input_part(block: Any) -> dict[str, Any] | None:
    """A user/tool-result content part (``None``: a block with nothing to send)."""
    if isinstance(block, TextBlock):
        return {"type": "input_text", "text": block.text}
    if isinstance(block, ImageBlock):
        url = str(block.url) if block.url is not None and block.image is None else None
        part: dict[str, Any] = {"type": "input_image", "image_url": url or block.inline_url()}
        part["detail"] = block.detail if block.detail in ("auto", "low", "high") else "auto"
        return part
    if isinstance(block, DocumentBlock):
        return {
            "type": "input_file",
            "filename": block.title or "document",
            "file_data": block.inline_url(),
        }
    if isinstance(block, CachePoint):
        return None  # a caching hint for other providers; OpenAI caches prefixes by itself
    if isinstance(block, AudioBlock):
        raise UnsupportedContentError("the Responses API takes no audio input for this model")
    raise UnsupportedContentError(
        f"{type(block).__name__} cannot be sent to openai/gpt-5.4-nano on the Responses API"
    )


def _user_content(message: ChatMessage) -> str | list[dict[str, Any]]:
    parts = [part for part in map(_input_part, message.blocks) if part is not None]
    if all(part["type"] == "input_text" for part in parts):
        return "\n".join(part["text"] for part in parts)
    return parts


def _assistant_items(message: ChatMessage, *, stored: bool) -> list[dict[str, Any]]:
    """Reasoning, text and calls in block order (the order the model produced them)."""
    items: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []

    def flush_text() -> None:
        if texts:
            items.append({"type": "message", "role": "assistant", "content": list(texts)})
            texts.clear()

    has_calls = False
    for block in message.blocks:
        if isinstance(block, TextBlock):
            if block.text:
                texts.append({"type": "output_text", "text": block.text})
        elif isinstance(block, ToolCallBlock):
            flush_text()
            items.append(_function_call(block, len(items)))
            has_calls = True
        elif isinstance(block, ThinkingBlock):
            flush_text()
            reasoning = _reasoning_item(block, stored=stored)
            if reasoning is not None:
                items.append(reasoning)
        elif not isinstance(block, CachePoint):
            raise UnsupportedContentError(
                f"an assistant message can only carry text, reasoning and tool calls, "
                f"got a {type(block).__name__}"
            )
    flush_text()
    if not has_calls:  # calls another LLM class left in the legacy carrier
        for index, call in enumerate(message.additional_kwargs.get("tool_calls") or []):
            items.append(_function_call(call, index))
    return _pair_reasoning(items)


def _function_call(call: Any, index: int) -> dict[str, Any]:
    wire = to_wire_tool_call(call, index)
    return {
        "type": "function_call",
        "call_id": wire["id"],
        "name": wire["function"]["name"],
        "arguments": wire["function"]["arguments"],
    }


def _reasoning_item(block: ThinkingBlock, *, stored: bool) -> dict[str, Any] | None:
    info = block.additional_information
    item_id = info.get("id")
    encrypted = info.get("encrypted_content")
    if not isinstance(item_id, str) or not (encrypted or stored):
        return None
    summary = [{"type": "summary_text", "text": block.content}] if block.content else []
    item: dict[str, Any] = {"type": "reasoning", "id": item_id, "summary": summary}
    if encrypted:
        item["encrypted_content"] = encrypted
    return item


def _pair_reasoning(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop reasoning not followed by a call or an assistant message: the API refuses it
    ("provided without its required following item"), e.g. reasoning cut off by the budget."""
    kept: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if item["type"] == "reasoning":
            following = items[index + 1]["type"] if index + 1 < len(items) else None
            if following not in ("function_call", "message"):
                continue
        kept.append(item)
    return kept


def _tool_output(message: ChatMessage) -> dict[str, Any]:
    call_id = message.additional_kwargs.get("tool_call_id") or message.additional_kwargs.get(
        "call_id"
    )
    if not call_id:
        raise UnsupportedContentError(
            "a tool message needs additional_kwargs['tool_call_id'] (the id of the call it answers)"
        )
    parts = [part for part in map(_input_part, message.blocks) if part is not None]
    output: str | list[dict[str, Any]]
    if all(part["type"] == "input_text" for part in parts):
        output = "\n".join(part["text"] for part in parts)
    else:
        output = parts  # function_call_output takes images and files as well as text
    return {"type": "function_call_output", "call_id": str(call_id), "output": output}


# --- outbound: tools, tool_choice, text.format ------------------------------------------------


def to_responses_tool(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A Responses function tool from a Chat Completions one (or a flat one, as is).

    ``strict`` is always sent. On this API an omitted ``strict`` means *true* (on Chat
    Completions, false), which puts a loose LlamaIndex schema into strict mode, where the
    model fills every optional argument (seen by vercel/ai#15889, open-webui#30046). So the
    adapter sends ``strict: false`` unless strict mode was asked for.
    """
    function = spec.get("function")
    if not isinstance(function, Mapping):
        flat = dict(spec)
        flat.setdefault("strict", False)
        return flat
    tool: dict[str, Any] = {"type": "function", "name": function.get("name")}
    if function.get("description"):
        tool["description"] = function["description"]
    tool["parameters"] = function.get("parameters") or {"type": "object", "properties": {}}
    tool["strict"] = bool(function.get("strict", False))
    return tool


def to_responses_tool_choice(choice: Any) -> Any:
    """``tool_choice`` in Responses spelling (modes are the same; a named function is flat)."""
    if not isinstance(choice, Mapping):
        return choice
    if choice.get("type") == "function" and isinstance(choice.get("function"), Mapping):
        return {"type": "function", "name": choice["function"].get("name")}
    allowed = choice.get("allowed_tools")
    if choice.get("type") == "allowed_tools" and isinstance(allowed, Mapping):
        return {
            "type": "allowed_tools",
            "mode": allowed.get("mode"),
            "tools": [to_responses_tool_choice(tool) for tool in allowed.get("tools") or []],
        }
    return dict(choice)


def to_responses_text_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """``text.format`` from a Chat Completions ``response_format`` (or a flat one, as is)."""
    spec = response_format.get("json_schema")
    if response_format.get("type") != "json_schema" or not isinstance(spec, Mapping):
        return dict(response_format)
    fmt: dict[str, Any] = {
        "type": "json_schema",
        "name": spec.get("name"),
        "schema": spec.get("schema"),
    }
    for key in ("description", "strict"):
        if spec.get(key) is not None:
            fmt[key] = spec[key]
    return fmt


# --- outbound: the request body ---------------------------------------------------------------

#: Request parameters with the same name and meaning on both wires.
SHARED_PARAMETERS = frozenset(
    {
        "instructions",
        "include",
        "metadata",
        "parallel_tool_calls",
        "prompt_cache_key",
        "prompt_cache_retention",
        "safety_identifier",
        "service_tier",
        "store",
        "temperature",
        "top_p",
        "user",
        "max_output_tokens",
        "previous_response_id",
        "truncation",
        "max_tool_calls",
    }
)
#: Chat Completions spellings this module translates (see ``to_responses_body``).
TRANSLATED_PARAMETERS = frozenset(
    {
        "max_tokens",
        "max_completion_tokens",
        "reasoning_effort",
        "reasoning",
        "verbosity",
        "response_format",
        "text",
        "tools",
        "tool_choice",
    }
)


def to_responses_body(
    messages: Sequence[ChatMessage],
    *,
    model: str,
    settings: Mapping[str, Any],
    reasoning_summary: str | None,
    chat_only: Iterable[str] = (),
) -> dict[str, Any]:
    """The JSON body of a Responses call.

    ``settings`` are the call's parameters in either spelling, later ones winning (the
    adapter passes its fields, then ``additional_kwargs``, then the per-call keywords, all with
    ``None`` meaning unset). Translated: ``max_tokens`` / ``max_completion_tokens`` ->
    ``max_output_tokens``; ``reasoning_effort`` -> ``reasoning.effort`` (with
    ``reasoning.summary`` and ``include: ["reasoning.encrypted_content"]`` when the effort is not
    ``"none"``, so summaries show and the reasoning can go back next turn); ``verbosity`` /
    ``response_format`` -> ``text``; tools and ``tool_choice`` flattened. ``store`` is false unless
    asked for: the history lives in LlamaIndex, so nothing needs keeping server-side (and
    ZDR accounts refuse stored responses). A name in ``chat_only`` (a Chat Completions parameter
    with no Responses equivalent, such as ``stop`` or ``seed``) raises
    ``ResponsesParameterError``.
    """
    chat_only = frozenset(chat_only)
    body: dict[str, Any] = {"model": model}
    text: dict[str, Any] = {}
    reasoning: dict[str, Any] = {}
    for key, value in settings.items():
        if value is None:
            continue
        if key in SHARED_PARAMETERS:
            body[key] = value
        elif key in ("max_tokens", "max_completion_tokens"):
            body["max_output_tokens"] = value
        elif key == "reasoning_effort":
            reasoning["effort"] = value
        elif key == "reasoning":
            reasoning.update(value)
        elif key == "verbosity":
            text["verbosity"] = value
        elif key == "response_format":
            text["format"] = to_responses_text_format(value)
        elif key == "text":
            text.update(value)
        elif key == "tools":
            body["tools"] = [to_responses_tool(tool) for tool in value]
        elif key == "tool_choice":
            body["tool_choice"] = to_responses_tool_choice(value)
        elif key in chat_only:
            raise ResponsesParameterError(
                f"{key!r} is a Chat Completions parameter with no Responses API equivalent: "
                "leave it out, or pass use_responses_api=False"
            )
    stored = body.get("store") is True
    body["input"] = to_responses_input(messages, stored=stored)
    body.setdefault("store", False)
    if reasoning.get("effort") not in (None, "none"):
        if reasoning_summary is not None:
            reasoning.setdefault("summary", reasoning_summary)
        include = list(body.get("include") or [])
        if ENCRYPTED_REASONING not in include:
            include.append(ENCRYPTED_REASONING)
        body["include"] = include
    if reasoning:
        body["reasoning"] = reasoning
    if text:
        body["text"] = text
    return body


# --- inbound: Response -> ChatResponse --------------------------------------------------------


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """An attribute of a wire model, or a key of an item kept as a plain mapping."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _summary_text(item: Any) -> str | None:
    texts = [str(_get(part, "text") or "") for part in _get(item, "summary") or ()]
    return "\n\n".join(texts) if texts else None


def thinking_block(item: Any, *, num_tokens: int | None = None) -> ThinkingBlock:
    """A ``ThinkingBlock`` for one reasoning item: summary as content, id and encrypted
    content kept for the next turn."""
    info: dict[str, Any] = {"type": "reasoning", "id": _get(item, "id")}
    encrypted = _get(item, "encrypted_content")
    if encrypted:
        info["encrypted_content"] = encrypted
    return ThinkingBlock(
        content=_summary_text(item), num_tokens=num_tokens, additional_information=info
    )


def _legacy_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def message_from_output(output: Iterable[Any], *, reasoning_tokens: int | None) -> ChatMessage:
    """The assistant message for a list of output items, blocks in output order."""
    blocks: list[Any] = []
    calls: list[dict[str, Any]] = []
    refusals: list[str] = []
    first_reasoning = True
    for item in output:
        kind = _get(item, "type")
        if kind == "reasoning":
            blocks.append(
                thinking_block(item, num_tokens=reasoning_tokens if first_reasoning else None)
            )
            first_reasoning = False
        elif kind == "message":
            for part in _get(item, "content") or ():
                part_type = _get(part, "type")
                if part_type == "output_text":
                    blocks.append(TextBlock(text=str(_get(part, "text") or "")))
                elif part_type == "refusal":
                    refusals.append(str(_get(part, "refusal") or ""))
        elif kind == "function_call":
            call_id = str(_get(item, "call_id") or f"call_{len(calls)}")
            name, arguments = str(_get(item, "name") or ""), str(_get(item, "arguments") or "")
            blocks.append(
                ToolCallBlock(tool_call_id=call_id, tool_name=name, tool_kwargs=arguments)
            )
            calls.append(_legacy_call(call_id, name, arguments))
    if not calls and not any(isinstance(block, TextBlock) for block in blocks):
        blocks.append(TextBlock(text=""))  # no answer (budget spent on reasoning): "" not None
    additional: dict[str, Any] = {}
    if calls:
        additional["tool_calls"] = calls
    if refusals:
        additional["refusal"] = "".join(refusals)
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=additional)


def responses_usage_to_kwargs(usage: Any) -> dict[str, Any]:
    """Token counts under the same keys as the Chat Completions path (``prompt_tokens``...)."""
    if usage is None:
        return {}
    counts: dict[str, Any] = {
        "prompt_tokens": _get(usage, "input_tokens"),
        "completion_tokens": _get(usage, "output_tokens"),
        "total_tokens": _get(usage, "total_tokens"),
    }
    cached = _get(_get(usage, "input_tokens_details"), "cached_tokens")
    if cached is not None:
        counts["cached_tokens"] = cached
    reasoning = _get(_get(usage, "output_tokens_details"), "reasoning_tokens")
    if reasoning is not None:
        counts["reasoning_tokens"] = reasoning
    return counts


def finish_reason(response: Any) -> str | None:
    """A Chat Completions ``finish_reason`` for the response's status, for code reading one."""
    status = _get(response, "status")
    if status == "completed":
        calls = any(
            _get(item, "type") == "function_call" for item in _get(response, "output") or ()
        )
        return "tool_calls" if calls else "stop"
    if status == "incomplete":
        reason = _get(_get(response, "incomplete_details"), "reason")
        return "content_filter" if reason == "content_filter" else "length"
    return None


def response_kwargs(response: Any) -> dict[str, Any]:
    """``ChatResponse.additional_kwargs`` for a finished response: usage, finish reason,
    status, response id and the gateway meta."""
    usage = _get(response, "usage")
    extra = responses_usage_to_kwargs(usage)
    if (reason := finish_reason(response)) is not None:
        extra["finish_reason"] = reason
    extra["status"] = _get(response, "status")
    extra["response_id"] = _get(response, "id")
    extra.update(meta_to_kwargs(_get(response, "meta")))
    return extra


def _reasoning_tokens(response: Any) -> int | None:
    tokens = _get(_get(_get(response, "usage"), "output_tokens_details"), "reasoning_tokens")
    return tokens if isinstance(tokens, int) else None


def from_responses_output(response: Any) -> ChatResponse:
    """A ``ChatResponse`` for a finished ``Response``; ``raw`` is the response."""
    message = message_from_output(
        _get(response, "output") or (), reasoning_tokens=_reasoning_tokens(response)
    )
    return ChatResponse(message=message, raw=response, additional_kwargs=response_kwargs(response))


# --- inbound: stream events -> ChatResponses --------------------------------------------------


class _Slot:
    """One output item while it streams."""

    __slots__ = ("arguments", "call_id", "kind", "name", "summary", "text")

    def __init__(self, kind: str, item: Any) -> None:
        self.kind = kind
        self.text = ""  # message text / reasoning summary so far
        # Summary parts by index: a dict, since padding a list up to an index a broken
        # stream sends would allocate without bound.
        self.summary: dict[int, str] = {}
        self.call_id = str(_get(item, "call_id") or "")
        self.name = str(_get(item, "name") or "")
        self.arguments = str(_get(item, "arguments") or "")


class ResponsesStreamAssembler:
    """Feed each stream event; get the ``ChatResponse`` to yield, or ``None``.

    Every response carries the full text so far in ``message.content`` and only the new text
    in ``delta``; reasoning-summary deltas ride in ``additional_kwargs["thinking_delta"]`` (which
    agents forward as ``AgentStream.thinking_delta``) and the summary so far in a
    ``ThinkingBlock``; every tool call so far is a ``ToolCallBlock`` (arguments as streamed so
    far, which ``get_tool_calls_from_response`` parses partially) and a legacy
    ``additional_kwargs["tool_calls"]`` entry, and the new argument text is in
    ``additional_kwargs["tool_call_delta"]``. The terminal event (``response.completed`` /
    ``response.incomplete``) gives the final response, built exactly as the non-streamed one
    (``from_responses_output``) so it carries the encrypted reasoning, usage and finish reason.
    """

    def __init__(self, meta: Any = None) -> None:
        self._meta = meta
        self._meta_kwargs = meta_to_kwargs(meta)
        self._slots: dict[int, _Slot] = {}
        self.last: ChatResponse | None = None

    def feed(self, event: Any) -> ChatResponse | None:
        kind = _get(event, "type")
        extra: dict[str, Any] = {}
        delta = ""
        if kind == "response.output_text.delta":
            delta = str(_get(event, "delta") or "")
            slot = self._slot(event, "message")
            slot.text += delta
        elif kind == "response.reasoning_summary_text.delta":
            piece = str(_get(event, "delta") or "")
            slot = self._slot(event, "reasoning")
            index = _get(event, "summary_index") or 0
            slot.summary[index] = slot.summary.get(index, "") + piece
            extra["thinking_delta"] = piece
        elif kind == "response.function_call_arguments.delta":
            piece = str(_get(event, "delta") or "")
            slot = self._slot(event, "function_call")
            slot.arguments += piece
            extra["tool_call_delta"] = {"call_id": slot.call_id, "name": slot.name, "delta": piece}
        elif kind == "response.output_item.added":
            item = _get(event, "item")
            item_kind = str(_get(item, "type") or "")
            self._slots[int(_get(event, "output_index") or 0)] = _Slot(item_kind, item)
            if item_kind != "function_call":
                return None  # a call shows as soon as it starts; text and reasoning on deltas
        elif kind in ("response.completed", "response.incomplete"):
            return self._final(_get(event, "response"), event)
        else:
            return None
        if self.last is None:
            extra.update(self._meta_kwargs)
        response = ChatResponse(
            message=self._message(), delta=delta, raw=event, additional_kwargs=extra
        )
        self.last = response
        return response

    def final(self, response: Any) -> ChatResponse:
        """The closing response from the final ``Response`` (when the terminal event was not
        fed, or to rebuild it), with the gateway meta of the stream."""
        return self._final(response, response)

    def _final(self, response: Any, raw: Any) -> ChatResponse:
        final = from_responses_output(response)
        final.raw = raw
        final.delta = ""
        final.additional_kwargs.update(self._meta_kwargs)
        self.last = final
        return final

    def _slot(self, event: Any, kind: str) -> _Slot:
        index = int(_get(event, "output_index") or 0)
        slot = self._slots.get(index)
        if slot is None:  # a delta without its output_item.added: tolerate, as the SDK does
            slot = self._slots[index] = _Slot(kind, None)
        return slot

    def _message(self) -> ChatMessage:
        blocks: list[Any] = []
        calls: list[dict[str, Any]] = []
        texts: list[str] = []
        for index in sorted(self._slots):
            slot = self._slots[index]
            if slot.kind == "reasoning":
                if slot.summary:
                    parts = [slot.summary[at] for at in sorted(slot.summary)]
                    blocks.append(ThinkingBlock(content="\n\n".join(parts)))
            elif slot.kind == "message":
                texts.append(slot.text)
            elif slot.kind == "function_call":
                call_id = slot.call_id or f"call_{len(calls)}"
                calls.append(_legacy_call(call_id, slot.name, slot.arguments))
        blocks.append(TextBlock(text="".join(texts)))
        if not calls:
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
        blocks.extend(
            ToolCallBlock(
                tool_call_id=call["id"],
                tool_name=call["function"]["name"],
                tool_kwargs=call["function"]["arguments"],
            )
            for call in calls
        )
        return ChatMessage(
            role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs={"tool_calls": calls}
        )
