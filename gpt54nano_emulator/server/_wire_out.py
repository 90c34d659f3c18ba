"""Response writers: ids, headers, success bodies, stream chunks and the four error body shapes.

Everything here is pure (no I/O) and written independently of the client's wire models, so the
emulator stays an independent check on the transport. Shapes follow
``docs/reference/cloudflare-wire.md`` (the "wire doc"): §2.1 for ``chat.completion``
(key set of the catalog ``raw_response``, which has no ``logprobs``), §3.1 for
``chat.completion.chunk`` and the SSE framing, §4.1 for error bodies, §5.2 for headers.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

#: The upstream dated id that Cloudflare returns in ``model`` for ``openai/gpt-5.4-nano`` (§2.1).
DATED_MODEL = "gpt-5.4-nano-2026-03-17"

_ALNUM = string.ascii_letters + string.digits


class GenerationLike(Protocol):
    """The part of ``_brain.Generation`` serialised here (kept structural to avoid a cycle)."""

    pieces: list[str]
    tool_calls: list[dict[str, str]]
    refusal: str | None
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int


# --- ids and headers -------------------------------------------------------------------------


def uuid7() -> str:
    """A lowercase RFC 9562 UUIDv7 (Cloudflare's log id format since 2026-10-08, §5.2)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a (12 bits)
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b (62 bits)
    return str(uuid.UUID(int=value))


def completion_id() -> str:
    """``chatcmpl-`` followed by 29 alphanumerics, like OpenAI's ids."""
    return "chatcmpl-" + "".join(secrets.choice(_ALNUM) for _ in range(29))


def tool_call_id() -> str:
    return "call_" + "".join(secrets.choice(_ALNUM) for _ in range(24))


def ray_id() -> str:
    """A ``cf-ray`` value: 16 hex digits and a colo suffix."""
    return secrets.token_hex(8) + "-SJC"


def obfuscation() -> str:
    """OpenAI's random ``obfuscation`` padding on stream chunks (1 to 15 characters)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(secrets.randbelow(15) + 1))


def gateway_headers(client_event_id: str | None) -> dict[str, str]:
    """The ``cf-aig-*`` and ``cf-ray`` headers put on every chat route response (§5.2)."""
    log_id = uuid7()
    return {
        "cf-aig-log-id": log_id,
        "cf-aig-request-id": log_id,
        "cf-aig-event-id": client_event_id if client_event_id else log_id,
        "cf-aig-step": "0",
        "cf-ray": ray_id(),
    }


# --- success bodies ----------------------------------------------------------------------------


def usage_object(gen: GenerationLike) -> dict[str, Any]:
    """``usage`` with both detail objects, keys as in the catalog capture."""
    return {
        "prompt_tokens": gen.prompt_tokens,
        "completion_tokens": gen.completion_tokens,
        "total_tokens": gen.prompt_tokens + gen.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": gen.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def completion_body(
    gen: GenerationLike, *, response_id: str, created: int, model: str = DATED_MODEL
) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` with Cloudflare's ``gatewayMetadata`` (§2.1)."""
    content = "".join(gen.pieces) if gen.pieces or not (gen.tool_calls or gen.refusal) else None
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": gen.refusal,
        "annotations": [],
    }
    if gen.tool_calls:
        message["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
            for call in gen.tool_calls
        ]
    return {
        "id": response_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": gen.finish_reason}],
        "usage": usage_object(gen),
        "service_tier": "default",
        "system_fingerprint": None,
        "gatewayMetadata": {"keySource": "Unified"},
    }


def _chunk(
    response_id: str,
    created: int,
    model: str,
    choices: list[dict[str, Any]],
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": None,
        "choices": choices,
        "usage": usage,
        "obfuscation": obfuscation(),
    }


def _delta_choice(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason}


def split_arguments(arguments: str, size: int = 8) -> list[str]:
    """Argument fragments as the model streams them (a few characters each)."""
    return [arguments[i : i + size] for i in range(0, len(arguments), size)]


def stream_chunks(
    gen: GenerationLike,
    *,
    response_id: str,
    created: int,
    include_usage: bool,
    model: str = DATED_MODEL,
) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of one streamed answer, in order (§3.1).

    Text: a role chunk with ``content: ""``, one chunk per token, the finish chunk (empty delta),
    then the ``choices: []`` usage chunk only when ``include_usage``. A reply that starts with a
    tool call carries the role on the first tool-call fragment instead, as OpenAI does
    (recorded in ``test_run_stream_sync_streams_real_model.yaml``).
    """
    role_sent = False
    if gen.pieces or not (gen.tool_calls or gen.refusal):
        yield _chunk(
            response_id,
            created,
            model,
            [_delta_choice({"role": "assistant", "content": "", "refusal": None})],
        )
        role_sent = True
        for piece in gen.pieces:
            yield _chunk(response_id, created, model, [_delta_choice({"content": piece})])
    if gen.refusal:
        if not role_sent:
            delta: dict[str, Any] = {"role": "assistant", "content": None, "refusal": ""}
            yield _chunk(response_id, created, model, [_delta_choice(delta)])
            role_sent = True
        for piece in split_arguments(gen.refusal, 6):
            yield _chunk(response_id, created, model, [_delta_choice({"refusal": piece})])
    for index, call in enumerate(gen.tool_calls):
        first: dict[str, Any] = {
            "index": index,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["name"], "arguments": ""},
        }
        delta = {"tool_calls": [first]}
        if not role_sent:
            delta = {"role": "assistant", "content": None, "tool_calls": [first], "refusal": None}
            role_sent = True
        yield _chunk(response_id, created, model, [_delta_choice(delta)])
        for fragment in split_arguments(call["arguments"]):
            fragment_delta = {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
            yield _chunk(response_id, created, model, [_delta_choice(fragment_delta)])
    yield _chunk(response_id, created, model, [_delta_choice({}, gen.finish_reason)])
    if include_usage:
        yield _chunk(response_id, created, model, [], usage_object(gen))


# --- SSE framing ----------------------------------------------------------------------------------


def sse_event(data: Mapping[str, Any] | str) -> bytes:
    """One ``data: <json>\\n\\n`` event (compact JSON, like OpenAI)."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


SSE_DONE = b"data: [DONE]\n\n"


# --- error bodies (§4.1) -------------------------------------------------------------------------


def v4_error(code: int, message: str) -> dict[str, Any]:
    """(a) The api.cloudflare.com v4 envelope."""
    return {
        "result": None,
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
    }


def gateway_error(status: int, code: int, message: str) -> dict[str, Any]:
    """(b) ``AiGatewayError``: note the singular ``error`` array."""
    return {
        "success": False,
        "result": [],
        "messages": [],
        "error": [{"code": code, "message": message}],
        "name": "AiGatewayError",
        "httpCode": status,
        "internalCode": code,
        "message": message,
        "description": message,
    }


def workers_ai_error(status: int, code: int, message: str) -> dict[str, Any]:
    """(c) Workers AI ``AiError``."""
    request_id = str(uuid.uuid4())
    return {
        "name": "AiError",
        "internalCode": code,
        "httpCode": status,
        "message": f"AiError: {message} ({request_id})",
        "description": message,
        "requestId": request_id,
    }


def openai_error(
    message: str, *, type_: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """(d) OpenAI-shaped ``{"error": {...}}`` (upstream pass-through or gateway-synthesised)."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def html_error_page(status: int, title: str) -> str:
    """The HTML page Cloudflare's edge serves for 502/504 (no JSON body at all)."""
    return (
        f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
