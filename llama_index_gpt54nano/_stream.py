"""Pure: turn the chunks of one stream into the ``ChatResponse``s LlamaIndex expects.

The contract agents rely on (see the module docs of ``base``): every response carries the full
text so far in ``message.content`` and only the new text in ``delta`` (ReActAgent reads the
former, CodeActAgent adds up the latter), and every tool call so far, as ``ToolCallBlock``s and
as a list in ``additional_kwargs["tool_calls"]`` (streaming structured output reads only that
list). Usage and the gateway meta (log id, cache status...) ride on the closing responses.
Text is assembled by the transport's ``StreamAccumulator``. Tool calls are assembled here from
the deltas, as the accumulator does (id and name: the first non-empty value; arguments: the
fragments in order), so that only the call a chunk changed is rebuilt, and its arguments are
parsed incrementally (``PartialJSONObject``: each fragment read once). Each ``ToolCallBlock``'s
parse is remembered (``_tools.remember_selection``) for ``get_tool_calls_from_response``, which
``FunctionAgent`` calls on every chunk: a stream of N argument fragments costs O(N), not the
O(N^2) of re-parsing the cumulative arguments per chunk (issue 16). The response of a plain
text chunk (no thinking, no tool calls: nearly every chunk) is built by ``_fast_response``,
without the pydantic constructors' validation, behind a self-check.
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
from llama_index.core.llms.llm import ToolSelection

from gpt54nano_gateway.accumulator import StreamAccumulator
from gpt54nano_gateway.meta import GatewayMeta
from gpt54nano_gateway.wire import ChatCompletionChunk

from ._convert import meta_to_kwargs, usage_to_kwargs
from ._fast_response import text_chat_response
from ._partial_json import PartialJSONObject
from ._tools import remember_selection

__all__ = ["ChatResponseAssembler"]


class _ToolCall:
    """One streamed tool call: what arrived, its parser, and its current block / wire dict."""

    __slots__ = ("arguments", "block", "id", "name", "parser", "wire")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments: list[str] = []
        self.parser = PartialJSONObject()
        self.block: ToolCallBlock | None = None
        self.wire: dict[str, Any] | None = None

    def rebuild(self, position: int) -> None:
        if len(self.arguments) > 1:
            self.arguments[:] = ["".join(self.arguments)]  # one copy per chunk, in C
        arguments = self.arguments[0] if self.arguments else ""
        call_id = self.id or f"call_{position}"  # an id may arrive late (or never, upstream bug)
        block = ToolCallBlock(tool_call_id=call_id, tool_name=self.name, tool_kwargs=arguments)
        remember_selection(
            block,
            ToolSelection(tool_id=call_id, tool_name=self.name, tool_kwargs=self.parser.value()),
        )
        self.block = block
        self.wire = {
            "id": call_id,
            "type": "function",
            "function": {"name": self.name, "arguments": arguments},
        }


class ChatResponseAssembler:
    """Feed each chunk (after the accumulator has seen it); get a response or ``None``
    (a chunk that changes nothing visible, such as the opening ``role`` chunk)."""

    def __init__(self, meta: GatewayMeta | None = None) -> None:
        self._meta_kwargs = meta_to_kwargs(meta)
        self._thinking = ""
        self._calls: dict[int, _ToolCall] = {}
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
                self._fold_tool_calls(delta.tool_calls)
            finish_reason = choice.finish_reason
        if not (delta_text or thinking_delta or tools_changed or finish_reason or chunk.usage):
            return None
        if tools_changed:
            self._rebuild_tool_calls()
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
        if self._thinking or self._tool_dicts:
            response = ChatResponse(
                message=self._message(accumulator.text),
                delta=delta_text,
                raw=chunk,
                additional_kwargs=extra,
            )
        else:  # the common text chunk: its three objects without the constructors' validation
            response = text_chat_response(accumulator.text, delta_text, chunk, extra)
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

    def _fold_tool_calls(self, fragments: Any) -> None:
        for fragment in fragments:
            call = self._calls.get(fragment.index)
            if call is None:
                call = self._calls[fragment.index] = _ToolCall()
            if fragment.id and not call.id:
                call.id = fragment.id
            function = fragment.function
            if function is not None:
                if function.name and not call.name:
                    call.name = function.name
                if function.arguments:
                    call.arguments.append(function.arguments)
                    call.parser.feed(function.arguments)  # the new fragment only
            call.block = None  # changed: rebuilt below

    def _rebuild_tool_calls(self) -> None:
        blocks: list[ToolCallBlock] = []
        dicts: list[dict[str, Any]] = []
        for position, index in enumerate(sorted(self._calls)):
            call = self._calls[index]
            if call.block is None:
                call.rebuild(position)
            assert call.block is not None and call.wire is not None
            blocks.append(call.block)
            dicts.append(call.wire)
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
