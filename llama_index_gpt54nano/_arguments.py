"""Pure: which keyword arguments of a call (or of ``additional_kwargs``) go into the request body.

A LlamaIndex call carries three kinds of keyword arguments, and each one is exactly one kind:

- **request parameters**: the fields the transport's ``ChatRequest`` declares (``verbosity``,
  ``prompt_cache_key``, ``service_tier``, ``reasoning_effort``, ``tools``, ``tool_choice``...).
  They go into the body and are validated there with everything else;
- **this adapter's per-call controls**: ``gateway_options``, ``tools_with_reasoning`` and
  ``extra_body`` (the explicit way to send a parameter the transport does not declare);
- **LlamaIndex's own arguments**, which its signatures pass along to ``chat``/``complete`` and
  which mean nothing on the wire (``verbose``, ``formatted``, ``allow_parallel_tool_calls``...).

Anything else is a mistake (``verbocity="low"``) and is refused with its close matches before
anything is sent: a silently dropped parameter is the bug this module exists to prevent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gpt54nano_gateway.adapter_config import refuse_unknown_arguments
from gpt54nano_gateway.errors import ConfigurationError
from gpt54nano_gateway.wire import ChatRequest

__all__ = [
    "ADAPTER_CALL_ARGUMENTS",
    "FRAMEWORK_ARGUMENTS",
    "REQUEST_PARAMETERS",
    "body_parameters",
    "check_additional_kwargs",
]

# The request's own fields, less those the adapter owns: the history, and the stream switch
# (the endpoint chooses it: chat vs stream_chat).
REQUEST_PARAMETERS = frozenset(ChatRequest.model_fields) - {"messages", "stream", "stream_options"}

ADAPTER_CALL_ARGUMENTS = frozenset({"gateway_options", "tools_with_reasoning", "extra_body"})

# What llama-index-core 0.14 hands on to chat()/complete() besides request parameters:
# ``formatted`` (LLM.predict, CustomLLM), the chat_with_tools / predict_and_call switches
# (``verbose``, ``allow_parallel_tool_calls``, ``tool_required``, ``strict``,
# ``error_on_no_tool_call``, ``error_on_tool_error``) that FunctionCallingLLM forwards in
# **kwargs to _validate_chat_with_tools_response and, through programs' llm_kwargs, to chat.
FRAMEWORK_ARGUMENTS = frozenset(
    {
        "formatted",
        "verbose",
        "allow_parallel_tool_calls",
        "tool_required",
        "strict",
        "error_on_no_tool_call",
        "error_on_tool_error",
    }
)

_CALL_KNOWN = REQUEST_PARAMETERS | ADAPTER_CALL_ARGUMENTS | FRAMEWORK_ARGUMENTS
_CALL_HINT = (
    "per-call keyword arguments are request parameters (those of gpt54nano_gateway.ChatRequest), "
    "gateway_options, tools_with_reasoning, or extra_body={...} for a parameter the transport "
    "does not declare"
)
_ADDITIONAL_KNOWN = REQUEST_PARAMETERS | {"extra_body"}
_ADDITIONAL_HINT = (
    "additional_kwargs holds request parameters (those of gpt54nano_gateway.ChatRequest); "
    "a parameter the transport does not declare goes in additional_kwargs={'extra_body': {...}}"
)


def check_additional_kwargs(additional_kwargs: Mapping[str, Any]) -> None:
    """Refuse (``ConfigurationError``, with close matches) a key that is not a request parameter."""
    refuse_unknown_arguments(
        additional_kwargs,
        _ADDITIONAL_KNOWN,
        owner="GPT54Nano additional_kwargs",
        hint=_ADDITIONAL_HINT,
    )


def body_parameters(
    additional_kwargs: Mapping[str, Any], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """The body parameters of one call: ``additional_kwargs``, then the call's request
    parameters (``None`` means "not sent"), then both ``extra_body``s, the call's last.
    Raises ``ConfigurationError`` for an unknown key of either, before anything is sent."""
    if not _CALL_KNOWN.issuperset(kwargs):
        # Close matches among what may reach the wire: 'verbocity' is not a misspelt 'verbose'.
        refuse_unknown_arguments(
            set(kwargs) - FRAMEWORK_ARGUMENTS,
            REQUEST_PARAMETERS | ADAPTER_CALL_ARGUMENTS,
            owner="GPT54Nano call",
            hint=_CALL_HINT,
        )
    if not _ADDITIONAL_KNOWN.issuperset(additional_kwargs):
        check_additional_kwargs(additional_kwargs)  # mutated after construction
    body = {k: v for k, v in additional_kwargs.items() if k != "extra_body"}
    for key, value in kwargs.items():
        if key in REQUEST_PARAMETERS and value is not None:
            body[key] = value
    for extra in (additional_kwargs.get("extra_body"), kwargs.get("extra_body")):
        if extra is not None and not isinstance(extra, Mapping):
            raise ConfigurationError(
                f"extra_body must be a mapping of body parameters, not {type(extra).__name__}"
            )
        if extra:
            body.update(extra)
    return body
