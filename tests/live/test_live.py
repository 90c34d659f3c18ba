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


def test_llama_index_gpt5_parameters_and_streamed_tool_arguments(
    config: GatewayConfig, run_io: Callable[..., Any]
) -> None:
    """Per-call / additional_kwargs GPT-5 parameters are accepted by the service (issue 12), and
    streamed tool-call arguments parse to the complete call (issue 16)."""
    from llama_index.core.llms import ChatMessage
    from llama_index.core.tools import FunctionTool

    from llama_index_gpt54nano import GPT54Nano

    llm = GPT54Nano(
        config=config,
        max_tokens=300,
        additional_kwargs={"prompt_cache_key": "gpt54nano-live", "safety_identifier": "live-1"},
    )
    messages = [ChatMessage(role="user", content="Reply with the single word: pong")]
    kwargs = {"verbosity": "low", "reasoning_effort": "none", "store": False}
    response = run_io(lambda: llm.chat(messages, **kwargs), lambda: llm.achat(messages, **kwargs))
    assert response.message.content

    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"sunny in {city}"

    tools = [FunctionTool.from_defaults(fn=get_weather)]
    last = None
    for last in llm.stream_chat_with_tools(
        tools, user_msg="Weather in Paris?", tool_required=True, reasoning_effort="none"
    ):
        llm.get_tool_calls_from_response(last, error_on_no_tool_call=False)
    assert last is not None
    calls = llm.get_tool_calls_from_response(last)
    assert calls[0].tool_name == "get_weather" and "city" in calls[0].tool_kwargs


# --- OpenAI's own rejections, as Cloudflare relays them (docs/reference/cloudflare-wire.md,
# "Added 2026-12"). Sent with raw httpx, not the transport, whose model rules may refuse these
# requests before sending: the point is what the service answers. The emulator gives the same
# bodies (tests/emulator/test_openai_rules.py).


def _raw_post(body: dict[str, Any]) -> Any:
    import httpx

    account = os.environ.get("CLOUDFLARE_ACCOUNT_ID") or os.environ["CF_ACCOUNT_ID"]
    token = os.environ.get("CLOUDFLARE_API_TOKEN") or os.environ["CF_AI_API_TOKEN"]
    base = os.environ.get("CLOUDFLARE_BASE_URL") or "https://api.cloudflare.com/client/v4"
    url = f"{base.rstrip('/')}/accounts/{account}/ai/v1/chat/completions"
    full = {"model": "openai/gpt-5.4-nano", "max_completion_tokens": 50, **body}
    return httpx.post(url, json=full, headers={"authorization": f"Bearer {token}"}, timeout=60)


ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


def _openai_error(message: str, param: str | None, code: str | None = None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    }


def test_gpt54_function_tools_with_reasoning_effort_is_openais_400() -> None:
    response = _raw_post({**QUESTION, "tools": [ADD_TOOL], "reasoning_effort": "low"})
    assert response.status_code == 400
    assert response.json() == _openai_error(
        "Function tools with reasoning_effort are not supported for gpt-5.4-nano in "
        "/v1/chat/completions. To use function tools, use /v1/responses or set "
        "reasoning_effort to 'none'.",
        "reasoning_effort",
    )


@pytest.mark.parametrize("extra", [{}, {"reasoning_effort": "none"}])
def test_gpt54_function_tools_without_effort_or_none_are_accepted(extra: dict[str, Any]) -> None:
    assert _raw_post({**QUESTION, "tools": [ADD_TOOL], **extra}).status_code == 200


def test_gpt54_minimal_reasoning_effort_is_unsupported_value() -> None:
    response = _raw_post({**QUESTION, "reasoning_effort": "minimal"})
    assert response.status_code == 400
    assert response.json() == _openai_error(
        "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
        "Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.",
        "reasoning_effort",
        "unsupported_value",
    )


def test_unknown_argument_is_unrecognized() -> None:
    response = _raw_post({**QUESTION, "thinking": {"type": "enabled"}})
    assert response.status_code == 400
    assert response.json() == _openai_error(
        "Unrecognized request argument supplied: thinking", None
    )


def test_tool_history_rules_are_openais_400s() -> None:
    user = {"role": "user", "content": "Add 2 and 3"}
    orphan = _raw_post(
        {"messages": [user, {"role": "tool", "tool_call_id": "call_1", "content": "5"}]}
    )
    assert orphan.status_code == 400
    assert orphan.json() == _openai_error(
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
        "message with 'tool_calls'.",
        "messages.[1].role",
    )
    call = {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{}"}}
    assistant = {"role": "assistant", "content": None, "tool_calls": [call]}
    unanswered = _raw_post(
        {"messages": [user, assistant, {"role": "user", "content": "go on"}], "tools": [ADD_TOOL]}
    )
    assert unanswered.status_code == 400
    assert unanswered.json() == _openai_error(
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        "call_1",
        "messages.[1].role",
    )


# --- gateway logs, custom cost (raw HTTP: facts the emulator plays, see gpt54nano_emulator) ---


def _log_api(config: GatewayConfig) -> tuple[str, dict[str, str]]:
    gateway = os.environ.get("CLOUDFLARE_AI_GATEWAY_ID") or "default"
    url = f"https://api.cloudflare.com/client/v4/accounts/{config.account_id}"
    url += f"/ai-gateway/gateways/{gateway}/logs"
    token = config.api_token.get_secret_value()
    return url, {"authorization": f"Bearer {token}"}


def _written_log(client: Any, url: str, headers: dict[str, str], log_id: str) -> Any:
    import time

    for _ in range(20):  # logs are written asynchronously (cloudflare/ai#255)
        response = client.get(f"{url}/{log_id}", headers=headers)
        if response.status_code != 404:
            return response
        time.sleep(1.5)
    raise AssertionError(f"log {log_id} never appeared")


def test_gateway_log_get_patch_and_custom_cost(config: GatewayConfig) -> None:
    import httpx

    url, headers = _log_api(config)
    gateway = os.environ.get("CLOUDFLARE_AI_GATEWAY_ID") or "default"
    chat_url = f"https://api.cloudflare.com/client/v4/accounts/{config.account_id}"
    chat_url += "/ai/v1/chat/completions"
    body = {**QUESTION, "model": "openai/gpt-5.4-nano", "max_completion_tokens": 200}
    call_headers = {
        **headers,
        "cf-aig-gateway-id": gateway,
        "cf-aig-custom-cost": '{"per_token_in":0.000001,"per_token_out":0.000002}',
    }
    with httpx.Client(timeout=60) as client:
        missing = client.get(f"{url}/0190a000-0000-7000-8000-000000000000", headers=headers)
        assert missing.status_code == 404
        assert missing.json()["errors"][0]["code"] == 7002
        call = client.post(chat_url, json=body, headers=call_headers)
        assert call.status_code == 200
        usage = call.json()["usage"]
        log_id = call.headers["cf-aig-log-id"]
        result = _written_log(client, url, headers, log_id).json()["result"]
        assert result["id"] == log_id and result["custom_cost"] is True
        assert result["tokens_in"] == usage["prompt_tokens"]
        assert result["tokens_out"] == usage["completion_tokens"]
        expected = usage["prompt_tokens"] * 0.000001 + usage["completion_tokens"] * 0.000002
        assert result["cost"] == pytest.approx(expected)
        bad = client.patch(f"{url}/{log_id}", headers=headers, json={"score": 101})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["path"] == ["body", "score"]
        ok = client.patch(f"{url}/{log_id}", headers=headers, json={"feedback": 1, "score": 90})
        assert ok.status_code == 200 and ok.json()["success"] is True


def test_offline_token_count_matches_prompt_tokens(config: GatewayConfig) -> None:
    """The o200k_base accounting (gpt54nano_gateway.tokens) against the real prompt_tokens.

    Unconfirmed until this runs: OpenAI documents the 3/1/3 message overheads for gpt-4o, not
    for gpt-5.4-nano. Plain text, a name, and (second call) one tool schema.
    """
    from gpt54nano_gateway import tokens

    messages = [
        {"role": "system", "content": "You are terse. Réponds brièvement."},
        {"role": "user", "name": "alice", "content": "東京の天気は？ Reply with one word."},
    ]
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city"}},
                "required": ["city"],
            },
        },
    }
    client = GatewayClient(config)
    plain = client.create({"messages": messages, "max_completion_tokens": 200})
    assert plain.usage is not None
    assert plain.usage.prompt_tokens == tokens.count_message_tokens(messages)
    with_tool = client.create({"messages": messages, "tools": [tool], "max_completion_tokens": 200})
    assert with_tool.usage is not None
    assert with_tool.usage.prompt_tokens == tokens.count_message_tokens(messages, tools=[tool])


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


def test_cost_callback_handler_over_invoke_and_stream(config: GatewayConfig) -> None:
    """The gateway's log of a streamed call carries its tokens and a cost, as a plain call's
    does (the handler adds both up; unconfirmed for streams until this runs). Real logs can
    take seconds to be written (cloudflare/ai#255): a long not_found_wait."""
    from langchain_gpt54nano import ChatGPT54Nano, GatewayCostCallbackHandler

    llm = ChatGPT54Nano(config=config, max_completion_tokens=200)
    handler = GatewayCostCallbackHandler(llm, not_found_wait=30.0)
    callbacks: Any = {"callbacks": [handler]}
    answer = llm.invoke("Reply with the single word: pong", config=callbacks)
    chunks = list(llm.stream("Reply with the single word: ping", config=callbacks))
    streamed = chunks[0]
    for chunk in chunks[1:]:
        streamed += chunk
    assert handler.failures == []
    assert handler.totals.calls == 2
    usages = [answer.usage_metadata, streamed.usage_metadata]
    assert [(log.tokens_in, log.tokens_out) for log in handler.logs] == [
        (u["input_tokens"], u["output_tokens"]) for u in usages if u is not None
    ]
    assert all(log.cost is not None and log.cost > 0 for log in handler.logs)
    assert handler.totals.cost == pytest.approx(sum(log.cost or 0 for log in handler.logs))


@pytest.mark.skipif(
    not os.environ.get("GPT54NANO_LIVE_ROUTE"),
    reason="live: set GPT54NANO_LIVE_ROUTE to a dynamic route of the gateway that serves nano",
)
def test_dynamic_route_with_declared_family(config: GatewayConfig) -> None:
    """A dynamic route that serves nano refuses temperature 0 like nano (undeclared: sent as
    given, 400); with route_model declared the rule drops it and the call succeeds."""
    from gpt54nano_gateway import BadRequestError

    route = f"dynamic/{os.environ['GPT54NANO_LIVE_ROUTE']}"
    request = {**QUESTION, "model": route, "temperature": 0, "max_completion_tokens": 200}
    with pytest.raises(BadRequestError):
        GatewayClient(config).create(request)
    declared = GatewayConfig(**dict(config) | {"route_model": "openai/gpt-5.4-nano"})
    with pytest.warns(UserWarning, match="temperature"):
        completion = GatewayClient(declared).create(request)
    assert completion.model.startswith("gpt-5.4-nano")


# --- the client's GPT-5.4 rules: what OpenAI answers 400 to (above) is refused before sending ---


def _rule_calls(llm: Any) -> list[tuple[Any, dict[str, Any]]]:
    """(runnable, per-call kwargs): minimal effort, tools + effort, tools + effort dropped."""
    tools = llm.bind_tools([ADD_TOOL], tool_choice="required")
    return [
        (llm, {"reasoning_effort": "minimal"}),
        (tools, {"reasoning_effort": "low"}),
        (tools, {"reasoning_effort": "low", "tools_with_reasoning": "drop_effort"}),
    ]


def test_gpt54_rules_are_refused_before_sending(
    config: GatewayConfig, run_io: Callable[..., Any]
) -> None:
    import warnings

    import httpx

    from gpt54nano_gateway import (
        ModelRuleError,
        ToolsWithReasoningError,
        UnsupportedReasoningEffortError,
    )
    from langchain_gpt54nano import ChatGPT54Nano

    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> None:
        sent.append(request)

    async def arecord(request: httpx.Request) -> None:
        sent.append(request)

    def sync_calls() -> list[Any]:
        results: list[Any] = []
        with httpx.Client(event_hooks={"request": [record]}, timeout=60) as http:
            llm = ChatGPT54Nano(client=GatewayClient(config, http_client=http), max_tokens=200)
            for model, kwargs in _rule_calls(llm):
                try:
                    results.append(model.invoke("Add 2 and 3", **kwargs))
                except ModelRuleError as exc:
                    results.append(exc)
        return results

    async def async_calls() -> list[Any]:
        results: list[Any] = []
        async with httpx.AsyncClient(event_hooks={"request": [arecord]}, timeout=60) as http:
            client = AsyncGatewayClient(config, http_client=http)
            llm = ChatGPT54Nano(async_client=client, max_tokens=200)
            for model, kwargs in _rule_calls(llm):
                try:
                    results.append(await model.ainvoke("Add 2 and 3", **kwargs))
                except ModelRuleError as exc:
                    results.append(exc)
        return results

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        minimal, tools_refused, dropped = run_io(sync_calls, async_calls)
    assert isinstance(minimal, UnsupportedReasoningEffortError)
    assert "'none', 'low', 'medium', 'high' and 'xhigh'" in str(minimal)
    assert isinstance(tools_refused, ToolsWithReasoningError)
    assert "reasoning_effort='none'" in str(tools_refused)
    assert "/v1/responses" in str(tools_refused)
    # Only the drop_effort call went out, without the effort, and Cloudflare accepted it.
    assert len(sent) == 1 and b"reasoning_effort" not in sent[0].content
    assert dropped.tool_calls and dropped.tool_calls[0]["name"] == "add"
    assert any("tools_with_reasoning='drop_effort'" in str(w.message) for w in caught)


def test_langchain_response_format_and_multi_part_tool_result(
    config: GatewayConfig, run_io: Callable[..., Any]
) -> None:
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from langchain_gpt54nano import ChatGPT54Nano

    class Sum(BaseModel):
        total: int

    llm = ChatGPT54Nano(config=config, max_tokens=300)
    call = {"name": "add", "args": {"a": 2, "b": 3}, "id": "call_1", "type": "tool_call"}
    history = [
        HumanMessage("Add 2 and 3 with the tool, then give the total."),
        AIMessage("", tool_calls=[call]),
        # Sent as two text parts of one tool message (as ChatOpenAI sends a list content).
        ToolMessage([{"type": "text", "text": "result:"}, "5"], tool_call_id="call_1"),
    ]
    bound = llm.bind_tools([ADD_TOOL], response_format=Sum)  # strict tools + json_schema
    message = run_io(lambda: bound.invoke(history), lambda: bound.ainvoke(history))
    parsed = message.additional_kwargs["parsed"]
    # Either an answer (parsed into Sum) or another tool call (parsed None): both are accepted
    # wire; a 400 would have raised.
    assert isinstance(parsed, Sum) if not message.tool_calls else parsed is None


def test_llama_index_function_agent_on_responses_api(config: GatewayConfig) -> None:
    """GPT54Nano: tools + an effort take /ai/v1/responses; the agent reasons (a ThinkingBlock
    with encrypted content) and its second turn, which sends that reasoning back, succeeds."""
    import asyncio

    from llama_index.core.agent.workflow import AgentOutput, FunctionAgent
    from llama_index.core.base.llms.types import ThinkingBlock

    from llama_index_gpt54nano import GPT54Nano

    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"sunny in {city}"

    llm = GPT54Nano(config=config, reasoning_effort="low", max_tokens=800)
    agent = FunctionAgent(tools=[get_weather], llm=llm, system_prompt="Always use the tools.")

    async def main() -> tuple[str, list[AgentOutput]]:
        handler = agent.run(user_msg="What's the weather in Paris?")
        outputs = [e async for e in handler.stream_events() if isinstance(e, AgentOutput)]
        return str(await handler), outputs

    text, outputs = asyncio.run(main())
    assert text and len(outputs) >= 2
    thinking = [b for b in outputs[0].response.blocks if isinstance(b, ThinkingBlock)]
    assert thinking and thinking[0].additional_information.get("encrypted_content")


# --- the transport's Responses API (gpt54nano_gateway client.responses) --------------------------

LIVE_WEATHER_TOOL = {
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


def test_transport_responses_create_and_stream(
    config: GatewayConfig, run_io: Callable[..., Any]
) -> None:
    from gpt54nano_gateway import ResponsesRequest

    request = ResponsesRequest(input="Reply with the single word: pong", max_output_tokens=200)

    async def async_both() -> Any:
        async with AsyncGatewayClient(config) as client:
            created = await client.responses.create(request)
            async with client.responses.stream(request) as events:
                types = [event.type async for event in events]
                return created, types, await events.response()

    def sync_both() -> Any:
        client = GatewayClient(config)
        created = client.responses.create(request)
        with client.responses.stream(request) as events:
            types = [event.type for event in events]
            return created, types, events.response()

    created, types, streamed = run_io(sync_both, async_both)
    for response in (created, streamed):
        assert response.status in ("completed", "incomplete")
        assert response.model.startswith("gpt-5.4-nano")
        assert response.usage is not None and response.usage.total_tokens > 0
        assert response.meta is not None and response.meta.status_code == 200
    assert created.output_text
    assert types[0] == "response.created" and types[-1] in (
        "response.completed",
        "response.incomplete",
    )


def test_transport_responses_tools_reasoning_round_trip(config: GatewayConfig) -> None:
    """Tools + effort (refused on Chat Completions) and the sealed reasoning sent back."""
    from gpt54nano_gateway import FunctionCallOutputItem, InputMessage, ResponsesRequest

    question = InputMessage(role="user", content="What's the weather in Paris? Use the tool.")
    request = ResponsesRequest(
        input=[question],
        tools=[LIVE_WEATHER_TOOL],
        tool_choice="required",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
        max_output_tokens=600,
    )
    client = GatewayClient(config)
    first = client.responses.create(request)
    (call, *_) = first.function_calls
    assert call.name == "get_weather" and call.call_id
    assert all(item.encrypted_content for item in first.reasoning)
    second = client.responses.create(
        request.model_copy(
            update={
                "tool_choice": "auto",
                "input": [
                    question,
                    *first.output,
                    FunctionCallOutputItem(call_id=call.call_id, output="sunny, 21C"),
                ],
            }
        )
    )
    assert second.status in ("completed", "incomplete")


def test_transport_responses_on_the_provider_native_route() -> None:
    """The 402 work-around: Responses on the gateway's /openai/responses (needs a gateway)."""
    from gpt54nano_gateway import ResponsesRequest

    gateway = os.environ.get("CLOUDFLARE_AI_GATEWAY_ID") or "default"
    config = GatewayConfig.from_env(gateway_id=gateway, responses_endpoint="gateway")
    response = GatewayClient(config).responses.create(
        ResponsesRequest(input="Reply with the single word: pong", max_output_tokens=200)
    )
    assert response.status in ("completed", "incomplete") and response.output_text


def test_langchain_agent_reasoning_with_tools_on_responses(config: GatewayConfig) -> None:
    """ChatGPT54Nano with tools and an effort goes to ``/v1/responses``; the sealed reasoning
    of each turn is accepted back by OpenAI on the next (store=False), to a final answer."""
    from langchain.agents import create_agent

    from langchain_gpt54nano import ChatGPT54Nano

    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"sunny in {city}"

    llm = ChatGPT54Nano(config=config, reasoning_effort="low", max_tokens=600)
    agent = create_agent(llm, tools=[get_weather])
    state = agent.invoke({"messages": [("human", "What's the weather in Paris? Use the tool.")]})
    answers = [m for m in state["messages"] if m.type == "ai"]
    assert answers[0].tool_calls and answers[0].tool_calls[0]["name"] == "get_weather"
    assert any(
        isinstance(b, dict) and b.get("type") == "reasoning" and b.get("encrypted_content")
        for b in answers[0].content
    )
    assert answers[-1].text and not answers[-1].tool_calls
    assert answers[-1].usage_metadata is not None
