"""The scripted model behind the Responses API: a Responses request is mapped onto the Chat
Completions body ``_brain.generate`` understands, and the answer gains a reasoning part.

Pure (no I/O). The mapping, item by item: ``instructions`` → a system message; a string
``input`` → one user message; ``message`` items keep their role, their ``input_text`` /
``output_text`` parts become text parts and ``input_image`` an ``image_url`` part;
``function_call`` items become the assistant's ``tool_calls`` (consecutive calls share one
assistant message); ``function_call_output`` → a ``tool`` message; ``reasoning`` items are
dropped (the server checks them). Flat function tools become ``{"type": "function",
"function": {...}}``, ``tool_choice`` and ``text.format`` their chat spellings, so tool picking,
structured output and tool-result answers behave exactly as on Chat Completions.

Reasoning: any effort but ``"none"`` (the default for gpt-5.4-nano) gives a reasoning part whose
text is a short deterministic summary of what the model decided (or the queued ``Reply``'s
``reasoning``). It costs ``count_tokens(text) × the effort's factor`` reasoning tokens, which
``max_output_tokens`` counts too, as OpenAI's does: reasoning that uses the whole budget leaves
no message at all (``incomplete``, reason ``max_output_tokens``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from ._brain import Generation, Reply, decide, generate
from ._conversation import Json
from ._tokens import count_tokens

Status = Literal["completed", "incomplete", "failed"]

#: gpt-5.4-nano's default effort on the Responses API (none: no reasoning item).
DEFAULT_EFFORT = "none"
_EFFORT_FACTOR = {"minimal": 1, "low": 2, "medium": 4, "high": 8, "xhigh": 16}


@dataclass(frozen=True)
class ResponsesTurn:
    """What the server renders as one Responses answer."""

    generation: Generation  # message text / function calls (reasoning not counted in it)
    reasoning: str | None  # the reasoning text (its summary); None when effort is "none"
    reasoning_tokens: int
    input_tokens: int
    output_tokens: int
    status: Status
    incomplete_reason: str | None  # "max_output_tokens" | "content_filter" when incomplete


# --- request → chat body --------------------------------------------------------------------


def input_items(request: Json) -> list[Json]:
    """``input`` as a list of items (a string is one user message)."""
    raw = request.get("input")
    if isinstance(raw, str):
        return [{"type": "message", "role": "user", "content": raw}]
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def item_type(item: Json) -> str:
    """An item's ``type``; an item with a ``role`` and no type is a message (EasyInputMessage)."""
    kind = item.get("type")
    if isinstance(kind, str):
        return kind
    return "message" if "role" in item else ""


def _chat_part(part: Any) -> Json | None:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind in ("input_text", "output_text") and isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]}
    if kind == "input_image":
        url = part.get("image_url") or part.get("file_id") or ""
        return {"type": "image_url", "image_url": {"url": str(url)}}
    return None  # refusal and file parts carry nothing the scripted model reads


def _chat_content(content: Any) -> str | list[Json]:
    if isinstance(content, str):
        return content
    parts = [p for p in map(_chat_part, content if isinstance(content, list) else []) if p]
    return parts


def output_text(output: Any) -> str:
    """A ``function_call_output``'s ``output``: a string, or the text of its parts."""
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "\n".join(
            str(p.get("text", "")) for p in output if isinstance(p, dict) and "text" in p
        )
    return json.dumps(output, ensure_ascii=False)


def to_chat_messages(items: list[Json], instructions: Any = None) -> list[Json]:
    messages: list[Json] = []
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    for item in items:
        kind = item_type(item)
        if kind == "message":
            messages.append(
                {"role": str(item.get("role")), "content": _chat_content(item.get("content"))}
            )
        elif kind == "function_call":
            call = {
                "id": str(item.get("call_id", "")),
                "type": "function",
                "function": {
                    "name": str(item.get("name", "")),
                    "arguments": str(item.get("arguments", "")),
                },
            }
            last = messages[-1] if messages else None
            if last is not None and last.get("role") == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": str(item.get("call_id", "")),
                    "content": output_text(item.get("output")),
                }
            )
    return messages


def to_chat_tools(tools: Any) -> list[Json]:
    out: list[Json] = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue  # hosted tools (web search, …) are accepted but never called
        function = {"name": tool.get("name"), "parameters": tool.get("parameters") or {}}
        if tool.get("description"):
            function["description"] = tool["description"]
        out.append({"type": "function", "function": function})
    return out


def to_chat_tool_choice(choice: Any) -> Any:
    if not isinstance(choice, dict):
        return choice
    if choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    if choice.get("type") == "allowed_tools":
        tools = [
            {"type": "function", "function": {"name": t.get("name")}}
            for t in choice.get("tools") or []
            if isinstance(t, dict)
        ]
        return {
            "type": "allowed_tools",
            "allowed_tools": {"mode": choice.get("mode"), "tools": tools},
        }
    return choice


def to_chat_response_format(text: Any) -> Json | None:
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema":
        spec = {"name": fmt.get("name"), "schema": fmt.get("schema") or {}}
        if "strict" in fmt:
            spec["strict"] = fmt["strict"]
        return {"type": "json_schema", "json_schema": spec}
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}
    return None


def to_chat_body(request: Json, history: list[Json] | None = None) -> Json:
    """The Chat Completions body that asks the scripted model the same question.

    ``history`` holds the items of the stored responses ``previous_response_id`` chains onto
    (their inputs and outputs, oldest first)."""
    items = [*(history or []), *input_items(request)]
    body: Json = {
        "model": request.get("model"),
        "messages": to_chat_messages(items, request.get("instructions")),
    }
    tools = to_chat_tools(request.get("tools"))
    if tools:
        body["tools"] = tools
    if "tool_choice" in request:
        body["tool_choice"] = to_chat_tool_choice(request["tool_choice"])
    if "parallel_tool_calls" in request:
        body["parallel_tool_calls"] = request["parallel_tool_calls"]
    response_format = to_chat_response_format(request.get("text"))
    if response_format is not None:
        body["response_format"] = response_format
    return body


# --- the answer -------------------------------------------------------------------------------


def effort_of(request: Json) -> str:
    reasoning = request.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    return effort if isinstance(effort, str) else DEFAULT_EFFORT


def reasoning_text(body: Json, reply: Reply) -> str:
    """A deterministic summary of what the model decided to do."""
    if reply.reasoning:
        return reply.reasoning
    calls = reply.tool_calls or []
    if reply.refusal:
        return "**Declining the request**\n\nThis asks for something I should not help with."
    if calls:
        names = " and ".join(f"`{call.get('name')}`" for call in calls)
        noun = "tool" if len(calls) == 1 else "tools"
        heading = "a tool" if len(calls) == 1 else "tools"
        return (
            f"**Choosing {heading}**\n\nThe request needs {names}, so I will call the {noun} "
            "with arguments taken from the message."
        )
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        return "**Using the tool results**\n\nThe tools answered; I will reply from their results."
    if body.get("response_format"):
        return "**Filling the schema**\n\nThe reply must be JSON; I will fill it from the request."
    return "**Answering directly**\n\nNo tool is needed; I will answer the message briefly."


def max_output_tokens(request: Json) -> int | None:
    value = request.get("max_output_tokens")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def respond(
    request: Json, queued: Reply | None = None, history: list[Json] | None = None
) -> ResponsesTurn:
    """The scripted model's answer to a validated Responses request."""
    body = to_chat_body(request, history)
    reply = queued if queued is not None else decide(body)
    effort = effort_of(request)
    reasoning: str | None = None
    reasoning_tokens = 0
    if effort != "none" or reply.reasoning:
        reasoning = reasoning_text(body, reply)
        reasoning_tokens = count_tokens(reasoning) * _EFFORT_FACTOR.get(effort, 1)
    limit = max_output_tokens(request)
    if limit is not None and reasoning_tokens >= limit:
        # The budget ran out while thinking: no message, no call (OpenAI's "incomplete").
        empty = generate(body, Reply(content=""))
        return ResponsesTurn(
            generation=replace(empty, pieces=[], completion_tokens=0, finish_reason="length"),
            reasoning=reasoning,
            reasoning_tokens=limit,
            input_tokens=empty.prompt_tokens,
            output_tokens=limit,
            status="incomplete",
            incomplete_reason="max_output_tokens",
        )
    if limit is not None:
        body["max_completion_tokens"] = limit - reasoning_tokens
    # Reasoning is counted here, not by _brain (which would add a queued reply's reasoning).
    generation = generate(body, replace(reply, reasoning=None))
    status: Status = "completed"
    reason: str | None = None
    if generation.finish_reason == "length":
        status, reason = "incomplete", "max_output_tokens"
    elif generation.finish_reason == "content_filter":
        status, reason = "incomplete", "content_filter"
    elif generation.finish_reason == "failed":
        status = "failed"
    return ResponsesTurn(
        generation=generation,
        reasoning=reasoning,
        reasoning_tokens=reasoning_tokens,
        input_tokens=generation.prompt_tokens,
        output_tokens=generation.completion_tokens + reasoning_tokens,
        status=status,
        incomplete_reason=reason,
    )
