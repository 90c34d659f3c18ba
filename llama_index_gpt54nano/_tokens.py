"""Exact o200k_base token counts for LlamaIndex (extra ``tokens``).

LlamaIndex counts memory and prompt budgets with a ``Callable[[str], list]`` tokenizer
(``Settings.tokenizer``, ``ChatMemoryBuffer`` / ``Memory`` ``tokenizer_fn``); its default is
cl100k. :class:`O200kTokenizer` is that callable for this model, with tiktoken's ``encode``
as well, so it also fits where an object with ``.encode`` is expected.
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.tools import BaseTool

from gpt54nano_gateway import tokens

from ._convert import to_wire_messages
from ._tools import to_wire_tool

__all__ = ["O200kTokenizer", "count_messages"]


class O200kTokenizer:
    """gpt-5.4-nano's tokenizer (``o200k_base``), offline; stateless, so one is shared."""

    name = tokens.ENCODING_NAME

    def __call__(self, text: str) -> list[int]:
        return tokens.encode(text)

    def encode(self, text: str) -> list[int]:
        return tokens.encode(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


TOKENIZER = O200kTokenizer()


def count_messages(messages: Sequence[ChatMessage], tools: Sequence[BaseTool] | None = None) -> int:
    """Prompt tokens of ``messages`` (and ``tools``) as OpenAI counts them, through the
    adapter's wire converters, so what is counted is what would be sent."""
    wire_tools = [to_wire_tool(tool) for tool in tools] if tools else None
    return tokens.count_message_tokens(to_wire_messages(messages), tools=wire_tools)
