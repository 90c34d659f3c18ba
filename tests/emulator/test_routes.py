"""Routes, auth and request checks, over real HTTP (each test runs sync and async)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import (
    MODEL,
    chat_body,
    compat_url,
    gateway_headers,
    openai_url,
    rest_headers,
    rest_url,
)

V4_AUTH = {
    "result": None,
    "success": False,
    "errors": [{"code": 10000, "message": "Authentication error"}],
    "messages": [],
}
GW_UNAUTHORIZED = {
    "success": False,
    "result": [],
    "messages": [],
    "error": [{"code": 2009, "message": "Unauthorized"}],
    "name": "AiGatewayError",
    "httpCode": 401,
    "internalCode": 2009,
    "message": "Unauthorized",
    "description": "Unauthorized",
}


def test_rest_route_answers_a_completion(emulator: Any, http: Any) -> None:
    response = http.post(rest_url(emulator), json=chat_body(), headers=rest_headers(emulator))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["object"] == "chat.completion"
    assert response.json()["model"] == "gpt-5.4-nano-2026-03-17"


def test_rest_route_accepts_known_gateway_header(emulator: Any, http: Any) -> None:
    headers = rest_headers(emulator, **{"cf-aig-gateway-id": "default"})
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.status_code == 200


def test_rest_route_unknown_gateway_header_is_2001(emulator: Any, http: Any) -> None:
    headers = rest_headers(emulator, **{"cf-aig-gateway-id": "DEFAULT"})
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == [
        {"code": 2001, "message": "Please configure AI Gateway in the Cloudflare dashboard"}
    ]
    assert response.json()["name"] == "AiGatewayError"


def test_compat_route_takes_the_token_in_cf_aig_authorization(emulator: Any, http: Any) -> None:
    response = http.post(compat_url(emulator), json=chat_body(), headers=gateway_headers(emulator))
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["role"] == "assistant"


def test_openai_route_takes_the_model_without_prefix(emulator: Any, http: Any) -> None:
    body = chat_body(model="gpt-5.4-nano")
    response = http.post(openai_url(emulator), json=body, headers=gateway_headers(emulator))
    assert response.status_code == 200
    assert response.json()["object"] == "chat.completion"


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer wrong"}, {"authorization": "emulator-token"}],
    ids=["missing", "wrong", "no-bearer"],
)
def test_rest_bad_token_is_v4_10000(emulator: Any, http: Any, headers: dict[str, str]) -> None:
    response = http.post(rest_url(emulator), json=chat_body(), headers=headers)
    assert response.status_code == 401
    assert response.json() == V4_AUTH


def test_rest_gateway_token_header_is_not_enough(emulator: Any, http: Any) -> None:
    # The REST API wants the token in Authorization (wire doc §1.d).
    response = http.post(rest_url(emulator), json=chat_body(), headers=gateway_headers(emulator))
    assert response.status_code == 401
    assert response.json() == V4_AUTH


@pytest.mark.parametrize("url_of", [compat_url, openai_url], ids=["compat", "openai"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"cf-aig-authorization": "Bearer wrong"}, {"authorization": "Bearer emulator-token"}],
    ids=["missing", "wrong", "authorization-header"],
)
def test_gateway_bad_token_is_2009(
    emulator: Any, http: Any, url_of: Any, headers: dict[str, str]
) -> None:
    body = chat_body(model=MODEL if url_of is compat_url else "gpt-5.4-nano")
    response = http.post(url_of(emulator), json=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == GW_UNAUTHORIZED


def test_rest_unknown_account_is_v4_7003(emulator: Any, http: Any) -> None:
    url = rest_url(emulator, account="nope")
    response = http.post(url, json=chat_body(), headers=rest_headers(emulator))
    assert response.status_code == 404
    message = (
        "Could not route to /client/v4/accounts/nope/ai/v1/chat/completions, perhaps your "
        "object identifier is invalid?"
    )
    assert response.json() == {
        "result": None,
        "success": False,
        "errors": [{"code": 7003, "message": message}],
        "messages": [],
    }


def test_gateway_unknown_account_is_2009(emulator: Any, http: Any) -> None:
    url = compat_url(emulator, account="ACCT-EMULATOR")
    response = http.post(url, json=chat_body(), headers=gateway_headers(emulator))
    assert response.status_code == 401
    assert response.json() == GW_UNAUTHORIZED


def test_gateway_unknown_gateway_is_2001(emulator: Any, http: Any) -> None:
    url = compat_url(emulator, gateway="nosuch")
    response = http.post(url, json=chat_body(), headers=gateway_headers(emulator))
    assert response.status_code == 400
    body = response.json()
    assert body["error"][0]["code"] == 2001
    assert body["internalCode"] == 2001
    assert body["httpCode"] == 400


def test_models_listing_is_405_7001(emulator: Any, http: Any) -> None:
    url = f"{emulator.base_url}/accounts/{emulator.account_id}/ai/v1/models"
    response = http.get(url, headers=rest_headers(emulator))
    assert response.status_code == 405
    assert response.json() == {
        "result": None,
        "success": False,
        "errors": [{"code": 7001, "message": "GET not supported for requested URI."}],
        "messages": [],
    }


def test_get_on_chat_completions_is_405_7001(emulator: Any, http: Any) -> None:
    response = http.get(rest_url(emulator), headers=rest_headers(emulator))
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == 7001


def test_unknown_rest_path_is_could_not_route(emulator: Any, http: Any) -> None:
    url = f"{emulator.base_url}/accounts/{emulator.account_id}/ai/v1/nothing"
    response = http.post(url, json={}, headers=rest_headers(emulator))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 7003


def test_rest_unknown_model_is_404_7003(emulator: Any, http: Any) -> None:
    body = chat_body(model="openai/gpt-9")
    response = http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
    assert response.status_code == 404
    assert response.json()["error"] == [{"code": 7003, "message": "Model not found: openai/gpt-9"}]
    assert response.json()["name"] == "AiGatewayError"


def test_compat_unknown_model_is_400_2008(emulator: Any, http: Any) -> None:
    body = chat_body(model="nosuchvendor/some-model")
    response = http.post(compat_url(emulator), json=body, headers=gateway_headers(emulator))
    assert response.status_code == 400
    assert response.json()["error"] == [
        {"code": 2008, "message": "Model not found: nosuchvendor/some-model"}
    ]


def test_openai_route_rejects_the_prefixed_slug(emulator: Any, http: Any) -> None:
    response = http.post(openai_url(emulator), json=chat_body(), headers=gateway_headers(emulator))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


@pytest.mark.parametrize(
    ("route", "model", "dated"),
    [
        ("rest", "openai/gpt-5.4-mini", "gpt-5.4-mini-2026-03-17"),
        ("compat", "openai/gpt-5.4-mini", "gpt-5.4-mini-2026-03-17"),
        ("openai", "gpt-5.4-mini", "gpt-5.4-mini-2026-03-17"),
        ("openai", "gpt-5.4-nano-2026-03-17", "gpt-5.4-nano-2026-03-17"),
    ],
)
def test_sibling_and_dated_models_are_served(
    emulator: Any, http: Any, route: str, model: str, dated: str
) -> None:
    if route == "rest":
        url, headers = rest_url(emulator), rest_headers(emulator)
    else:
        url_of = compat_url if route == "compat" else openai_url
        url, headers = url_of(emulator), gateway_headers(emulator)
    response = http.post(url, json=chat_body(model=model), headers=headers)
    assert response.status_code == 200
    assert response.json()["model"] == dated


def test_missing_model_is_a_user_input_error(emulator: Any, http: Any) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]}
    response = http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
    assert response.status_code == 400
    assert response.json()["internalCode"] == 7003


def test_non_json_body_is_a_user_input_error(emulator: Any, http: Any) -> None:
    headers = rest_headers(emulator, **{"content-type": "application/json"})
    response = http.post(rest_url(emulator), content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert "User Input Error" in response.json()["message"]


@pytest.mark.parametrize(
    ("extra", "pointer"),
    [
        ({"temperature": 3}, "/temperature"),
        ({"top_p": 1.5}, "/top_p"),
        ({"max_tokens": 0}, "/max_tokens"),
        ({"max_completion_tokens": -1}, "/max_completion_tokens"),
        ({"stream_options": {"include_obfuscation": True}}, "/stream_options"),
        ({"stream": "yes"}, "/stream"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "/messages/0/role"),
        ({"messages": [{"role": "user"}]}, "/messages/0"),
        ({"presence_penalty": -3}, "/presence_penalty"),
        ({"tools": {"type": "function"}}, "/tools"),
    ],
)
def test_schema_violations_are_7003_user_input_errors(
    emulator: Any, http: Any, extra: dict[str, Any], pointer: str
) -> None:
    body = {**chat_body(), **extra}
    response = http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
    assert response.status_code == 400
    payload = response.json()
    assert payload["name"] == "AiGatewayError"
    assert payload["internalCode"] == 7003
    prefix = f"Model execution failed (User Input Error): Invalid value at {pointer}: "
    assert payload["message"].startswith(prefix), payload["message"]
    assert payload["error"][0]["message"] == payload["message"]


def test_schema_allows_extra_openai_fields(emulator: Any, http: Any) -> None:
    body = chat_body(seed=1, user="u", reasoning_effort="low", n=1, parallel_tool_calls=True)
    response = http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
    assert response.status_code == 200


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (0.7, "0.7"), (2, "2")])
def test_gpt5_temperature_is_openai_unsupported_value(
    emulator: Any, http: Any, value: float, shown: str
) -> None:
    body = chat_body(temperature=value)
    response = http.post(rest_url(emulator), json=body, headers=rest_headers(emulator))
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": f"Unsupported value: 'temperature' does not support {shown} with this "
            "model. Only the default (1) value is supported.",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "unsupported_value",
        }
    }


@pytest.mark.parametrize(
    "extra", [{"temperature": 1}, {"temperature": 0.2, "reasoning_effort": "none"}]
)
def test_gpt5_temperature_allowed_cases(emulator: Any, http: Any, extra: dict[str, Any]) -> None:
    response = http.post(
        rest_url(emulator), json=chat_body(**extra), headers=rest_headers(emulator)
    )
    assert response.status_code == 200


def test_custom_account_token_and_gateways() -> None:
    import httpx

    from gpt54nano_emulator import Emulator

    with Emulator(account_id="a1", api_token="t1", gateways=("gw1", "gw2")) as emu:
        assert emu.gateways == ("gw1", "gw2")
        url = compat_url(emu, gateway="gw2")
        ok = httpx.post(url, json=chat_body(), headers={"cf-aig-authorization": "Bearer t1"})
        assert ok.status_code == 200
        missing = httpx.post(
            compat_url(emu, gateway="default"),
            json=chat_body(),
            headers={"cf-aig-authorization": "Bearer t1"},
        )
        assert missing.status_code == 400
