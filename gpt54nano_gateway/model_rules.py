"""Per-model request rules, applied by the clients just before a request is serialised.

Only rules that are documented upstream live here (``docs/reference/cloudflare-wire.md`` §6):

- GPT-5.x answers 400 ``unsupported_value`` to a ``temperature`` other than 1 (observed on
  GPT-5.4 for ``temperature: 0``); it accepts one only with ``reasoning_effort="none"``. LangChain
  and LlamaIndex set a temperature by default, so rejecting it would break ordinary use: the
  value is dropped with one ``UserWarning`` that says why.
- GPT-5.x documents ``max_completion_tokens``; the legacy ``max_tokens`` is sent under that name
  (an explicit ``max_completion_tokens`` wins when both are set).

Other models pass through unchanged. The function is pure: it returns a copy and never mutates
its argument.
"""

from __future__ import annotations

import warnings
from typing import Any

from .wire import ChatRequest

__all__ = ["apply_model_rules", "is_gpt5_model"]

# apply_model_rules <- GatewayClient.create/stream <- the caller: point the warning at the caller.
_WARNING_STACKLEVEL = 3


def is_gpt5_model(model: str | None) -> bool:
    """True for GPT-5.x model ids (``openai/gpt-5.4-nano``, ``gpt-5-mini``, ...)."""
    return model is not None and "gpt-5" in model.lower()


def apply_model_rules(request: ChatRequest) -> ChatRequest:
    """Return a copy of ``request`` adjusted to what ``request.model`` accepts."""
    if not is_gpt5_model(request.model):
        return request.model_copy()
    updates: dict[str, Any] = {}
    temperature = request.temperature
    if temperature is not None and temperature != 1 and request.reasoning_effort != "none":
        warnings.warn(
            f"temperature={temperature} was not sent: {request.model} accepts a temperature "
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
