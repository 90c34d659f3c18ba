"""One contract for both adapters (gpt54nano_gateway.adapter_config): the same precedence, the
same moment of failure, the same refusal of unknown arguments, the same metadata spelling."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.llms import ChatMessage

from gpt54nano_gateway import (
    CONTEXT_WINDOW,
    DEFAULT_MODEL,
    MAX_OUTPUT_TOKENS,
    ConfigurationError,
    GatewayConfig,
    GatewayOptions,
)
from gpt54nano_gateway.adapter_config import refuse_unknown_arguments, resolve_config
from langchain_gpt54nano import ChatGPT54Nano
from llama_index_gpt54nano import GPT54Nano

ADAPTERS = [ChatGPT54Nano, GPT54Nano]
ENV = ("CLOUDFLARE_ACCOUNT_ID", "CF_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "CF_AI_API_TOKEN")


def _clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ENV, "CLOUDFLARE_AI_GATEWAY_ID", "CLOUDFLARE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _config(**extra: Any) -> GatewayConfig:
    return GatewayConfig(account_id="acct", api_token="tok-contract", **extra)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["langchain", "llama_index"])
def test_missing_credentials_fail_at_construction_naming_the_variables(
    adapter: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_env(monkeypatch)
    with pytest.raises(ConfigurationError) as info:
        adapter()
    message = str(info.value)
    assert all(name in message for name in ENV)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["langchain", "llama_index"])
@pytest.mark.parametrize("typo", ["api_tokn", "cloudflare_api_token", "acount_id"])
def test_a_misspelt_argument_is_refused_with_close_matches(adapter: Any, typo: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        adapter(config=_config(), **{typo: "tok-must-not-leak"})
    message = str(info.value)
    assert repr(typo) in message and "did you mean" in message
    assert "tok-must-not-leak" not in message


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["langchain", "llama_index"])
def test_precedence_explicit_over_config_over_environment(
    adapter: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "acct-env")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "tok-env")
    from_env = adapter()
    assert from_env.gateway_config.account_id == "acct-env"
    assert from_env.gateway_config.model == DEFAULT_MODEL
    base = _config(model="openai/gpt-5.4-mini", options=GatewayOptions(cache_ttl=60))
    shared = adapter(config=base)
    assert shared.gateway_config is base  # nothing explicit: the very object, shared
    override = adapter(
        config=base,
        account_id="acct-explicit",
        timeout=3.0,
        gateway_options=GatewayOptions(skip_cache=True),
    )
    resolved = override.gateway_config
    assert resolved.account_id == "acct-explicit"
    assert resolved.model == "openai/gpt-5.4-mini"  # the config's model, not the default
    assert (resolved.connect_timeout, resolved.read_timeout, resolved.stream_idle_timeout) == (
        3.0,
        3.0,
        3.0,
    )
    assert resolved.options == GatewayOptions(cache_ttl=60, skip_cache=True)


def test_both_adapters_resolve_the_same_config() -> None:
    base = _config()
    kwargs: dict[str, Any] = {"config": base, "gateway_id": "gw1", "max_retries": 5}
    assert ChatGPT54Nano(**kwargs).gateway_config == GPT54Nano(**kwargs).gateway_config


def test_resolve_config_is_pure_and_keeps_an_unchanged_config() -> None:
    base = _config()
    assert resolve_config(
        config=base, explicit={"account_id": "acct"}, model=None, options=None
    ) is (base)
    changed = resolve_config(config=base, explicit={}, model="openai/gpt-5.4-mini", options=None)
    assert changed.model == "openai/gpt-5.4-mini" and base.model == DEFAULT_MODEL


def test_refuse_unknown_arguments_lists_every_unknown_name() -> None:
    with pytest.raises(ConfigurationError, match=r"'tempreature' \(did you mean 'temperature'\?\)"):
        refuse_unknown_arguments(["tempreature", "zzz"], ["temperature", "top_p"], owner="X")
    refuse_unknown_arguments(["top_p"], ["temperature", "top_p"], owner="X")  # no error


def test_catalog_limits_live_in_one_place() -> None:
    llm = GPT54Nano(config=_config())
    assert llm.metadata.context_window == CONTEXT_WINDOW == 128_000
    assert llm.metadata.num_output == MAX_OUTPUT_TOKENS == 16_384
    profile = ChatGPT54Nano(config=_config()).profile
    assert profile is not None
    assert profile["max_input_tokens"] == CONTEXT_WINDOW
    assert profile["max_output_tokens"] == MAX_OUTPUT_TOKENS


def test_gateway_metadata_has_one_spelling_in_both_frameworks(emulator: Any) -> None:
    config = GatewayConfig(
        account_id=emulator.account_id, api_token=emulator.api_token, base_url=emulator.base_url
    )
    lc = ChatGPT54Nano(config=config).invoke([HumanMessage("hi")]).response_metadata["gateway"]
    li = GPT54Nano(config=config).chat([ChatMessage(role="user", content="hi")])
    li_gateway = li.additional_kwargs["gateway"]
    assert set(lc) == set(li_gateway)
    assert lc["log_id"] != li_gateway["log_id"]  # two calls, two logs, same keys and nesting
    assert {key: lc[key] for key in ("attempts", "status_code", "step")} == {
        key: li_gateway[key] for key in ("attempts", "status_code", "step")
    }
