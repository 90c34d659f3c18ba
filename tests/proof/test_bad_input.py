"""Bad input, across the three packages: a clear typed error, and nothing sent.

Each case is one bad input (out-of-range parameters, malformed messages, tool messages without
ids, unknown content blocks, bad tool schemas, invalid gateway options, CR/LF in header values,
wrong types), on the Chat Completions and the Responses API paths (``ResponsesRequest``,
``client.responses``, ``GPT54Nano(use_responses_api=True)``). The test asserts the error's
class, that its message names the problem, and that the emulator's request log is still empty:
the input was refused before anything was sent.

Cases that involve an I/O call run twice (``run_io``: the sync call, then its async twin);
cases refused while building an object (a config, options, a model) have no I/O to twin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayOptions,
    GatewayRetries,
    ResponsesRequest,
)
from gpt54nano_gateway.model_rules import UnsupportedReasoningEffortError
from llama_index_gpt54nano import ResponsesParameterError

TOKEN = "bad-input-token-0123456789"


@dataclass
class Env:
    """What the cases build on: a valid config pointing at the emulator, clients and models."""

    emulator: Any
    config: GatewayConfig

    def cfg(self, **overrides: Any) -> GatewayConfig:
        values = {
            "account_id": self.emulator.account_id,
            "api_token": self.emulator.api_token,
            "base_url": self.emulator.base_url,
            **overrides,
        }
        return GatewayConfig(**values)

    def client(self) -> GatewayClient:
        return GatewayClient(self.config)

    def aclient(self) -> AsyncGatewayClient:
        return AsyncGatewayClient(self.config)

    def chat(self, **fields: Any) -> Any:
        from langchain_gpt54nano import ChatGPT54Nano

        return ChatGPT54Nano(config=self.config, **fields)

    def llm(self, **fields: Any) -> Any:
        from llama_index_gpt54nano import GPT54Nano

        return GPT54Nano(config=self.config, **fields)


@pytest.fixture
def env(emulator: Any) -> Env:
    return Env(
        emulator,
        GatewayConfig(
            account_id=emulator.account_id,
            api_token=emulator.api_token,
            base_url=emulator.base_url,
            max_retries=0,
        ),
    )


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


def request(**fields: Any) -> ChatRequest:
    return ChatRequest.model_validate({"messages": [user()], **fields})


def responses(**fields: Any) -> ResponsesRequest:
    return ResponsesRequest.model_validate({"input": "hi", **fields})


def flat_tool(name: str = "get_weather", parameters: Any = None) -> dict[str, Any]:
    """A Responses API function tool (flat: no ``function`` wrapper)."""
    return {"type": "function", "name": name, "parameters": parameters or {"type": "object"}}


def tool(name: str = "get_weather", parameters: Any = None) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name}
    function["parameters"] = parameters if parameters is not None else {"type": "object"}
    return {"type": "function", "function": function}


# --- refused while building (no I/O) ----------------------------------------------------------


@dataclass(frozen=True)
class Built:
    id: str
    build: Callable[[Env], Any]
    error: type[BaseException]
    says: str  # the message must name the problem (case-insensitive substring)


BUILT: list[Built] = [
    # GatewayConfig
    Built("config: account id with a slash", lambda e: e.cfg(account_id="a/../b"),
          ConfigurationError, "account_id"),
    Built("config: empty token", lambda e: e.cfg(api_token=" "), ConfigurationError, "api_token"),
    Built("config: token with LF", lambda e: e.cfg(api_token="abc\ndef"),
          ConfigurationError, "api_token"),
    Built("config: ftp base_url", lambda e: e.cfg(base_url="ftp://127.0.0.1/client/v4"),
          ConfigurationError, "base_url"),
    Built("config: base_url with user info",
          lambda e: e.cfg(base_url="https://u:p@api.cloudflare.com/client/v4"),
          ConfigurationError, "user info"),
    Built("config: base_url with a query",
          lambda e: e.cfg(base_url="https://api.cloudflare.com/client/v4?x=1"),
          ConfigurationError, "query"),
    Built("config: plain http to a remote host",
          lambda e: e.cfg(base_url="http://api.example.com/client/v4"),
          ConfigurationError, "http://"),
    Built("config: zero connect timeout", lambda e: e.cfg(connect_timeout=0),
          ConfigurationError, "connect_timeout"),
    Built("config: negative retries", lambda e: e.cfg(max_retries=-1),
          ConfigurationError, "max_retries"),
    Built("config: unknown endpoint", lambda e: e.cfg(endpoint="soap"),
          ConfigurationError, "endpoint"),
    Built("config: gateway id with a space", lambda e: e.cfg(gateway_id="my gateway"),
          ConfigurationError, "gateway_id"),
    Built("config: unknown field (typo)", lambda e: e.cfg(api_key="x"),
          ConfigurationError, "api_key"),
    Built("config: account id of the wrong type", lambda e: e.cfg(account_id=12345),
          ConfigurationError, "account_id"),
    # GatewayOptions
    Built("options: cache_ttl below 60", lambda e: GatewayOptions(cache_ttl=59),
          ValidationError, "cache_ttl"),
    Built("options: cache_ttl above 30 days", lambda e: GatewayOptions(cache_ttl=2_592_001),
          ValidationError, "cache_ttl"),
    Built("options: CR/LF in cache_key",
          lambda e: GatewayOptions(cache_key="k\r\nX-Injected: 1"), ValidationError, "CR, LF"),
    Built("options: LF in event_id", lambda e: GatewayOptions(event_id="a\nb"),
          ValidationError, "CR, LF"),
    Built("options: non-ASCII byok_alias", lambda e: GatewayOptions(byok_alias="clé"),
          ValidationError, "ASCII"),
    Built("options: six metadata entries",
          lambda e: GatewayOptions(metadata={str(i): i for i in range(6)}),
          ValidationError, "at most 5"),
    Built("options: metadata value of the wrong type",
          lambda e: GatewayOptions(metadata={"a": [1, 2]}), ValidationError, "metadata"),
    Built("options: 6 gateway attempts", lambda e: GatewayRetries(max_attempts=6),
          ValidationError, "max_attempts"),
    Built("options: retry delay 5001 ms",
          lambda e: GatewayRetries(max_attempts=2, retry_delay_ms=5001),
          ValidationError, "retry_delay_ms"),
    Built("options: unknown backoff", lambda e: GatewayRetries(max_attempts=2, backoff="random"),
          ValidationError, "backoff"),
    Built("options: zero request timeout", lambda e: GatewayOptions(request_timeout_ms=0),
          ValidationError, "request_timeout_ms"),
    Built("options: unknown option", lambda e: GatewayOptions(cache=True),
          ValidationError, "cache"),
    # ChatRequest (what the adapters build too)
    Built("request: temperature 3", lambda e: request(temperature=3.0),
          ValidationError, "temperature"),
    Built("request: top_p 1.5", lambda e: request(top_p=1.5), ValidationError, "top_p"),
    Built("request: temperature as a string", lambda e: request(temperature="hot"),
          ValidationError, "temperature"),
    Built("request: max_tokens as a bool", lambda e: request(max_tokens=True),
          ValidationError, "max_tokens"),
    Built("request: no messages", lambda e: ChatRequest.model_validate({"messages": []}),
          ValidationError, "messages"),
    Built("request: unknown role",
          lambda e: ChatRequest.model_validate({"messages": [{"role": "wizard", "content": "x"}]}),
          ValidationError, "wizard"),
    Built("request: tool message without tool_call_id",
          lambda e: ChatRequest.model_validate({"messages": [{"role": "tool", "content": "x"}]}),
          ValidationError, "tool_call_id"),
    Built("request: unknown content part",
          lambda e: ChatRequest.model_validate(
              {"messages": [{"role": "user", "content": [{"type": "video", "url": "x"}]}]}),
          ValidationError, "video"),
    Built("request: tool name with a space", lambda e: request(tools=[tool("get weather")]),
          ValidationError, "name"),
    Built("request: tool parameters not an object",
          lambda e: request(tools=[tool(parameters={"type": "string"})]),
          ValidationError, "object"),
    Built("request: tool of an unknown type",
          lambda e: request(tools=[{"type": "retrieval", "function": {"name": "f"}}]),
          ValidationError, "retrieval"),
    Built("request: five stop sequences", lambda e: request(stop=["a", "b", "c", "d", "e"]),
          ValidationError, "stop"),
    Built("request: tool_choice without tools", lambda e: request(tool_choice="required"),
          ValidationError, "tool_choice needs tools"),
    Built("request: unknown response_format",
          lambda e: request(response_format={"type": "yaml"}), ValidationError, "yaml"),
    Built("request: assistant turn with nothing in it",
          lambda e: ChatRequest.model_validate(
              {"messages": [user(), {"role": "assistant", "content": None}]}),
          ValidationError, "assistant message needs"),
    # ResponsesRequest (the Responses API; what GPT54Nano builds on that route too)
    Built("responses: unknown parameter (typo)", lambda e: responses(max_output_token=100),
          ValidationError, "did you mean 'max_output_tokens'"),
    Built("responses: temperature 3", lambda e: responses(temperature=3.0),
          ValidationError, "temperature"),
    Built("responses: top_p as a string", lambda e: responses(top_p="high"),
          ValidationError, "top_p"),
    Built("responses: max_output_tokens below 16", lambda e: responses(max_output_tokens=15),
          ValidationError, "max_output_tokens"),
    Built("responses: max_output_tokens as a bool", lambda e: responses(max_output_tokens=True),
          ValidationError, "max_output_tokens"),
    Built("responses: empty input list", lambda e: responses(input=[]), ValidationError, "input"),
    Built("responses: empty model name", lambda e: responses(model=""), ValidationError, "model"),
    Built("responses: input message of an unknown role",
          lambda e: responses(input=[{"type": "message", "role": "wizard", "content": "x"}]),
          ValidationError, "wizard"),
    Built("responses: function_call_output without call_id",
          lambda e: responses(input=[{"type": "function_call_output", "output": "x"}]),
          ValidationError, "call_id"),
    Built("responses: reasoning item without id",
          lambda e: responses(input=[{"type": "reasoning", "summary": []}]),
          ValidationError, "id"),
    Built("responses: tool name with a space", lambda e: responses(tools=[flat_tool("a b")]),
          ValidationError, "name"),
    Built("responses: tool parameters not an object",
          lambda e: responses(tools=[flat_tool(parameters={"type": "string"})]),
          ValidationError, "object"),
    Built("responses: tool_choice without tools", lambda e: responses(tool_choice="required"),
          ValidationError, "tool_choice needs tools"),
    Built("responses: unknown text.format", lambda e: responses(text={"format": {"type": "yaml"}}),
          ValidationError, "json_schema"),
    Built("responses: json_schema format without a schema",
          lambda e: responses(text={"format": {"type": "json_schema", "name": "x"}}),
          ValidationError, "name and a schema"),
    Built("responses: unknown reasoning effort",
          lambda e: responses(reasoning={"effort": "extreme"}), ValidationError, "effort"),
    Built("responses: 17 metadata pairs",
          lambda e: responses(metadata={str(i): "v" for i in range(17)}),
          ValidationError, "metadata"),
    Built("responses: safety_identifier of 65 characters",
          lambda e: responses(safety_identifier="x" * 65), ValidationError, "safety_identifier"),
    # adapters, refused when the model object is built
    Built("langchain: plain http to a remote host",
          lambda e: e.chat(base_url="http://api.example.com/client/v4"),
          ConfigurationError, "http://"),
    Built("langchain: negative timeout", lambda e: e.chat(timeout=-1),
          ConfigurationError, "timeout"),
    Built("langchain: CR/LF in a gateway option",
          lambda e: e.chat(gateway_options={"event_id": "a\r\nb"}), ValidationError, "CR, LF"),
    Built("llama_index: temperature 3", lambda e: e.llm(temperature=3.0),
          ValidationError, "temperature"),
    Built("llama_index: 11 retries", lambda e: e.llm(max_retries=11),
          ValidationError, "max_retries"),
    Built("llama_index: zero max_tokens", lambda e: e.llm(max_tokens=0),
          ValidationError, "max_tokens"),
]  # fmt: skip


@pytest.mark.parametrize("case", BUILT, ids=[case.id for case in BUILT])
def test_refused_when_built(case: Built, env: Env) -> None:
    with pytest.raises(case.error) as info:
        case.build(env)
    assert case.says.lower() in str(info.value).lower()
    assert env.emulator.requests == []


# --- refused by an I/O call, before sending (sync and async twins) ----------------------------


def _lc_messages(kind: str) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    if kind == "tool call without id":
        return [
            HumanMessage("weather?"),
            AIMessage("", tool_calls=[{"name": "get_weather", "args": {}, "id": None}]),
            ToolMessage("sunny", tool_call_id=""),
        ]
    if kind == "unknown block":
        return [HumanMessage(content=[{"type": "video", "url": "https://x.test/v.mp4"}])]
    raise AssertionError(kind)


def _li_messages(kind: str) -> list[Any]:
    from llama_index.core.base.llms.types import ChatMessage, VideoBlock

    if kind == "tool result without id":
        return [ChatMessage(role="user", content="weather?"), ChatMessage(role="tool", content="r")]
    if kind == "unknown block":
        return [ChatMessage(role="user", blocks=[VideoBlock(url="https://x.test/v.mp4")])]
    if kind == "ok":
        return [ChatMessage(role="user", content="hi")]
    raise AssertionError(kind)


async def _alist(stream: Any) -> list[Any]:
    return [item async for item in stream]


@dataclass(frozen=True)
class Called:
    id: str
    sync: Callable[[Env], Any]
    async_: Callable[[Env], Awaitable[Any]]
    error: type[BaseException]
    says: str


def _lc(
    call: str, *args: Any, model: dict[str, Any] | None = None, tools: Any = None, **kwargs: Any
) -> tuple[Callable[[Env], Any], Callable[[Env], Awaitable[Any]]]:
    """(sync, async) twins calling a ChatGPT54Nano method (``invoke`` or ``stream``)."""

    def build(e: Env) -> Any:
        chat = e.chat(**(model or {}))
        return chat.bind_tools(tools) if tools is not None else chat

    if call == "invoke":
        return (
            lambda e: build(e).invoke(*args, **kwargs),
            lambda e: build(e).ainvoke(*args, **kwargs),
        )
    return (
        lambda e: list(build(e).stream(*args, **kwargs)),
        lambda e: _alist(build(e).astream(*args, **kwargs)),
    )


def _li(
    call: str, messages: str, *, model: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[Callable[[Env], Any], Callable[[Env], Awaitable[Any]]]:
    """(sync, async) twins calling a GPT54Nano method (``chat`` or ``stream_chat``)."""

    async def astream(e: Env) -> list[Any]:
        return await _alist(
            await e.llm(**(model or {})).astream_chat(_li_messages(messages), **kwargs)
        )

    if call == "chat":
        return (
            lambda e: e.llm(**(model or {})).chat(_li_messages(messages), **kwargs),
            lambda e: e.llm(**(model or {})).achat(_li_messages(messages), **kwargs),
        )
    return (
        lambda e: list(e.llm(**(model or {})).stream_chat(_li_messages(messages), **kwargs)),
        astream,
    )


def _tx(make: Callable[[], Any], **kwargs: Any) -> tuple[Callable[[Env], Any], Any]:
    """(sync, async) twins calling the transport's ``create`` with what ``make`` builds."""
    return (
        lambda e: e.client().create(make(), **kwargs),
        lambda e: e.aclient().create(make(), **kwargs),
    )


def _tx_stream(make: Callable[[], Any]) -> tuple[Callable[[Env], Any], Any]:
    """(sync, async) twins opening a transport stream of what ``make`` builds."""

    def sync(e: Env) -> Any:
        with e.client().stream(make()) as chunks:
            return list(chunks)

    async def asynchronous(e: Env) -> Any:
        async with e.aclient().stream(make()) as chunks:
            return [chunk async for chunk in chunks]

    return sync, asynchronous


def _tx_responses(make: Callable[[], Any], **kwargs: Any) -> tuple[Callable[[Env], Any], Any]:
    """(sync, async) twins calling ``client.responses.create`` with what ``make`` builds."""
    return (
        lambda e: e.client().responses.create(make(), **kwargs),
        lambda e: e.aclient().responses.create(make(), **kwargs),
    )


def _tx_responses_stream(make: Callable[[], Any]) -> tuple[Callable[[Env], Any], Any]:
    """(sync, async) twins opening ``client.responses.stream`` of what ``make`` builds."""

    def sync(e: Env) -> Any:
        with e.client().responses.stream(make()) as events:
            return list(events)

    async def asynchronous(e: Env) -> Any:
        async with e.aclient().responses.stream(make()) as events:
            return [event async for event in events]

    return sync, asynchronous


def _li_responses(call: str, messages: str, **kwargs: Any) -> tuple[Any, Any]:
    """`_li` on the Responses route (``use_responses_api=True``)."""
    model = {"use_responses_api": True, **kwargs.pop("model", {})}
    return _li(call, messages, model=model, **kwargs)


def _called(id: str, twins: tuple[Any, Any], error: type[BaseException], says: str) -> Called:
    return Called(id, twins[0], twins[1], error, says)


CALLED: list[Called] = [
    _called("langchain: temperature 5 per call", _lc("invoke", "hi", temperature=5.0),
            ValidationError, "temperature"),
    _called("langchain: temperature 5 per call (stream)", _lc("stream", "hi", temperature=5.0),
            ValidationError, "temperature"),
    _called("langchain: zero max_tokens", _lc("invoke", "hi", model={"max_tokens": 0}),
            ValidationError, "max_tokens"),
    _called("langchain: five stop sequences", _lc("invoke", "hi", stop=["a", "b", "c", "d", "e"]),
            ValidationError, "stop"),
    _called("langchain: tool call without id", _lc("invoke", _lc_messages("tool call without id")),
            ValueError, "no id"),
    _called("langchain: unknown content block", _lc("invoke", _lc_messages("unknown block")),
            ValueError, "video"),
    _called("langchain: unknown content block (stream)",
            _lc("stream", _lc_messages("unknown block")), ValueError, "video"),
    _called("langchain: bad tool schema", _lc("invoke", "hi", tools=[tool("bad name")]),
            ValidationError, "name"),
    _called("langchain: tool parameters not an object",
            _lc("invoke", "hi", tools=[tool(parameters={"type": "array"})]),
            ValidationError, "object"),
    _called("langchain: invalid per-call gateway option",
            _lc("invoke", "hi", gateway_options={"cache_ttl": 1}), ValidationError, "cache_ttl"),
    _called("langchain: CR/LF in a per-call gateway option",
            _lc("invoke", "hi", gateway_options={"cache_key": "a\r\nb"}),
            ValidationError, "CR, LF"),
    _called("langchain: unknown message role",
            _lc("invoke", [("wizard", "hi")]), ValueError, "wizard"),
    _called("llama_index: temperature 3 per call", _li("chat", "ok", temperature=3.0),
            ValidationError, "temperature"),
    _called("llama_index: temperature 3 per call (stream)",
            _li("stream", "ok", temperature=3.0), ValidationError, "temperature"),
    _called("llama_index: tool result without id", _li("chat", "tool result without id"),
            ValueError, "tool_call_id"),
    _called("llama_index: unknown content block", _li("chat", "unknown block"),
            ValueError, "VideoBlock"),
    _called("llama_index: unknown content block (stream)", _li("stream", "unknown block"),
            ValueError, "VideoBlock"),
    _called("llama_index: bad tool schema", _li("chat", "ok", tools=[tool("bad name!")]),
            ValidationError, "name"),
    _called("llama_index: plain http to a remote host",
            _li("chat", "ok", model={"base_url": "http://api.example.com/client/v4"}),
            ConfigurationError, "http://"),
    _called("llama_index: invalid per-call gateway option (dict)",
            _li("chat", "ok", gateway_options={"cache_ttl": 1}), ValidationError, "cache_ttl"),
    _called("transport: a string instead of a request", _tx(lambda: "hello"),
            TypeError, "ChatRequest"),
    _called("transport: options of the wrong type", _tx(request, options="fast"),
            TypeError, "GatewayOptions"),
    _called("transport: request mapping with temperature 9",
            _tx(lambda: {"messages": [user()], "temperature": 9.0}),
            ValidationError, "temperature"),
    _called("transport: stream of a request mapping with top_p 2",
            _tx_stream(lambda: {"messages": [user()], "top_p": 2.0}), ValidationError, "top_p"),
    _called("transport: stream of a list", _tx_stream(lambda: [user()]), TypeError, "mapping"),
    _called("transport: request mapping without messages", _tx(lambda: {"messages": []}),
            ValidationError, "messages"),
    _called("transport: options mapping with cache_ttl 1",
            _tx(request, options={"cache_ttl": 1}), ValidationError, "cache_ttl"),
    _called("transport: CR/LF in an options mapping",
            _tx(request, options={"event_id": "x\r\nInjected: 1"}), ValidationError, "CR, LF"),
    _called("transport: empty model name", _tx(lambda: request(model="")),
            ValidationError, "model"),
    _called("responses: a string instead of a request", _tx_responses(lambda: "hello"),
            TypeError, "ResponsesRequest"),
    _called("responses: stream of a list", _tx_responses_stream(lambda: [user()]),
            TypeError, "mapping"),
    _called("responses: request mapping with a typo",
            _tx_responses(lambda: {"input": "x", "temprature": 0.5}),
            ValidationError, "did you mean 'temperature'"),
    _called("responses: stream of a mapping with top_p 2",
            _tx_responses_stream(lambda: {"input": "x", "top_p": 2.0}), ValidationError, "top_p"),
    _called("responses: options of the wrong type", _tx_responses(responses, options="fast"),
            TypeError, "GatewayOptions"),
    _called("responses: CR/LF in an options mapping",
            _tx_responses(responses, options={"event_id": "x\r\nInjected: 1"}),
            ValidationError, "CR, LF"),
    _called("responses: effort 'minimal' (the GPT-5.4 rule)",
            _tx_responses(lambda: responses(reasoning={"effort": "minimal"})),
            UnsupportedReasoningEffortError, "'minimal'"),
    _called("responses: effort 'minimal' (stream)",
            _tx_responses_stream(lambda: responses(reasoning={"effort": "minimal"})),
            UnsupportedReasoningEffortError, "'minimal'"),
    _called("llama_index responses: stop has no equivalent",
            _li_responses("chat", "ok", stop=["x"]), ResponsesParameterError, "'stop'"),
    _called("llama_index responses: seed has no equivalent (stream)",
            _li_responses("stream", "ok", seed=1), ResponsesParameterError, "'seed'"),
    _called("llama_index responses: temperature 3 per call",
            _li_responses("chat", "ok", temperature=3.0), ValidationError, "temperature"),
    _called("llama_index responses: tool result without id",
            _li_responses("chat", "tool result without id"), ValueError, "tool_call_id"),
    _called("llama_index responses: unknown content block",
            _li_responses("stream", "unknown block"), ValueError, "VideoBlock"),
    _called("llama_index responses: bad tool schema",
            _li_responses("chat", "ok", tools=[tool("bad name!")]), ValidationError, "name"),
    _called("llama_index responses: effort 'minimal'",
            _li_responses("chat", "ok", reasoning_effort="minimal"),
            UnsupportedReasoningEffortError, "'minimal'"),
    _called("llama_index responses: invalid per-call gateway option",
            _li_responses("chat", "ok", gateway_options={"cache_ttl": 1}),
            ValidationError, "cache_ttl"),
]  # fmt: skip


@pytest.mark.parametrize("case", CALLED, ids=[case.id for case in CALLED])
def test_refused_before_sending(case: Called, env: Env, run_io: Callable[..., Any]) -> None:
    with pytest.raises(case.error) as info:
        run_io(lambda: case.sync(env), lambda: case.async_(env))
    assert case.says.lower() in str(info.value).lower()
    assert env.emulator.requests == []


def test_there_are_at_least_40_bad_inputs() -> None:
    assert len(BUILT) + len(CALLED) >= 40
