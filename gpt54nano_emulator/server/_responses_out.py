"""Responses API writers: the ``response`` object, its output items and the typed SSE events.

Pure. Shapes and key order follow a captured ``/v1/responses`` body for gpt-5 (id, object,
created_at, status, background, billing, …, usage, user, metadata) and openai-python's
``types/responses`` models (the SDK is the referee for fields a capture does not show, such as
``completed_at`` and ``input_tokens_details.cache_write_tokens``). A stream is
``event: <type>`` + ``data: <json with the same type and a sequence_number>`` per event, no
``[DONE]``: ``response.created``, ``response.in_progress``, then per output item
``response.output_item.added`` … its part/delta/done events … ``response.output_item.done``,
and last ``response.completed`` / ``response.incomplete`` / ``response.failed``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model._responses import ResponsesTurn, effort_of
from ..model._tokens import tokenize
from ._reasoning_seal import ReasoningSeal
from ._wire_out import obfuscation, split_arguments

Json = dict[str, Any]
ENCRYPTED = "reasoning.encrypted_content"
FAILED_MESSAGE = "An error occurred while processing your request."


def new_id(prefix: str) -> str:
    """``resp_`` / ``rs_`` / ``msg_`` / ``fc_`` followed by 50 hex digits, like OpenAI's."""
    return f"{prefix}_{secrets.token_hex(25)}"


@dataclass(frozen=True)
class ResponseContext:
    """What every body and event of one answer shares."""

    request: Mapping[str, Any]
    response_id: str
    created_at: int
    model: str

    @property
    def include_encrypted(self) -> bool:
        return ENCRYPTED in (self.request.get("include") or [])

    @property
    def summary_mode(self) -> str | None:
        reasoning = self.request.get("reasoning")
        if not isinstance(reasoning, dict):
            return None
        mode = reasoning.get("summary") or reasoning.get("generate_summary")
        return mode if isinstance(mode, str) else None


# --- output items -----------------------------------------------------------------------------


def output_items(turn: ResponsesTurn, ctx: ResponseContext, seal: ReasoningSeal) -> list[Json]:
    """The final ``output`` list; the last item is ``incomplete`` when the answer was cut."""
    items: list[Json] = []
    gen = turn.generation
    if turn.reasoning is not None:
        item: Json = {"id": new_id("rs"), "type": "reasoning"}
        if ctx.include_encrypted:
            item["encrypted_content"] = seal.seal(item["id"], ctx.response_id, turn.reasoning)
        summary = [{"type": "summary_text", "text": turn.reasoning}] if ctx.summary_mode else []
        item["summary"] = summary
        items.append(item)
    text = "".join(gen.pieces)
    if gen.refusal or gen.pieces or (not gen.tool_calls and turn.status == "completed"):
        part: Json
        if gen.refusal:
            part = {"type": "refusal", "refusal": gen.refusal}
        else:
            part = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
        items.append(
            {
                "id": new_id("msg"),
                "type": "message",
                "status": "completed",
                "content": [part],
                "role": "assistant",
            }
        )
    for call in gen.tool_calls:
        items.append(
            {
                "id": new_id("fc"),
                "type": "function_call",
                "status": "completed",
                "arguments": call["arguments"],
                "call_id": call["id"],
                "name": call["name"],
            }
        )
    if turn.status == "incomplete" and items and items[-1]["type"] != "reasoning":
        items[-1]["status"] = "incomplete"
    return items


def usage(turn: ResponsesTurn) -> Json:
    return {
        "input_tokens": turn.input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": turn.output_tokens,
        "output_tokens_details": {"reasoning_tokens": turn.reasoning_tokens},
        "total_tokens": turn.input_tokens + turn.output_tokens,
    }


# --- the response object ---------------------------------------------------------------------


def _echo_tool(tool: Any) -> Any:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        return tool
    return {
        "type": "function",
        "description": tool.get("description"),
        "name": tool.get("name"),
        "parameters": tool.get("parameters"),
        "strict": tool.get("strict", True),
    }


def _echo_format(text: Any) -> Json:
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return {"type": fmt.get("type", "text")} if isinstance(fmt, dict) else {"type": "text"}
    return {
        "type": "json_schema",
        "description": fmt.get("description"),
        "name": fmt.get("name"),
        "schema": fmt.get("schema"),
        "strict": fmt.get("strict", False),
    }


def response_object(
    ctx: ResponseContext,
    *,
    status: str,
    output: list[Json],
    turn: ResponsesTurn | None,
) -> Json:
    """The ``response`` object; ``turn=None`` for the in-progress snapshot a stream opens with."""
    request = ctx.request
    text = request.get("text")
    verbosity = text.get("verbosity") if isinstance(text, dict) else None
    raw_reasoning = request.get("reasoning")
    reasoning: Mapping[str, Any] = raw_reasoning if isinstance(raw_reasoning, dict) else {}
    incomplete = None
    if turn is not None and status == "incomplete":
        incomplete = {"reason": turn.incomplete_reason}
    error = {"code": "server_error", "message": FAILED_MESSAGE} if status == "failed" else None
    finished = status in ("completed", "incomplete", "failed")
    return {
        "id": ctx.response_id,
        "object": "response",
        "created_at": ctx.created_at,
        "status": status,
        "background": bool(request.get("background", False)),
        "billing": {"payer": "developer"},
        "completed_at": int(time.time()) if status == "completed" else None,
        "error": error,
        "incomplete_details": incomplete,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "max_tool_calls": request.get("max_tool_calls"),
        "model": ctx.model,
        "output": output,
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": request.get("previous_response_id"),
        "prompt_cache_key": request.get("prompt_cache_key"),
        "prompt_cache_retention": request.get("prompt_cache_retention"),
        "reasoning": {"effort": effort_of(dict(request)), "summary": reasoning.get("summary")},
        "safety_identifier": request.get("safety_identifier"),
        "service_tier": "default",
        "store": request.get("store", True),
        "temperature": float(request.get("temperature", 1.0)),
        "text": {"format": _echo_format(text), "verbosity": verbosity or "medium"},
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": [_echo_tool(t) for t in request.get("tools") or []],
        "top_logprobs": request.get("top_logprobs", 0),
        "top_p": float(request.get("top_p", 1.0)),
        "truncation": request.get("truncation", "disabled"),
        "usage": usage(turn) if turn is not None and finished else None,
        "user": request.get("user"),
        "metadata": request.get("metadata") or {},
    }


# --- stream events ----------------------------------------------------------------------------


def _item_events(item: Json, index: int, turn: ResponsesTurn) -> list[Json]:
    """The events of one output item, from ``output_item.added`` to ``output_item.done``."""
    base = {"item_id": item["id"], "output_index": index}
    kind = item["type"]
    events: list[Json] = []
    if kind == "reasoning":
        added = {"id": item["id"], "type": "reasoning", "summary": []}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        for s_index, summary in enumerate(item["summary"]):
            at = {**base, "summary_index": s_index}
            empty = {"type": "summary_text", "text": ""}
            events.append({"type": "response.reasoning_summary_part.added", **at, "part": empty})
            for piece in tokenize(summary["text"]):
                events.append(
                    {
                        "type": "response.reasoning_summary_text.delta",
                        **at,
                        "delta": piece,
                        "obfuscation": obfuscation(),
                    }
                )
            done_text = {"type": "response.reasoning_summary_text.done", **at}
            events.append({**done_text, "text": summary["text"]})
            events.append({"type": "response.reasoning_summary_part.done", **at, "part": summary})
    elif kind == "message":
        added = {**item, "status": "in_progress", "content": []}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        part = item["content"][0]
        at = {**base, "content_index": 0}
        if part["type"] == "refusal":
            empty_part: Json = {"type": "refusal", "refusal": ""}
            events.append({"type": "response.content_part.added", **at, "part": empty_part})
            for piece in split_arguments(part["refusal"], 6):
                events.append({"type": "response.refusal.delta", **at, "delta": piece})
            events.append({"type": "response.refusal.done", **at, "refusal": part["refusal"]})
        else:
            empty_part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
            events.append({"type": "response.content_part.added", **at, "part": empty_part})
            for piece in turn.generation.pieces:
                events.append(
                    {
                        "type": "response.output_text.delta",
                        **at,
                        "delta": piece,
                        "logprobs": [],
                        "obfuscation": obfuscation(),
                    }
                )
            done = {"type": "response.output_text.done", **at, "text": part["text"]}
            events.append({**done, "logprobs": []})
        events.append({"type": "response.content_part.done", **at, "part": part})
    else:  # function_call
        added = {**item, "status": "in_progress", "arguments": ""}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        for fragment in split_arguments(item["arguments"]):
            events.append(
                {
                    "type": "response.function_call_arguments.delta",
                    **base,
                    "delta": fragment,
                    "obfuscation": obfuscation(),
                }
            )
        events.append(
            {
                "type": "response.function_call_arguments.done",
                **base,
                "arguments": item["arguments"],
                "name": item["name"],
            }
        )
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def stream_events(ctx: ResponseContext, output: list[Json], turn: ResponsesTurn) -> list[Json]:
    """Every event of a streamed answer, numbered from 0 in ``sequence_number``."""
    opening = response_object(ctx, status="in_progress", output=[], turn=None)
    events: list[Json] = [
        {"type": "response.created", "response": opening},
        {"type": "response.in_progress", "response": opening},
    ]
    for index, item in enumerate(output):
        events.extend(_item_events(item, index, turn))
    final = response_object(ctx, status=turn.status, output=output, turn=turn)
    events.append({"type": f"response.{turn.status}", "response": final})
    return [
        {"type": event["type"], "sequence_number": n, **event} for n, event in enumerate(events)
    ]


def sse_typed(event: Mapping[str, Any]) -> bytes:
    """``event: <type>`` then ``data: <compact json>`` and a blank line (OpenAI's framing)."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


def error_event(sequence_number: int, message: str, code: str | None) -> bytes:
    """The ``error`` event (openai-python ``ResponseErrorEvent``)."""
    return sse_typed(
        {
            "type": "error",
            "sequence_number": sequence_number,
            "code": code,
            "message": message,
            "param": None,
        }
    )


#: An event whose JSON stops mid-object (the ``malformed`` fault).
MALFORMED_EVENT = (
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
    b'"item_id":"msg_malformed","delta":\n\n'
)
