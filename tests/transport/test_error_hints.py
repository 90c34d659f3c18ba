"""The hints a newcomer's mistakes get (`error_mapping.explain`), and when they are added."""

from __future__ import annotations

import json

import pytest

from gpt54nano_gateway.error_mapping import error_from_response, explain

_TOKENS = "create one at https://dash.cloudflare.com/profile/api-tokens"


@pytest.mark.parametrize(
    ("status", "code", "message", "endpoint", "gateway_id", "expected"),
    [
        (
            401, 10000, "Authentication error", "rest", None,
            "the API token is missing, wrong or expired: it needs 'Workers AI Read' and "
            f"'AI Gateway Read' + 'AI Gateway Edit' on this account; {_TOKENS}",
        ),
        (
            403, 5018, "Forbidden", "gateway", None,
            "the API token lacks a permission: it needs 'AI Gateway Run' on this account; "
            + _TOKENS,
        ),
        (
            400, 2001, "Please configure AI Gateway in the Cloudflare dashboard", "rest", "gw9",
            "gateway 'gw9' does not exist on this account: create it in the dashboard (AI > AI "
            "Gateway > Create Gateway, the id is its name) or set gateway_id / "
            "CLOUDFLARE_AI_GATEWAY_ID to an existing one",
        ),
        (404, 7003, "Model not found: gpt-5.4-nano", "rest", None,
         "did you mean `openai/gpt-5.4-nano`?"),
        (400, 2008, "Model not found: openai/gpt-5-nano", "gateway", None,
         "did you mean `openai/gpt-5.4-nano`?"),
        (404, 7003, "Could not route to /accounts/x/ai/v1", "rest", None, None),
        (429, 2003, "Rate limited", "rest", None, None),
    ],
)  # fmt: skip
def test_explain(
    status: int,
    code: int,
    message: str,
    endpoint: str,
    gateway_id: str | None,
    expected: str | None,
) -> None:
    assert explain(status, code, message, endpoint=endpoint, gateway_id=gateway_id) == expected


def test_the_hint_ends_the_message_only_for_a_request_this_client_sent() -> None:
    body = json.dumps(
        {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}
    )
    bare = error_from_response(401, {}, body.encode(), attempts=1)
    sent = error_from_response(401, {}, body.encode(), attempts=1, endpoint="rest")
    assert bare.message == "Authentication error"
    assert sent.message == (
        "Authentication error (the API token is missing, wrong or expired: it needs "
        f"'Workers AI Read' and 'AI Gateway Read' + 'AI Gateway Edit' on this account; {_TOKENS})"
    )
    assert (type(sent), sent.status_code, sent.code) == (type(bare), 401, 10000)
