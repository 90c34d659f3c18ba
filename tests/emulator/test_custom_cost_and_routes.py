"""``cf-aig-custom-cost`` (validated, reflected in the log's cost) and dynamic routes
(``"model": "dynamic/<route>"``), over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gpt54nano_emulator import Emulator, Reply
from gpt54nano_emulator.server._dynamic_routes import route_table

from .conftest import (
    chat_body,
    compat_url,
    gateway_headers,
    openai_url,
    rest_headers,
    rest_url,
)
from .test_gateway_logs import NANO_IN, NANO_OUT, get_log


def _log_of(emulator: Any, http: Any, response: Any) -> dict[str, Any]:
    result: dict[str, Any] = get_log(emulator, http, response.headers["cf-aig-log-id"]).json()[
        "result"
    ]
    return result


def _cost_call(emulator: Any, http: Any, value: str) -> Any:
    headers = rest_headers(emulator, **{"cf-aig-custom-cost": value})
    return http.post(rest_url(emulator), json=chat_body(), headers=headers)


@pytest.mark.parametrize(
    ("value", "rates"),
    [
        ('{"per_token_in":0.000001,"per_token_out":0.000002}', (0.000001, 0.000002)),
        ('{"per_token_in":0.5}', (0.5, NANO_OUT)),  # the missing one keeps the table price
        ('{"per_token_out":0}', (NANO_IN, 0.0)),
    ],
)
def test_custom_per_token_cost_is_the_logs_cost(
    emulator: Any, http: Any, value: str, rates: tuple[float, float]
) -> None:
    response = _cost_call(emulator, http, value)
    usage = response.json()["usage"]
    log = _log_of(emulator, http, response)
    expected = usage["prompt_tokens"] * rates[0] + usage["completion_tokens"] * rates[1]
    assert (log["custom_cost"], log["cost"]) == (True, pytest.approx(expected))


def test_custom_total_cost(emulator: Any, http: Any) -> None:
    log = _log_of(emulator, http, _cost_call(emulator, http, '{"total_cost":1.22}'))
    assert (log["custom_cost"], log["cost"]) == (True, 1.22)


def test_without_the_header_the_table_price_applies(emulator: Any, http: Any) -> None:
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    usage = response.json()["usage"]
    log = _log_of(emulator, http, response)
    expected = usage["prompt_tokens"] * NANO_IN + usage["completion_tokens"] * NANO_OUT
    assert (log["custom_cost"], log["cost"]) == (False, pytest.approx(expected))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("per_token_in=1", "not valid JSON"),
        ("[1, 2]", "expected a JSON object with per_token_in/per_token_out or total_cost"),
        ("{}", "expected a JSON object with per_token_in/per_token_out or total_cost"),
        (
            '{"per_token_inn":1}',
            "unknown field(s) per_token_inn (allowed: per_token_in, per_token_out, total_cost)",
        ),
        ('{"per_token_in":"0.1"}', "per_token_in must be a number"),
        ('{"per_token_out":true}', "per_token_out must be a number"),
        ('{"per_token_in":-1}', "per_token_in must be >= 0"),
        (
            '{"total_cost":1,"per_token_in":1}',
            "total_cost cannot be combined with per_token_in/per_token_out",
        ),
    ],
)
def test_invalid_custom_cost_is_refused_before_the_model(
    emulator: Any, http: Any, value: str, reason: str
) -> None:
    emulator.queue_reply(Reply(content="kept"))
    response = _cost_call(emulator, http, value)
    message = f"Invalid cf-aig-custom-cost header: {reason}"
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "result": [],
        "messages": [],
        "error": [{"code": 2999, "message": message}],
        "name": "AiGatewayError",
        "httpCode": 400,
        "internalCode": 2999,
        "message": message,
        "description": message,
    }
    ok = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert ok.json()["choices"][0]["message"]["content"] == "kept"


# --- dynamic routes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def routed() -> Iterator[Emulator]:
    with Emulator(gateways=("default", "other"), dynamic_routes={"default": ["support"]}) as emu:
        yield emu


@pytest.fixture
def route_emu(routed: Emulator) -> Emulator:
    routed.reset()
    return routed


def test_a_configured_route_is_answered_as_nano(route_emu: Any, http: Any) -> None:
    route_emu.queue_reply(Reply(content="routed"))
    body = chat_body(model="dynamic/support")
    response = http.post(rest_url(route_emu), json=body, headers=rest_headers(route_emu))
    assert response.status_code == 200
    assert response.json()["model"] == "gpt-5.4-nano-2026-03-17"
    assert response.json()["choices"][0]["message"]["content"] == "routed"
    log = _log_of(route_emu, http, response)
    usage = response.json()["usage"]
    expected = usage["prompt_tokens"] * NANO_IN + usage["completion_tokens"] * NANO_OUT
    assert (log["model"], log["path"], log["cost"]) == (
        "gpt-5.4-nano",
        "dynamic/support",
        pytest.approx(expected),
    )


def test_the_route_works_on_the_gateway_host(route_emu: Any, http: Any) -> None:
    body = chat_body(model="dynamic/support")
    response = http.post(compat_url(route_emu), json=body, headers=gateway_headers(route_emu))
    assert response.status_code == 200


def test_the_gpt5_rules_apply_through_a_route(route_emu: Any, http: Any) -> None:
    body = chat_body(model="dynamic/support", temperature=0)
    response = http.post(rest_url(route_emu), json=body, headers=rest_headers(route_emu))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_value"


def _not_found(status: int, code: int, model: str) -> dict[str, Any]:
    message = f"Model not found: {model}"
    return {
        "success": False,
        "result": [],
        "messages": [],
        "error": [{"code": code, "message": message}],
        "name": "AiGatewayError",
        "httpCode": status,
        "internalCode": code,
        "message": message,
        "description": message,
    }


def test_an_unknown_route_is_an_unknown_model(route_emu: Any, http: Any) -> None:
    body = chat_body(model="dynamic/nosuch")
    rest = http.post(rest_url(route_emu), json=body, headers=rest_headers(route_emu))
    compat = http.post(compat_url(route_emu), json=body, headers=gateway_headers(route_emu))
    assert (rest.status_code, rest.json()) == (404, _not_found(404, 7003, "dynamic/nosuch"))
    assert (compat.status_code, compat.json()) == (400, _not_found(400, 2008, "dynamic/nosuch"))


def test_a_route_belongs_to_its_gateway(route_emu: Any, http: Any) -> None:
    body = chat_body(model="dynamic/support")
    headers = rest_headers(route_emu, **{"cf-aig-gateway-id": "other"})
    response = http.post(rest_url(route_emu), json=body, headers=headers)
    assert (response.status_code, response.json()) == (
        404,
        _not_found(404, 7003, "dynamic/support"),
    )


def test_the_provider_route_passes_the_name_to_openai(route_emu: Any, http: Any) -> None:
    body = chat_body(model="dynamic/support")
    response = http.post(openai_url(route_emu), json=body, headers=gateway_headers(route_emu))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_route_table_forms() -> None:
    assert route_table(["a", "b"], ("default", "gw")) == {
        "default": frozenset({"a", "b"}),
        "gw": frozenset({"a", "b"}),
    }
    assert route_table({"gw": ["a"]}, ("default", "gw")) == {"gw": frozenset({"a"})}
    with pytest.raises(ValueError, match="bad dynamic route name"):
        route_table(["dynamic/a"], ("default",))


def test_a_cached_route_answer_logs_the_resolved_model(route_emu: Any, http: Any) -> None:
    body = chat_body(model="dynamic/support")
    headers = rest_headers(route_emu, **{"cf-aig-cache-ttl": "60"})
    http.post(rest_url(route_emu), json=body, headers=headers)
    hit = http.post(rest_url(route_emu), json=body, headers=headers)
    assert hit.headers["cf-aig-cache-status"] == "HIT"
    log = _log_of(route_emu, http, hit)
    assert (log["model"], log["path"], log["cached"], log["cost"]) == (
        "gpt-5.4-nano",
        "dynamic/support",
        True,
        0.0,
    )
