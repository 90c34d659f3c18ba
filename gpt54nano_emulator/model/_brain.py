"""The emulator's deterministic "model": what a Chat Completions request gets as an answer.

``generate(body, queued)`` is pure: the same body always gets the same answer. Decision order:

1. a queued test reply (``Reply``) wins, but is still cut and counted like the model's own;
2. ``[[refuse]]`` in the last user message -> a refusal (``refusal`` set, no content);
3. tool calls, when tools are offered and ``tool_choice`` is not ``"none"`` (``_tools_pick``):
   a named tool or ``required`` (``allowed_tools`` narrows the list and sets the mode) always
   calls; ``auto`` calls the tools whose name words the request uses (else the one whose
   description shares most words), several in parallel unless ``parallel_tool_calls`` is
   false. After tool results the model answers instead, unless the request names a tool (or
   an agent to hand off to) not called yet this turn; ``required`` still calls. Arguments
   validate against the tool's schema and are filled from the turn's tool results first, then
   the request (``_tool_results``, ``_schema_fill``);
4. LlamaIndex's text-protocol agents, recognised by their system prompts (``_agents``): ReAct
   gets ``Thought/Action/Action Input`` then ``Answer``, CodeAct gets ``<execute>`` code;
5. ``response_format`` ``json_schema`` -> an instance of the schema; ``json_object`` or a JSON
   schema quoted in the prompt -> JSON (``_structured``), its values taken from the turn's tool
   results first (a number a tool returned is the number that comes back);
6. text (``_text``): quoting the tool results after tool messages; "reply/respond/answer with
   X" or "say X" -> exactly X; otherwise an echo of the last user message.

``stop`` then cuts the content before the first stop string (``finish_reason`` stays "stop"),
and ``max_completion_tokens``/``max_tokens`` truncate it (and, past the content, tool-call
arguments) with ``finish_reason`` "length". Tokens come from ``_tokens``: the completion's
pieces, arguments, refusal and reasoning; the prompt's message texts, tool calls, tool schemas
and response format, plus a small per-message overhead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import _agents, _conversation, _structured, _text
from ._conversation import Json
from ._hints import Hints
from ._tokens import count_tokens, tokenize
from ._tool_results import hints_with_results, turn_tool_results
from ._tools_pick import (
    Call,
    arguments_text,
    by_first_mention,
    call_for,
    call_id,
    pick_tools,
)

# Per-message framing cost, like OpenAI's chat format overhead.
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_REPLY = 3


@dataclass
class Reply:
    """A scripted answer (``emu.queue_reply``); ``finish_reason=None`` means computed."""

    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    refusal: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None


@dataclass
class Generation:
    """What the server renders as a completion or a stream."""

    pieces: list[str]
    tool_calls: list[dict[str, str]]
    refusal: str | None
    reasoning: str | None
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int


def generate(body: Json, queued: Reply | None = None) -> Generation:
    """The model's answer to a validated Chat Completions request body."""
    reply = queued if queued is not None else decide(body)
    fingerprint = _conversation.conversation_fingerprint(body)
    calls = [
        {
            "id": str(call.get("id") or call_id(fingerprint, i)),
            "name": str(call.get("name", "")),
            "arguments": arguments_text(call.get("arguments")),
        }
        for i, call in enumerate(reply.tool_calls or [])
    ]
    return _finish(body, reply, calls)


def decide(body: Json) -> Reply:
    """The model's own choice of answer (no queued reply)."""
    messages = _conversation.messages_of(body)
    user_text = _conversation.last_user_text(messages)
    if _text.wants_refusal(user_text):
        return Reply(refusal=_text.REFUSAL_TEXT)
    calls = _tool_calls(body, messages, user_text)
    if calls:
        return Reply(tool_calls=[{"name": c.name, "arguments": c.arguments} for c in calls])
    framework = _agents.framework_reply(messages)
    if framework is not None:
        return Reply(content=framework)
    structured = _structured.structured_reply(body, messages)
    if structured is not None:
        return Reply(content=structured)
    if _conversation.ends_with_tool_results(messages):
        results = _conversation.trailing_tool_results(messages)
        return Reply(content=_text.tool_results_answer(results))
    return Reply(content=_text.plain_answer(user_text))


def _tool_calls(body: Json, messages: list[Json], user_text: str) -> list[Call]:
    choice = _conversation.tool_choice_of(body)
    tools = _conversation.tools_of(body)
    if choice.allowed is not None:
        tools = [t for t in tools if t.name in choice.allowed]
    if choice.mode == "none" or not tools:
        return []
    if choice.name is not None:
        named = [t for t in tools if t.name == choice.name]
        return [call_for(named[0], user_text)] if named else []
    picked = pick_tools(tools, user_text)
    if _conversation.ends_with_tool_results(messages):
        # After tool results the model answers, unless the request names a tool (or an agent
        # to hand off to) not called yet. A required tool_choice still forces a call: to a
        # tool not called yet if there is one (LangChain's ToolStrategy forces "any" on every
        # turn and expects its output tool to come last), else the same tools again.
        done = _conversation.called_this_turn(messages)
        fresh = pick_tools(tools, user_text, exclude=done, weak=False)
        if not fresh and choice.mode == "required":
            fresh = [t for t in tools if t.name not in done][:1] or picked
        picked = fresh
    if not picked and choice.mode == "required":
        picked = tools[:1]
    picked = by_first_mention(picked, user_text)
    if not _conversation.parallel_allowed(body):
        picked = picked[:1]
    if len(picked) == 1:
        # After tool results the next call (a chain's next step, a final output tool) takes
        # the tools' values first.
        hints = hints_with_results(user_text, turn_tool_results(messages))
        return [call_for(picked[0], user_text, hints=hints)]
    results = "\n".join(_conversation.trailing_tool_results(messages))
    # "Add 2 and 3, and multiply 4 by 5": each call takes the next numbers, in mention order.
    shared = Hints.from_text(f"{user_text}\n{results}")
    return [call_for(t, user_text, hints=shared) for t in picked]


def _finish(body: Json, reply: Reply, calls: list[dict[str, str]]) -> Generation:
    limit = _max_tokens(body)
    text = reply.content or ""
    pieces = tokenize(text)
    finish = "stop"
    cut = _cut_at_stop(text, body.get("stop"))
    if cut is not None:
        pieces = tokenize(cut)
    if limit is not None and len(pieces) > limit:
        pieces, finish = pieces[:limit], "length"
    budget = None if limit is None else limit - len(pieces)
    kept_calls: list[dict[str, str]] = []
    call_tokens = 0
    for call in calls:
        cost = count_tokens(call["name"]) + count_tokens(call["arguments"])
        if budget is not None and call_tokens + cost > budget:
            # A real model runs out mid-arguments: keep what fits, cut the JSON text.
            room = max(budget - call_tokens - count_tokens(call["name"]), 0)
            partial = "".join(tokenize(call["arguments"])[:room])
            kept_calls.append({**call, "arguments": partial})
            call_tokens = budget
            finish = "length"
            break
        kept_calls.append(call)
        call_tokens += cost
    if kept_calls and finish != "length":
        finish = "tool_calls"
    refusal_tokens = count_tokens(reply.refusal) if reply.refusal else 0
    reasoning_tokens = count_tokens(reply.reasoning) if reply.reasoning else 0
    return Generation(
        pieces=pieces,
        tool_calls=kept_calls,
        refusal=reply.refusal,
        reasoning=reply.reasoning,
        finish_reason=reply.finish_reason or finish,
        prompt_tokens=prompt_tokens(body),
        completion_tokens=len(pieces) + call_tokens + refusal_tokens + reasoning_tokens,
        reasoning_tokens=reasoning_tokens,
    )


def _max_tokens(body: Json) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return max(1, int(value))  # the catalog allows 0.5; a model emits whole tokens
    return None


def _cut_at_stop(text: str, stop: Any) -> str | None:
    """``text`` up to the earliest stop string, or ``None`` when none occurs."""
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    positions = [text.find(s) for s in stops if isinstance(s, str) and s]
    found = [p for p in positions if p >= 0]
    return text[: min(found)] if found else None


def prompt_tokens(body: Json) -> int:
    """Every message's text (and tool calls), the tool schemas and the response schema."""
    in_messages, in_functions = prompt_token_parts(body)
    return in_messages + in_functions


def prompt_token_parts(body: Json) -> tuple[int, int]:
    """The prompt's tokens split as OpenAI's context-length message splits them: the messages
    (with the per-message and reply overhead and the response schema), then the tool schemas."""
    messages = _conversation.messages_of(body)
    in_messages = _TOKENS_PER_REPLY
    for message in messages:
        in_messages += _TOKENS_PER_MESSAGE + count_tokens(_conversation.message_text(message))
        if message.get("tool_calls"):
            in_messages += count_tokens(json.dumps(message["tool_calls"], ensure_ascii=False))
    if body.get("response_format"):
        in_messages += count_tokens(json.dumps(body["response_format"], ensure_ascii=False))
    tools = body.get("tools")
    in_functions = count_tokens(json.dumps(tools, ensure_ascii=False)) if tools else 0
    return in_messages, in_functions
