"""Per-model request rules, applied by the clients just before a request is serialised.

Only rules that are documented upstream live here (``docs/reference/cloudflare-wire.md`` §6):

- GPT-5.x answers 400 ``unsupported_value`` to a ``temperature`` other than 1 (observed on
  GPT-5.4 for ``temperature: 0``); it accepts one only with ``reasoning_effort="none"``. LangChain
  and LlamaIndex set a temperature by default, so rejecting it would break ordinary use: the
  value is dropped with one ``UserWarning`` that says why.
- GPT-5.x documents ``max_completion_tokens``; the legacy ``max_tokens`` is sent under that name
  (an explicit ``max_completion_tokens`` wins when both are set).
- The GPT-5.4 family answers 400 ``unsupported_value`` to ``reasoning_effort="minimal"``
  ("Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'."): refused here with
  :class:`UnsupportedReasoningEffortError` before anything is sent.
- The GPT-5.4 family answers 400 on ``/v1/chat/completions`` to function tools together with a
  ``reasoning_effort`` other than ``none`` ("Function tools with reasoning_effort are not
  supported ... use /v1/responses or set reasoning_effort to 'none'"); an absent effort or
  ``"none"`` is accepted. The policy ``tools_with_reasoning`` decides: ``"error"`` (the default)
  raises :class:`ToolsWithReasoningError` naming both fixes; ``"drop_effort"`` sends the call
  without ``reasoning_effort`` and warns once; ``"responses"`` means "send such calls on the
  Responses wire", where tools and effort go together: `needs_responses_wire` tells a caller (an
  adapter) to reroute, ``responses_convert.chat_request_to_responses`` converts the request and
  ``response_to_chat_completion`` the answer back. The Chat Completions client itself never
  reroutes: given such a call under ``"responses"`` it raises, since the Chat wire answers 400.

The Responses wire (`apply_responses_model_rules`) has the same effort and temperature rules
(``reasoning.effort="minimal"`` refused, a temperature other than 1 dropped unless the effort is
``none``); function tools with an effort are accepted there.

Other models pass through unchanged. The function is pure: it returns a copy and never mutates
its argument.

**Dynamic routes** (``model="dynamic/<route>"``): the route decides on Cloudflare's side which
model answers, so the client cannot know the family. The rules apply only when the config says
which model the route serves (``GatewayConfig(route_model="openai/gpt-5.4-nano")`` for every
route, or ``route_model={"support": "openai/gpt-5.4-nano"}`` per route), and then exactly as for
that model; the request keeps ``model="dynamic/<route>"``. A route with no declared family is
sent as given (no GPT-5 rewriting, nothing refused): it may serve another provider's model,
where a dropped ``temperature`` or a renamed ``max_tokens`` would be wrong. See `rules_model`.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

from .errors import ConfigurationError

if TYPE_CHECKING:  # annotations only: the Responses models stay off the chat import path
    from .responses_wire import ResponsesRequest
    from .wire import ChatRequest

ROUTE_PREFIX = "dynamic/"
RouteModel = str | dict[str, str] | None

__all__ = [
    "GPT54_REASONING_EFFORTS",
    "TOOLS_WITH_REASONING_POLICIES",
    "ModelRuleError",
    "ToolsWithReasoning",
    "ToolsWithReasoningError",
    "UnsupportedReasoningEffortError",
    "apply_model_rules",
    "apply_responses_model_rules",
    "is_gpt5_model",
    "is_gpt54_model",
    "needs_responses_wire",
    "rules_model",
]

# apply_model_rules <- GatewayClient.create/stream <- the caller: point the warning at the caller.
_WARNING_STACKLEVEL = 3

GPT54_REASONING_EFFORTS: tuple[str, ...] = ("none", "low", "medium", "high", "xhigh")
"""The efforts the GPT-5.4 family accepts (OpenAI's 400 lists exactly these)."""

ToolsWithReasoning = Literal["error", "drop_effort", "responses"]
TOOLS_WITH_REASONING_POLICIES: tuple[str, ...] = ("error", "drop_effort", "responses")


class ModelRuleError(ConfigurationError):
    """A request the target model is documented to refuse, caught before it was sent."""


class UnsupportedReasoningEffortError(ModelRuleError):
    """``reasoning_effort`` has a value the model does not accept (``minimal`` on GPT-5.4)."""


class ToolsWithReasoningError(ModelRuleError):
    """Function tools with a ``reasoning_effort`` other than ``none`` on GPT-5.4 Chat
    Completions."""


def is_gpt5_model(model: str | None) -> bool:
    """True for GPT-5.x model ids (``openai/gpt-5.4-nano``, ``gpt-5-mini``, ...)."""
    return model is not None and "gpt-5" in model.lower()


def is_gpt54_model(model: str | None) -> bool:
    """True for the GPT-5.4 family (``openai/gpt-5.4-nano``, ``gpt-5.4-mini``, ``gpt-5.4``)."""
    return model is not None and "gpt-5.4" in model.lower()


def rules_model(model: str | None, route_model: RouteModel = None) -> str | None:
    """The model whose rules apply to a request for ``model``: itself, or for a dynamic route
    the family ``route_model`` declares for it (``None``: undeclared, no rules)."""
    if model is None or not model.startswith(ROUTE_PREFIX):
        return model
    if isinstance(route_model, str):
        return route_model
    if isinstance(route_model, dict):
        return route_model.get(model[len(ROUTE_PREFIX) :])
    return None


def _supported_list() -> str:
    quoted = [f"'{effort}'" for effort in GPT54_REASONING_EFFORTS]
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}"


def _check_effort(effort: str | None, model: str, name: str) -> None:
    if effort is not None and effort not in GPT54_REASONING_EFFORTS:
        raise UnsupportedReasoningEffortError(
            f"{name}={effort!r} is not supported by {model}; "
            f"supported values are {_supported_list()}."
        )


def needs_responses_wire(request: ChatRequest, policy: ToolsWithReasoning) -> bool:
    """True when ``policy`` is ``"responses"`` and ``request`` is a GPT-5.4 call with function
    tools and a reasoning effort other than ``none``: one the caller should send on the
    Responses wire (``chat_request_to_responses``) instead of Chat Completions."""
    effort = request.reasoning_effort
    return (
        policy == "responses"
        and is_gpt54_model(request.model)
        and bool(request.tools)
        and effort is not None
        and effort != "none"
    )


def _effort_update(request: ChatRequest, policy: ToolsWithReasoning, model: str) -> dict[str, Any]:
    """The GPT-5.4 ``reasoning_effort`` rules: raise, or the fields to change."""
    effort = request.reasoning_effort
    if effort is None:
        return {}
    _check_effort(effort, model, "reasoning_effort")
    if effort == "none" or not request.tools:
        return {}
    if policy == "drop_effort":
        warnings.warn(
            f"reasoning_effort={effort!r} was not sent: {model} does not accept function "
            "tools with a reasoning_effort other than 'none' on /v1/chat/completions "
            "(tools_with_reasoning='drop_effort').",
            UserWarning,
            stacklevel=_WARNING_STACKLEVEL + 1,
        )
        return {"reasoning_effort": None}
    if policy == "responses":
        raise ToolsWithReasoningError(
            f"{model} does not accept function tools with reasoning_effort={effort!r} on "
            "/v1/chat/completions, and tools_with_reasoning='responses' asks to send such calls "
            "on the Responses wire: convert it with chat_request_to_responses and send it with "
            "client.responses (needs_responses_wire tells when)."
        )
    raise ToolsWithReasoningError(
        f"{model} does not accept function tools with reasoning_effort={effort!r} on "
        "/v1/chat/completions (the API answers 400). Set reasoning_effort='none', or use "
        "the Responses API (/v1/responses), which tools_with_reasoning='responses' reroutes "
        "such calls to; or pass tools_with_reasoning='drop_effort' to send them without the "
        "effort."
    )


def apply_model_rules(
    request: ChatRequest,
    *,
    tools_with_reasoning: ToolsWithReasoning = "error",
    route_model: RouteModel = None,
) -> ChatRequest:
    """Return a copy of ``request`` adjusted to what ``request.model`` accepts.

    Raises :class:`ModelRuleError` (a ``ConfigurationError``) for a request the model is
    documented to refuse; ``tools_with_reasoning`` is the policy for function tools with a
    reasoning effort on GPT-5.4; ``route_model`` the family of dynamic routes (see the module
    docstring).
    """
    if tools_with_reasoning not in TOOLS_WITH_REASONING_POLICIES:
        raise ConfigurationError(
            f"tools_with_reasoning must be one of {', '.join(TOOLS_WITH_REASONING_POLICIES)}, "
            f"not {tools_with_reasoning!r}"
        )
    family = rules_model(request.model, route_model)
    if family is None or not is_gpt5_model(family):
        return request.model_copy()
    # Messages name what the caller sent, and the family behind a route.
    model = family if family == request.model else f"{request.model} ({family})"
    updates: dict[str, Any] = {}
    if is_gpt54_model(family):
        updates.update(_effort_update(request, tools_with_reasoning, model))
    temperature = request.temperature
    if temperature is not None and temperature != 1 and request.reasoning_effort != "none":
        warnings.warn(
            f"temperature={temperature} was not sent: {model} accepts a temperature "
            "other than 1 only with reasoning_effort='none' (the API answers 400 otherwise). "
            "Set reasoning_effort='none' to keep it, or leave temperature unset.",
            UserWarning,
            stacklevel=_WARNING_STACKLEVEL,
        )
        updates["temperature"] = None
    if request.max_tokens is not None:
        updates["max_tokens"] = None
        if request.max_completion_tokens is None:
            updates["max_completion_tokens"] = request.max_tokens
    if not updates:
        return request.model_copy()
    copy = request.model_copy(update=updates)
    # A dropped field is unset again, not "explicitly None" (matters for exclude_unset dumps).
    for name, value in updates.items():
        if value is None:
            copy.__pydantic_fields_set__.discard(name)
    return copy


def apply_responses_model_rules(request: ResponsesRequest) -> ResponsesRequest:
    """Return a copy of the Responses ``request`` adjusted to what ``request.model`` accepts
    (``reasoning.effort="minimal"`` refused on GPT-5.4; a temperature other than 1 dropped with
    a warning unless the effort is ``none``). Function tools with an effort are fine here."""
    model = request.model
    if not is_gpt5_model(model):
        return request.model_copy()
    effort = request.reasoning.effort if request.reasoning is not None else None
    if is_gpt54_model(model):
        _check_effort(effort, model, "reasoning.effort")
    temperature = request.temperature
    if temperature is None or temperature == 1 or effort == "none":
        return request.model_copy()
    warnings.warn(
        f"temperature={temperature} was not sent: {model} accepts a temperature other than 1 "
        "only with reasoning.effort='none' (the API answers 400 otherwise). Set "
        "reasoning={'effort': 'none'} to keep it, or leave temperature unset.",
        UserWarning,
        stacklevel=_WARNING_STACKLEVEL,
    )
    copy = request.model_copy(update={"temperature": None})
    copy.__pydantic_fields_set__.discard("temperature")
    return copy
