"""Exact o200k_base token counts for LangChain messages (extra ``tokens``).

The messages go through the adapter's own wire converters, then the transport's OpenAI
accounting (`gpt54nano_gateway.tokens`), so what is counted is what would be sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool

from gpt54nano_gateway import tokens

from ._convert import to_wire_messages, to_wire_tool

__all__ = ["count_messages", "token_ids"]


def token_ids(text: str) -> list[int]:
    """The o200k_base ids of ``text``."""
    return tokens.encode(text)


def count_messages(
    messages: Sequence[BaseMessage],
    tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool] | None = None,
) -> int:
    """Prompt tokens of ``messages`` (and ``tools``, any form `bind_tools` accepts)."""
    wire_tools = [to_wire_tool(tool) for tool in tools] if tools else None
    return tokens.count_message_tokens(to_wire_messages(messages), tools=wire_tools)
