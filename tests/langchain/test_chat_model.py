"""ChatGPT54Nano against the emulator: what is sent, what comes back, sync and async twins."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.load import dumpd, dumps, load
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from pydantic import BaseModel, SecretStr

from gpt54nano_emulator import Fault, Reply
from gpt54nano_gateway import GatewayConfig, GatewayOptions, errors
from langchain_gpt54nano import (
    ChatGPT54Nano,
    StructuredOutputRefusalError,
    UnsupportedContentError,
)

RunIO = Any


def _invoke(run_io: RunIO, llm: Any, prompt: Any, **kwargs: Any) -> Any:
    return run_io(lambda: llm.invoke(prompt, **kwargs), lambda: llm.ainvoke(prompt, **kwargs))


def _stream(run_io: RunIO, llm: Any, prompt: Any, **kwargs: Any) -> list[Any]:
    async def collect() -> list[Any]:
        return [chunk async for chunk in llm.astream(prompt, **kwargs)]

    return run_io(lambda: list(llm.stream(prompt, **kwargs)), collect)


def _last_body(emulator: Any) -> dict[str, Any]:
    chat = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert chat, "no chat request reached the emulator"
    return chat[-1].body


def _chat_requests(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


# --- request body --------------------------------------------------------------------------


def test_unset_parameters_are_not_sent(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    _invoke(run_io, llm, "Hello")
    body = _last_body(emulator)
    assert set(body) == {"model", "messages"}
    assert body["model"] == "openai/gpt-5.4-nano"


def test_parameters_reach_the_wire(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        max_tokens=50,
        top_p=0.5,
        seed=7,
        reasoning_effort="low",
        stop=["\n\n"],
        model_kwargs={"user": "u-1"},
    )
    _invoke(run_io, llm, "Hello")
    body = _last_body(emulator)
    # max_tokens goes out as max_completion_tokens (the transport's GPT-5 rule).
    assert body["max_completion_tokens"] == 50
    assert "max_tokens" not in body
    assert (body["top_p"], body["seed"], body["reasoning_effort"]) == (0.5, 7, "low")
    assert body["stop"] == ["\n\n"]
    assert body["user"] == "u-1"


def test_per_call_model_and_stop_override(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    llm_with_stop = llm.model_copy(update={"stop": ["a"]})
    result = _invoke(run_io, llm_with_stop, "Hello", stop=["b"], model="openai/gpt-5.4-mini")
    body = _last_body(emulator)
    assert body["stop"] == ["b"]
    assert body["model"] == "openai/gpt-5.4-mini"
    assert result.response_metadata["model_name"] == "openai/gpt-5.4-mini"
    assert result.response_metadata["upstream_model"].startswith("gpt-5.4-mini")


def test_temperature_rule_is_the_transports(run_io: RunIO, emulator: Any) -> None:
    """temperature=0 on GPT-5.x is dropped (with a warning) by the transport, not sent."""
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        temperature=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _invoke(run_io, llm, "Hello")
    assert isinstance(result, AIMessage)
    assert "temperature" not in _last_body(emulator)
    assert any("temperature" in str(w.message) for w in caught)


def test_temperature_is_sent_with_reasoning_effort_none(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        temperature=0.2,
        reasoning_effort="none",
    )
    _invoke(run_io, llm, "Hello")
    assert _last_body(emulator)["temperature"] == 0.2


def test_messages_reach_the_wire(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    from langchain_core.messages import SystemMessage, ToolMessage

    messages = [
        SystemMessage("rules", additional_kwargs={"__openai_role__": "developer"}),
        HumanMessage("What is 2+3?", name="ann"),
        AIMessage("", tool_calls=[{"name": "add", "args": {"a": 2, "b": 3}, "id": "c1"}]),
        ToolMessage("5", tool_call_id="c1"),
    ]
    _invoke(run_io, llm, messages)
    assert _last_body(emulator)["messages"] == [
        {"role": "developer", "content": "rules"},
        {"role": "user", "content": "What is 2+3?", "name": "ann"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
                }
            ],
        },
        {"role": "tool", "content": "5", "tool_call_id": "c1"},
    ]


def test_bad_content_fails_before_sending(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    message = HumanMessage(content=[{"type": "video", "url": "https://x/v.mp4"}])
    with pytest.raises(UnsupportedContentError):
        _invoke(run_io, llm, [message])
    assert _chat_requests(emulator) == []


def test_out_of_range_parameter_fails_before_sending(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    with pytest.raises(ValueError, match="top_p"):
        _invoke(run_io, llm, "Hello", top_p=3)
    assert _chat_requests(emulator) == []


# --- responses -------------------------------------------------------------------------------


def test_invoke_metadata_and_usage(run_io: RunIO, llm: ChatGPT54Nano) -> None:
    result = _invoke(run_io, llm, "Hello", gateway_options=GatewayOptions(cache_ttl=60))
    metadata = result.response_metadata
    assert metadata["model_name"] == "openai/gpt-5.4-nano"
    assert metadata["upstream_model"] == "gpt-5.4-nano-2026-03-17"
    assert metadata["model_provider"] == "openai"
    assert metadata["finish_reason"] == "stop"
    assert metadata["id"].startswith("chatcmpl-")
    gateway = metadata["gateway"]
    assert gateway["log_id"]
    assert gateway["cache_status"] == "MISS"
    assert gateway["step"] == "0"
    assert gateway["ray_id"]
    assert gateway["attempts"] == 1 and gateway["status_code"] == 200
    usage = result.usage_metadata
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert isinstance(usage["input_token_details"]["cache_read"], int)
    assert isinstance(usage["output_token_details"]["reasoning"], int)


def test_gateway_options_become_headers(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        gateway_options=GatewayOptions(metadata={"team": "a"}, cache_ttl=120),
    )
    _invoke(run_io, llm, "Hello", gateway_options={"cache_ttl": 300})
    headers = {k.lower(): v for k, v in _chat_requests(emulator)[-1].headers.items()}
    assert headers["cf-aig-metadata"] == '{"team":"a"}'
    assert headers["cf-aig-cache-ttl"] == "300"  # the per-call value wins


def test_stream_usage_once_and_metadata_once(run_io: RunIO, llm: ChatGPT54Nano) -> None:
    chunks = _stream(run_io, llm, "Write me 2 haikus about the sea.")
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    assert sum(1 for c in chunks if c.response_metadata.get("gateway", {}).get("log_id")) == 1
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert full.text
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_name"] == "openai/gpt-5.4-nano"
    assert full.response_metadata["upstream_model"] == "gpt-5.4-nano-2026-03-17"
    assert full.usage_metadata["output_tokens"] > 0


def test_stream_usage_off(run_io: RunIO, llm: ChatGPT54Nano, emulator: Any) -> None:
    chunks = _stream(run_io, llm, "Hello", stream_usage=False)
    assert not any(c.usage_metadata for c in chunks)
    assert _last_body(emulator)["stream_options"] == {"include_usage": False}


class _TokenRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.chunks: list[Any] = []

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self.tokens.append(token)
        self.chunks.append(chunk)


class _AsyncTokenRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.chunks: list[Any] = []

    async def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self.tokens.append(token)
        self.chunks.append(chunk)


@pytest.mark.parametrize("handler_kind", ["sync", "async"])
def test_streaming_invoke_streams_and_fires_every_token(
    run_io: RunIO, emulator: Any, handler_kind: str
) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        streaming=True,
    )
    handler = _TokenRecorder() if handler_kind == "sync" else _AsyncTokenRecorder()
    result = _invoke(run_io, llm, "Hello there", config={"callbacks": [handler]})
    assert _last_body(emulator)["stream"] is True
    content_tokens = [t for t in handler.tokens if t]
    assert len(content_tokens) > 1  # one per delta, not one at the end
    assert "".join(handler.tokens) == result.content
    assert all(chunk is not None for chunk in handler.chunks)
    assert result.usage_metadata["total_tokens"] > 0


# --- tools -----------------------------------------------------------------------------------


class GetWeather(BaseModel):
    """Get the current weather in a given city."""

    city: str


def get_population(city: str) -> int:
    """Get the population of a city."""
    return 1


@pytest.mark.parametrize(
    ("tool_choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        (True, "required"),
        ("GetWeather", {"type": "function", "function": {"name": "GetWeather"}}),
        (
            {"type": "function", "function": {"name": "get_population"}},
            {"type": "function", "function": {"name": "get_population"}},
        ),
    ],
)
def test_bind_tools_tool_choice_on_the_wire(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any, tool_choice: Any, wire: Any
) -> None:
    bound = llm.bind_tools(
        [GetWeather, get_population],
        tool_choice=tool_choice,
        strict=True,
        parallel_tool_calls=False,
    )
    result = _invoke(run_io, bound, "What is the weather in Paris?")
    body = _last_body(emulator)
    assert body["tool_choice"] == wire
    assert body["parallel_tool_calls"] is False
    assert [t["function"]["name"] for t in body["tools"]] == ["GetWeather", "get_population"]
    assert all(t["function"]["strict"] is True for t in body["tools"])
    if wire == "none":
        assert result.tool_calls == []
    else:
        assert len(result.tool_calls) == 1


def test_streamed_tool_calls_arrive_as_indexed_chunks(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(
        Reply(
            tool_calls=[
                {"name": "GetWeather", "arguments": {"city": "Paris"}},
                {"name": "get_population", "arguments": {"city": "Lyon"}},
            ]
        )
    )
    bound = llm.bind_tools([GetWeather, get_population])
    chunks = _stream(run_io, bound, "Weather in Paris and population of Lyon?")
    indexes = {tc["index"] for c in chunks for tc in c.tool_call_chunks}
    assert indexes == {0, 1}
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        ("GetWeather", {"city": "Paris"}),
        ("get_population", {"city": "Lyon"}),
    ]
    assert full.response_metadata["finish_reason"] == "tool_calls"


# --- structured output -----------------------------------------------------------------------


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str
    punchline: str


def test_structured_output_default_is_strict_json_schema(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    result = _invoke(run_io, llm.with_structured_output(Joke), "Tell me a joke about cats.")
    assert isinstance(result, Joke)
    response_format = _last_body(emulator)["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Joke"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["additionalProperties"] is False
    assert not any(key.endswith("structured_output_format") for key in _last_body(emulator))


@pytest.mark.parametrize("method", ["function_calling", "json_mode"])
def test_structured_output_other_methods(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any, method: str
) -> None:
    if method == "json_mode":  # the shape is only in the prompt: script the model's answer
        emulator.queue_reply(Reply(content='{"setup": "Why?", "punchline": "Because."}'))
    structured = llm.with_structured_output(Joke, method=method)  # type: ignore[arg-type]
    result = _invoke(
        run_io, structured, "Tell me a joke about cats as JSON with setup and punchline."
    )
    assert isinstance(result, Joke)
    body = _last_body(emulator)
    if method == "function_calling":
        assert body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
    else:
        assert body["response_format"] == {"type": "json_object"}


def test_structured_output_include_raw_keeps_parsing_error(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(Reply(content="not json at all"))
    result = _invoke(run_io, llm.with_structured_output(Joke, include_raw=True), "Tell me a joke.")
    assert isinstance(result["raw"], AIMessage)
    assert result["parsed"] is None
    assert result["parsing_error"] is not None


def test_structured_output_refusal_is_a_clear_error(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(Reply(refusal="I can't help with that."))
    with pytest.raises(StructuredOutputRefusalError, match="can't help"):
        _invoke(run_io, llm.with_structured_output(Joke), "Tell me a joke.")


def test_streamed_refusal_is_one_error_with_the_whole_text(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(Reply(refusal="I can't help with that request, sorry."))
    with pytest.raises(StructuredOutputRefusalError) as caught:
        _stream(run_io, llm.with_structured_output(Joke), "Tell me a joke.")
    assert str(caught.value) == "I can't help with that request, sorry."


def test_include_raw_reports_a_refusal_as_parsing_error(
    run_io: RunIO, llm: ChatGPT54Nano, emulator: Any
) -> None:
    emulator.queue_reply(Reply(refusal="No."))
    result = _invoke(run_io, llm.with_structured_output(Joke, include_raw=True), "A joke.")
    assert isinstance(result["parsing_error"], StructuredOutputRefusalError)
    assert result["raw"].additional_kwargs["refusal"] == "No."


def test_structured_output_rejects_bad_arguments(llm: ChatGPT54Nano) -> None:
    with pytest.raises(ValueError, match="strict"):
        llm.with_structured_output(Joke, method="json_mode", strict=True)
    with pytest.raises(ValueError, match="unsupported"):
        llm.with_structured_output(Joke, tool_choice="any")


# --- errors ------------------------------------------------------------------------------


def test_transport_errors_are_not_rewrapped(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        max_retries=0,
    )
    emulator.plan_faults(Fault(kind="status", status=429, code=2003), next_n=1)
    with pytest.raises(errors.RateLimitError) as caught:
        _invoke(run_io, llm, "Hello")
    assert caught.value.status_code == 429


def test_authentication_error_does_not_leak_the_token(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url, account_id=emulator.account_id, api_key="wrong-secret-123"
    )
    with pytest.raises(errors.AuthenticationError) as caught:
        _stream(run_io, llm, "Hello")
    assert "wrong-secret-123" not in str(caught.value)
    assert "wrong-secret-123" not in repr(caught.value)


# --- configuration, clients, serialisation -------------------------------------------------


def test_one_config_serves_several_models(run_io: RunIO, emulator: Any) -> None:
    config = GatewayConfig(
        account_id=emulator.account_id,
        api_token=SecretStr(emulator.api_token),
        base_url=emulator.base_url,
    )
    llm = ChatGPT54Nano(config=config)
    assert llm.gateway_config is config
    assert llm.account_id == emulator.account_id
    assert isinstance(_invoke(run_io, llm, "Hello"), AIMessage)
    tuned = ChatGPT54Nano(config=config, timeout=5, max_retries=0)
    assert tuned.gateway_config.read_timeout == 5
    assert tuned.gateway_config.max_retries == 0
    assert tuned.gateway_config.base_url == emulator.base_url


def test_config_model_and_options_are_kept_or_merged(emulator: Any) -> None:
    config = GatewayConfig(
        account_id=emulator.account_id,
        api_token=SecretStr(emulator.api_token),
        model="openai/gpt-5.4-nano",
        options=GatewayOptions(cache_ttl=60, metadata={"app": "x"}),
    )
    llm = ChatGPT54Nano(config=config, gateway_options=GatewayOptions(cache_ttl=600))
    assert llm.model_name == config.model
    assert llm.gateway_config.options == GatewayOptions(cache_ttl=600, metadata={"app": "x"})


def test_clients_are_created_lazily_and_reused(run_io: RunIO, llm: ChatGPT54Nano) -> None:
    assert llm.client is None and llm.async_client is None
    _invoke(run_io, llm, "Hello")
    first = (llm.client, llm.async_client)
    assert any(c is not None for c in first)
    _invoke(run_io, llm, "Hello")
    assert (llm.client, llm.async_client) == first


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CF_ACCOUNT_ID", "acct-env")
    monkeypatch.setenv("CF_AI_API_TOKEN", "tok-env")
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
    llm = ChatGPT54Nano()
    assert llm.account_id == "acct-env"
    assert llm.api_key is not None and llm.api_key.get_secret_value() == "tok-env"


def test_missing_credentials_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CLOUDFLARE_ACCOUNT_ID",
        "CF_ACCOUNT_ID",
        "CLOUDFLARE_API_TOKEN",
        "CF_AI_API_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(errors.ConfigurationError):
        ChatGPT54Nano()


@pytest.mark.filterwarnings("ignore:The function `load` is in beta")
def test_serialisation_round_trip_without_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = ChatGPT54Nano(
        api_key="sekrit-token-9",
        account_id="acct",
        max_tokens=10,
        gateway_options=GatewayOptions(cache_ttl=60),
    )
    text = dumps(llm)
    assert "sekrit-token-9" not in text
    assert "sekrit-token-9" not in repr(llm)
    assert dumpd(llm)["kwargs"]["api_key"] == {
        "lc": 1,
        "type": "secret",
        "id": ["CLOUDFLARE_API_TOKEN"],
    }
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "sekrit-token-9")
    loaded = load(
        dumpd(llm),
        allowed_objects=[ChatGPT54Nano],
        secrets_from_env=True,
        valid_namespaces=["langchain_gpt54nano"],
    )
    assert isinstance(loaded, ChatGPT54Nano)
    assert loaded.asdict() == llm.asdict()
    assert loaded.gateway_options == GatewayOptions(cache_ttl=60)


def test_identity(llm: ChatGPT54Nano) -> None:
    params = llm._get_ls_params(stop=["x"], model="openai/other", max_tokens=5)
    assert params == {
        "ls_provider": "cloudflare",
        "ls_model_name": "openai/other",
        "ls_model_type": "chat",
        "ls_max_tokens": 5,
        "ls_stop": ["x"],
    }
    assert llm.profile is not None
    assert (llm.profile["max_input_tokens"], llm.profile["max_output_tokens"]) == (128_000, 16_384)
    assert llm.profile["tool_calling"] and llm.profile["structured_output"]
    assert llm.profile["image_inputs"]
    assert ChatGPT54Nano.get_lc_namespace() == ["langchain_gpt54nano", "chat_models"]


def test_model_kwargs_reach_the_body(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        model_kwargs={"logprobs": True},
    )
    result = _invoke(run_io, llm, "Hello")
    assert _last_body(emulator)["logprobs"] is True
    assert isinstance(result, AIMessageChunk | AIMessage)


def test_gateway_endpoint_form(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        endpoint="gateway",
        gateway_id="default",
        base_url=emulator.gateway_base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
    )
    assert isinstance(_invoke(run_io, llm, "Hello"), AIMessage)
    path = _chat_requests(emulator)[-1].path
    assert path == f"/v1/{emulator.account_id}/default/compat/chat/completions"


def test_injected_clients_are_used(run_io: RunIO, emulator: Any) -> None:
    from gpt54nano_gateway.client import AsyncGatewayClient, GatewayClient

    config = GatewayConfig(
        account_id=emulator.account_id,
        api_token=SecretStr(emulator.api_token),
        base_url=emulator.base_url,
    )
    client, aclient = GatewayClient(config), AsyncGatewayClient(config)
    llm = ChatGPT54Nano(client=client, async_client=aclient)
    assert llm.gateway_config is config  # taken from the client
    assert isinstance(_invoke(run_io, llm, "Hello"), AIMessage)
    assert llm.client is client and llm.async_client is aclient


# --- GPT-5.4 reasoning_effort rules (refused before sending) --------------------------------


def _weather_tool() -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
    }


def test_minimal_effort_is_refused_before_sending(run_io: RunIO, emulator: Any) -> None:
    from gpt54nano_gateway.model_rules import UnsupportedReasoningEffortError

    llm = ChatGPT54Nano(
        base_url=emulator.base_url, account_id=emulator.account_id, api_key=emulator.api_token
    )
    with pytest.raises(UnsupportedReasoningEffortError, match="'none', 'low', 'medium'"):
        _invoke(run_io, llm, "Hello", reasoning_effort="minimal")
    assert _chat_requests(emulator) == []


def test_minimal_is_not_an_accepted_field_value(emulator: Any) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="reasoning_effort"):
        ChatGPT54Nano(
            base_url=emulator.base_url,
            account_id=emulator.account_id,
            api_key=emulator.api_token,
            reasoning_effort="minimal",
        )


def test_tools_with_effort_on_chat_completions_is_a_typed_error(
    run_io: RunIO, emulator: Any
) -> None:
    # By default such calls go to the Responses API (test_responses.py); kept on Chat
    # Completions explicitly, the transport's rule refuses them before sending.
    from gpt54nano_gateway.model_rules import ToolsWithReasoningError

    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        reasoning_effort="low",
        use_responses_api=False,
    ).bind_tools([_weather_tool()])
    with pytest.raises(ToolsWithReasoningError, match="Responses API"):
        _invoke(run_io, llm, "Weather?")
    assert _chat_requests(emulator) == []


@pytest.mark.parametrize("where", ["field", "per_call"])
def test_drop_effort_policy_sends_tools_without_effort(
    run_io: RunIO, emulator: Any, where: str
) -> None:
    field = {"tools_with_reasoning": "drop_effort"} if where == "field" else {}
    call = {"tools_with_reasoning": "drop_effort"} if where == "per_call" else {}
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        reasoning_effort="high",
        **field,
    ).bind_tools([_weather_tool()])
    with pytest.warns(UserWarning, match="reasoning_effort='high' was not sent"):
        result = _invoke(run_io, llm, "Weather?", **call)
    assert isinstance(result, AIMessage)
    body = _last_body(emulator)
    assert "reasoning_effort" not in body and "tools_with_reasoning" not in body
    assert body["tools"][0]["function"]["name"] == "get_weather"


def test_profile_lists_gpt54_efforts(llm: ChatGPT54Nano) -> None:
    assert llm.profile is not None
    assert llm.profile["reasoning_effort_levels"] == ["none", "low", "medium", "high", "xhigh"]


# --- extra_body ------------------------------------------------------------------------------


def test_extra_body_is_merged_into_the_body(run_io: RunIO, emulator: Any) -> None:
    llm = ChatGPT54Nano(
        base_url=emulator.base_url,
        account_id=emulator.account_id,
        api_key=emulator.api_token,
        extra_body={"verbosity": "low", "prompt_cache_key": "k1"},
    )
    _invoke(run_io, llm, "Hello", extra_body={"prompt_cache_key": "k2", "store": False})
    body = _last_body(emulator)
    assert "extra_body" not in body
    assert (body["verbosity"], body["prompt_cache_key"], body["store"]) == ("low", "k2", False)


def test_gpt5_parameters_reach_the_wire_per_call(run_io: RunIO, llm: Any, emulator: Any) -> None:
    _invoke(run_io, llm, "Hello", verbosity="high", service_tier="flex", safety_identifier="h")
    body = _last_body(emulator)
    assert (body["verbosity"], body["service_tier"], body["safety_identifier"]) == (
        "high",
        "flex",
        "h",
    )
