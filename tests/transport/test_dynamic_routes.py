"""Dynamic routes (``model="dynamic/<route>"``) and ``GatewayConfig.route_model``: the GPT-5
request rules apply to a route only when its family is declared; an undeclared route is sent as
given. Pure rules first, then both clients against an emulator that serves the route."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    BadRequestError,
    ChatRequest,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
)
from gpt54nano_gateway.model_rules import (
    UnsupportedReasoningEffortError,
    apply_model_rules,
    rules_model,
)
from gpt54nano_gateway.wire import request_to_wire

pytest.importorskip("starlette")
from gpt54nano_emulator import Emulator

NANO = "openai/gpt-5.4-nano"
ROUTE = "dynamic/support"


def request(**fields: Any) -> ChatRequest:
    return ChatRequest.model_validate({"messages": [{"role": "user", "content": "hi"}], **fields})


# --- pure rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "route_model", "expected"),
    [
        (NANO, None, NANO),
        (NANO, "some/other-model", NANO),  # route_model is about routes only
        (ROUTE, None, None),
        (ROUTE, NANO, NANO),
        (ROUTE, {"support": NANO}, NANO),
        ("dynamic/other", {"support": NANO}, None),
        (None, NANO, None),
    ],
)
def test_rules_model(model: str | None, route_model: Any, expected: str | None) -> None:
    assert rules_model(model, route_model) == expected


def test_an_undeclared_route_is_sent_as_given() -> None:
    original = request(model=ROUTE, temperature=0.0, max_tokens=50, reasoning_effort="minimal")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = apply_model_rules(original)
    assert request_to_wire(result) == request_to_wire(original)


def test_a_declared_route_gets_the_rules_of_its_family_and_keeps_its_name() -> None:
    with pytest.warns(UserWarning, match=r"dynamic/support \(openai/gpt-5.4-nano\)"):
        result = apply_model_rules(
            request(model=ROUTE, temperature=0.0, max_tokens=50), route_model=NANO
        )
    assert request_to_wire(result) == {
        "model": ROUTE,
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 50,
    }
    with pytest.raises(UnsupportedReasoningEffortError, match=r"dynamic/support \(openai/gpt"):
        apply_model_rules(request(model=ROUTE, reasoning_effort="minimal"), route_model=NANO)


def test_a_route_serving_another_family_gets_its_rules_only() -> None:
    # Declared as a non-GPT-5 model: nothing rewritten, as for that model called directly.
    original = request(model=ROUTE, temperature=0.0, max_tokens=50)
    result = apply_model_rules(original, route_model={"support": "@cf/meta/llama-3.1-8b"})
    assert request_to_wire(result) == request_to_wire(original)


def test_route_model_config_forms() -> None:
    base = {"account_id": "acct", "api_token": "tok-routes"}
    assert GatewayConfig(**base).route_model is None
    assert GatewayConfig(**base, route_model=NANO).route_model == NANO
    # "dynamic/support" and "support" name the same route.
    mapping = GatewayConfig(**base, route_model={"dynamic/support": NANO, "faq": NANO})
    assert mapping.route_model == {"support": NANO, "faq": NANO}


@pytest.mark.parametrize(
    "bad",
    ["", "  ", "dynamic/other", {"support": ""}, {"bad route": NANO}, {"a": "dynamic/b"}, 3],
)
def test_a_bad_route_model_is_refused(bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="route_model"):
        GatewayConfig(account_id="acct", api_token="tok-routes", route_model=bad)


# --- both clients against the emulator ---------------------------------------------------------


@pytest.fixture(scope="module")
def routed() -> Iterator[Emulator]:
    with Emulator(dynamic_routes=["support", "faq"]) as emu:
        yield emu


@pytest.fixture
def route_emu(routed: Emulator) -> Emulator:
    routed.reset()
    return routed


def config_for(emu: Emulator, **extra: Any) -> GatewayConfig:
    return GatewayConfig(
        account_id=emu.account_id, api_token=emu.api_token, base_url=emu.base_url, **extra
    )


def create(config: GatewayConfig, io_mode: str, req: ChatRequest) -> Any:
    if io_mode == "sync":
        return GatewayClient(config).create(req)

    async def run() -> Any:
        return await AsyncGatewayClient(config).create(req)

    return asyncio.run(run())


def stream_text(config: GatewayConfig, io_mode: str, req: ChatRequest) -> str:
    if io_mode == "sync":
        with GatewayClient(config).stream(req) as chunks:
            return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

    async def run() -> str:
        async with AsyncGatewayClient(config).stream(req) as chunks:
            return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

    return asyncio.run(run())


def sent_bodies(emu: Emulator) -> list[dict[str, Any] | None]:
    return [r.body for r in emu.requests if r.path.endswith("/chat/completions")]


def test_an_undeclared_route_reaches_the_wire_unchanged(route_emu: Emulator, io_mode: str) -> None:
    # The emulator's route serves nano, which refuses temperature 0: the client did not decide.
    with pytest.raises(BadRequestError) as info:
        create(config_for(route_emu), io_mode, request(model=ROUTE, temperature=0.0))
    assert info.value.status_code == 400
    assert [b and b["temperature"] for b in sent_bodies(route_emu)] == [0.0]


@pytest.mark.parametrize("route_model", [NANO, {"support": NANO}], ids=["one", "mapping"])
def test_a_declared_route_is_sent_by_its_familys_rules(
    route_emu: Emulator, io_mode: str, route_model: Any
) -> None:
    config = config_for(route_emu, route_model=route_model)
    req = request(model=ROUTE, temperature=0.0, max_tokens=40)
    with pytest.warns(UserWarning, match="temperature=0.0 was not sent"):
        completion = create(config, io_mode, req)
    assert completion.model == "gpt-5.4-nano-2026-03-17"
    with pytest.warns(UserWarning, match="temperature=0.0 was not sent"):
        assert stream_text(config, io_mode, req)
    body = {"model": ROUTE, "messages": [{"role": "user", "content": "hi"}]}
    assert sent_bodies(route_emu) == [
        {**body, "max_completion_tokens": 40},
        {
            **body,
            "max_completion_tokens": 40,
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    ]
    assert route_emu.gateway_logs[0]["path"] == ROUTE


def test_a_mapping_leaves_other_routes_undeclared(route_emu: Emulator, io_mode: str) -> None:
    config = config_for(route_emu, route_model={"support": NANO})
    with pytest.raises(BadRequestError):
        create(config, io_mode, request(model="dynamic/faq", temperature=0.0))


def test_minimal_effort_on_a_declared_route_is_refused_before_sending(
    route_emu: Emulator, io_mode: str
) -> None:
    config = config_for(route_emu, route_model=NANO)
    with pytest.raises(UnsupportedReasoningEffortError):
        create(config, io_mode, request(model=ROUTE, reasoning_effort="minimal"))
    assert sent_bodies(route_emu) == []
