"""GPT54Nano's offline tokenizer (o200k_base) in LlamaIndex memory budgets, and prompt counts.

LlamaIndex's default tokenizer is cl100k; these texts take about twice as many cl100k tokens
as o200k ones, so a budget counted with the wrong vocabulary keeps visibly fewer messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.core.memory import ChatMemoryBuffer, Memory
from llama_index.core.tools import FunctionTool
from llama_index.core.utils import get_tokenizer
from pydantic import BaseModel, Field

from gpt54nano_gateway import tokens
from llama_index_gpt54nano import GPT54Nano


@pytest.fixture
def llm() -> GPT54Nano:
    # Counting does no I/O: no emulator needed.
    return GPT54Nano(account_id="acct", api_key="token")


def _history() -> list[ChatMessage]:
    history = []
    for turn in range(6):
        history.append(
            ChatMessage(role="user", content=f"質問 {turn}: नमस्ते, आज मौसम कैसा है? 東京の天気は？")
        )
        history.append(ChatMessage(role="assistant", content=f"回答 {turn}: आज धूप है। 晴れです。"))
    return history


def test_tokenizer_is_o200k(llm: GPT54Nano) -> None:
    text = "Hello 世界 مرحبا 👍🏽 e\u0301 def f(): return 1234567890"
    assert llm.tokenizer(text) == llm.tokenizer.encode(text) == tokens.encode(text)
    cl100k = get_tokenizer()
    hindi = "नमस्ते, आज मौसम कैसा है?"
    assert len(llm.tokenizer(hindi)) < len(cl100k(hindi))


def _buffer_expected(history: list[ChatMessage], limit: int, count: Callable[[str], Any]) -> int:
    """How many trailing messages fit ``limit`` (ChatMemoryBuffer's rule: whole messages,
    joined by spaces, never starting on an assistant turn)."""
    best = 0
    for kept in range(1, len(history) + 1):
        tail = history[-kept:]
        if tail[0].role.value != "user":
            continue
        if len(count(" ".join(str(m.content) for m in tail))) <= limit:
            best = kept
    return best


def test_chat_memory_buffer_budget_counts_o200k(llm: GPT54Nano, run_io: Any) -> None:
    history = _history()
    limit = len(llm.tokenizer(" ".join(str(m.content) for m in history[-4:])))
    memory = ChatMemoryBuffer.from_defaults(
        chat_history=history, llm=llm, token_limit=limit, tokenizer_fn=llm.tokenizer
    )
    kept = run_io(memory.get, memory.aget)
    assert kept == history[-4:]
    assert _buffer_expected(history, limit, llm.tokenizer) == 4
    # The default (cl100k) tokenizer keeps fewer messages for the same budget.
    default = ChatMemoryBuffer.from_defaults(chat_history=history, token_limit=limit)
    assert len(run_io(default.get, default.aget)) == _buffer_expected(
        history, limit, get_tokenizer()
    )
    assert len(default.get()) < 4


def test_memory_budget_counts_o200k(llm: GPT54Nano, run_io: Any) -> None:
    history = _history()

    def kept_with(tokenizer: Callable[[str], Any]) -> list[ChatMessage]:
        memory = Memory.from_defaults(
            token_limit=100, chat_history_token_ratio=1.0, token_flush_size=10,
            tokenizer_fn=tokenizer,
        )  # fmt: skip
        run_io(lambda: memory.put_messages(history), lambda: memory.aput_messages(history))
        return list(run_io(memory.get, memory.aget))

    ours = kept_with(llm.tokenizer)
    assert ours == history[-len(ours) :]
    assert sum(len(llm.tokenizer(str(m.content))) for m in ours) <= 100
    assert len(ours) > len(kept_with(get_tokenizer()))


class WeatherQuery(BaseModel):
    location: str = Field(description="The city and state, e.g. San Francisco, CA")
    unit: Literal["celsius", "fahrenheit"] = Field(description="The unit of temperature to return")


def get_current_weather(location: str, unit: str = "celsius") -> str:
    return f"{location}: 21 {unit}"


def test_prompt_count_with_tools(llm: GPT54Nano) -> None:
    messages = [
        ChatMessage(
            role="system",
            content="You are a helpful assistant that can answer to questions about the weather.",
        ),
        ChatMessage(role="user", content="What's the weather like in San Francisco?"),
    ]
    weather = FunctionTool.from_defaults(
        get_current_weather,
        description="Get the current weather in a given location",
        fn_schema=WeatherQuery,
    )
    # The OpenAI cookbook's example: the API reported 101 prompt tokens for gpt-4o.
    assert llm.count_message_tokens(messages, tools=[weather]) == 101
    assert llm.count_message_tokens(messages) == 101 - tokens.count_tool_tokens(
        [weather.metadata.to_openai_tool(skip_length_check=True)]
    )


def test_prompt_count_of_tool_turns(llm: GPT54Nano) -> None:
    from llama_index.core.base.llms.types import TextBlock, ToolCallBlock

    call = ToolCallBlock(tool_call_id="call_1", tool_name="lookup", tool_kwargs={"q": "東京"})
    messages = [
        ChatMessage(role="user", content="look up 東京"),
        ChatMessage(role="assistant", blocks=[call]),
        ChatMessage(
            role="tool",
            blocks=[TextBlock(text="sunny")],
            additional_kwargs={"tool_call_id": "call_1"},
        ),
    ]
    # The adapter sends arguments JSON-escaped (json.dumps' default): that is what is counted.
    arguments = '{"q": "\\u6771\\u4eac"}'
    expected = (
        3 + tokens.count_tokens("user") + tokens.count_tokens("look up 東京")
        + 3 + tokens.count_tokens("assistant")
        + tokens.count_tokens(arguments) + tokens.count_tokens("lookup")
        + 3 + tokens.count_tokens("tool") + tokens.count_tokens("sunny") + 3
        + 3
    )  # fmt: skip
    assert llm.count_message_tokens(messages) == expected
