"""Pure: turn the chunks of one stream into the ``ChatResponse``s LlamaIndex expects.

The contract agents rely on (see the module docs of ``base``): every response carries the full
text so far in ``message.content`` and only the new text in ``delta`` (ReActAgent reads the
former, CodeActAgent adds up the latter), and every tool call so far, as ``ToolCallBlock``s and
as a list in ``additional_kwargs["tool_calls"]`` (streaming structured output reads only that
list). Usage and the gateway meta (log id, cache status...) ride on the closing responses.
Text and tool calls are assembled by the transport's ``StreamAccumulator``; this class only
re-reads the tool calls when a chunk changed them, so a text chunk costs one message.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from gpt54nano_gateway.accumulator import StreamAccumulator
from gpt54nano_gateway.meta import GatewayMeta
from gpt54nano_gateway.wire import ChatCompletionChunk

from ._convert import meta_to_kwargs, usage_to_kwargs

__all__ = ["ChatResponseAssembler"]


class ChatResponseAssembler:
    """Feed each chunk (after the accumulator has seen it); get a response or ``None``
    (a chunk that changes nothing visible, such as the opening ``role`` chunk)."""

    def __init__(self, meta: GatewayMeta | None = None) -> None:
        self._meta_kwargs = meta_to_kwargs(meta)
        self._thinking = ""
        self._tool_blocks: list[ToolCallBlock] = []
        self._tool_dicts: list[dict[str, Any]] = []
        self.last: ChatResponse | None = None

    def feed(
        self, chunk: ChatCompletionChunk, accumulator: StreamAccumulator
    ) -> ChatResponse | None:
        delta_text = ""
        thinking_delta: str | None = None
        tools_changed = False
        finish_reason: str | None = None
        for choice in chunk.choices:
            if choice.index != 0:
                continue  # n > 1 is not a LlamaIndex notion; choice 0 is the answer
            delta = choice.delta
            if delta.content:
                delta_text = delta.content
            if delta.reasoning_content:
                thinking_delta = delta.reasoning_content
            if delta.tool_calls:
                tools_changed = True
            finish_reason = choice.finish_reason
        if not (delta_text or thinking_delta or tools_changed or finish_reason or chunk.usage):
            return None
        if tools_changed:
            self._read_tool_calls(accumulator)
        if thinking_delta:
            self._thinking += thinking_delta
        # Gateway meta rides on the first response and on the closing ones (finish reason,
        # usage), where consumers look for it; not on every text chunk (it costs ~1 µs each).
        closing = finish_reason is not None or chunk.usage is not None
        extra: dict[str, Any] = dict(self._meta_kwargs) if closing or self.last is None else {}
        if thinking_delta is not None:
            extra["thinking_delta"] = thinking_delta
        if finish_reason is not None:
            extra["finish_reason"] = finish_reason
        if chunk.usage is not None:
            extra.update(usage_to_kwargs(chunk.usage))
        response = ChatResponse(
            message=self._message(accumulator.text),
            delta=delta_text,
            raw=chunk,
            additional_kwargs=extra,
        )
        self.last = response
        return response

    def final(self, accumulator: StreamAccumulator) -> ChatResponse:
        """The response to yield when the stream produced nothing visible (an empty answer):
        agents treat a stream without any response as an error."""
        return ChatResponse(
            message=self._message(accumulator.text),
            delta="",
            additional_kwargs=dict(self._meta_kwargs),
        )

    def _read_tool_calls(self, accumulator: StreamAccumulator) -> None:
        snapshot = accumulator.snapshot()
        calls = snapshot.choices[0].message.tool_calls if snapshot.choices else None
        blocks: list[ToolCallBlock] = []
        dicts: list[dict[str, Any]] = []
        for index, call in enumerate(calls or ()):
            call_id = call.id or f"call_{index}"  # an id may arrive late (or never, upstream bug)
            name, arguments = call.function.name, call.function.arguments
            blocks.append(
                ToolCallBlock(tool_call_id=call_id, tool_name=name, tool_kwargs=arguments)
            )
            dicts.append(
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            )
        self._tool_blocks, self._tool_dicts = blocks, dicts

    def _message(self, text: str) -> ChatMessage:
        blocks: list[Any] = []
        if self._thinking:
            blocks.append(ThinkingBlock(content=self._thinking))
        blocks.append(TextBlock(text=text))
        blocks.extend(self._tool_blocks)
        if not self._tool_dicts:  # the common text chunk: let the default {} be made
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
        # A fresh dict each time: core's completion adapters update() it in place.
        return ChatMessage(
            role=MessageRole.ASSISTANT,
            blocks=blocks,
            additional_kwargs={"tool_calls": list(self._tool_dicts)},
        )
