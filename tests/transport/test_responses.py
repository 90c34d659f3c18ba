"""The Responses API on both clients against the emulator over loopback (real sockets, real SSE).

Every test runs twice (``run_io``: the sync client, then the async one); most also run streamed
and not streamed (``streaming``), through `Clients.respond` which returns the final `Response`
either way, so that both paths are held to the same whole-object expectations.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gpt54nano_gateway import (
    ConfigurationError,
    FunctionCallItem,
    FunctionCallOutputItem,
    GatewayConfig,
    GatewayMeta,
    InputMessage,
    ReasoningItem,
    Response,
    ResponsesRequest,
    ResponseStreamEvent,
    ResponseUsage,
    SummaryText,
)

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply

from . import test_loopback as loopback

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


class Clients(loopback.Clients):
    """test_loopback's sync + async clients, with the Responses calls; ``run_io`` picks one."""

    def create_response(self, request: ResponsesRequest | dict[str, Any], **kw: Any) -> Response:
        async def aio() -> Response:
            return await self.aio.responses.create(request, **kw)

        return self.run_io(lambda: self.sync.responses.create(request, **kw), aio)  # type: ignore[no-any-return]

    def stream_response(
        self, request: ResponsesRequest | dict[str, Any], **kw: Any
    ) -> tuple[list[ResponseStreamEvent], GatewayMeta, Response]:
        def sync() -> tuple[list[ResponseStreamEvent], GatewayMeta, Response]:
            with self.sync.responses.stream(request, **kw) as events:
                meta = events.meta
                seen = list(events)
                return seen, meta, events.response()

        async def aio() -> tuple[list[ResponseStreamEvent], GatewayMeta, Response]:
            async with self.aio.responses.stream(request, **kw) as events:
                meta = events.meta
                seen = [event async for event in events]
                return seen, meta, await events.response()

        return self.run_io(sync, aio)  # type: ignore[no-any-return]

    def respond(self, request: ResponsesRequest | dict[str, Any], streaming: bool) -> Response:
        return self.stream_response(request)[2] if streaming else self.create_response(request)


streaming = pytest.mark.parametrize("streaming", [False, True], ids=["create", "stream"])


def _usage(response: Response) -> ResponseUsage:
    assert response.usage is not None
    return response.usage


@streaming
def test_text_answer_usage_and_meta(emulator: Any, run_io: Any, streaming: bool) -> None:
    emulator.queue_reply(Reply(content="Hello from the Responses API"))
    response = Clients(emulator, run_io).respond(ResponsesRequest(input="Say hi"), streaming)
    assert response.status == "completed"
    assert response.output_text == "Hello from the Responses API"
    assert [item.type for item in response.output] == ["message"]
    assert response.function_calls == [] and response.reasoning == []
    usage = _usage(response)
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens > 0
    assert (
        usage.input_tokens_details.cached_tokens,
        usage.output_tokens_details.reasoning_tokens,
    ) == (0, 0)
    meta = response.meta
    assert meta is not None and meta.log_id and meta.log_id == meta.request_id
    assert (meta.attempts, meta.status_code) == (1, 200)
    recorded = emulator.requests[-1]
    assert recorded.path.endswith("/ai/v1/responses")
    expected = {"input": "Say hi", "model": "openai/gpt-5.4-nano"}
    assert recorded.body == ({**expected, "stream": True} if streaming else expected)
    assert recorded.headers["user-agent"].startswith("gpt54nano/")
    assert "meta" not in response.model_dump()


def test_stream_events_are_typed_and_meta_is_known_first(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="one two three"))
    events, meta, response = Clients(emulator, run_io).stream_response(
        ResponsesRequest(input="Count")
    )
    types = [event.type for event in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"
    assert [event.sequence_number for event in events] == list(range(len(events)))
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert "".join(d or "" for d in deltas) == "one two three" == response.output_text
    assert meta.log_id and response.meta == meta


@streaming
def test_function_call_then_its_output(emulator: Any, run_io: Any, streaming: bool) -> None:
    emulator.queue_reply(
        Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    )
    clients = Clients(emulator, run_io)
    request = ResponsesRequest(
        input="Weather in Paris?", tools=[WEATHER_TOOL], reasoning={"effort": "low"}
    )
    first = clients.respond(request, streaming)
    assert first.status == "completed"
    (call,) = first.function_calls
    assert (call.name, json.loads(call.arguments), call.status) == (
        "get_weather",
        {"city": "Paris"},
        "completed",
    )
    assert call.call_id and call.id and call.id.startswith("fc_")
    # Tools with a reasoning effort are fine on this wire (refused on Chat Completions).
    assert emulator.requests[-1].body["reasoning"] == {"effort": "low"}
    second = clients.respond(
        ResponsesRequest(
            input=[
                InputMessage(role="user", content="Weather in Paris?"),
                *first.output,
                FunctionCallOutputItem(call_id=call.call_id, output='{"temp_c": 21}'),
            ],
            tools=[WEATHER_TOOL],
        ),
        streaming,
    )
    assert second.status == "completed" and second.function_calls == []
    assert "21" in second.output_text
    sent = emulator.requests[-1].body["input"]
    assert [item.get("type", "message") for item in sent] == [
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
    ]


@streaming
def test_reasoning_summary_and_encrypted_content_go_back(
    emulator: Any, run_io: Any, streaming: bool
) -> None:
    emulator.queue_reply(Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}]))
    clients = Clients(emulator, run_io)
    request = ResponsesRequest(
        input="Weather in Oslo?",
        tools=[WEATHER_TOOL],
        reasoning={"effort": "medium", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
    )
    first = clients.respond(request, streaming)
    (reasoning,) = first.reasoning
    assert isinstance(reasoning, ReasoningItem)
    assert reasoning.encrypted_content and reasoning.id.startswith("rs_")
    assert len(reasoning.summary) == 1 and isinstance(reasoning.summary[0], SummaryText)
    assert reasoning.summary[0].text
    assert _usage(first).output_tokens_details.reasoning_tokens > 0
    (call,) = first.function_calls
    second = clients.respond(
        request.model_copy(
            update={
                "input": [
                    InputMessage(role="user", content="Weather in Oslo?"),
                    *first.output,
                    FunctionCallOutputItem(call_id=call.call_id, output="sunny"),
                ]
            }
        ),
        streaming,
    )
    assert second.status == "completed"
    # The emulator verified the sealed reasoning it got back and logged its id.
    assert emulator.requests[-1].reasoning_returned == (reasoning.id,)
    sent_back = emulator.requests[-1].body["input"][1]
    assert sent_back == reasoning.model_dump(exclude_none=True)


@streaming
def test_structured_output_via_text_format(emulator: Any, run_io: Any, streaming: bool) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
        "additionalProperties": False,
    }
    request = ResponsesRequest(
        input="Largest city of France as JSON",
        text={
            "format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True},
            "verbosity": "low",
        },
    )
    response = Clients(emulator, run_io).respond(request, streaming)
    parsed = json.loads(response.output_text)
    assert set(parsed) == {"city", "population"}
    assert isinstance(parsed["city"], str) and isinstance(parsed["population"], int)
    assert emulator.requests[-1].body["text"] == {
        "format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True},
        "verbosity": "low",
    }


def test_a_mapping_request_and_typed_items(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="ok"))
    response = Clients(emulator, run_io).create_response(
        {"input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]}
    )
    assert response.output_text == "ok"
    request = ResponsesRequest.model_validate(
        {
            "input": [
                {"role": "user", "content": "x"},
                {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
                {"type": "item_reference", "id": "msg_1"},
            ]
        }
    )
    assert isinstance(request.input, list)
    assert [type(item).__name__ for item in request.input] == [
        "InputMessage",
        "FunctionCallItem",
        "OtherItem",
    ]
    assert request.input[1] == FunctionCallItem(call_id="c1", name="f", arguments="{}")


@pytest.mark.parametrize(
    ("fields", "url"),
    [
        ({}, "https://api.cloudflare.com/client/v4/accounts/acct/ai/v1/responses"),
        (
            {"endpoint": "gateway", "gateway_id": "gw"},
            "https://gateway.ai.cloudflare.com/v1/acct/gw/openai/responses",
        ),
        (
            {"responses_endpoint": "gateway"},
            "https://gateway.ai.cloudflare.com/v1/acct/default/openai/responses",
        ),
        (
            {"responses_endpoint": "gateway", "base_url": "http://127.0.0.1:9/client/v4"},
            "http://127.0.0.1:9/v1/acct/default/openai/responses",
        ),
        (
            {"endpoint": "gateway", "responses_endpoint": "rest"},
            "https://api.cloudflare.com/client/v4/accounts/acct/ai/v1/responses",
        ),
        (
            {"endpoint": "gateway", "responses_endpoint": "rest", "base_url": "http://[::1]:9/v1"},
            "http://[::1]:9/client/v4/accounts/acct/ai/v1/responses",
        ),
    ],
)
def test_responses_urls(fields: dict[str, Any], url: str) -> None:
    config = GatewayConfig(account_id="acct", api_token="t", **fields)
    assert config.responses_url == url


def test_a_gateway_route_that_cannot_be_derived_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="cannot be derived"):
        GatewayConfig(
            account_id="acct",
            api_token="t",
            base_url="https://proxy.example/cf",
            responses_endpoint="gateway",
        )


def test_an_unset_model_is_the_config_s(emulator: Any, run_io: Any) -> None:
    clients = Clients(emulator, run_io, model="openai/gpt-5.4-mini")
    clients.create_response(ResponsesRequest(input="Hi"))
    assert emulator.requests[-1].body["model"] == "openai/gpt-5.4-mini"
    clients.create_response(ResponsesRequest(input="Hi", model="openai/gpt-5.4-nano"))
    assert emulator.requests[-1].body["model"] == "openai/gpt-5.4-nano"
