"""apply_model_rules: the GPT-5.x temperature rule, the max_tokens mapping and the GPT-5.4
reasoning_effort rules (minimal refused; function tools + effort by policy), nothing else."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from gpt54nano_gateway.errors import ConfigurationError, GatewayError
from gpt54nano_gateway.model_rules import (
    ModelRuleError,
    ToolsWithReasoningError,
    UnsupportedReasoningEffortError,
    apply_model_rules,
    is_gpt5_model,
    is_gpt54_model,
)
from gpt54nano_gateway.wire import ChatRequest, request_to_wire

GPT5 = "openai/gpt-5.4-nano"


def request(**fields: Any) -> ChatRequest:
    return ChatRequest.model_validate({"messages": [{"role": "user", "content": "hi"}], **fields})


def no_warning(req: ChatRequest) -> ChatRequest:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        return apply_model_rules(req)


def client_create(req: ChatRequest) -> ChatRequest:
    # Stands in for GatewayClient.create, which calls apply_model_rules directly.
    return apply_model_rules(req)


@pytest.mark.parametrize("temperature", [0.0, 0.2, 1.5, 2.0])
def test_gpt5_temperature_other_than_1_is_dropped_with_one_warning(temperature: float) -> None:
    original = request(model=GPT5, temperature=temperature, top_p=0.5)
    with pytest.warns(UserWarning, match="reasoning_effort='none'") as caught:
        result = apply_model_rules(original)
    assert len(caught) == 1
    assert f"temperature={temperature}" in str(caught[0].message)
    assert result.temperature is None
    assert "temperature" not in result.model_fields_set
    assert "temperature" not in request_to_wire(result)
    assert result.top_p == 0.5  # no invented rules for other parameters
    assert original.temperature == temperature  # the argument is not mutated
    assert result is not original


def test_warning_points_at_the_callers_line() -> None:
    with pytest.warns(UserWarning) as caught:
        client_create(request(model=GPT5, temperature=0.3))
    assert caught[0].filename == __file__


def test_gpt5_temperature_1_is_kept_silently() -> None:
    assert request_to_wire(no_warning(request(model=GPT5, temperature=1)))["temperature"] == 1


def test_gpt5_temperature_kept_with_reasoning_effort_none() -> None:
    result = no_warning(request(model=GPT5, temperature=0.0, reasoning_effort="none"))
    body = request_to_wire(result)
    assert body["temperature"] == 0.0 and body["reasoning_effort"] == "none"


@pytest.mark.parametrize("effort", ["low", "medium", "high", "xhigh"])
def test_gpt5_temperature_dropped_with_any_other_reasoning_effort(effort: str) -> None:
    with pytest.warns(UserWarning):
        result = apply_model_rules(request(model=GPT5, temperature=0.0, reasoning_effort=effort))
    assert result.temperature is None and result.reasoning_effort == effort


def test_gpt5_max_tokens_becomes_max_completion_tokens() -> None:
    result = no_warning(request(model=GPT5, max_tokens=256))
    body = request_to_wire(result)
    assert body["max_completion_tokens"] == 256
    assert "max_tokens" not in body
    assert "max_tokens" not in result.model_fields_set


def test_gpt5_explicit_max_completion_tokens_wins() -> None:
    body = request_to_wire(no_warning(request(model=GPT5, max_tokens=10, max_completion_tokens=99)))
    assert body["max_completion_tokens"] == 99 and "max_tokens" not in body


@pytest.mark.parametrize(
    "model", ["openai/gpt-4o-mini", "@cf/meta/llama-3.1-8b-instruct", "gpt-4.1", None]
)
def test_other_models_are_unchanged(model: str | None) -> None:
    original = request(model=model, temperature=0.0, max_tokens=5, seed=1, options={"x": 1})
    result = no_warning(original)
    assert result is not original
    assert request_to_wire(result) == request_to_wire(original)
    assert request_to_wire(result)["max_tokens"] == 5


def test_extra_keys_survive_the_rules() -> None:
    result = no_warning(request(model=GPT5, max_tokens=7, options={"rejectIfBusy": True}))
    assert request_to_wire(result)["options"] == {"rejectIfBusy": True}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("openai/gpt-5.4-nano", True),
        ("OpenAI/GPT-5.4-mini", True),
        ("gpt-5-mini", True),
        ("openai/gpt-4o", False),
        ("gpt-50", True),  # documented as "contains gpt-5"; no such model today
        (None, False),
    ],
)
def test_is_gpt5_model(model: str | None, expected: bool) -> None:
    assert is_gpt5_model(model) is expected


TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


@pytest.mark.parametrize("model", [GPT5, "gpt-5.4-mini", "openai/GPT-5.4"])
def test_gpt54_minimal_effort_is_refused_with_the_supported_list(model: str) -> None:
    with pytest.raises(UnsupportedReasoningEffortError) as caught:
        apply_model_rules(request(model=model, reasoning_effort="minimal"))
    error = caught.value
    assert isinstance(error, ModelRuleError)
    assert isinstance(error, ConfigurationError) and isinstance(error, GatewayError)
    assert isinstance(error, ValueError)
    assert error.message == (
        f"reasoning_effort='minimal' is not supported by {model}; supported values are "
        "'none', 'low', 'medium', 'high' and 'xhigh'."
    )


def test_minimal_effort_passes_on_other_gpt5_models() -> None:
    # gpt-5 / gpt-5-mini document "minimal"; the rule is the 5.4 family's only.
    result = no_warning(request(model="gpt-5-mini", reasoning_effort="minimal"))
    assert request_to_wire(result)["reasoning_effort"] == "minimal"


@pytest.mark.parametrize("effort", ["low", "medium", "high", "xhigh"])
def test_gpt54_tools_with_effort_is_a_typed_error_naming_both_fixes(effort: str) -> None:
    with pytest.raises(ToolsWithReasoningError) as caught:
        apply_model_rules(request(model=GPT5, tools=[TOOL], reasoning_effort=effort))
    message = caught.value.message
    assert f"reasoning_effort={effort!r}" in message
    assert "Set reasoning_effort='none'" in message
    assert "Responses API (/v1/responses)" in message
    assert "tools_with_reasoning='drop_effort'" in message
    assert isinstance(caught.value, ConfigurationError)


def client_create_dropping(req: ChatRequest) -> ChatRequest:
    return apply_model_rules(req, tools_with_reasoning="drop_effort")


@pytest.mark.parametrize("effort", ["low", "xhigh"])
def test_gpt54_drop_effort_policy_sends_the_tools_without_the_effort(effort: str) -> None:
    original = request(model=GPT5, tools=[TOOL], reasoning_effort=effort)
    with pytest.warns(UserWarning, match="tools_with_reasoning='drop_effort'") as caught:
        result = client_create_dropping(original)
    assert len(caught) == 1
    assert caught[0].filename == __file__  # points at the caller of the client
    body = request_to_wire(result)
    assert "reasoning_effort" not in body and "reasoning_effort" not in result.model_fields_set
    assert body["tools"] == [TOOL]
    assert original.reasoning_effort == effort
    # Idempotent: the client applies the rules once more with the default policy.
    assert request_to_wire(no_warning(result)) == body


@pytest.mark.parametrize("effort", [None, "none"])
def test_gpt54_tools_without_effort_or_with_none_pass(effort: str | None) -> None:
    fields: dict[str, Any] = {"model": GPT5, "tools": [TOOL]}
    if effort is not None:
        fields["reasoning_effort"] = effort
    body = request_to_wire(no_warning(request(**fields)))
    assert body.get("reasoning_effort") == effort and body["tools"] == [TOOL]


def test_gpt54_effort_without_tools_passes() -> None:
    body = request_to_wire(no_warning(request(model=GPT5, reasoning_effort="high")))
    assert body["reasoning_effort"] == "high"


def test_tools_with_effort_pass_on_other_models() -> None:
    result = no_warning(request(model="gpt-5-mini", tools=[TOOL], reasoning_effort="low"))
    assert request_to_wire(result)["reasoning_effort"] == "low"


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="error, drop_effort"):
        apply_model_rules(request(model=GPT5), tools_with_reasoning="ignore")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "expected"),
    [("openai/gpt-5.4-nano", True), ("GPT-5.4-mini", True), ("gpt-5-mini", False), (None, False)],
)
def test_is_gpt54_model(model: str | None, expected: bool) -> None:
    assert is_gpt54_model(model) is expected
