"""``GatewayOptions.custom_cost`` and ``extra_headers``: validated before sending, and what
reaches the wire (the emulator's log shows the custom cost; its request log the extra header)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    CustomCost,
    GatewayClient,
    GatewayConfig,
    GatewayOptions,
)

pytest.importorskip("starlette")
from gpt54nano_emulator import Reply

REQUEST = ChatRequest.model_validate({"messages": [{"role": "user", "content": "Say hi"}]})


def create(emulator: Any, run_io: Any, options: GatewayOptions) -> Any:
    config = GatewayConfig(
        account_id=emulator.account_id, api_token=emulator.api_token, base_url=emulator.base_url
    )

    async def aio() -> Any:
        return await AsyncGatewayClient(config).create(REQUEST, options=options)

    return run_io(lambda: GatewayClient(config).create(REQUEST, options=options), aio)


def _log(emulator: Any, log_id: str) -> dict[str, Any]:
    (entry,) = [e for e in emulator.gateway_logs if e["id"] == log_id]
    return dict(entry)


def test_per_token_custom_cost_is_the_logs_cost(emulator: Any, run_io: Any) -> None:
    emulator.queue_reply(Reply(content="one two three"))
    cost = CustomCost(per_token_in=0.001, per_token_out=0.01)
    completion = create(emulator, run_io, GatewayOptions(custom_cost=cost))
    assert emulator.requests[-1].headers["cf-aig-custom-cost"] == (
        '{"per_token_in":0.001,"per_token_out":0.01}'
    )
    log = _log(emulator, completion.meta.log_id)
    usage = completion.usage
    expected = usage.prompt_tokens * 0.001 + usage.completion_tokens * 0.01
    assert (log["custom_cost"], log["cost"]) == (True, pytest.approx(expected))


def test_total_custom_cost_is_the_logs_cost(emulator: Any, run_io: Any) -> None:
    completion = create(emulator, run_io, GatewayOptions(custom_cost=CustomCost(total_cost=0.5)))
    log = _log(emulator, completion.meta.log_id)
    assert (log["custom_cost"], log["cost"]) == (True, 0.5)


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"per_token_in": -1.0}, "greater than or equal to 0"),
        ({"per_token_out": math.inf}, "finite number"),
        ({"per_token_in": math.nan}, "finite number"),
        ({}, "give per_token_in and/or per_token_out, or total_cost"),
        ({"per_token_in": 1.0, "total_cost": 2.0}, "cannot be combined"),
        ({"per_token_cached": 1.0}, "Extra inputs are not permitted"),
    ],
)
def test_bad_custom_cost_is_refused_when_built(fields: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        CustomCost(**fields)


def test_extra_headers_reach_the_wire_lowercased(emulator: Any, run_io: Any) -> None:
    options = GatewayOptions(extra_headers={"CF-AIG-Future-Flag": "on"})
    assert options.to_headers() == {"cf-aig-future-flag": "on"}
    create(emulator, run_io, options)
    assert emulator.requests[-1].headers["cf-aig-future-flag"] == "on"


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"x-other": "1"}, "must start with 'cf-aig-'"),
        ({"cf-aig-": "1"}, "must start with 'cf-aig-'"),
        ({"cf-aig-bad name": "1"}, "must start with 'cf-aig-'"),
        ({"cf-aig-cache-ttl": "60"}, "set by a GatewayOptions field"),
        ({"cf-aig-authorization": "Bearer x"}, "set by a GatewayOptions field"),
        ({"cf-aig-custom-cost": "{}"}, "set by a GatewayOptions field"),
        ({"cf-aig-x": "a\r\nb"}, "control characters"),
        ({"cf-aig-x": "é"}, "must be ASCII"),
        ({"cf-aig-x": "1", "CF-AIG-X": "2"}, "given twice"),
    ],
)
def test_bad_extra_headers_are_refused_when_built(headers: dict[str, str], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        GatewayOptions(extra_headers=headers)


def test_per_call_options_override_the_clients_field_by_field() -> None:
    base = GatewayOptions(custom_cost=CustomCost(total_cost=1.0), extra_headers={"cf-aig-a": "1"})
    merged = base.merged(GatewayOptions(extra_headers={"cf-aig-b": "2"}))
    assert merged == GatewayOptions(
        custom_cost=CustomCost(total_cost=1.0), extra_headers={"cf-aig-b": "2"}
    )
