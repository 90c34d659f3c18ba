"""Pure tool plumbing: LlamaIndex tools -> wire tools, ``tool_choice`` resolution, and the
``ToolSelection``s read back from a (possibly half-streamed) response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json

from ._convert import UnsupportedContentError, to_wire_tool_call
from ._structured import to_strict_json_schema

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = [
    "parse_tool_arguments",
    "to_wire_tool",
    "to_wire_tool_choice",
    "tool_selections_from_message",
]

_MODES = ("none", "auto", "required")


def to_wire_tool(tool: BaseTool, *, strict: bool = False) -> dict[str, Any]:
    """One wire function tool. ``strict`` asks for OpenAI strict mode, whose schema rules
    (every property required, no extra properties) the schema is rewritten to follow."""
    spec = tool.metadata.to_openai_tool(skip_length_check=True)
    if strict:
        function = spec["function"]
        function["parameters"] = to_strict_json_schema(function.get("parameters") or {})
        function["strict"] = True
    return spec


def to_wire_tool_choice(
    tool_choice: str | Mapping[str, Any] | None,
    *,
    tool_required: bool,
    tool_names: Sequence[str],
) -> str | dict[str, Any]:
    """The wire ``tool_choice``: ``None`` -> ``"required"`` if ``tool_required`` else ``"auto"``;
    a mode string as is; any other string names a tool (``FunctionAgent(initial_tool_choice=)``);
    a dict is a wire form already. A name that is not among the tools is refused here, where
    the mistake is made, rather than by the server."""
    if tool_choice is None:
        return "required" if tool_required else "auto"
    if isinstance(tool_choice, Mapping):
        return dict(tool_choice)
    if tool_choice in _MODES:
        return tool_choice
    if tool_choice not in tool_names:
        raise ValueError(
            f"tool_choice={tool_choice!r} names no tool in this request (tools: {list(tool_names)})"
        )
    return {"type": "function", "function": {"name": tool_choice}}


def parse_tool_arguments(arguments: Any) -> dict[str, Any]:
    """Tool arguments as a dict: a dict as is, a JSON string parsed, a truncated JSON string
    (mid-stream) parsed as far as it goes; anything unparsable gives ``{}``."""
    if isinstance(arguments, Mapping):
        return dict(arguments)
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        value = parse_partial_json(arguments)  # json.loads first, then closes what is open
    except (ValueError, RecursionError):  # RecursionError: nested too deep for json.loads
        return {}
    return value if isinstance(value, dict) else {}


def tool_selections_from_message(message: ChatMessage) -> list[ToolSelection]:
    """Every tool call a message carries, ``ToolCallBlock``s first, else the legacy
    ``additional_kwargs["tool_calls"]`` in whatever shape another LLM class left there."""
    blocks = [block for block in message.blocks if isinstance(block, ToolCallBlock)]
    if blocks:
        return [
            ToolSelection(
                tool_id=block.tool_call_id or f"call_{index}",
                tool_name=block.tool_name,
                tool_kwargs=parse_tool_arguments(block.tool_kwargs),
            )
            for index, block in enumerate(blocks)
        ]
    selections: list[ToolSelection] = []
    for index, call in enumerate(message.additional_kwargs.get("tool_calls") or []):
        if isinstance(call, ToolSelection):
            selections.append(call)
            continue
        try:
            wire = to_wire_tool_call(call, index)
        except UnsupportedContentError:
            continue  # a call whose name has not streamed in yet
        selections.append(
            ToolSelection(
                tool_id=wire["id"],
                tool_name=wire["function"]["name"],
                tool_kwargs=parse_tool_arguments(wire["function"]["arguments"]),
            )
        )
    return selections
