"""Both adapters pass ``route_model`` through to the transport (shared config resolution): a
dynamic route with a declared family gets that family's request rules, one without is sent as
given; sync and async, against an emulator serving the route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.llms import ChatMessage

from gpt54nano_gateway import BadRequestError, GatewayConfig
from langchain_gpt54nano import ChatGPT54Nano
from llama_index_gpt54nano import GPT54Nano

pytest.importorskip("starlette")
from gpt54nano_emulator import Emulator

NANO = "openai/gpt-5.4-nano"
ROUTE = "dynamic/support"


@pytest.fixture(scope="module")
def routed() -> Iterator[Emulator]:
    with Emulator(dynamic_routes=["support"]) as emu:
        yield emu


@pytest.fixture
def route_emu(routed: Emulator) -> Emulator:
    routed.reset()
    return routed


def connection(emu: Emulator) -> dict[str, Any]:
    return {"account_id": emu.account_id, "api_key": emu.api_token, "base_url": emu.base_url}


def ask(llm: Any, run_io: Any) -> str:
    """One call through the adapter's own API, sync or async: the answer's text."""
    if isinstance(llm, ChatGPT54Nano):
        message = [HumanMessage("hi")]
        answer = run_io(lambda: llm.invoke(message), lambda: llm.ainvoke(message))
        return str(answer.content)
    chat = [ChatMessage(role="user", content="hi")]
    response = run_io(lambda: llm.chat(chat), lambda: llm.achat(chat))
    return str(response.message.content)


def sent_bodies(emu: Emulator) -> list[dict[str, Any] | None]:
    return [r.body for r in emu.requests if r.path.endswith("/chat/completions")]


ADAPTERS = pytest.mark.parametrize("adapter", [ChatGPT54Nano, GPT54Nano], ids=["lc", "li"])


@ADAPTERS
def test_a_declared_route_gets_the_gpt5_rules(
    adapter: Any, route_emu: Emulator, run_io: Any
) -> None:
    llm = adapter(model=ROUTE, route_model=NANO, temperature=0.0, **connection(route_emu))
    assert llm.gateway_config.route_model == NANO
    with pytest.warns(UserWarning, match=r"dynamic/support \(openai/gpt-5.4-nano\)"):
        assert ask(llm, run_io)
    [body] = sent_bodies(route_emu)
    assert body is not None
    assert (body["model"], "temperature" in body) == (ROUTE, False)


@ADAPTERS
def test_an_undeclared_route_is_sent_as_given(
    adapter: Any, route_emu: Emulator, run_io: Any
) -> None:
    llm = adapter(model=ROUTE, temperature=0.0, **connection(route_emu))
    assert llm.gateway_config.route_model is None
    with pytest.raises(BadRequestError):  # nano behind the route refuses temperature 0
        ask(llm, run_io)
    assert [b and b["temperature"] for b in sent_bodies(route_emu)] == [0.0]


@ADAPTERS
def test_route_model_from_a_shared_config_and_explicit_override(
    adapter: Any, route_emu: Emulator, run_io: Any
) -> None:
    config = GatewayConfig(
        account_id=route_emu.account_id,
        api_token=route_emu.api_token,
        base_url=route_emu.base_url,
        model=ROUTE,
        route_model={"support": NANO},
    )
    shared = adapter(config=config)
    assert shared.gateway_config is config
    overridden = adapter(config=config, route_model={"support": "@cf/meta/llama-3.1-8b"})
    assert overridden.gateway_config.route_model == {"support": "@cf/meta/llama-3.1-8b"}
    assert config.route_model == {"support": NANO}


@ADAPTERS
def test_drop_effort_policy_uses_the_routes_family(
    adapter: Any, route_emu: Emulator, run_io: Any
) -> None:
    # The adapters apply the tools_with_reasoning policy themselves: with the route's family.
    tool = {
        "type": "function",
        "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
    }
    extra = (
        {"model_kwargs": {"tools": [tool]}}
        if adapter is ChatGPT54Nano
        else {"additional_kwargs": {"tools": [tool]}}
    )
    llm = adapter(
        model=ROUTE,
        route_model=NANO,
        reasoning_effort="low",
        tools_with_reasoning="drop_effort",
        **extra,
        **connection(route_emu),
    )
    with pytest.warns(UserWarning, match="reasoning_effort='low' was not sent"):
        ask(llm, run_io)
    [body] = sent_bodies(route_emu)
    assert body is not None
    assert ("reasoning_effort" in body, body["tools"]) == (False, [tool])


def test_a_bad_route_model_is_refused_by_both(route_emu: Emulator) -> None:
    from gpt54nano_gateway import ConfigurationError

    for adapter in (ChatGPT54Nano, GPT54Nano):
        with pytest.raises(ConfigurationError, match="route_model"):
            adapter(model=ROUTE, route_model="dynamic/x", **connection(route_emu))
