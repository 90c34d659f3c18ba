"""GatewayConfig / GatewayOptions: URL forms, env lookup, validation before anything is sent."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from gpt54nano_gateway import ConfigurationError, GatewayConfig, GatewayOptions, GatewayRetries

TOKEN = "tok-very-secret-123"
ENV_VARS = (
    "CLOUDFLARE_ACCOUNT_ID",
    "CF_ACCOUNT_ID",
    "CLOUDFLARE_API_TOKEN",
    "CF_AI_API_TOKEN",
    "CLOUDFLARE_AI_GATEWAY_ID",
    "CLOUDFLARE_BASE_URL",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_rest_form_default_url_and_headers() -> None:
    config = GatewayConfig(account_id="acct1", api_token=TOKEN)
    assert config.model == "openai/gpt-5.4-nano"
    assert config.chat_completions_url == (
        "https://api.cloudflare.com/client/v4/accounts/acct1/ai/v1/chat/completions"
    )
    assert config.auth_headers() == {"Authorization": f"Bearer {TOKEN}"}


def test_rest_form_with_gateway_sends_gateway_id() -> None:
    config = GatewayConfig(account_id="acct1", api_token=TOKEN, gateway_id="my-gw")
    assert config.auth_headers() == {
        "Authorization": f"Bearer {TOKEN}",
        "cf-aig-gateway-id": "my-gw",
    }


def test_gateway_form_url_defaults_to_default_gateway() -> None:
    config = GatewayConfig(account_id="acct1", api_token=TOKEN, endpoint="gateway")
    assert config.chat_completions_url == (
        "https://gateway.ai.cloudflare.com/v1/acct1/default/compat/chat/completions"
    )
    assert config.auth_headers() == {"cf-aig-authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("endpoint", "base_url", "expected"),
    [
        (
            "rest",
            "http://127.0.0.1:8787/client/v4/",
            "http://127.0.0.1:8787/client/v4/accounts/a/ai/v1/chat/completions",
        ),
        (
            "gateway",
            "http://127.0.0.1:8787/v1",
            "http://127.0.0.1:8787/v1/a/gw/compat/chat/completions",
        ),
        (
            "rest",
            "http://localhost:9/client/v4",
            "http://localhost:9/client/v4/accounts/a/ai/v1/chat/completions",
        ),
        (
            "rest",
            "http://[::1]:9/client/v4",
            "http://[::1]:9/client/v4/accounts/a/ai/v1/chat/completions",
        ),
    ],
)
def test_base_url_override_keeps_the_path_form(endpoint: str, base_url: str, expected: str) -> None:
    config = GatewayConfig(
        account_id="a", api_token=TOKEN, endpoint=endpoint, base_url=base_url, gateway_id="gw"
    )
    assert config.chat_completions_url == expected


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="in clear"):
        GatewayConfig(account_id="a", api_token=TOKEN, base_url="http://example.com/client/v4")
    allowed = GatewayConfig(
        account_id="a",
        api_token=TOKEN,
        base_url="http://example.com/client/v4",
        allow_insecure_http=True,
    )
    assert allowed.chat_completions_url.startswith("http://example.com/")


@pytest.mark.parametrize(
    "base_url",
    [
        "ftp://127.0.0.1/x",
        "127.0.0.1:80",
        "https://user:pw@host/x",
        "https://h/x?q=1",
        "https://h/x#f",
    ],
)
def test_bad_base_url_is_a_configuration_error(base_url: str) -> None:
    with pytest.raises(ConfigurationError):
        GatewayConfig(account_id="a", api_token=TOKEN, base_url=base_url)


@pytest.mark.parametrize("account_id", ["", "a/b", "../x", "a b", "x" * 65])
def test_account_id_must_be_a_safe_path_segment(account_id: str) -> None:
    with pytest.raises(ConfigurationError, match="account_id"):
        GatewayConfig(account_id=account_id, api_token=TOKEN)


def test_configuration_errors_never_show_the_token() -> None:
    for bad in (
        {"account_id": "a/b", "api_token": TOKEN},
        {"account_id": "a", "api_token": TOKEN + "\n"},
        {"account_id": "a", "api_token": TOKEN, "base_url": "http://evil.example/x"},
    ):
        with pytest.raises(ConfigurationError) as info:
            GatewayConfig(**bad)
        assert "very-secret" not in str(info.value)
        assert "very-secret" not in repr(info.value)
        assert "very-secret" not in str(info.value.__cause__)
    config = GatewayConfig(account_id="a", api_token=TOKEN)
    assert "very-secret" not in repr(config)
    assert "very-secret" not in config.model_dump_json()


def test_from_env_reads_cloudflare_variables(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CLOUDFLARE_ACCOUNT_ID", "envacct")
    clean_env.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    clean_env.setenv("CLOUDFLARE_AI_GATEWAY_ID", "envgw")
    config = GatewayConfig.from_env()
    assert (config.account_id, config.api_token.get_secret_value(), config.gateway_id) == (
        "envacct",
        TOKEN,
        "envgw",
    )


def test_from_env_accepts_the_short_names_and_overrides_win(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CF_ACCOUNT_ID", "short")
    clean_env.setenv("CF_AI_API_TOKEN", TOKEN)
    assert GatewayConfig.from_env().account_id == "short"
    assert GatewayConfig.from_env(account_id="explicit").account_id == "explicit"


def test_from_env_missing_credentials_names_the_variables(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as info:
        GatewayConfig.from_env()
    message = str(info.value)
    for name in (
        "CLOUDFLARE_ACCOUNT_ID",
        "CF_ACCOUNT_ID",
        "CLOUDFLARE_API_TOKEN",
        "CF_AI_API_TOKEN",
    ):
        assert name in message
    clean_env.setenv("CLOUDFLARE_ACCOUNT_ID", "a")
    with pytest.raises(ConfigurationError) as info:
        GatewayConfig.from_env()
    assert "CLOUDFLARE_API_TOKEN" in str(info.value)
    assert "CLOUDFLARE_ACCOUNT_ID" not in str(info.value)


def test_missing_credentials_in_the_constructor_come_from_the_environment(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("CF_AI_API_TOKEN", TOKEN)
    clean_env.setenv("CLOUDFLARE_AI_GATEWAY_ID", "real-gateway")
    config = GatewayConfig(account_id="explicit")
    assert config.api_token.get_secret_value() == TOKEN
    assert config.gateway_id is None  # only from_env picks the gateway up
    clean_env.delenv("CF_AI_API_TOKEN")
    with pytest.raises(ConfigurationError, match="CLOUDFLARE_API_TOKEN or CF_AI_API_TOKEN"):
        GatewayConfig(account_id="explicit")


def test_config_is_frozen() -> None:
    config = GatewayConfig(account_id="a", api_token=TOKEN)
    with pytest.raises(ValidationError):
        config.model = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "field",
    ["connect_timeout", "read_timeout", "stream_idle_timeout", "total_timeout"],
)
def test_timeouts_must_be_positive(field: str) -> None:
    with pytest.raises(ConfigurationError, match=field):
        GatewayConfig(account_id="a", api_token=TOKEN, **{field: 0})


# --- GatewayOptions ---------------------------------------------------------------------------


def test_every_option_maps_to_its_header() -> None:
    options = GatewayOptions(
        cache_ttl=3600,
        skip_cache=True,
        cache_key="k1",
        metadata={"team": "AI", "user": 12345, "test": True, "ratio": 0.5},
        collect_log=False,
        collect_log_payload=False,
        request_timeout_ms=2500,
        retries=GatewayRetries(max_attempts=3, retry_delay_ms=500, backoff="exponential"),
        event_id="evt-1",
        byok_alias="prod",
        zdr=True,
        no_wholesale=True,
    )
    headers = options.to_headers()
    assert headers == {
        "cf-aig-cache-ttl": "3600",
        "cf-aig-skip-cache": "true",
        "cf-aig-cache-key": "k1",
        "cf-aig-metadata": headers["cf-aig-metadata"],
        "cf-aig-collect-log": "false",
        "cf-aig-collect-log-payload": "false",
        "cf-aig-request-timeout": "2500",
        "cf-aig-max-attempts": "3",
        "cf-aig-retry-delay": "500",
        "cf-aig-backoff": "exponential",
        "cf-aig-event-id": "evt-1",
        "cf-aig-byok-alias": "prod",
        "cf-aig-zdr": "true",
        "cf-aig-no-wholesale": "true",
    }
    assert json.loads(headers["cf-aig-metadata"]) == {
        "team": "AI",
        "user": 12345,
        "test": True,
        "ratio": 0.5,
    }
    assert GatewayOptions().to_headers() == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cache_ttl": 59},
        {"cache_ttl": 2_592_001},
        {"metadata": {str(i): i for i in range(6)}},
        {"metadata": {"a": None}},
        {"metadata": {"a": {"nested": 1}}},
        {"metadata": {"a": [1]}},
        {"metadata": {"a": float("nan")}},
        {"metadata": {"a": float("inf")}},
        {"request_timeout_ms": 0},
        {"retries": {"max_attempts": 0}},
        {"retries": {"max_attempts": 6}},
        {"retries": {"max_attempts": 2, "retry_delay_ms": 5001}},
        {"retries": {"max_attempts": 2, "backoff": "random"}},
        {"event_id": "a\r\nX-Injected: 1"},
        {"cache_key": "line\nbreak"},
        {"byok_alias": "tab\there"},
        {"event_id": "ünïcode"},
        {"event_id": ""},
        {"unknown_option": 1},
    ],
)
def test_invalid_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GatewayOptions.model_validate(kwargs)


def test_metadata_with_newline_is_escaped_not_injected() -> None:
    header = GatewayOptions(metadata={"note": "two\nlines"}).to_headers()["cf-aig-metadata"]
    assert "\n" not in header and "\r" not in header
    assert json.loads(header) == {"note": "two\nlines"}


def test_merged_takes_per_call_fields_field_by_field() -> None:
    client_level = GatewayOptions(cache_ttl=600, event_id="client", collect_log=True)
    per_call = GatewayOptions(event_id="call", skip_cache=True)
    merged = client_level.merged(per_call)
    assert merged.to_headers() == {
        "cf-aig-cache-ttl": "600",
        "cf-aig-event-id": "call",
        "cf-aig-collect-log": "true",
        "cf-aig-skip-cache": "true",
    }
    assert client_level.merged(None) is client_level
    assert client_level.merged(GatewayOptions()) == client_level


def test_gateway_retries_enabled_only_above_one_attempt() -> None:
    assert not GatewayOptions().gateway_retries_enabled
    assert not GatewayOptions(retries=GatewayRetries(max_attempts=1)).gateway_retries_enabled
    assert GatewayOptions(retries=GatewayRetries(max_attempts=2)).gateway_retries_enabled


def test_from_env_reads_the_base_url(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CLOUDFLARE_ACCOUNT_ID", "envacct")
    clean_env.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    clean_env.setenv("CLOUDFLARE_BASE_URL", "http://127.0.0.1:8787/client/v4")
    assert GatewayConfig.from_env().chat_completions_url == (
        "http://127.0.0.1:8787/client/v4/accounts/envacct/ai/v1/chat/completions"
    )
    assert GatewayConfig.from_env(base_url=None).base_url is None  # an explicit value wins
    clean_env.setenv("CLOUDFLARE_BASE_URL", "http://api.example.com/client/v4")
    with pytest.raises(ConfigurationError, match="http://"):
        GatewayConfig.from_env()  # plain http only to loopback, from the environment too
