"""What OpenAI itself refuses on ``/v1/chat/completions``, answered with OpenAI's own bodies.

Cloudflare relays an upstream 400 unchanged (wire doc §4.1 (d)), so every rejection here is
``{"error": {"message", "type": "invalid_request_error", "param", "code"}}`` with status 400, on
all three chat routes. Order of the layers (``_app``): Cloudflare's catalog schema first (REST
and compat only; its top-level ``additionalProperties: {}`` lets unknown fields through, §6),
then these checks, in the order a request is parsed and then judged:

1. unknown top-level arguments (the allow-list is openai-python 2.54's
   ``CompletionCreateParams`` plus ``stream``): "Unrecognized request argument supplied: <name>",
   or "arguments supplied: a, b" for several, ``param``/``code`` null (davidmigloz/langchain_dart
   #712, nashsu/llm_wiki#336; the plural form namankhurpia/Easy-open-ai#38);
2. GPT-5.4 family ``reasoning_effort: "minimal"`` → ``unsupported_value`` (wire doc "Added
   2026-12"; livekit/agents#7169, getzep/graphiti#1395);
3. GPT-5 ``temperature`` other than 1 unless ``reasoning_effort == "none"`` (``_validate``);
4. GPT-5.4 family function tools with a ``reasoning_effort`` other than ``"none"`` (absent is
   accepted) → the "Function tools with reasoning_effort" body (pipecat-ai/pipecat#4043,
   openai/openai-openapi#541, webbrain-one/webbrain#382 for the exact current wording);
5. tool history: a ``tool`` message that answers no ``tool_calls`` of the assistant message
   right before its run of tool messages → "Invalid parameter: messages with role 'tool' must be
   a response to a preceeding message with 'tool_calls'." (OpenAI's spelling), ``param``
   ``messages.[i].role`` of that tool message; an assistant ``tool_calls`` message not followed
   by a tool message for each id → "An assistant message with 'tool_calls' must be followed by
   tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have
   response messages: <ids>", ``param`` ``messages.[i].role`` of the assistant message, ``code``
   null for both (sdcb/chats#132, router-for-me/CLIProxyAPI#2798, miurla/morphic#136);
6. a prompt over the 128,000-token context (Cloudflare's catalog figure, §6; OpenAI publishes
   400,000, §U6) → ``context_length_exceeded``, ``param`` ``messages``, with OpenAI's Chat
   Completions text (bytedance/deer-flow#310). Tokens are the scripted model's own estimate
   (``model._brain.prompt_token_parts``: one token per run of up to six word characters or per
   punctuation mark, plus 3 per message and 3 for the reply), the same number ``usage`` reports.

Where public material shows no rejection, the emulator stays lenient: other ``reasoning_effort``
strings, ``max_tokens``/``max_completion_tokens`` above the catalog's 16,384 (OpenAI publishes
128,000 output tokens for gpt-5.4-nano, §U6), ``max_tokens`` on a reasoning model (§U8), a prompt
plus completion budget over the context, and legacy ``functions`` with ``reasoning_effort``.
Which of several failing rules OpenAI reports first is not documented; the order above is the
emulator's. Pure functions: each returns ``None`` or the rejection to send.
"""

from __future__ import annotations

from typing import Any

from ..model._brain import prompt_token_parts
from . import _wire_out
from ._validate import Rejection, check_model_rules

#: Every top-level argument of the current Chat Completions API (openai-python 2.54
#: ``CompletionCreateParamsBase`` and ``stream`` from its two subclasses).
CHAT_COMPLETIONS_ARGUMENTS = frozenset(
    {
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "messages",
        "metadata",
        "modalities",
        "model",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)
#: The GPT-5.4 family's ``reasoning_effort`` values, as its ``unsupported_value`` message says.
GPT54_EFFORTS = ("none", "low", "medium", "high", "xhigh")
#: Cloudflare's catalog ``context_length`` for gpt-5.4-nano and gpt-5.4-mini (wire doc §6).
CONTEXT_LENGTH = 128_000


def _bad_request(message: str, *, param: str | None, code: str | None = None) -> Rejection:
    body = _wire_out.openai_error(message, type_="invalid_request_error", param=param, code=code)
    return Rejection(400, body)


def upstream_model(body: dict[str, Any]) -> str:
    """The model name as OpenAI sees it (Cloudflare strips the ``openai/`` prefix)."""
    model = body.get("model")
    return model.removeprefix("openai/") if isinstance(model, str) else ""


def is_gpt54(model: str) -> bool:
    return model == "gpt-5.4" or model.startswith("gpt-5.4-")


def check_arguments(body: dict[str, Any]) -> Rejection | None:
    unknown = [name for name in body if name not in CHAT_COMPLETIONS_ARGUMENTS]
    if not unknown:
        return None
    if len(unknown) == 1:
        return _bad_request(f"Unrecognized request argument supplied: {unknown[0]}", param=None)
    listed = ", ".join(unknown)
    return _bad_request(f"Unrecognized request arguments supplied: {listed}", param=None)


def check_effort_value(body: dict[str, Any]) -> Rejection | None:
    if not is_gpt54(upstream_model(body)) or body.get("reasoning_effort") != "minimal":
        return None
    supported = ", ".join(f"'{effort}'" for effort in GPT54_EFFORTS[:-1])
    message = (
        "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
        f"Supported values are: {supported}, and '{GPT54_EFFORTS[-1]}'."
    )
    return _bad_request(message, param="reasoning_effort", code="unsupported_value")


def _has_function_tools(body: dict[str, Any]) -> bool:
    tools = body.get("tools")
    return isinstance(tools, list) and any(
        isinstance(tool, dict) and tool.get("type") == "function" for tool in tools
    )


def check_tools_with_effort(body: dict[str, Any]) -> Rejection | None:
    model = upstream_model(body)
    if not is_gpt54(model) or body.get("reasoning_effort") in (None, "none"):
        return None
    if not _has_function_tools(body):
        return None
    message = (
        f"Function tools with reasoning_effort are not supported for {model} in "
        "/v1/chat/completions. To use function tools, use /v1/responses or set "
        "reasoning_effort to 'none'."
    )
    return _bad_request(message, param="reasoning_effort")


def _call_ids(message: dict[str, Any]) -> list[str]:
    calls = message.get("tool_calls")
    if message.get("role") != "assistant" or not isinstance(calls, list):
        return []
    return [str(call.get("id")) for call in calls if isinstance(call, dict)]


def _orphan_tool(index: int) -> Rejection:
    message = (
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
        "message with 'tool_calls'."
    )
    return _bad_request(message, param=f"messages.[{index}].role")


def check_tool_history(body: dict[str, Any]) -> Rejection | None:
    """Each assistant ``tool_calls`` message is followed by one tool message per call id, and
    every tool message belongs to such a run."""
    raw = body.get("messages")
    messages = raw if isinstance(raw, list) else []
    i = 0
    while i < len(messages):
        message = messages[i] if isinstance(messages[i], dict) else {}
        ids = _call_ids(message)
        if message.get("role") == "tool":
            return _orphan_tool(i)
        if not ids:
            i += 1
            continue
        answered: set[str] = set()
        j = i + 1
        while j < len(messages) and isinstance(messages[j], dict):
            if messages[j].get("role") != "tool":
                break
            call_id = messages[j].get("tool_call_id")
            if call_id not in ids:
                return _orphan_tool(j)
            answered.add(str(call_id))
            j += 1
        missing = [call_id for call_id in ids if call_id not in answered]
        if missing:
            message_text = (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(missing)}"
            )
            return _bad_request(message_text, param=f"messages.[{i}].role")
        i = j
    return None


def check_context_length(body: dict[str, Any]) -> Rejection | None:
    in_messages, in_functions = prompt_token_parts(body)
    total = in_messages + in_functions
    if total <= CONTEXT_LENGTH:
        return None
    head = (
        f"This model's maximum context length is {CONTEXT_LENGTH} tokens. "
        f"However, your messages resulted in {total} tokens"
    )
    if in_functions:
        message = (
            f"{head} ({in_messages} in the messages, {in_functions} in the functions). "
            "Please reduce the length of the messages or functions."
        )
    else:
        message = f"{head}. Please reduce the length of the messages."
    return _bad_request(message, param="messages", code="context_length_exceeded")


_CHECKS = (
    check_arguments,
    check_effort_value,
    check_model_rules,
    check_tools_with_effort,
    check_tool_history,
    check_context_length,
)


def check_openai_rules(body: dict[str, Any]) -> Rejection | None:
    """The first of OpenAI's rejections that applies, in the order of the module docstring."""
    for check in _CHECKS:
        rejection = check(body)
        if rejection is not None:
            return rejection
    return None
