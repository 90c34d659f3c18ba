"""ChatGPT54Nano's offline token counts: o200k_base ids, ChatOpenAI's accounting, trim_messages.

ChatOpenAI(model="gpt-4o") is the yardstick where the two algorithms are meant to agree. It
loads o200k_base through tiktoken, so TIKTOKEN_CACHE_DIR points tiktoken at the packaged rank
file (the one gpt54nano_gateway.tokens uses) and no download happens.
"""

from __future__ import annotations

import base64
import io
import warnings
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from gpt54nano_gateway import tokens
from langchain_gpt54nano import ChatGPT54Nano


@pytest.fixture
def llm() -> ChatGPT54Nano:
    # Counting does no I/O: no emulator needed.
    return ChatGPT54Nano(account_id="acct", api_key="token")


@pytest.fixture
def chat_openai(monkeypatch: pytest.MonkeyPatch) -> Any:
    import tiktoken.load
    from langchain_openai import ChatOpenAI

    def no_network(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to fetch {blobpath}")

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tokens.vocabulary_path().parent))
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    return ChatOpenAI(model="gpt-4o", api_key="sk-test")  # type: ignore[arg-type]


def _png_data_url(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


CONVERSATION: list[BaseMessage] = [
    SystemMessage("You are a terse assistant. Réponds en français si on te parle français."),
    HumanMessage("Quel temps fait-il à Paris ? 天気はどう？", name="alice"),
    AIMessage(
        "",
        tool_calls=[
            {"name": "get_weather", "args": {"city": "Paris", "unit": "°C"}, "id": "call_1"},
            {"name": "get_weather", "args": {"city": "東京"}, "id": "call_2"},
        ],
    ),
    ToolMessage('{"temp": 21, "sky": "clear"}', tool_call_id="call_1"),
    ToolMessage('{"temp": 18, "sky": "rain"}', tool_call_id="call_2"),
    AIMessage("Paris: 21 °C, clear. 東京: 18 °C, rain 🌧️."),
    HumanMessage(
        content=[
            {"type": "text", "text": "And this picture?"},
            {"type": "image_url", "image_url": {"url": _png_data_url(1200, 900)}},
            {"type": "image_url", "image_url": {"url": "https://x.test/a.png", "detail": "low"}},
        ]
    ),
    AIMessage("def f(x):\n    return x * 2\n\n# 12345678901234567890"),
]


def test_token_ids_are_o200k(llm: ChatGPT54Nano, chat_openai: Any) -> None:
    text = "Hello 世界 مرحبا 👍🏽 e\u0301 def f(): return 1234567890"
    assert llm.get_token_ids(text) == chat_openai.get_token_ids(text) == tokens.encode(text)
    assert llm.get_num_tokens(text) == len(tokens.encode(text))


def test_custom_token_ids_still_win() -> None:
    llm = ChatGPT54Nano(account_id="acct", api_key="token", custom_get_token_ids=lambda t: [1])
    assert llm.get_num_tokens("a long text") == 1


@pytest.mark.parametrize("upto", range(1, len(CONVERSATION) + 1))
def test_messages_count_like_chat_openai(llm: ChatGPT54Nano, chat_openai: Any, upto: int) -> None:
    messages = CONVERSATION[:upto]
    assert llm.get_num_tokens_from_messages(messages) == (
        chat_openai.get_num_tokens_from_messages(messages)
    )


def test_unfetched_image_url_counts_the_base_cost(llm: ChatGPT54Nano, chat_openai: Any) -> None:
    text = HumanMessage(content=[{"type": "text", "text": "look"}])
    with_url = HumanMessage(
        content=[
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
        ]
    )
    # ChatOpenAI fetches the URL (or counts 0 without fetching); nothing is fetched here.
    assert llm.get_num_tokens_from_messages([with_url]) == (
        llm.get_num_tokens_from_messages([text]) + 85
    )
    assert chat_openai.get_num_tokens_from_messages([with_url], allow_fetching_images=False) == (
        chat_openai.get_num_tokens_from_messages([text])
    )


class GetCurrentWeather(BaseModel):
    """Get the current weather in a given location"""

    location: str = Field(description="The city and state, e.g. San Francisco, CA")


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The city and state, e.g. San Francisco, CA",
                },
                "unit": {
                    "type": "string",
                    "description": "The unit of temperature to return",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            "required": ["location"],
        },
    },
}
WEATHER_MESSAGES = [
    SystemMessage("You are a helpful assistant that can answer to questions about the weather."),
    HumanMessage("What's the weather like in San Francisco?"),
]


def test_tools_are_counted(llm: ChatGPT54Nano, chat_openai: Any) -> None:
    # The OpenAI cookbook's example: the API reported 101 prompt tokens for gpt-4o.
    assert llm.get_num_tokens_from_messages(WEATHER_MESSAGES, tools=[WEATHER_TOOL]) == 101
    bare = llm.get_num_tokens_from_messages(WEATHER_MESSAGES)
    # ChatOpenAI ignores tools (with a warning); the messages alone agree.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert chat_openai.get_num_tokens_from_messages(WEATHER_MESSAGES, tools=[WEATHER_TOOL]) == (
            bare
        )
    # Any tool form bind_tools accepts counts as its wire schema.
    only_location = {
        **WEATHER_TOOL,
        "function": {
            **WEATHER_TOOL["function"],
            "parameters": {
                "type": "object",
                "properties": {
                    "location": WEATHER_TOOL["function"]["parameters"]["properties"]["location"]
                },
                "required": ["location"],
            },
        },
    }
    expected = llm.get_num_tokens_from_messages(WEATHER_MESSAGES, tools=[only_location])
    assert bare < expected < 101
    assert llm.get_num_tokens_from_messages(WEATHER_MESSAGES, tools=[GetCurrentWeather]) == (
        expected - tokens.count_tokens("get_current_weather")
        + tokens.count_tokens("GetCurrentWeather")
    )  # fmt: skip

    @tool
    def lookup(query: str) -> str:
        """Look something up."""
        return query

    assert llm.get_num_tokens_from_messages(WEATHER_MESSAGES, tools=[lookup]) == bare + (
        7 + tokens.count_tokens("lookup:Look something up") + 3 + 3
        + tokens.count_tokens("query:string:") + 12
    )  # fmt: skip


def test_trim_messages_to_a_budget(llm: ChatGPT54Nano, chat_openai: Any) -> None:
    # No system message: trim_messages counts a kept system message on its own, which adds a
    # second reply priming (3 tokens) to the total it compares with the budget.
    history = [
        message
        for turn in range(8)
        for message in (
            HumanMessage(f"Question {turn}: what is {turn} × 17? Réponse en chiffres."),
            AIMessage(f"{turn} × 17 = {turn * 17}. ✅"),
        )
    ]
    keep = history[-4:]
    budget = llm.get_num_tokens_from_messages(keep)

    def trim(max_tokens: int, counter: Any) -> list[BaseMessage]:
        return trim_messages(
            history,
            max_tokens=max_tokens,
            token_counter=counter,
            strategy="last",
            start_on="human",
        )

    assert trim(budget, llm) == keep
    # One token fewer: the oldest kept question/answer pair no longer fits.
    assert trim(budget - 1, llm) == history[-2:]
    assert trim(budget, chat_openai) == keep
