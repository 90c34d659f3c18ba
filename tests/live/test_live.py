"""Against the real Cloudflare endpoint: runs only when CLOUDFLARE_ACCOUNT_ID and
CLOUDFLARE_API_TOKEN are set (CLOUDFLARE_AI_GATEWAY_ID optional), skipped otherwise.

    CLOUDFLARE_ACCOUNT_ID=... CLOUDFLARE_API_TOKEN=... .venv/bin/pytest -m live tests/live

Each test makes one or two small calls (max_completion_tokens bounded), so a run costs little.
Assertions are about shapes and behaviour, never exact model text.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from gpt54nano_gateway import AsyncGatewayClient, GatewayClient, GatewayConfig

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (
            (os.environ.get("CLOUDFLARE_ACCOUNT_ID") or os.environ.get("CF_ACCOUNT_ID"))
            and (os.environ.get("CLOUDFLARE_API_TOKEN") or os.environ.get("CF_AI_API_TOKEN"))
        ),
        reason="live: set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN to run against Cloudflare",
    ),
]

QUESTION = {"messages": [{"role": "user", "content": "Reply with the single word: pong"}]}


@pytest.fixture
def config() -> GatewayConfig:
    return GatewayConfig.from_env()


def test_create(config: GatewayConfig, run_io: Callable[..., Any]) -> None:
    request = {**QUESTION, "max_completion_tokens": 200}

    async def async_create() -> Any:
        async with AsyncGatewayClient(config) as client:
            return await client.create(request)

    completion = run_io(lambda: GatewayClient(config).create(request), async_create)
    assert completion.choices[0].message.content
    assert completion.model.startswith("gpt-5.4-nano")
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert completion.meta is not None and completion.meta.status_code == 200


def test_stream(config: GatewayConfig, run_io: Callable[..., Any]) -> None:
    request = {**QUESTION, "max_completion_tokens": 200}

    def sync_stream() -> Any:
        with GatewayClient(config).stream(request) as stream:
            return stream.completion()

    async def async_stream() -> Any:
        async with AsyncGatewayClient(config) as client, client.stream(request) as stream:
            return await stream.completion()

    completion = run_io(sync_stream, async_stream)
    assert completion.choices[0].finish_reason in ("stop", "length")
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_langchain_tool_call(config: GatewayConfig) -> None:
    from langchain_gpt54nano import ChatGPT54Nano

    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"sunny in {city}"

    llm = ChatGPT54Nano(config=config).bind_tools([get_weather], tool_choice="any")
    message = llm.invoke("What's the weather in Paris?")
    assert message.tool_calls and message.tool_calls[0]["name"] == "get_weather"
    assert message.usage_metadata is not None


def test_llama_index_structured_predict(config: GatewayConfig) -> None:
    from llama_index.core.prompts import PromptTemplate

    from llama_index_gpt54nano import GPT54Nano

    class City(BaseModel):
        name: str
        country: str

    city = GPT54Nano(config=config).structured_predict(
        City, PromptTemplate("Name the capital of {country}."), country="Japan"
    )
    assert isinstance(city, City) and city.name


def test_responses_reasoning_with_tool_raw_httpx() -> None:
    """``/ai/v1/responses``: function tools with reasoning, summary and encrypted reasoning, then
    the second turn sends the reasoning item back (wire doc "Added 2026-12", Responses API).
    Raw httpx: this is the wire fact the emulator's Responses routes are written against."""
    import httpx

    account = os.environ.get("CLOUDFLARE_ACCOUNT_ID") or os.environ["CF_ACCOUNT_ID"]
    token = os.environ.get("CLOUDFLARE_API_TOKEN") or os.environ["CF_AI_API_TOKEN"]
    base = os.environ.get("CLOUDFLARE_BASE_URL", "https://api.cloudflare.com/client/v4")
    url = f"{base}/accounts/{account}/ai/v1/responses"
    headers = {"authorization": f"Bearer {token}"}
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Get the current weather for a city.",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        }
    ]
    question = {"role": "user", "content": "What's the weather in Paris? Use the tool."}
    body: dict[str, Any] = {
        "model": "openai/gpt-5.4-nano",
        "input": [question],
        "tools": tools,
        "tool_choice": "required",
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
        "store": False,
        "max_output_tokens": 600,
    }
    with httpx.Client(timeout=60) as client:
        first = client.post(url, headers=headers, json=body)
        assert first.status_code == 200, first.text
        data = first.json()
        assert data["object"] == "response" and data["model"].startswith("gpt-5.4-nano")
        kinds = [item["type"] for item in data["output"]]
        assert "function_call" in kinds
        usage = data["usage"]
        assert "cached_tokens" in usage["input_tokens_details"]
        assert "reasoning_tokens" in usage["output_tokens_details"]
        call = next(item for item in data["output"] if item["type"] == "function_call")
        follow_up = {
            **body,
            "tool_choice": "auto",
            "input": [
                question,
                *data["output"],
                {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"},
            ],
        }
        second = client.post(url, headers=headers, json=follow_up)
        assert second.status_code == 200, second.text
        assert second.json()["status"] in ("completed", "incomplete")
