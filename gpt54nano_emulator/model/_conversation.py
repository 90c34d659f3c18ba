"""Read what the emulator model needs out of a Chat Completions request body.

Pure helpers over the raw request JSON (already validated against the catalog schema): the
text of a message, the current user turn, the tools on offer and what ``tool_choice`` asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Json = dict[str, Any]
Mode = Literal["none", "auto", "required"]

# Roles that speak for the application rather than the model or the user.
SYSTEM_ROLES = ("system", "developer")
TOOL_ROLES = ("tool", "function")


def message_text(message: Json) -> str:
    """The text of a message: a string content, or the text parts of a list content."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts: list[str] = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
        return "\n".join(texts)
    return ""


def messages_of(body: Json) -> list[Json]:
    raw = body.get("messages")
    return [m for m in raw if isinstance(m, dict)] if isinstance(raw, list) else []


def system_text(messages: list[Json]) -> str:
    return "\n".join(message_text(m) for m in messages if m.get("role") in SYSTEM_ROLES)


def last_index(messages: list[Json], role: str) -> int:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == role:
            return i
    return -1


def last_user_text(messages: list[Json]) -> str:
    i = last_index(messages, "user")
    return message_text(messages[i]) if i >= 0 else ""


def ends_with_tool_results(messages: list[Json]) -> bool:
    return bool(messages) and messages[-1].get("role") in TOOL_ROLES


def trailing_tool_results(messages: list[Json]) -> list[str]:
    """The contents of the tool messages that end the conversation, oldest first."""
    out: list[str] = []
    for message in reversed(messages):
        if message.get("role") not in TOOL_ROLES:
            break
        out.append(message_text(message))
    return out[::-1]


def called_this_turn(messages: list[Json]) -> set[str]:
    """Names of the tools the assistant already called since the last user message."""
    names: set[str] = set()
    for message in messages[last_index(messages, "user") + 1 :]:
        if message.get("role") != "assistant":
            continue
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.add(function["name"])
    return names


@dataclass(frozen=True)
class ToolSpec:
    """One function tool offered in the request."""

    name: str
    description: str = ""
    parameters: Json = field(default_factory=dict)


def tools_of(body: Json) -> list[ToolSpec]:
    specs: list[ToolSpec] = []
    raw = body.get("tools")
    for tool in raw if isinstance(raw, list) else []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            continue
        params = function.get("parameters")
        specs.append(
            ToolSpec(
                name=function["name"],
                description=str(function.get("description") or ""),
                parameters=params if isinstance(params, dict) else {},
            )
        )
    return specs


@dataclass(frozen=True)
class ToolChoice:
    """``tool_choice`` reduced to a mode, an optional forced name and an allowed-name filter."""

    mode: Mode = "auto"
    name: str | None = None
    allowed: frozenset[str] | None = None


def _function_name(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    function = item.get("function")
    name = function.get("name") if isinstance(function, dict) else item.get("name")
    return name if isinstance(name, str) else None


def tool_choice_of(body: Json) -> ToolChoice:
    raw = body.get("tool_choice")
    if raw in ("none", "auto", "required"):
        return ToolChoice(mode=raw)
    if raw == "any":  # not OpenAI's spelling, but cheap to understand
        return ToolChoice(mode="required")
    if isinstance(raw, dict):
        if raw.get("type") == "allowed_tools":
            spec = raw.get("allowed_tools")
            spec = spec if isinstance(spec, dict) else {}
            names = {n for n in map(_function_name, spec.get("tools") or []) if n}
            mode: Mode = "required" if spec.get("mode") == "required" else "auto"
            return ToolChoice(mode=mode, allowed=frozenset(names))
        name = _function_name(raw)
        if name:
            return ToolChoice(mode="required", name=name)
    return ToolChoice()


def parallel_allowed(body: Json) -> bool:
    return body.get("parallel_tool_calls") is not False


def conversation_fingerprint(body: Json) -> str:
    """A stable text form of the conversation, for deterministic ids."""
    return json.dumps(
        {"messages": messages_of(body), "tools": body.get("tools")},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
