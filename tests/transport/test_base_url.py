"""A full endpoint URL pasted as ``base_url`` (what Cloudflare's docs hand out) is understood."""

from __future__ import annotations

import pytest

from gpt54nano_gateway import ConfigurationError, GatewayConfig
from gpt54nano_gateway.base_url import PastedURL, read_pasted_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.cloudflare.com/client/v4/accounts/abc123/ai/v1",
            PastedURL("https://api.cloudflare.com/client/v4", "rest", "abc123"),
        ),
        (
            "https://api.cloudflare.com/client/v4/accounts/abc123/ai/v1/chat/completions/",
            PastedURL("https://api.cloudflare.com/client/v4", "rest", "abc123"),
        ),
        (
            "https://gateway.ai.cloudflare.com/v1/abc123/my-gw/compat",
            PastedURL("https://gateway.ai.cloudflare.com/v1", "gateway", "abc123", "my-gw"),
        ),
        (
            "https://gateway.ai.cloudflare.com/v1/abc123/my-gw/compat/chat/completions",
            PastedURL("https://gateway.ai.cloudflare.com/v1", "gateway", "abc123", "my-gw"),
        ),
        (
            "http://127.0.0.1:8787/client/v4/accounts/acct-emulator/ai/v1",
            PastedURL("http://127.0.0.1:8787/client/v4", "rest", "acct-emulator"),
        ),
        ("https://api.cloudflare.com/client/v4", None),
        ("https://gateway.ai.cloudflare.com/v1", None),
        ("https://proxy.example/v1/abc/gw/openai", None),
    ],
)
def test_read_pasted_url(url: str, expected: PastedURL | None) -> None:
    assert read_pasted_url(url) == expected


def test_sdk_url_gives_the_account_and_a_single_path() -> None:
    config = GatewayConfig(
        api_token="t", base_url="https://api.cloudflare.com/client/v4/accounts/abc/ai/v1"
    )
    assert (config.account_id, config.endpoint, config.base_url) == (
        "abc",
        "rest",
        "https://api.cloudflare.com/client/v4",
    )
    assert config.chat_completions_url == (
        "https://api.cloudflare.com/client/v4/accounts/abc/ai/v1/chat/completions"
    )


def test_gateway_url_gives_account_gateway_and_endpoint() -> None:
    config = GatewayConfig(
        api_token="t",
        base_url="https://gateway.ai.cloudflare.com/v1/abc/gw1/compat/chat/completions",
    )
    assert (config.account_id, config.gateway_id, config.endpoint) == ("abc", "gw1", "gateway")
    assert config.chat_completions_url == (
        "https://gateway.ai.cloudflare.com/v1/abc/gw1/compat/chat/completions"
    )
    assert list(config.auth_headers()) == ["cf-aig-authorization"]


def test_agreeing_explicit_values_are_fine() -> None:
    config = GatewayConfig(
        account_id="abc",
        api_token="t",
        endpoint="gateway",
        gateway_id="gw1",
        base_url="https://gateway.ai.cloudflare.com/v1/abc/gw1/compat",
    )
    assert config.chat_completions_url.endswith("/v1/abc/gw1/compat/chat/completions")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"account_id": "other"}, "base_url names account_id 'abc' but account_id='other'"),
        ({"gateway_id": "gw2"}, "base_url names gateway_id 'gw1' but gateway_id='gw2'"),
        ({"endpoint": "rest"}, "base_url names endpoint 'gateway' but endpoint='rest'"),
    ],
)
def test_conflicts_are_refused(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as exc:
        GatewayConfig(
            api_token="t", base_url="https://gateway.ai.cloudflare.com/v1/abc/gw1/compat", **extra
        )
    assert str(exc.value) == (
        f"{message} was given: drop one, or pass the API root "
        "(https://gateway.ai.cloudflare.com/v1) as base_url"
    )


def test_a_url_without_scheme_is_left_to_the_validator() -> None:
    with pytest.raises(ConfigurationError, match="base_url must be an absolute http"):
        GatewayConfig(account_id="a", api_token="t", base_url="api.cloudflare.com/client/v4")
