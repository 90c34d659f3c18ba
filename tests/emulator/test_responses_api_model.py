"""The pure mapping from a Responses request onto the chat body the scripted model reads."""

from __future__ import annotations

from gpt54nano_emulator.model._responses import respond, to_chat_body


def test_items_map_onto_chat_messages_tools_and_format() -> None:
    request = {
        "model": "openai/gpt-5.4-nano",
        "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "function_call", "call_id": "c1", "name": "w", "arguments": "{}"},
            {"type": "function_call", "call_id": "c2", "name": "v", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "sun"},
            {
                "type": "function_call_output",
                "call_id": "c2",
                "output": [{"type": "input_text", "text": "rain"}],
            },
        ],
        "tools": [{"type": "function", "name": "w", "parameters": {"type": "object"}}],
        "tool_choice": {"type": "function", "name": "w"},
        "parallel_tool_calls": False,
        "text": {
            "format": {
                "type": "json_schema",
                "name": "x",
                "schema": {"type": "object"},
                "strict": True,
            }
        },
    }
    assert to_chat_body(request) == {
        "model": "openai/gpt-5.4-nano",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}},
                    {"id": "c2", "type": "function", "function": {"name": "v", "arguments": "{}"}},
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "sun"},
            {"role": "tool", "tool_call_id": "c2", "content": "rain"},
        ],
        "tools": [
            {"type": "function", "function": {"name": "w", "parameters": {"type": "object"}}}
        ],
        "tool_choice": {"type": "function", "function": {"name": "w"}},
        "parallel_tool_calls": False,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": True},
        },
    }


def test_effort_scales_reasoning_tokens_and_none_has_no_reasoning() -> None:
    base = {"model": "openai/gpt-5.4-nano", "input": "hi"}
    none = respond(base)
    low = respond({**base, "reasoning": {"effort": "low"}})
    high = respond({**base, "reasoning": {"effort": "high"}})
    assert (none.reasoning, none.reasoning_tokens) == (None, 0)
    assert low.reasoning == high.reasoning and low.reasoning is not None
    assert high.reasoning_tokens == 4 * low.reasoning_tokens > 0
    assert high.output_tokens - high.reasoning_tokens == none.output_tokens
